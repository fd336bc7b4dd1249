"""`warning score --jsonl`: one result per line, in order, errors in place."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SEED, run_cli


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
    result = run_cli("score", "--jsonl", str(path))
    assert result.code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["seed", None, 7, "match", "kill", "bytes"]
    assert out[0]["severity"] == "critical" and out[0]["title"] == "Syria"
    assert out[1]["error"].startswith(f"{path}:2: not JSON")
    assert out[2]["error"] == f"{path}:3: 'text' must be a non-empty string"
    assert out[3]["severity"] == "none" and out[3]["signals"] == []
    assert [s["name"] for s in out[4]["signals"]] == ["mass_atrocity_risk"]
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
