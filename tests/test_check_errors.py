"""Every bad-input fixture in tests/data/bad/check/ makes `warning check` fail with exactly the
messages in its expected.txt (`{dir}` stands for the fixture's folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA, REPO, invoke

CASES = sorted(p for p in (DATA / "bad" / "check").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_bad_input_names_file_and_line(case: Path, tmp_path: Path) -> None:
    if (case / "config.yaml").exists():
        config = case / "config.yaml"
    else:
        config = tmp_path / "config.yaml"
        config.write_text(f"rules: {{path: {case}}}\n")
    result = invoke("check", "--config", str(config))
    expected = (case / "expected.txt").read_text().replace("{dir}", str(case))
    assert result.code != 0
    assert result.stderr == expected


def test_shipped_configuration_rules_and_tests_pass() -> None:
    result = invoke("check", "--config", str(REPO / "config.yaml"))
    assert result.code == 0, result.stderr
    assert "rule tests passed" in result.stdout


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    result = invoke("check", "--config", str(tmp_path / "nope.yaml"))
    assert result.code != 0
    assert "nope.yaml: no such config file" in result.stderr


def test_yaml_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    from warning.yamlio import MAX_BYTES, InputError, load_yaml

    big = tmp_path / "siege.yaml"
    big.write_text("# padding\n" * (MAX_BYTES // 10 + 1))
    try:
        load_yaml(big)
    except InputError as exc:
        assert exc.messages == [
            f"{big}:1:1: not read: {big.stat().st_size:,} bytes (at most 1,048,576)"
        ]
    else:
        raise AssertionError("a file over the limit was read")


def test_yaml_nested_past_the_parser_is_refused(tmp_path: Path) -> None:
    from warning.yamlio import InputError, parse_yaml

    try:
        parse_yaml("a: " + "[" * 100_000 + "]" * 100_000, tmp_path / "deep.yaml")
    except InputError as exc:
        assert exc.messages[0].startswith(f"{tmp_path / 'deep.yaml'}:")
        assert "nested" in exc.messages[0]
    else:
        raise AssertionError("100,000 levels were read")
