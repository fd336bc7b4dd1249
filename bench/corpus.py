"""What the benchmarks share: reports stitched from real sentences (the neutral news
articles, the example inbox and the seed; about 4 KB each, the same for the same seed), and
a best-of-three timer."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from warning.text import split_sentences  # noqa: E402

REPORT_BYTES = 4000
REPEAT = 3  # best of three passes: a shared machine's noise only ever slows a pass down


def sentences() -> list[str]:
    paths = list((REPO / "tests" / "data" / "neutral").glob("*.txt"))
    paths += list((REPO / "examples" / "inbox").glob("*.txt"))
    paths.append(REPO / "tests" / "data" / "seed_syria_2024.txt")
    return [s.text for path in sorted(paths) for s in split_sentences(path.read_text())]


def pick(pool: list[str], rng: random.Random, size: int = REPORT_BYTES) -> list[str]:
    """Random sentences of `pool` until they hold about `size` characters."""
    chosen, total = [], 0
    while total < size:
        sentence = rng.choice(pool)
        chosen.append(sentence)
        total += len(sentence) + 1
    return chosen


def stitched(pool: list[str], count: int, seed: int, size: int = REPORT_BYTES) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(pick(pool, rng, size)) for _ in range(count)]


def corpus(count: int, seed: int = 7, size: int = REPORT_BYTES) -> list[str]:
    """`count` reports of about `size` characters from every sentence we ship."""
    return stitched(sentences(), count, seed, size)


def best_seconds(func: Callable, items: Sequence) -> float:
    """The fastest of REPEAT passes of `func` over every item, after one warm-up call."""
    func(items[0])
    passes = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        for item in items:
            func(item)
        passes.append(time.perf_counter() - start)
    return min(passes)
