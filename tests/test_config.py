"""Typed settings: env-var secrets, relative paths, redaction, bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from warning.config import load_settings, parse_duration
from warning.yamlio import InputError


def test_env_references_resolve_and_are_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "tok-123456")
    path = tmp_path / "config.yaml"
    path.write_text(
        'channels:\n  chat: {url: "mmost://127.0.0.1:9/${HOOK_TOKEN}", min_severity: low}\n'
    )
    settings = load_settings(path)
    assert settings.channels["chat"].url == "mmost://127.0.0.1:9/tok-123456"
    assert settings.redact("failed posting to mmost://127.0.0.1:9/tok-123456 (tok-123456)") == (
        "failed posting to *** (***)"
    )
    assert "tok-123456" not in repr(settings)


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.yaml"
    path.parent.mkdir()
    path.write_text(
        "database: {url: 'sqlite:///data/w.db'}\nrules: {path: myrules}\n"
        "sources: [{name: a, kind: folder, path: in, every: 5m}]\n"
    )
    settings = load_settings(path)
    assert settings.database.url == f"sqlite:///{tmp_path / 'conf' / 'data' / 'w.db'}"
    assert settings.rules.path == tmp_path / "conf" / "myrules"
    assert settings.sources[0].path == tmp_path / "conf" / "in"
    assert settings.sources[0].every == 300


def test_duplicate_source_names_and_bad_severity_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "alerts: {min_severity: severe}\n"
        "sources:\n  - {name: a, kind: folder, path: x}\n  - {name: a, kind: folder, path: y}\n"
    )
    with pytest.raises(InputError) as caught:
        load_settings(path)
    text = str(caught.value)
    assert f"{path}:1:" in text and "severe" in text
    assert "duplicate source name(s): a" in text


@pytest.mark.parametrize(
    ("value", "seconds"), [("90s", 90), ("5m", 300), ("1h", 3600), (30, 30), ("250ms", 0.25)]
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


def test_bad_duration() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
