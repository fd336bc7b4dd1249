"""The signal classifier: TF-IDF word and character n-grams -> one logistic regression per signal
(features in `features.py`), its probabilities calibrated on held-out folds.

Trained from `classifiers/*.txt` (one example per line; `<signal>.txt` holds positives,
`negative.txt` and `negative_<topic>.txt` near-misses and neutral text) in a few seconds,
and cached on disk by the hash of those files and the scikit-learn version. Nothing
trained goes into git.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from warning.config import ExtraExamples
from warning.features import Projection, TextFeatures
from warning.labelled import read_labelled
from warning.votes import NO_VOTE, Factors, SentenceVote
from warning.yamlio import InputError

SHIPPED = (Path(__file__).parent / "packs" / "classifiers").resolve()  # follows the link
NEGATIVE = "negative"
MIN_POSITIVES = 10
MIN_WORDS = 4  # shorter lines are navigation and buttons, not reporting
MODEL_VERSION = "9"  # bump when training or the features change: cached models retrain
CALIBRATION_FOLDS = 5


@dataclass(frozen=True)
class Examples:
    texts: tuple[str, ...]
    labels: tuple[frozenset[str], ...]  # the signals each text is a positive for
    signals: tuple[str, ...]
    digest: str
    judged: tuple[frozenset[str], ...] = ()  # the signals each text is labelled for; () all

    def matrix(self) -> np.ndarray:
        return np.array([[s in labels for s in self.signals] for labels in self.labels], dtype=int)

    def mask(self) -> np.ndarray:
        """texts x signals: which texts each signal's model learns from."""
        if not self.judged:
            return np.ones((len(self.texts), len(self.signals)), dtype=bool)
        return np.array([[s in judged for s in self.signals] for judged in self.judged])


class SignalClassifier:
    """Per-signal probability that a report carries the signal, from its likeliest sentence.

    Keeps the fitted features and the stacked logistic-regression weights as one projection,
    which scores every sentence for every signal (the same numbers as predict_proba).
    """

    def __init__(
        self,
        features: TextFeatures,
        weights: np.ndarray,  # features x signals
        bias: np.ndarray,
        signals: tuple[str, ...],
        digest: str,
    ):
        self.project = Projection(features, weights)
        self.bias = bias
        self.signals = signals
        self.digest = digest

    def probabilities(self, sentences: list[str]) -> np.ndarray:
        """sentences x signals matrix of probabilities."""
        logits = self.project(sentences) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))

    def votes(
        self, sentences: list[str], factors: Factors | None = None
    ) -> dict[str, SentenceVote]:
        """Each signal's highest sentence probability. Lines under MIN_WORDS words (page
        furniture like "Sign out") are not read; a vote under 0.5 names no sentence.
        `factors` (sentence index -> signal -> factor, from context rules) weaken the
        probabilities of those sentences, as they weaken rule hits there."""
        return self.votes_many([(sentences, factors or {})])[0]

    def votes_many(self, reports: list[tuple[list[str], Factors]]) -> list[dict[str, SentenceVote]]:
        """`votes` of several reports (sentences and factors each), read in one projection:
        its set-up costs more than the reading itself on a short report."""
        readable = [
            [i for i, s in enumerate(sentences) if len(s.split()) >= MIN_WORDS]
            for sentences, _ in reports
        ]
        texts = [reports[r][0][i] for r, rows in enumerate(readable) for i in rows]
        probabilities = self.probabilities(texts) if texts else np.zeros((0, len(self.signals)))
        results, first = [], 0
        for (_, factors), rows in zip(reports, readable, strict=True):
            own = probabilities[first : first + len(rows)]
            first += len(rows)
            results.append(self._best(own, rows, factors))
        return results

    def _best(
        self, probabilities: np.ndarray, readable: list[int], factors: Factors
    ) -> dict[str, SentenceVote]:
        if not readable:
            return dict.fromkeys(self.signals, NO_VOTE)
        for row, sentence in enumerate(readable):
            for signal, factor in factors.get(sentence, {}).items():
                if signal in self.signals:
                    probabilities[row, self.signals.index(signal)] *= factor
        best = probabilities.argmax(axis=0)
        return {
            signal: _vote(float(probabilities[best[i], i]), readable[best[i]])
            for i, signal in enumerate(self.signals)
        }


