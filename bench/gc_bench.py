"""Garbage-collector pauses while scoring, with and without `daemon.freeze_loaded`.

The daemon keeps the gazetteer (about 390,000 objects), the rules and the classifier for
its whole life; a full collection walks every tracked object. Prints the tracked objects
and the time of one full collection (`gc.collect()`, best of PASSES) before and after
freezing what is loaded, side by side.
Run: python bench/gc_bench.py
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from warning.config import Settings  # noqa: E402
from warning.daemon import freeze_loaded  # noqa: E402
from warning.pipeline import build_scorer  # noqa: E402

PASSES = 5


def full_collection_ms() -> float:
    best = float("inf")
    for _ in range(PASSES):
        start = time.perf_counter()
        gc.collect()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    scorer = build_scorer(Settings())
    scorer.score("Gunmen killed 11 villagers in Kutum, North Darfur, and thousands fled.")
    before = (len(gc.get_objects()), full_collection_ms())
    freeze_loaded()
    after = (len(gc.get_objects()), full_collection_ms())
    print(f"{'':<22}{'tracked objects':>16}{'full collection':>18}")
    for label, (objects, ms) in (("as loaded", before), ("after freeze_loaded", after)):
        print(f"{label:<22}{objects:>16,}{ms:>15.1f} ms")


if __name__ == "__main__":
    main()
