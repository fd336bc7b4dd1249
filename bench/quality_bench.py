"""Detection quality on labelled text, beside a plain keyword watch list, in one run.

Sets: the team's development sets in bench/data/ (short reports in four languages, news
paragraphs), each on its `tune` and its `holdout` split (fixed by a hash of the id; rules
are tuned on `tune` only), and the shared disaster messages (`refugees` -> displacement,
`related=2` left out) when ../shared/data is present, and the sample of them the team
relabelled by the product's definition of displacement (bench/data/disaster_relabel.md:
ids and labels only, the text read from the shared file). Last, the best displacement F1
that any model trained on the shared labels reaches on their holdout (a ceiling: those
labels are noisy). For each set it scores every item
with the shipped rules and classifier (`Scorer.score_many`) and with the watch list below
(one regular expression per term, 47 terms: what a duty officer would set up in a
news reader), and prints per set the mean F1, the false-alarm rate on all-negative items,
and precision/recall for mass_atrocity_risk and displacement, then one JSON object with
every figure. Run: python bench/quality_bench.py [--sets short,news,disaster]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402

from warning.config import Settings  # noqa: E402
from warning.evaluation import Evaluation, evaluate  # noqa: E402
from warning.labelled import LabelledItem, LabelledSet, read_labelled  # noqa: E402
from warning.levels import Severity  # noqa: E402
from warning.pipeline import build_scorer  # noqa: E402
from warning.places import MainPlace  # noqa: E402
from warning.score import Assessment, SignalResult, SignalScore  # noqa: E402

DATA = REPO / "bench" / "data"
SHARED = REPO.parent / "shared" / "data" / "disaster-messages" / "train.csv"
RELABELLED = DATA / "disaster_relabel.csv"  # ids and the team's labels; text from SHARED
# Word beginnings: each matches the words that start with it ("displac" finds displaced,
# displacement). 47 terms.
WATCH_LIST = {
    "displacement": ["displac", "fled", "flee", "evacua", "refugee", "homeless", "shelter",
                     "déplacé", "desplazad", "نزوح", "نازح"],
    "siege": ["besieg", "siege", "encircl", "blockade", "trapped", "assiég", "sitiad", "محاصر"],
    "comms_blackout": ["blackout", "shutdown", "internet cut", "communications cut",
                       "phone lines"],
    "mass_atrocity_risk": ["massacr", "killed", "executed", "abduct", "kidnap", "genocid",
                           "rape", "tués", "asesina", "قتل"],
    "armed_escalation": ["attack", "offensive", "shelling", "airstrike", "clashes", "fighting"],
    "aid_obstruction": ["aid convoy", "humanitarian access", "looted", "aid worker"],
    "hate_speech": ["cockroach", "vermin", "exterminat"],
}  # fmt: skip


def watch_list() -> dict[str, list[re.Pattern[str]]]:
    """One case-insensitive pattern per term: the term at a word start, any ending."""
    return {
        signal: [re.compile(rf"(?<!\w){re.escape(term)}\w*", re.I) for term in terms]
        for signal, terms in WATCH_LIST.items()
    }


def keyword_assessment(text: str, patterns: dict[str, list[re.Pattern[str]]]) -> Assessment:
    fired = [s for s, terms in patterns.items() if any(t.search(text) for t in terms)]
    results = tuple(SignalResult(s, 1.0, 1.0, 0.0, "", (), ()) for s in fired)
    scores = tuple(SignalScore(s, float(s in fired), float(s in fired), 0.0) for s in patterns)
    return Assessment(Severity.none, "", results, (), MainPlace(), "", (), scores)


def whole_sets(wanted: set[str]) -> dict[str, LabelledSet]:
    """The sets asked for, each whole (main splits them into tune and holdout)."""
    sets: dict[str, LabelledSet] = {}
    if "short" in wanted:
        sets["short"] = _joined("short reports", "short_*.jsonl")
    if "news" in wanted:
        sets["news"] = _joined("news", "news*.jsonl")
    if "disaster" in wanted and SHARED.is_file():
        sets["disaster"] = read_labelled(
            SHARED, "csv", {"refugees": "displacement"}, None, [("related", "2")]
        )
        if RELABELLED.is_file():
            sets["relabelled"] = relabelled(sets["disaster"])
    return sets


def _joined(title: str, pattern: str) -> LabelledSet:
    """Every development set in bench/data matching `pattern`, as one set (batches a, b, c)."""
    parts = [read_labelled(p) for p in sorted(DATA.glob(pattern))]
    return LabelledSet(title, parts[0].signals, tuple(i for part in parts for i in part.items))


def relabelled(disaster: LabelledSet) -> LabelledSet:
    """The sample of disaster messages the team labelled by the product's definition of
    displacement (bench/data/disaster_relabel.md): our labels, the shared file's text."""
    with RELABELLED.open(newline="", encoding="utf-8") as handle:
        ours = {row["id"]: row["displacement"] == "1" for row in csv.DictReader(handle)}
    items = tuple(
        LabelledItem(i.id, i.text, frozenset({"displacement"} if ours[i.id] else ()), i.line)
        for i in disaster.items
        if i.id in ours
    )
    return LabelledSet("disaster relabelled", ("displacement",), items)


