"""Scoring speed: 1,000 news-length reports (about 4 KB each) in one process, one core.

Prints reports/s (best of three passes) for: rules alone, classifier alone, both (the full
`Scorer`, with places and language), and a naive baseline that runs one regular-expression
search per rule term, side by side, then one JSON line.
Run: python bench/score_bench.py [--reports N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from warning.classifier import load_classifier  # noqa: E402
from warning.places import Gazetteer  # noqa: E402
from warning.rules.pack import load_pack  # noqa: E402
from warning.score import Scorer  # noqa: E402
from warning.text import split_sentences  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from corpus import best_seconds, corpus  # noqa: E402


def naive_patterns(pack_terms: list[str]) -> list[re.Pattern[str]]:
    """One regex per term: words as written, `*` as a word prefix, case-insensitive."""
    patterns = []
    for term in pack_terms:
        words = []
        for word in term.split():
            if word == "{number}":
                words.append(r"\d[\d,.]*")
            elif word.endswith("*"):
                words.append(re.escape(word[:-1]) + r"\w*")
            else:
                words.append(re.escape(word) + r"(?:s|es|ed|d|ing)?")
        patterns.append(re.compile(r"\b" + r"\s+".join(words) + r"\b", re.IGNORECASE))
    return patterns


def rate(label: str, func, reports: list[str]) -> float:  # noqa: ANN001
    elapsed = best_seconds(func, reports)
    per_second = len(reports) / elapsed
    print(
        f"{label:<34} {per_second:>9.0f} reports/s   {elapsed * 1000 / len(reports):6.2f} ms/report"
    )
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args()
    reports = corpus(args.reports)
    pack = load_pack()
    classifier = load_classifier(None, None)
    gazetteer = Gazetteer()
    english = pack.rules_for("en")
    naive = naive_patterns(english.term_text)
    print(
        f"{len(reports)} reports, {sum(map(len, reports)) / len(reports):.0f} chars on average; "
        f"{len(english.rules)} rules, {len(english.term_text)} distinct terms"
    )
    results = {
        "rules_only": rate(
            "rules alone (Scorer, no classifier)", Scorer(pack, None, None).score, reports
        ),
        "classifier_only": rate(
            "classifier alone",
            lambda t: classifier.votes([s.text for s in split_sentences(t)]),
            reports,
        ),
        "both": rate(
            "both (full Scorer: + places, lang)",
            Scorer(pack, classifier, gazetteer).score,
            reports,
        ),
        "naive_regex_per_term": rate(
            "naive: one regex search per term", lambda t: [p.search(t) for p in naive], reports
        ),
    }
    print(
        json.dumps(
            {
                "bench": "score",
                "reports": len(reports),
                "reports_per_s": {k: round(v, 1) for k, v in results.items()},
                "target_both": 300,
            }
        )
    )


if __name__ == "__main__":
    main()
