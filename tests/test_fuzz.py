"""The fast part of bench/fuzz.py: a few hundred seeded inputs of each kind (score --jsonl
lines, folder files of every suffix, feed bodies, rule files) through the real code, 0
crashes; and the fuzzer's judge itself sees a crash, a hang and an unclear rule error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.fuzz import (
    Case,
    Targets,
    Verdict,
    _judged,
    folder_seeds,
    fuzz,
    rules_verdict,
    sentences,
    targets,
)
from warning.sources import folder
from warning.sources.folder import READERS
from warning.yamlio import InputError

# inputs per kind: 2 to 5 s each on one core (feeds and rules cost most)
COUNTS = {"jsonl": 300, "folder": 150, "feed": 80, "rules": 50}


@pytest.fixture
def made(scorer) -> Iterator[Targets]:  # noqa: ANN001
    with targets(scorer) as ready:
        yield ready


@pytest.mark.parametrize("kind", sorted(COUNTS))
def test_seeded_inputs_give_no_crash(made: Targets, kind: str, tmp_path: Path) -> None:
    tally = fuzz(made, kind, COUNTS[kind], seed=7, limit=10.0, keep=tmp_path)
    assert tally.inputs == COUNTS[kind]
    assert tally.crashes == 0, [p.with_name(p.name + ".txt").read_text() for p in tally.kept]
    assert tally.accepted > 0 and tally.rejected > 0  # both sides of the parsers are reached
    assert tally.accepted + tally.rejected == tally.inputs


def test_every_suffix_the_folder_source_reads_has_seeds() -> None:
    assert set(folder_seeds(sentences())) == set(READERS)


def test_the_judge_sees_a_reader_that_raises_and_one_that_hangs(
    made: Targets, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = Case("folder", "a.txt", b"Families fled the town after the shelling.", "seed")
    assert _judged(made, good, limit=5).outcome == "accepted"

    def broken(raw: bytes, name: str) -> None:
        raise KeyError("charset")

    monkeypatch.setitem(folder.READERS, ".txt", broken)
    crash = _judged(made, good, limit=5)
    assert crash.outcome == "crash" and "a.txt: KeyError: 'charset'" in crash.detail

    def slow(raw: bytes, name: str) -> None:
        while True:
            pass

    monkeypatch.setitem(folder.READERS, ".txt", slow)
    assert _judged(made, good, limit=0.5).detail == "hang: over 0.5 s"


def test_a_rule_error_without_file_and_line_is_a_crash(
    made: Targets, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = Case("rules", "siege.yaml", b"signal: [\n", "broken")
    rejected = rules_verdict(made.rules, made.rule_seeds, case)
    assert rejected.outcome == "rejected" and f"{made.rules}/siege.yaml:" in rejected.detail

    def unplaced(folder: Path) -> None:
        raise InputError(["something went wrong"])

    monkeypatch.setattr("bench.fuzz.load_pack", unplaced)
    unclear = rules_verdict(made.rules, made.rule_seeds, case)
    assert unclear == Verdict("crash", "unclear: something went wrong")
    assert (made.rules / "siege.yaml").read_text() == made.rule_seeds["siege.yaml"]
