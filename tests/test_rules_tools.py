"""`warning rules test|explain|lint`, run as an analyst would."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import invoke

SEVERITY = "severity:\n  - when: {count: 1}\n    level: low\n    why: one\n"


def write_pack(folder: Path, siege: str, **others: str) -> None:
    """A rules folder: siege.yaml, a one-line severity file, and any other files given."""
    (folder / "siege.yaml").write_text(siege)
    (folder / "severity.yaml").write_text(SEVERITY)
    for name, text in others.items():
        (folder / f"{name}.yaml").write_text(text)


def test_rules_test_passes_on_the_shipped_pack() -> None:
    result = invoke("rules", "test")
    assert result.code == 0, result.stderr
    assert "rule tests passed" in result.stdout


def test_rules_test_failure_names_rule_and_text(tmp_path: Path) -> None:
    write_pack(
        tmp_path,
        "signal: siege\ndescription: d\nrules:\n  - id: siege.r\n    description: d\n"
        "    any: [besieged]\n    tests:\n      match: [the town is encircled]\n",
    )
    result = invoke("rules", "test", str(tmp_path))
    assert result.code == 1
    assert (
        f"{tmp_path / 'siege.yaml'}:8:15: rule siege.r did not match: 'the town is encircled'"
        in (result.stderr)
    )


def test_explain_shows_spans_context_and_scores() -> None:
    text = (
        "The governor denied that the town of 20,000 people was besieged. "
        "Communications have been cut, raising fears of massacres."
    )
    result = invoke("rules", "explain", text)
    assert result.code == 0, result.stderr
    assert "siege.population-besieged (siege, weight 0.8)  x0.2 by context.denial" in result.stdout
    assert "'20,000' [37:43]" in result.stdout
    assert "mass_atrocity_risk.fears-of-massacre" in result.stdout
    assert "severity high" in result.stdout
    assert "mass_atrocity_risk: score" in result.stdout


def test_explain_shows_cancelled_hits(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(
        "Thousands gathered for the 30th anniversary of the massacre, "
        "fearing it could happen again."
    )
    result = invoke("rules", "explain", str(path))
    assert result.code == 0, result.stderr
    assert "mass_atrocity_risk.fears-of-massacre" in result.stdout
    assert "cancelled by none: anniversary" in result.stdout
    assert "severity none" in result.stdout


def test_lint_finds_dead_and_cancelled_terms(tmp_path: Path) -> None:
    write_pack(
        tmp_path,
        "signal: siege\ndescription: d\nrules:\n"
        "  - id: siege.dead\n    description: d\n    any: [besieged]\n    none: [besieged]\n"
        "    tests:\n      match: [x]\n"
        "  - id: siege.film\n    description: d\n    any: [film siege, encircled]\n"
        "    tests:\n      match: [x]\n",
        context="context:\n  - id: context.fiction\n    description: d\n    any: [film siege]\n"
        "    tests:\n      match: [a film siege]\n",
    )
    result = invoke("rules", "lint", str(tmp_path))
    assert result.code == 1
    assert "siege.dead: can never fire" in result.stdout
    assert (
        "siege.film: term 'film siege' (en) is always cancelled by context.fiction" in result.stdout
    )


def test_explain_takes_long_text_on_the_command_line() -> None:
    text = "Communications have been cut in the province. " * 20
    result = invoke("rules", "explain", text)
    assert result.code == 0, result.stderr
    assert "comms_blackout.networks-cut" in result.stdout
