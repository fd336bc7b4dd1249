"""`warning eval`: figures a person can check by hand, in text and JSON, from JSONL and CSV,
and clear errors naming the line."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import DATA, SEED
from warning.cli import app
from warning.labelled import split_of

FOOTBALL = (DATA / "neutral" / "01_football_derby.txt").read_text()
OTHER_NEUTRAL = (DATA / "neutral" / "10_bank_earnings.txt").read_text()
# (id, text, displacement, siege): the seed fires both; the neutral texts fire neither.
ITEMS = [
    ("a", SEED.read_text(), 1, 1),  # true positive for both
    ("b", FOOTBALL, 0, 0),  # all-negative, quiet: no false alarm
    ("c", OTHER_NEUTRAL, 0, 1),  # labelled siege, nothing fires: a siege miss
    ("d", SEED.read_text(), 0, 0),  # all-negative, both fire: one false alarm, two FPs
]
# By hand. siege: support 2 (a, c), TP 1 (a), FP 1 (d), FN 1 (c): P 0.5, R 0.5, F1 0.5.
# displacement: support 1 (a), TP 1, FP 1 (d), FN 0: P 0.5, R 1.0, F1 2/3.
# All-negative items: b and d; d fired: false-alarm rate 1/2. Mean F1 (0.5 + 2/3) / 2.
EXPECTED = {
    "siege": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2},
    "displacement": {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1},
}


def cli(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args))


def test_the_premises_hold(scorer) -> None:  # noqa: ANN001
    assert {"siege", "displacement"} <= {s.name for s in scorer.score(SEED.read_text()).signals}
    assert not scorer.score(FOOTBALL).signals
    assert not scorer.score(OTHER_NEUTRAL).signals


def write_jsonl(path: Path, items: list = ITEMS) -> Path:  # noqa: B006
    lines = [
        json.dumps({"id": i, "text": t, "labels": {"displacement": d, "siege": s}})
        for i, t, d, s in items
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_json_figures_are_the_hand_computed_ones(tmp_path: Path) -> None:
    result = cli("eval", str(write_jsonl(tmp_path / "set.jsonl")), "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["items"] == 4
    for signal, expected in EXPECTED.items():
        got = figures["signals"][signal]
        assert {k: got[k] for k in expected} == expected
    assert figures["false_alarm_rate"] == 0.5
    assert (figures["all_negative"], figures["false_alarms"]) == (2, 1)
    assert figures["mean_f1"] == round((0.5 + 2 / 3) / 2, 4)
    assert sum(b["count"] for b in figures["reliability"]) == 8  # 4 items x 2 signals
    assert [(m["id"], m["signal"]) for m in figures["misses"]] == [("c", "siege")]
    alarms = {(c["id"], c["signal"]) for c in figures["false_alarm_cases"]}
    assert alarms == {("d", "siege"), ("d", "displacement")}
    assert all(c["why"].startswith("rule ") for c in figures["false_alarm_cases"])


def test_text_report_shows_the_same_figures(tmp_path: Path) -> None:
    result = cli("eval", str(write_jsonl(tmp_path / "set.jsonl")))
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
        for line in result.stdout.splitlines()
        if line.startswith("│") and line.split("│")[1].strip() in EXPECTED
    }
    assert rows["siege"] == ["2", "0.500", "0.500", "0.500", "1", "1", "1"]
    assert rows["displacement"] == ["1", "0.500", "1.000", "0.667", "1", "1", "0"]
    assert "false alarms: 1 of 2 all-negative items (50.0%)" in result.stdout
    assert re.search(r"miss siege c \(line 3, score 0\.\d\d\)", result.stdout)


def test_csv_with_map_and_skip(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "message", "refugees", "besieged", "related"])
        for ident, text, d, s in ITEMS:
            writer.writerow([ident, text, d, s, 1])
        writer.writerow(["e", SEED.read_text(), 0, 0, 2])  # ambiguous: left out by --skip
    result = cli(
        "eval", str(path), "--map", "refugees=displacement", "--map", "besieged=siege",
        "--skip", "related=2", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["items"] == 4
    assert figures["signals"]["siege"]["f1"] == 0.5
    assert figures["signals"]["displacement"]["precision"] == 0.5


ONE = '{"id": "a", "text": "x", "labels": {"siege": 1}}\n'


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('{"id": "a", "text": "x", "labels": {"siege": 1}}\n{"id": "b", "te', (), ".jsonl:2: "),
        ('{"id": "a", "text": "x", "labels": {"siege": 2}}\n', (), ":1: labels.siege is 2, not 0 or 1"),  # noqa: E501
        (ONE + '{"id": "b", "text": "y", "labels": {"displacement": 0}}\n', (), ":1: labels has no 'displacement' (others do)"),  # noqa: E501
        ('{"id": "a", "labels": {"siege": 1}}\n', (), ":1: 'text' must be a non-empty string"),
    ],
)  # fmt: skip
def test_bad_jsonl_names_the_line(tmp_path: Path, content: str, args: tuple, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    result = cli("eval", str(path), *args)
    assert result.exit_code == 2
    assert str(path) in result.stderr and message in result.stderr, result.stderr


def test_csv_errors_name_the_column_and_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("id,message,refugees\n1,people fled the floods,1\n2,all calm,yes\n")
    missing = cli("eval", str(path), "--map", "shelter=displacement")
    assert missing.exit_code == 2
    assert "no column 'shelter' (columns: id, message, refugees)" in missing.stderr
    bad = cli("eval", str(path), "--map", "refugees=displacement")
    assert bad.exit_code == 2
    assert f"{path}:3: column 'refugees' is 'yes', not 0 or 1" in bad.stderr
    unmapped = cli("eval", str(path))
    assert "a CSV needs --map COLUMN=SIGNAL" in unmapped.stderr


def test_split_is_fixed_by_id() -> None:
    # Fixed for ever: a change here would move items between tune and holdout.
    assert [split_of(i) for i in ("a", "b", "c", "d")] == ["holdout", "tune", "holdout", "tune"]
    assert split_of("short-en-0001") == "holdout" and split_of("news-0001") == "holdout"
    shares = [split_of(f"item-{n}") == "holdout" for n in range(2000)]
    assert 0.27 < sum(shares) / len(shares) < 0.33


def test_split_option_scores_only_that_split(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "set.jsonl")
    result = cli("eval", str(path), "--split", "tune", "--json")
    assert json.loads(result.stdout)["items"] == 2  # b and d
