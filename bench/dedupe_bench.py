"""Near-duplicate speed: fingerprint a ~4 KB report, then look it up in and add it to an
index of 1,000 and of 100,000 reports (the cost should stay about flat: that is the LSH).

Prints ms per report for `fingerprint` and for `similar` + `add` (best of three passes;
each index also holds syndicated copies of a fifth of the new reports, so lookups do find
some), the time to build each index from stored bytes (as after a restart), the LSH
candidates per lookup, memory per indexed report (tracemalloc), then one JSON line.
Run: python bench/dedupe_bench.py [--large 100000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from multiprocessing import Pool
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from warning.dedupe import Fingerprint, NearDuplicates, fingerprint  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from corpus import REPEAT, best_seconds, sentences, stitched  # noqa: E402

SMALL = 1000
QUERIES = 200
MEMORY_SAMPLE = 20_000
CHUNK = 5000


def fingerprint_chunk(args: tuple[list[str], int, int]) -> list[bytes]:
    """Stored fingerprints of one chunk of generated reports (runs in a worker)."""
    pool, count, seed = args
    return [fingerprint(text).to_bytes() for text in stitched(pool, count, seed)]


def stored_rows(pool: list[str], count: int, workers: int) -> list[tuple[int, bytes]]:
    """(report id, fingerprint bytes) for `count` reports, as the store would hold them."""
    jobs = [(pool, min(CHUNK, count - start), start) for start in range(0, count, CHUNK)]
    with Pool(workers) as processes:
        chunks = processes.map(fingerprint_chunk, jobs)
    return list(enumerate(blob for chunk in chunks for blob in chunk))


def planted_copies(reports: list[str], first_key: int) -> list[tuple[int, bytes]]:
    """Syndicated copies of every fifth new report, so a fifth of the lookups find one."""
    copies = [text + " Reuters contributed to this report." for text in reports[::5]]
    return [(key, fingerprint(text).to_bytes()) for key, text in enumerate(copies, first_key)]


def query_and_add_ms(index: NearDuplicates, queries: list[Fingerprint]) -> float:
    """Best pass of `similar` then `add` per new report; each pass's additions are undone."""
    first_key = len(index) + 10_000_000
    passes = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        for key, fp in enumerate(queries, first_key):
            index.similar(fp)
            index.add(key, fp)
        passes.append(time.perf_counter() - start)
        for key in range(first_key, first_key + len(queries)):
            index.remove(key)
    return min(passes) * 1000 / len(queries)


def timed_build(rows: list[tuple[int, bytes]]) -> tuple[NearDuplicates, float]:
    start = time.perf_counter()
    index = NearDuplicates.build(rows)
    return index, time.perf_counter() - start


def bytes_per_report(rows: list[tuple[int, bytes]]) -> float:
    """Memory the index holds per report (fingerprint + LSH buckets), by tracemalloc."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = NearDuplicates.build(rows)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / len(index)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    pool = sentences()
    new_reports = stitched(pool, QUERIES, seed=987_654_321)
    print(f"{len(pool)} sentences; new reports {sum(map(len, new_reports)) // QUERIES} chars")
    fingerprint_ms = best_seconds(fingerprint, new_reports) * 1000 / len(new_reports)
    queries = [fingerprint(text) for text in new_reports]
    start = time.perf_counter()
    rows = stored_rows(pool, args.large, args.workers)
    bulk_s = time.perf_counter() - start
    planted = planted_copies(new_reports, first_key=len(rows))
    print(f"{'fingerprint (one ~4 KB report)':<36} {fingerprint_ms:8.3f} ms/report")
    print(f"{'fingerprints in bulk':<36} {bulk_s:8.1f} s for {args.large:,} ({args.workers} procs)")
    results = {}
    for size in (SMALL, args.large):
        index, build_s = timed_build(rows[:size] + planted)
        cost = query_and_add_ms(index, queries)
        candidates = sum(len(index.similar(fp, at_least=0.0)) for fp in queries) / QUERIES
        found = sum(bool(index.similar(fp)) for fp in queries)
        results[size] = {"query_add_ms": cost, "build_s": build_s, "candidates": candidates}
        print(
            f"similar+add, {size:>7,} indexed       {cost:8.3f} ms/report   build {build_s:6.2f} s"
            f"   {candidates:.2f} candidates/lookup, {found}/{QUERIES} found a copy"
        )
        del index
    sample = rows[:MEMORY_SAMPLE]
    memory = bytes_per_report(sample)
    ratio = results[args.large]["query_add_ms"] / results[SMALL]["query_add_ms"]
    print(f"{'memory per indexed report':<36} {memory / 1024:8.2f} KiB ({len(sample):,} sampled)")
    print(f"{'query cost ratio large/small':<36} {ratio:8.2f}   (target <= 2)")
    print(
        json.dumps(
            {
                "bench": "dedupe",
                "fingerprint_ms": round(fingerprint_ms, 4),
                "query_add_ms": {str(k): round(v["query_add_ms"], 4) for k, v in results.items()},
                "build_s": {str(k): round(v["build_s"], 2) for k, v in results.items()},
                "candidates_per_lookup": {str(k): v["candidates"] for k, v in results.items()},
                "bulk_fingerprint_s": round(bulk_s, 1),
                "bytes_per_report": round(memory),
                "ratio_large_small": round(ratio, 2),
                "target_ratio": 2,
            }
        )
    )


if __name__ == "__main__":
    main()
