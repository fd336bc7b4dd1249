"""`warning score --jsonl`: one result per line, in order, errors in place."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import DATA, SEED, run_cli
from warning.cli import app
from warning.jsonl import score_lines

BAD = DATA / "bad" / "jsonl"


def test_jsonl_keeps_order_and_reports_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "seed", "text": SEED.read_text(), "title": "Syria"}),
        "{not json",
        json.dumps({"id": 7, "text": ""}),
        json.dumps({"id": "match", "text": "The home side laid siege to the goal all afternoon."}),
        json.dumps(
            {"id": "kill", "text": "Gunmen killed eleven villagers and burned their homes."}
        ),
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        ("\n".join(lines) + "\n").encode() + b'{"id": "bytes", "text": "caf\xe9 besieged"}\n'
    )
    result = CliRunner().invoke(app, ["score", "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["seed", None, 7, "match", "kill", "bytes"]
    assert out[0]["severity"] == "critical" and out[0]["title"] == "Syria"
    assert out[1]["error"].startswith(f"{path}:2: not JSON")
    assert out[2]["error"] == f"{path}:3: 'text' must be a non-empty string"
    assert out[3]["severity"] == "none" and out[3]["signals"] == []
    # an armed attack on civilians is both (bench/data/README.md), the atrocity first
    assert [s["name"] for s in out[4]["signals"]] == ["mass_atrocity_risk", "armed_escalation"]
    assert "error" not in out[5]  # invalid UTF-8 is replaced, not fatal


def test_score_reads_standard_input(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "warning", "score", "--json", "-"],
        input="Authorities shut down the internet in the province.",
        text=True,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [s["name"] for s in json.loads(done.stdout)["signals"]] == ["comms_blackout"]


def test_score_needs_exactly_one_input() -> None:
    result = run_cli("score")
    assert result.code != 0 and "either a PATH" in result.stderr


def test_every_bad_line_costs_only_itself(scorer) -> None:  # noqa: ANN001
    """Deep nesting, a 4,301-digit integer, lone surrogates, NaN, U+2028 and U+0085 inside
    strings: one output line per input line, in order, each as tests/data/bad/jsonl/ says."""
    raw = (BAD / "input.jsonl").read_bytes()
    lines = list(score_lines(scorer, raw, "{file}"))
    for line in lines:
        line.encode("utf-8")  # valid UTF-8: a lone surrogate would raise here
    got = [json.loads(line) for line in lines]
    expected = [json.loads(line) for line in (BAD / "expected.jsonl").read_text().splitlines()]
    assert len(got) == len(expected) == raw.count(b"\n")
    for out, want in zip(got, expected, strict=True):
        assert out["id"] == want["id"]
        assert out.get("error") == want.get("error")
        assert out.get("notes", []) == want.get("notes", [])
        if "signals" in want:
            assert [s["name"] for s in out["signals"]] == want["signals"]


def test_invalid_utf8_in_a_line_is_replaced_and_said(scorer) -> None:  # noqa: ANN001
    raw = b'{"id": "b", "text": "Gunmen killed eleven villagers \xff\xfe in the night."}\n'
    (out,) = [json.loads(line) for line in score_lines(scorer, raw, "f")]
    assert out["notes"] == ["not valid UTF-8; undecodable bytes replaced with U+FFFD"]
    assert [s["name"] for s in out["signals"]][0] == "mass_atrocity_risk"


class BreaksOn:
    """The shipped gazetteer, but for texts holding `word`: there it raises, as a bug would."""

    def __init__(self, gazetteer, word: str) -> None:  # noqa: ANN001
        self.gazetteer, self.word = gazetteer, word

    def find(self, text: str, *args):  # noqa: ANN002, ANN201
        if self.word in text:
            raise RuntimeError("a bug")
        return self.gazetteer.find(text, *args)


def test_a_scorer_bug_costs_its_line_not_its_batch(scorer) -> None:  # noqa: ANN001
    """Lines are scored BATCH at a time; when one of them breaks the scorer, the others of
    its batch are scored alone, as they would have been."""
    texts = [f"Report {i}: gunmen killed {i + 2} villagers near Kutum, Sudan." for i in range(70)]
    texts[5] = "Zzyzx: gunmen killed 9 villagers near Kutum, Sudan."
    raw = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)).encode()
    breaking = replace(scorer, gazetteer=BreaksOn(scorer.gazetteer, "Zzyzx"))
    got = [json.loads(line) for line in score_lines(breaking, raw, "f")]
    assert [g["id"] for g in got] == list(range(70))
    assert got[5] == {"id": 5, "error": "f:6: scoring failed: RuntimeError: a bug"}
    alone = [json.loads(next(score_lines(scorer, raw.split(b"\n")[i], "f"))) for i in (0, 6, 69)]
    assert [got[0], got[6], got[69]] == alone
    assert all(g["signals"] for i, g in enumerate(got) if i != 5)
