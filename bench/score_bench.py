"""Scoring speed against a keyword list, side by side in one run, in one process on one
core; and the start-up of `warning score --jsonl`.

Texts: --news news reports of about 2 KB (stitched from every sentence we ship, as the
other benchmarks) and the short reports of bench/data (field SMS, event notes, posts and
flash updates of 60 to 400 characters; 1,395 of them, 132 characters on average).
For each, reports/s (best of three passes) of:
  full scorer, batch    `Scorer.score_many`, as the daemon scores what waits in the store
                        (rules, classifier, places, language, severity, evidence)
  full scorer, one      `Scorer.score`, one call a report, as `warning score` does
  keyword list          one regular expression per English term of the rule pack (every
                        term the rules use, words as written, `*` a word prefix, plain
                        English endings), searched one after another: the naive baseline
                        the issue names; timed on --keyword-reports reports (it is slow)
  one alternation       the same terms as one alternation regex: a keyword list done well
                        (no scoring: it only says whether any term occurs)
Start-up: wall time of `warning score --jsonl FILE` on a one-line file in a new process,
median of 5 runs with a warm cache (the classifier, rule pack, gazetteer and language
model read from the cache folder: warning/warmcache.py), and the first run's time.
Targets (issue 12): full scorer >= 2x the keyword list on 2 KB news, >= 5,000 short
reports/s, start-up <= 1.5 s.
Run: python bench/score_bench.py [--news 1000] [--keyword-reports 60]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import best_seconds, corpus  # noqa: E402

from warning.config import Settings  # noqa: E402
from warning.scorer_factory import build_scorer  # noqa: E402

NEWS_BYTES = 2000
STARTS = 5


def naive_patterns(terms: list[str]) -> list[re.Pattern[str]]:
    """One regex per term: words as written, `*` as a word prefix, case-insensitive."""
    return [re.compile(_term_regex(term), re.IGNORECASE) for term in terms]


def _term_regex(term: str) -> str:
    words = []
    for word in term.split():
        if word == "{number}":
            words.append(r"\d[\d,.]*")
        elif word.endswith("*"):
            words.append(re.escape(word[:-1]) + r"\w*")
        else:
            words.append(re.escape(word) + r"(?:s|es|ed|d|ing)?")
    return r"\b" + r"\s+".join(words) + r"\b"


def short_reports() -> list[str]:
    return [
        json.loads(line)["text"]
        for path in sorted((REPO / "bench" / "data").glob("short_*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def per_second(func: Callable[[str], object], reports: list[str]) -> float:
    return len(reports) / best_seconds(func, reports)


def batch_per_second(scorer, reports: list[str]) -> float:  # noqa: ANN001
    """score_many over all of them, best of three passes (its unit is the whole list)."""
    return per_second(lambda batch: list(scorer.score_many(batch)), [reports]) * len(reports)


def start_up() -> tuple[float, float]:
    """(first run, median of the next STARTS) seconds of `warning score --jsonl FILE`."""
    with tempfile.TemporaryDirectory() as folder:
        lines = Path(folder) / "one.jsonl"
        lines.write_text(json.dumps({"id": "1", "text": "Thousands fled the shelling."}) + "\n")
        command = [sys.executable, "-m", "warning", "score", "--jsonl", str(lines)]
        times = []
        for _ in range(STARTS + 1):
            began = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=folder)
            times.append(time.perf_counter() - began)
    return times[0], statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--news", type=int, default=1000)
    parser.add_argument("--keyword-reports", type=int, default=60)
    args = parser.parse_args()
    scorer = build_scorer(Settings())
    terms = scorer.rules.rules_for("en").term_text
    naive = naive_patterns(terms)
    alternation = re.compile("|".join(f"(?:{_term_regex(t)})" for t in terms), re.IGNORECASE)
    sets = {"news": corpus(args.news, size=NEWS_BYTES), "short": short_reports()}
    print(f"{len(terms):,} English terms in the rule pack")
    print(f"{'':<8} {'reports':>7} {'chars':>6} {'batch/s':>9} {'one/s':>8} "
          f"{'keywords/s':>11} {'alternation/s':>14} {'batch/keywords':>15}")  # fmt: skip
    results = {}
    for name, reports in sets.items():
        few = reports[: args.keyword_reports]
        row = {
            "reports": len(reports),
            "chars": round(sum(map(len, reports)) / len(reports)),
            "batch": batch_per_second(scorer, reports),
            "one": per_second(scorer.score, reports),
            "keywords": per_second(lambda t: [p.search(t) for p in naive], few),
            "alternation": per_second(alternation.search, reports),
        }
        row["ratio"] = row["batch"] / row["keywords"]
        results[name] = row
        print(f"{name:<8} {row['reports']:>7} {row['chars']:>6} {row['batch']:>9.0f} "
              f"{row['one']:>8.0f} {row['keywords']:>11.1f} {row['alternation']:>14.0f} "
              f"{row['ratio']:>14.0f}x")  # fmt: skip
    first, warm = start_up()
    print(f"start-up of `warning score --jsonl` (one line): {warm:.2f} s warm "
          f"(median of {STARTS}), first run {first:.2f} s")  # fmt: skip
    print(json.dumps({
        "bench": "score",
        "terms": len(terms),
        "reports_per_s": {
            name: {k: round(v, 1) for k, v in row.items() if k not in ("reports", "chars")}
            for name, row in results.items()
        },
        "start_up_s": {"warm_median": round(warm, 2), "first": round(first, 2)},
        "targets": {"news_ratio": 2, "short_batch": 5000, "start_up_s": 1.5},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
