"""Scoring cost per byte: does a long report cost more per byte than a short one?

For each shape of text (real prose; the same sentences with no sentence end; a run of
capitalised words; Arabic without punctuation; words joined by commas with no space), it
scores 1 MB as 1,024 reports of 1 KB, as 10 of 100 KB and as 1 of 1 MB with the full
`Scorer` (rules, classifier, places, language), and prints seconds per MB for each, side
by side, with the largest of the three over the smallest (the target is at most 1.2: linear
cost) and the time of the single 1 MB report (target: under 3 s on one core). Best of
PASSES passes (5), the sizes taken in turn within each pass. Like `warning run`, it freezes
what is loaded (`daemon.freeze_loaded`) before scoring: otherwise each full collection of
the garbage collector, which a 1 MB report's objects set off, walks the gazetteer's
400,000 objects (bench/gc_bench.py).

Two tables: `score_many`, as the daemon scores the reports waiting in the store (the
classifier reads up to 1,000,000 characters of them at once), and `score`, one call per
report, as `warning score` does; the target is for the first. The second shows the fixed
cost of a call (about 0.3 ms of array set-up in the classifier) that batching spreads out.
Run: python bench/linear_bench.py [--shape NAME] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import sentences  # noqa: E402

from warning.config import Settings  # noqa: E402
from warning.daemon import freeze_loaded  # noqa: E402
from warning.pipeline import build_scorer  # noqa: E402

KB = 1024
# best of five: on a shared virtual machine one size's timing moved 25% between passes
# minutes apart, as much as the 20% the columns are compared to
PASSES = 5
SIZES = ((KB, 1024), (100 * KB, 10), (1024 * KB, 1))  # (report size, reports): 1 MB each
ARABIC = "حاصرت القوات المدينة وقطعت الاتصالات ونزح آلاف المدنيين من منازلهم خوفا من المجازر"


def _fill(piece: Callable[[random.Random], str], size: int, seed: int) -> str:
    rng, parts, total = random.Random(seed), [], 0
    while total < size:
        parts.append(piece(rng))
        total += len(parts[-1]) + 1
    return " ".join(parts)[:size]


def shapes() -> dict[str, Callable[[int, int], str]]:
    pool = sentences()
    plain = [s.rstrip(".!?\"'”").lower() for s in pool]
    words = sorted({w for s in pool for w in s.split() if w.isalpha()})
    return {
        "prose": lambda size, seed: _fill(lambda r: r.choice(pool), size, seed),
        "no sentence end": lambda size, seed: _fill(lambda r: r.choice(plain), size, seed),
        "capitalised run": lambda size, seed: _fill(
            lambda r: r.choice(words).capitalize(), size, seed
        ),
        "arabic run": lambda size, seed: _fill(lambda r: ARABIC, size, seed),
        "commas, no space": lambda size, seed: ",".join(
            _fill(lambda r: r.choice(words), size, seed).split()
        ),
    }


def seconds_per_mb(
    score: Callable[[list[str]], object], batches: list[list[str]], passes: int
) -> list[float]:
    """CPU seconds per MB for `score` over each batch (this process's own time: on a shared
    virtual machine, wall time also counts other tenants'): the best of `passes` passes,
    the batches taken in turn within each pass, so that a noisy spell slows all alike."""
    score([batches[0][0][:200]])  # warm-up
    best = [float("inf")] * len(batches)
    for _ in range(passes):
        for i, reports in enumerate(batches):
            start = time.process_time()
            score(reports)
            best[i] = min(best[i], time.process_time() - start)
    return [b / (sum(map(len, r)) / (KB * KB)) for b, r in zip(best, batches, strict=True)]


def table(title: str, score: Callable[[list[str]], object], args: argparse.Namespace) -> dict:
    sizes = SIZES[:2] if args.quick else SIZES
    print(f"{title:<18}" + "".join(f"{size // KB:>9} KB" for size, _ in sizes) + "   max/min")
    results = {}
    for name, make in shapes().items():
        if args.shape and name != args.shape:
            continue
        batches = [[make(size, seed) for seed in range(count)] for size, count in sizes]
        rates = seconds_per_mb(score, batches, args.passes)
        ratio = max(rates) / min(rates)
        results[name] = {"s_per_mb": rates, "ratio": ratio}
        print(f"{name:<18}" + "".join(f"{r:>10.2f}s" for r in rates) + f"   {ratio:7.2f}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", help="only this shape")
    parser.add_argument("--quick", action="store_true", help="1 KB and 100 KB only")
    parser.add_argument(
        "--passes", type=int, default=PASSES, help="best of this many passes (default 5)"
    )
    args = parser.parse_args()
    scorer = build_scorer(Settings())
    freeze_loaded()  # as `warning run` does: no full collection walks the gazetteer
    results = {
        "score_many": table("score_many", lambda texts: list(scorer.score_many(texts)), args),
        "score": table("score", lambda texts: [scorer.score(t) for t in texts], args),
    }
    print("(seconds per MB of text; the 1 MB column is also the time of one 1 MB report)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
