"""Per-signal classifier thresholds chosen on the `tune` split of labelled sets, and the
classifier card (`CARD.md` beside the examples) that says what the classifier learnt from,
how it does on `holdout`, and where it fails.

A threshold is the calibrated probability from which the classifier alone fires a signal.
The scorer turns it into the classifier's weight for that signal (`weight_for`), so that a
vote at the threshold, with no rule hit, scores exactly the firing score 0.5; a lower
threshold also lets the classifier lift weaker rule hits over it. Each signal's threshold
is the one with which the whole scorer, rules and classifier, has its best F1 on `tune`.
The thresholds live in `thresholds.yaml` beside the examples, with the digest of the
examples they were chosen for; `warning classifier eval --tune FILE` writes both files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from warning.evaluation import ReliabilityBin, SignalFigures
from warning.labelled import LabelledSet
from warning.score import Assessment, combined
from warning.yamlio import InputError, load_yaml

if TYPE_CHECKING:  # not imported at run time: it loads scikit-learn
    from warning.classifier import Examples
    from warning.training import SignalQuality

THRESHOLDS_FILE = "thresholds.yaml"
CARD_FILE = "CARD.md"
# Thresholds tried: hundredths from 0.91 (a classifier weight of 0.55, the configured
# default: thresholds chosen on a few hundred tune items may make the classifier more
# careful, never bolder, since near-misses unlike the tune items would pay for it), then
# closer to certainty, where calibrated probabilities of strongly worded text lie.
GRID = (*(t / 100 for t in range(91, 100)), 0.995, 0.999)
FIRES_AT = 0.5  # alerts.threshold's default: the score at which a signal fires

KNOWN_FAILURES = """\
- It reads one sentence at a time and votes with its surest sentence: a signal spread over
  two sentences ("The town was surrounded. Nothing has gone in for a month.") is half seen.
- Most examples are English news wording; French, Spanish and Arabic have fewer, and field
  SMS spelling ("ppl", "no food 3 days") is rarely in them.
- Attacks on civilians are examples of both mass_atrocity_risk and armed_escalation, so it
  gives both on a killing by gunmen; a single criminal killing is near its boundary.
- Calibration is on the examples' mix, where positives are far commoner than in a real
  feed: its probabilities overstate the chance that a random report carries a signal.
- It learns words, not facts: a denial, an anniversary or a film plot in the same words
  scores like the event; the rule pack's context rules, not the classifier, catch those.
- Its sigmoid is steep (the examples separate well): a bland sentence holding one word
  that only positives use can score 0.99 or more ("Tourists appeared to be adapting." for
  hate_speech, where posters "appeared"). The examples in `negative_general.txt` (ordinary
  news sentences) pull most such sentences down; the thresholds near 1 keep the rest from
  firing a signal alone, but they still lift a weak rule hit.
"""


@dataclass(frozen=True, slots=True)
class Scored:
    """One labelled item's scores for one signal."""

    rules: float  # the rules' score
    classifier: float  # the classifier's calibrated probability
    positive: bool  # labelled 1


@dataclass(frozen=True, slots=True)
class Figures:
    signal: str
    precision: float
    recall: float
    f1: float
    positives: int


@dataclass(frozen=True, slots=True)
class Threshold:
    signal: str
    value: float
    tune: Figures  # the scorer's figures on tune with this threshold


def floor(negatives: Sequence[float]) -> float:
    """The lowest threshold of GRID that none of `negatives` reaches (the out-of-fold
    probabilities of the examples labelled with no signal), or the highest of GRID.

    The tune items are near-misses and positives that the rules were written from: there the
    rules find almost everything, and a bolder threshold costs nothing. Ordinary sentences
    are not among them, and a report has dozens: a threshold that 4 of 1,500 ordinary
    example sentences reach fired hate_speech on "Tourists appeared to be adapting."."""
    highest = max(negatives, default=-1.0)
    return next((t for t in GRID if t > highest), GRID[-1])


