"""Rule-engine scaling: 1,000 news-length reports against 50, 500 and 2,000 generated rules,
beside a naive engine that runs one regex search per term per rule, and the default pack.

Prints a table and one JSON line. Run: python bench/rules_bench.py [--reports N]
Generated anchors are words found in at most 3 of the corpus's distinct sentences, like
real rules' anchors; anchors of everyday words would fire on every report, and the cost
grows with matches.
Targets (issue 3): at 500 rules >= 10x the naive engine; time at 2,000 rules <= 2x the time
at 50; >= 1,000 reports/s with the default pack, one core.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import best_seconds, corpus  # noqa: E402

from warning.rules.matcher import match_rules  # noqa: E402
from warning.rules.pack import load_pack  # noqa: E402
from warning.text import split_sentences, tokenize  # noqa: E402

SIZES = (50, 500, 2000)
NAIVE_REPORTS = 100
SEVERITY = "severity:\n  - when: {count: 1}\n    level: low\n    why: one\n"


def vocabulary(reports: list[str]) -> tuple[list[str], list[str]]:
    """(rare, all) words of the corpus: rare ones are in at most 3 of its distinct sentences,
    as the anchor words of real rules are ("besieged", "encircled"); any word may be a
    `near` word."""
    sentences = {s.text for text in reports for s in split_sentences(text)}
    counts: Counter[str] = Counter()
    for sentence in sentences:
        counts.update({w.lower() for w in re.findall(r"[A-Za-z]{4,}", sentence)})
    rare = sorted(w for w, n in counts.items() if n <= 3)
    return rare, sorted(counts)


def generated_pack(
    size: int, words: tuple[list[str], list[str]], folder: Path
) -> tuple[Path, list]:
    """`size` rules of the shipped shape: an `any` of three rare terms (one a prefix, one a
    phrase) and a `near` of three common ones; returns the folder and each rule's terms."""
    rare, common = words
    rng = random.Random(size)
    lines = ["signal: generated", "description: generated rules", "rules:"]
    terms_per_rule = []
    for i in range(size):
        anchor = [
            rng.choice(rare),
            rng.choice(rare)[:6] + "*",
            f"{rng.choice(rare)} {rng.choice(common)}",
        ]
        near = [rng.choice(common) for _ in range(3)]
        terms_per_rule.append(anchor + near)
        lines += [
            f"  - id: generated.r{i}",
            "    description: generated",
            "    all:",
            f"      - any: {json.dumps(anchor)}",
            f"      - near: {{any: {json.dumps(near)}, within: 6}}",
            "    tests:",
            "      match: [x]",
        ]
    (folder / "generated.yaml").write_text("\n".join(lines) + "\n")
    (folder / "severity.yaml").write_text(SEVERITY)
    return folder, terms_per_rule


def naive_engine(terms_per_rule: list[list[str]]):  # noqa: ANN201
    compiled = [
        [
            re.compile(
                r"\b" + re.escape(t.rstrip("*")) + (r"\w*" if t.endswith("*") else r"\b"), re.I
            )
            for t in terms
        ]
        for terms in terms_per_rule
    ]
    return lambda text: [[p.search(text) for p in rule] for rule in compiled]


def engine(pack):  # noqa: ANN001, ANN201
    rules = pack.rules_for("en")
    return lambda text: match_rules(rules, tokenize(text, split_sentences(text)))


def per_report(func, reports: list[str]) -> float:  # noqa: ANN001
    """Milliseconds per report, best of three passes."""
    return best_seconds(func, reports) * 1000 / len(reports)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1000)
    reports = corpus(parser.parse_args().reports)
    words = vocabulary(reports)
    result: dict[str, float] = {}
    naive_reports = reports[:NAIVE_REPORTS]
    print(f"engine: {len(reports)} reports; naive: the first {len(naive_reports)} (it is slow)")
    print(f"{'rules':>6} {'engine ms/report':>17} {'naive ms/report':>16} {'speed-up':>9}")
    for size in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            folder, terms = generated_pack(size, words, Path(tmp))
            ours = per_report(engine(load_pack(folder)), reports)
            naive = per_report(naive_engine(terms), naive_reports)
        result[f"engine_{size}_ms"], result[f"naive_{size}_ms"] = round(ours, 3), round(naive, 3)
        print(f"{size:>6} {ours:>17.3f} {naive:>16.3f} {naive / ours:>8.1f}x")
    default = per_report(engine(load_pack()), reports)
    result["default_pack_reports_per_s"] = round(1000 / default, 1)
    result["speedup_at_500"] = round(result["naive_500_ms"] / result["engine_500_ms"], 1)
    result["time_2000_over_50"] = round(result["engine_2000_ms"] / result["engine_50_ms"], 2)
    print(f"default pack: {1000 / default:.0f} reports/s (split, tokenize, match; no scoring)")
    print(json.dumps({"bench": "rules", "reports": len(reports), **result}))


if __name__ == "__main__":
    main()
