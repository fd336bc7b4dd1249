"""Measuring a rule pack and classifier on labelled text: `warning eval`.

`evaluate` compares what the scorer fired with the labels: precision, recall, F1 and
support per signal, the false-alarm rate on items labelled all-negative, a reliability
table of scores against how often they were right, and the worst misses and false alarms
with what decided each. Pure: reading sets is
`warning.labelled`'s, scoring is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from warning.labelled import LabelledItem, LabelledSet
from warning.score import Assessment, SignalResult, SignalScore

BINS = 10  # reliability table: scores in tenths
QUOTE_CHARS = 160


@dataclass(frozen=True, slots=True)
class SignalFigures:
    signal: str
    support: int  # items labelled 1
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        fired = self.true_positives + self.false_positives
        return self.true_positives / fired if fired else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    low: float
    high: float
    count: int  # (item, signal) pairs whose score fell in [low, high)
    mean_score: float
    positive_rate: float  # how many of them were labelled 1


@dataclass(frozen=True, slots=True)
class Case:
    """A miss or a false alarm, with what decided it."""

    kind: str  # "miss" or "false alarm"
    item: str
    line: int
    signal: str
    score: float
    rules: float
    classifier: float
    why: str  # the rules that fired and the classifier's sentence, or what came closest
    text: str  # the beginning of the item's text


@dataclass(frozen=True)
class Evaluation:
    name: str
    items: int
    signals: tuple[SignalFigures, ...]
    all_negative: int  # items labelled 0 for every evaluated signal
    false_alarms: int  # of those, items on which an evaluated signal fired
    reliability: tuple[ReliabilityBin, ...]
    cases: tuple[Case, ...]

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.all_negative if self.all_negative else 0.0

    @property
    def mean_f1(self) -> float:
        """Over the signals with support (a signal nobody labelled has no F1 to speak of)."""
        labelled = [s.f1 for s in self.signals if s.support]
        return sum(labelled) / len(labelled) if labelled else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "items": self.items,
            "signals": {
                s.signal: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.support,
                    "true_positives": s.true_positives,
                    "false_positives": s.false_positives,
                    "false_negatives": s.false_negatives,
                }
                for s in self.signals
            },
            "mean_f1": round(self.mean_f1, 4),
            "all_negative": self.all_negative,
            "false_alarms": self.false_alarms,
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "reliability": [
                {
                    "low": b.low,
                    "high": b.high,
                    "count": b.count,
                    "mean_score": round(b.mean_score, 4),
                    "positive_rate": round(b.positive_rate, 4),
                }
                for b in self.reliability
            ],
            "misses": [_case_json(c) for c in self.cases if c.kind == "miss"],
            "false_alarm_cases": [_case_json(c) for c in self.cases if c.kind == "false alarm"],
        }


def _case_json(case: Case) -> dict[str, Any]:
    return {
        "id": case.item,
        "line": case.line,
        "signal": case.signal,
        "score": case.score,
        "rules": case.rules,
        "classifier": case.classifier,
        "why": case.why,
        "text": case.text,
    }


def evaluate(
    labelled: LabelledSet, assessments: Iterable[Assessment], worst: int = 5
) -> Evaluation:
    """Figures for `labelled`, whose items the scorer assessed as `assessments` (in order).
    `worst`: how many misses and false alarms to keep per signal (surest first)."""
    pairs = list(zip(labelled.items, assessments, strict=True))
    figures = [_figures(signal, pairs) for signal in labelled.signals]
    evaluated = set(labelled.signals)
    negatives = [(i, a) for i, a in pairs if not i.positives]
    alarms = sum(1 for _, a in negatives if evaluated & {s.name for s in a.signals})
    cases = [c for signal in labelled.signals for c in _cases(signal, pairs, worst)]
    return Evaluation(
        labelled.name,
        len(pairs),
        tuple(figures),
        len(negatives),
        alarms,
        _reliability(labelled.signals, pairs),
        tuple(cases),
    )


def _figures(signal: str, pairs: list[tuple[LabelledItem, Assessment]]) -> SignalFigures:
    tp = fp = fn = 0
    for item, assessment in pairs:
        fired = any(s.name == signal for s in assessment.signals)
        labelled = signal in item.positives
        tp += fired and labelled
        fp += fired and not labelled
        fn += labelled and not fired
    return SignalFigures(signal, tp + fn, tp, fp, fn)


def _score(assessment: Assessment, signal: str) -> SignalScore:
    return next(
        (s for s in assessment.scores if s.name == signal), SignalScore(signal, 0.0, 0.0, 0.0)
    )


def _reliability(
    signals: tuple[str, ...], pairs: list[tuple[LabelledItem, Assessment]]
) -> tuple[ReliabilityBin, ...]:
    return reliability_bins(
        (_score(assessment, signal).score, signal in item.positives)
        for item, assessment in pairs
        for signal in signals
    )


def reliability_bins(scored: Iterable[tuple[float, bool]]) -> tuple[ReliabilityBin, ...]:
    """(score, labelled positive) pairs in tenths of the score."""
    binned: list[list[tuple[float, bool]]] = [[] for _ in range(BINS)]
    for score, positive in scored:
        binned[min(int(score * BINS), BINS - 1)].append((score, positive))
    return tuple(
        ReliabilityBin(
            k / BINS,
            (k + 1) / BINS,
            len(entries),
            sum(s for s, _ in entries) / len(entries) if entries else 0.0,
            sum(p for _, p in entries) / len(entries) if entries else 0.0,
        )
        for k, entries in enumerate(binned)
    )


def _cases(signal: str, pairs: list[tuple[LabelledItem, Assessment]], worst: int) -> list[Case]:
    misses, alarms = [], []
    for item, assessment in pairs:
        fired = next((s for s in assessment.signals if s.name == signal), None)
        labelled = signal in item.positives
        if labelled and fired is None:
            misses.append(_case("miss", item, signal, assessment, _closest(assessment, signal)))
        elif fired is not None and not labelled:
            alarms.append(_case("false alarm", item, signal, assessment, _decided(fired)))
    misses.sort(key=lambda c: c.score)  # the surest misses first: nothing came close
    alarms.sort(key=lambda c: -c.score)
    return misses[:worst] + alarms[:worst]


def _decided(fired: SignalResult) -> str:
    """The rules (up to two) and the classifier sentence that made a signal fire."""
    parts = [f"rule {h.rule} on “{_short(h.quote)}”" for h in fired.hits[:2]]
    if fired.classifier_quote:
        parts.append(f"classifier {fired.classifier:.2f} on “{_short(fired.classifier_quote)}”")
    return "; ".join(parts) or f"classifier {fired.classifier:.2f}"


def _closest(assessment: Assessment, signal: str) -> str:
    score = _score(assessment, signal)
    if score.rules == 0 and score.classifier < 0.05:
        return "no rule matched; the classifier saw nothing"
    return f"below the threshold: rules {score.rules:.2f}, classifier {score.classifier:.2f}"


def _case(kind: str, item: LabelledItem, signal: str, assessment: Assessment, why: str) -> Case:
    score = _score(assessment, signal)
    return Case(
        kind,
        item.id,
        item.line,
        signal,
        score.score,
        score.rules,
        score.classifier,
        why,
        _short(item.text),
    )


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1] + "…"