def choose(
    scored: Sequence[Scored], signal: str, fires_at: float = FIRES_AT, at_least: float = GRID[0]
) -> Threshold:
    """The highest threshold of GRID from `at_least` on (the fewest alarms) whose F1 of the
    whole scorer (rules and classifier together, firing at `fires_at`) on these items is
    within one item of the best (1 / positives: one positive found more or less moves F1 by
    about that). A difference of one item says nothing of text unlike them: bolder thresholds
    for one item more on tune fired hate_speech on four neutral texts and displacement on
    "20,000 residents are besieged" (tests/test_neutral.py, tests/test_events.py)."""
    tried = [(_figures(scored, signal, t, fires_at), t) for t in GRID if t >= at_least]
    best = max(figures.f1 for figures, _ in tried)
    tie = 1 / max(1, sum(item.positive for item in scored))
    figures, value = max((pair for pair in tried if pair[0].f1 >= best - tie), key=lambda p: p[1])
    return Threshold(signal, value, figures)


def figures_at(
    scored: Sequence[Scored], threshold: Threshold, fires_at: float = FIRES_AT
) -> Figures:
    """The scorer's precision, recall and F1 for the signal with this threshold."""
    return _figures(scored, threshold.signal, threshold.value, fires_at)


def _figures(scored: Sequence[Scored], signal: str, threshold: float, fires_at: float) -> Figures:
    weight = weight_for(threshold, fires_at)
    fired = [combined(i.rules, weight, i.classifier) >= fires_at for i in scored]
    counted = SignalFigures(
        signal,
        sum(i.positive for i in scored),
        sum(f and i.positive for f, i in zip(fired, scored, strict=True)),
        sum(f and not i.positive for f, i in zip(fired, scored, strict=True)),
        sum(i.positive and not f for f, i in zip(fired, scored, strict=True)),
    )
    return Figures(
        signal,
        round(counted.precision, 3),
        round(counted.recall, 3),
        round(counted.f1, 3),
        counted.support,
    )


def scored_items(
    sets: Sequence[LabelledSet], assessed: Sequence[Sequence[Assessment]], signal: str
) -> list[Scored]:
    """The scores of every item of `sets` labelled for `signal`; `assessed[i]` are the
    assessments of `sets[i]`'s items."""
    found = []
    for labelled, assessments in zip(sets, assessed, strict=True):
        if signal not in labelled.signals:
            continue
        for item, assessment in zip(labelled.items, assessments, strict=True):
            score = next((s for s in assessment.scores if s.name == signal), None)
            rules, classifier = (score.rules, score.classifier) if score else (0.0, 0.0)
            found.append(Scored(rules, classifier, signal in item.positives))
    return found


def weight_for(threshold: float, fires_at: float = FIRES_AT) -> float:
    """The classifier's weight that makes a vote at `threshold` alone score `fires_at`."""
    return min(1.0, fires_at / threshold)


def write_thresholds(folder: Path, thresholds: Sequence[Threshold], digest: str) -> Path:
    path = folder / THRESHOLDS_FILE
    body = {"examples": digest, "thresholds": {t.signal: t.value for t in thresholds}}
    header = (
        "# Written by `warning classifier eval --tune ...`: the calibrated probability from\n"
        "# which the classifier alone fires each signal, chosen for the scorer's best F1 on\n"
        "# the tune split. `examples` is the digest of the examples they were chosen for.\n"
    )
    path.write_text(header + yaml.safe_dump(body, sort_keys=True), encoding="utf-8")
    return path


@dataclass(frozen=True, slots=True)
class Thresholds:
    values: dict[str, float]
    examples: str  # the digest of the examples they were chosen for

    def weights(self, fires_at: float) -> dict[str, float]:
        """Signal -> the classifier's weight, for signals firing at `fires_at`."""
        return {signal: weight_for(value, fires_at) for signal, value in self.values.items()}


def load_thresholds(folder: Path) -> Thresholds | None:
    """The thresholds beside the examples in `folder`, or None when there are none."""
    path = folder / THRESHOLDS_FILE
    if not path.is_file():
        return None
    doc = load_yaml(path)
    data = doc.data if isinstance(doc.data, dict) else {}
    values = data.get("thresholds")
    if not isinstance(values, dict):
        raise InputError([f"{doc.where(())}: no `thresholds:` mapping of signals to numbers"])
    wrong = [
        f"{doc.where(('thresholds', signal))}: {signal}: a threshold is a probability from "
        "0.5 to below 1 (`warning classifier eval --tune FILE` writes them)"
        for signal, value in values.items()
        if not isinstance(value, float) or not 0.5 <= value < 1
    ]
    if wrong:
        raise InputError(wrong)
    return Thresholds({str(k): float(v) for k, v in values.items()}, str(data.get("examples")))