def ceiling(disaster: LabelledSet) -> dict:
    """What the shared `refugees` labels allow at best: a TF-IDF logistic regression trained
    on the tune split, its threshold chosen on holdout itself (so an upper bound)."""
    tune, holdout = disaster.only("tune").items, disaster.only("holdout").items
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit(vectorizer.fit_transform([i.text for i in tune]), [bool(i.positives) for i in tune])
    truth = [bool(i.positives) for i in holdout]
    scores = model.predict_proba(vectorizer.transform([i.text for i in holdout]))[:, 1]
    precision, recall, _ = precision_recall_curve(truth, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-9)
    best = int(f1.argmax())
    return {"f1": round(float(f1[best]), 3), "precision": round(float(precision[best]), 3),
            "recall": round(float(recall[best]), 3)}  # fmt: skip


def summary(result: Evaluation) -> dict:
    return {
        "mean_f1": round(result.mean_f1, 3),
        "false_alarm_rate": round(result.false_alarm_rate, 3),
        "signals": {
            s.signal: {
                "precision": round(s.precision, 3),
                "recall": round(s.recall, 3),
                "f1": round(s.f1, 3),
                "support": s.support,
            }
            for s in result.signals
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="short,news,disaster")
    args = parser.parse_args()
    scorer = build_scorer(Settings())
    patterns = watch_list()
    table = {}
    header = f"{'set':<18}{'items':>6}  {'mean F1':>13}  {'false alarms':>13}"
    header += f"  {'atrocity P/R':>22}  {'displacement P/R':>22}"
    print(header + "\n" + " " * 26 + "warning / keywords (each column)")
    sets = whole_sets(set(args.sets.split(",")))
    for name, labelled in (
        (f"{name} {split}", whole.only(split))
        for name, whole in sets.items()
        for split in ("tune", "holdout")
    ):
        start = time.perf_counter()
        ours = evaluate(labelled, scorer.score_many([i.text for i in labelled.items]), 0)
        seconds = time.perf_counter() - start
        theirs = evaluate(
            labelled, [keyword_assessment(i.text, patterns) for i in labelled.items], 0
        )
        table[name] = {
            "items": ours.items,
            "seconds": round(seconds, 1),
            "warning": summary(ours),
            "keywords": summary(theirs),
        }
        print(f"{name:<18}{ours.items:>6}  " + "  ".join(_cells(ours, theirs)))
    if "disaster" in sets:
        table["disaster ceiling"] = ceiling(sets["disaster"])
        print(
            "disaster holdout, best displacement F1 any model trained on tune reaches with the"
            " shared labels (TF-IDF + logistic regression, threshold chosen on holdout):"
            f" {table['disaster ceiling']['f1']:.3f}"
        )
    print(json.dumps(table, ensure_ascii=False))


def _cells(ours: Evaluation, theirs: Evaluation) -> list[str]:
    def pr(result: Evaluation, signal: str) -> str:
        figures = next((s for s in result.signals if s.signal == signal), None)
        return f"{figures.precision:.2f}/{figures.recall:.2f}" if figures else "-"

    return [
        f"{ours.mean_f1:>6.3f}/{theirs.mean_f1:.3f}",
        f"{ours.false_alarm_rate:>6.3f}/{theirs.false_alarm_rate:.3f}",
        f"{pr(ours, 'mass_atrocity_risk'):>10} {pr(theirs, 'mass_atrocity_risk'):>11}",
        f"{pr(ours, 'displacement'):>10} {pr(theirs, 'displacement'):>11}",
    ]


if __name__ == "__main__":
    main()
