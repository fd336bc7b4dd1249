"""What grows while the service scores: flat_bench's store scored by an in-process Service
(built as `warning run` builds it), with at every --step reports scored: the RSS, glibc's
heap (mallinfo2: bytes in use, free but kept, mmapped) and the object types whose counts
grew most since the last step (gc.get_objects after a collection).

A growth of the heap in use, with types that keep growing, is a leak or a memo without a
bound; a steady heap in use under a growing RSS is the allocator. It runs in one thread (the
daemon runs polls, scoring and sending on their own); its log is switched off.
Linux with glibc only. Run: python bench/memory_census.py [--reports 40000] [--step 10000]
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import gc
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import flat_bench  # noqa: E402

from warning.config import load_settings  # noqa: E402
from warning.daemon import freeze_loaded  # noqa: E402
from warning.pipeline import build_service  # noqa: E402


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                     "uordblks", "fordblks", "keepcost")
    ]  # fmt: skip


class Census:
    def __init__(self, step: int) -> None:
        self.libc = ctypes.CDLL("libc.so.6")
        self.libc.mallinfo2.restype = MallInfo2
        self.step, self.claimed, self.due = step, 0, step
        self.started = time.monotonic()
        self.counts = _counts()

    def claimed_now(self, count: int) -> None:
        self.claimed += count
        if self.claimed >= self.due:
            self.due += self.step
            self.show()

    def show(self) -> None:
        gc.collect()
        heap, now = self.libc.mallinfo2(), _counts()
        grown = (now - self.counts).most_common(6)
        self.counts = now
        mb = 2**20
        print(f"{self.claimed:>8,} scored {time.monotonic() - self.started:6.0f} s  "
              f"RSS {flat_bench.rss_mb(os.getpid()):6.1f} MB  heap in use "
              f"{heap.uordblks / mb:6.1f}, free {heap.fordblks / mb:5.1f}, mmapped "
              f"{heap.hblkhd / mb:5.1f} MB  objects {sum(now.values()):,}, grown: {grown}",
              flush=True)  # fmt: skip


def _counts() -> collections.Counter[str]:
    return collections.Counter(type(o).__name__ for o in gc.get_objects())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=40_000)
    parser.add_argument("--step", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # the alerts it raises, one log line each
    with tempfile.TemporaryDirectory(prefix="census-") as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'warning.db'}"
        flat_bench.fill(url, args.reports, args.seed)
        port = flat_bench.free_port()
        service = build_service(
            load_settings(flat_bench.config(folder, url, port, flat_bench.WINDOW))
        )
        freeze_loaded()  # as the daemon does
        census, claim = Census(args.step), service.store.claim_unscored

        def counted(*given, **named):  # noqa: ANN002, ANN003, ANN202
            batch = claim(*given, **named)
            census.claimed_now(len(batch))
            return batch

        service.store.claim_unscored = counted  # type: ignore[method-assign]
        service.score_pending(keep=False)  # as the daemon's job does
        census.show()
        service.store.close()


if __name__ == "__main__":
    main()