def _vote(probability: float, sentence: int) -> SentenceVote:
    return SentenceVote(round(probability, 4), sentence if probability >= 0.5 else -1)


@dataclass(frozen=True, slots=True)
class Reviewed:
    """A sentence that carried `signal` in an alert a reviewer judged: a positive for that
    signal (true positive) or a negative (false positive), and nothing for the others."""

    text: str
    signal: str
    positive: bool


def load_examples(
    folder: Path | None = None,
    extra: Sequence[ExtraExamples] = (),
    reviewed: Sequence[Reviewed] = (),
) -> Examples:
    """The examples in `folder` (default: the shipped ones), the items of `extra` labelled
    sets, each judged only for the signals its set labels, and `reviewed` sentences, each
    judged for its one signal (a shipped positive stays one)."""
    folder = folder or SHIPPED
    files = sorted(folder.glob("*.txt"))
    if not any(_negative(f) for f in files):
        raise InputError([f"{folder}: no {NEGATIVE}.txt (near-miss and neutral examples)"])
    by_text: dict[str, set[str]] = {}
    digest = hashlib.sha256(f"{MODEL_VERSION}/{sklearn.__version__}".encode())
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw)
        for line in raw.decode("utf-8").splitlines():
            text = line.strip()
            if text and not text.startswith("#"):
                labels = by_text.setdefault(text, set())
                if not _negative(path):
                    labels.add(path.stem)
    signals = tuple(f.stem for f in files if not _negative(f))
    # Every shipped line is judged for every signal: a line of comms_blackout.txt teaches the
    # siege model what is not a siege. A line that carries two signals is in both files.
    judged = dict.fromkeys(by_text, frozenset(signals))
    for labelled_set in extra:
        _add_extra(labelled_set, signals, by_text, judged, digest)
    for item in reviewed:
        if item.signal not in signals or not item.text.strip():
            continue
        text = item.text.strip()
        digest.update(f"{item.signal}\0{item.positive}\0{text}\0".encode())
        labels = by_text.setdefault(text, set())
        if item.positive:
            labels.add(item.signal)
        judged[text] = judged.get(text, frozenset()) | {item.signal}
    _check_counts(folder, signals, by_text)
    texts = tuple(by_text)
    return Examples(
        texts,
        tuple(frozenset(by_text[t]) for t in texts),
        signals,
        digest.hexdigest(),
        tuple(judged[t] for t in texts),
    )


def _add_extra(
    settings: ExtraExamples,
    signals: tuple[str, ...],
    by_text: dict[str, set[str]],
    judged: dict[str, frozenset[str]],
    digest: Any,
) -> None:
    labelled = read_labelled(
        settings.path, settings.format, settings.map or None, settings.text,
        list(settings.skip.items()),
    ).only(settings.split)  # fmt: skip
    digest.update(settings.model_dump_json().encode() + settings.path.read_bytes())
    covered = frozenset(labelled.signals) & frozenset(signals)
    for item in labelled.items:
        text = item.text.strip()
        by_text.setdefault(text, set()).update(item.positives & covered)
        judged[text] = judged.get(text, frozenset()) | covered


def _negative(path: Path) -> bool:
    """negative.txt, and negative_<topic>.txt: near-misses and neutral text, for no signal."""
    return path.stem == NEGATIVE or path.stem.startswith(NEGATIVE + "_")


def _check_counts(folder: Path, signals: tuple[str, ...], by_text: dict[str, set[str]]) -> None:
    for signal in signals:
        count = sum(signal in labels for labels in by_text.values())
        if count < MIN_POSITIVES:
            raise InputError(
                [f"{folder}/{signal}.txt: {count} examples; at least {MIN_POSITIVES} needed"]
            )


def _model() -> CalibratedClassifierCV:
    """Logistic regression, its probabilities calibrated (Platt's sigmoid) on out-of-fold
    decision values: the model used is the one fitted on every text, the sigmoid the one
    learnt from the folds (`ensemble=False`), so both fold into one weight vector."""
    regression = LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear")
    folds = StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=7)
    return CalibratedClassifierCV(regression, method="sigmoid", cv=folds, ensemble=False)


