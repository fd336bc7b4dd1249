"""Neutral reports (sport, business, technology, science, weather, many with near-miss
wording) must not raise anything above `low`; in fact none should fire at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA

NEUTRAL = sorted((DATA / "neutral").glob("*.txt"))


def test_there_are_at_least_40_neutral_reports() -> None:
    assert len(NEUTRAL) >= 40


@pytest.mark.parametrize("path", NEUTRAL, ids=lambda p: p.stem)
def test_neutral_report_raises_nothing(scorer, path: Path) -> None:  # noqa: ANN001
    result = scorer.score(path.read_text(encoding="utf-8"))
    assert result.severity.rank <= 1, (result.severity, [s.name for s in result.signals])
    assert not result.signals, [
        (s.name, [h.quote for h in s.hits] or s.classifier_quote) for s in result.signals
    ]