@dataclass(frozen=True)
class CardData:
    examples: Examples
    quality: list[SignalQuality]  # cross-validated, at p >= 0.5
    tune_sets: list[tuple[str, int]]  # (file, tune items)
    thresholds: list[Threshold]
    holdout: list[Figures]
    holdout_items: int
    calibration: tuple[ReliabilityBin, ...]  # on holdout, every signal


def write_card(folder: Path, card: CardData) -> Path:
    path = folder / CARD_FILE
    path.write_text(render_card(card), encoding="utf-8")
    return path


def render_card(card: CardData) -> str:
    examples = card.examples
    counts = examples.matrix().sum(axis=0)
    negatives = sum(1 for labels in examples.labels if not labels)
    lines = [
        "# Classifier card",
        "",
        "Written by `warning classifier eval` (do not edit: run it again). Examples digest",
        f"`{examples.digest[:16]}`.",
        "",
        "## Model",
        "",
        "TF-IDF word 1-2-grams and hashed character 5-grams (`warning/features.py`), one",
        "logistic regression per signal (liblinear, C=4, balanced classes), its probability",
        "calibrated with Platt's sigmoid on 5 held-out folds (`CalibratedClassifierCV`,",
        "`ensemble=False`). It reads each sentence and votes with the surest one.",
        "",
        "## Data",
        "",
        f"{len(examples.texts)} examples; {negatives} are negatives (near-misses and neutral).",
        "",
        "| signal | positive examples |",
        "|---|---|",
        *[f"| {s} | {int(n)} |" for s, n in zip(examples.signals, counts, strict=True)],
        "",
        "## Cross-validated on the examples (5 folds, p >= 0.5)",
        "",
        "| signal | positives | precision | recall | F1 |",
        "|---|---|---|---|---|",
        *[
            f"| {q.signal} | {q.positives} | {q.precision:.3f} | {q.recall:.3f} | {q.f1:.3f} |"
            for q in card.quality
        ],
    ]
    if card.thresholds:
        lines += _threshold_section(card)
    lines += ["", "## Known failure modes", "", KNOWN_FAILURES.rstrip()]
    return "\n".join(lines) + "\n"


def _threshold_section(card: CardData) -> list[str]:
    sets = ", ".join(f"`{name}` ({n})" for name, n in card.tune_sets)
    return [
        "",
        "## Thresholds, chosen on tune",
        "",
        "The calibrated probability from which the classifier alone fires a signal: the",
        "scorer gives it the weight that makes a vote at the threshold fire the signal with",
        "no rule hit. Chosen for the best F1 of the whole scorer (rules and classifier) on",
        f"the tune items of {sets}; of F1 within one item of the best (1 / positives), the",
        "highest; never below the lowest probability that no example labelled with no signal",
        "reaches out of fold (ordinary sentences: a report holds dozens).",
        "",
        "| signal | threshold | tune precision | tune recall | tune F1 | tune positives |",
        "|---|---|---|---|---|---|",
        *[
            f"| {t.signal} | {t.value:g} | {t.tune.precision:.3f} | {t.tune.recall:.3f} "
            f"| {t.tune.f1:.3f} | {t.tune.positives} |"
            for t in card.thresholds
        ],
        "",
        f"## The scorer on holdout ({card.holdout_items} items, with the thresholds)",
        "",
        "| signal | positives | precision | recall | F1 |",
        "|---|---|---|---|---|",
        *[
            f"| {f.signal} | {f.positives} | {f.precision:.3f} | {f.recall:.3f} | {f.f1:.3f} |"
            for f in card.holdout
        ],
        "",
        "## Reliability of the classifier's probability on holdout (every signal)",
        "",
        "| probability | item-signal pairs | mean probability | labelled positive |",
        "|---|---|---|---|",
        *[
            f"| {b.low:.1f}-{b.high:.1f} | {b.count} | {b.mean_score:.3f} | {b.positive_rate:.3f} |"
            for b in card.calibration
            if b.count
        ],
    ]
