"""Numbers of people read from text, as `count` conditions and alert figures use them."""

from __future__ import annotations

import pytest

from warning.quantities import quantities
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
    ],
)
def test_quantities(text: str, expected: list[int]) -> None:
    assert values(text) == expected