def _folded(model: CalibratedClassifierCV) -> tuple[np.ndarray, float]:
    """Weights and bias giving the calibrated probability as sigmoid(x @ w + b): Platt's
    p = 1 / (1 + exp(a * f + c)) on the regression's f = x @ coef + intercept."""
    pair = model.calibrated_classifiers_[0]
    (sigmoid,) = pair.calibrators
    regression = pair.estimator
    return -sigmoid.a_ * regression.coef_[0], float(
        -(sigmoid.a_ * regression.intercept_[0] + sigmoid.b_)
    )


def build_pipeline(one_per_signal: bool = True) -> Pipeline:
    """Word 1-2-grams and character 5-grams (TF-IDF) -> calibrated logistic regression per
    signal."""
    return Pipeline(
        [
            ("features", TextFeatures()),
            ("model", OneVsRestClassifier(_model()) if one_per_signal else _model()),
        ]
    )


def train(examples: Examples) -> SignalClassifier:
    """The features learnt from every text, then one logistic regression per signal on the
    texts judged for it (as build_pipeline's one-vs-rest does when all are judged)."""
    texts = list(examples.texts)
    features = TextFeatures().fit(texts)
    matrix, targets, mask = features.transform(texts), examples.matrix(), examples.mask()
    folded = [
        _folded(_model().fit(matrix[mask[:, i]], targets[mask[:, i], i]))
        for i in range(len(examples.signals))
    ]
    weights = np.vstack([w for w, _ in folded]).T
    bias = np.array([b for _, b in folded])
    return SignalClassifier(features, weights, bias, examples.signals, examples.digest)


def load_classifier(
    folder: Path | None,
    cache: Path | None,
    extra: Sequence[ExtraExamples] = (),
    reviewed: Sequence[Reviewed] = (),
) -> SignalClassifier:
    """Train from `folder` (and `extra`, and `reviewed` sentences), or reuse the model
    cached under `cache` for identical examples."""
    examples = load_examples(folder, extra, reviewed)
    cache = cache or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "warning"
    cached = cache / f"classifier-{examples.digest[:24]}.pickle"
    if cached.is_file():
        try:
            with cached.open("rb") as handle:
                return pickle.load(handle)  # written by train() below on this machine
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            cached.unlink(missing_ok=True)
    classifier = train(examples)
    _save(classifier, cached)
    return classifier


def _save(classifier: SignalClassifier, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            pickle.dump(classifier, handle)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only cache only costs a retrain next time


@dataclass(frozen=True)
class SignalQuality:
    signal: str
    positives: int
    precision: float
    recall: float
    f1: float
    # out-of-fold probabilities of the examples labelled with no signal (ordinary text and
    # near-misses): how often the classifier alone would fire on such a sentence
    negatives: tuple[float, ...] = ()


def cross_validate(
    examples: Examples, folds: int = 5, done: Callable[[str], None] | None = None
) -> list[SignalQuality]:
    """Per-signal precision/recall/F1 of out-of-fold predictions (threshold 0.5), and the
    out-of-fold probabilities of the examples labelled with no signal; `done(signal)` is
    called as each signal is finished (a progress bar)."""
    matrix, mask = examples.matrix(), examples.mask()
    results = []
    for i, signal in enumerate(examples.signals):
        rows = np.flatnonzero(mask[:, i])  # the texts judged for this signal
        target = matrix[rows, i]
        texts = [examples.texts[r] for r in rows]
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
        pipeline = build_pipeline(one_per_signal=False)
        probability = cross_val_predict(
            pipeline, texts, target, cv=splitter, method="predict_proba"
        )[:, 1]
        quality = _quality(signal, target, (probability >= 0.5).astype(int))
        unlabelled = ~matrix[rows].any(axis=1)
        results.append(replace(quality, negatives=tuple(probability[unlabelled].tolist())))
        if done is not None:
            done(signal)
    return results


def _quality(signal: str, target: np.ndarray, predicted: np.ndarray) -> SignalQuality:
    true_pos = int(((predicted == 1) & (target == 1)).sum())
    precision = true_pos / max(int((predicted == 1).sum()), 1)
    recall = true_pos / max(int((target == 1).sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return SignalQuality(
        signal, int(target.sum()), round(precision, 3), round(recall, 3), round(f1, 3)
    )
