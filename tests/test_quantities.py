"""Numbers of people read from text, as `count` conditions and alert figures use them."""

from __future__ import annotations

import pytest

from warning.quantities import NO_NUMBER, quantities, values_at
from warning.text import split_sentences, tokenize


def values(text: str) -> list[int]:
    return [q.value for q in quantities(tokenize(text, split_sentences(text)))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("around 200,000 Syrian Kurds", [200000]),
        ("2.5 million people", [2500000]),
        ("tens of thousands fled", [20000]),
        ("hundreds of thousands", [200000]),
        ("dozens of families", [24]),
        ("gunmen killed eleven villagers", [11]),
        ("a thousand people", [1000]),
        ("twenty-five thousand people", [25000]),
        ("20 000 personnes", [20000]),
        ("40.000 habitantes", [40000]),
        ("40 ألف شخص", [40000]),
        ("des dizaines de milliers de personnes", [20000]),
        ("since 2024, about 300 people", [300]),
        ("a man walked", []),
        ("9" * 400 + " people fled", []),  # past a float: no count (it was OverflowError)
        ("1" + "0" * 305 + " million people", []),
        ("1" + "0" * 300 + " people", [int(1e300)]),  # large, but a float holds it
    ],
)
def test_quantities(text: str, expected: list[int]) -> None:
    assert values(text) == expected


def test_values_at_reads_each_start_once_and_keeps_a_zero() -> None:
    """The hits of one report share a table of the numbers read: a second reading gives the
    same values from the table, and a count of 0 stays a figure (it is not 'no number')."""
    text = "0 killed and 12 wounded in two attacks, 20 000 fled"
    tokens = tokenize(text, split_sentences(text))
    starts = range(len(tokens.words))
    read: dict[int, int] = {}
    assert values_at(tokens, starts, read) == (0, 12, 2, 20000, 0)
    assert read[0] == 0 and read[1] == NO_NUMBER
    read[3] = 99  # a value in the table is taken as read, not read again
    assert values_at(tokens, [3, 6], read) == (99, 2)
    assert values_at(tokens, [1, 2], {}) == ()


def test_a_report_with_a_number_past_a_float_is_scored(scorer) -> None:  # noqa: ANN001
    """It raised OverflowError, failing the daemon's whole scoring batch (bench/fuzz.py)."""
    scored = scorer.score(f"Around {'9' * 400} residents of the town are besieged.")
    assert "siege" in {s.name for s in scored.signals}
