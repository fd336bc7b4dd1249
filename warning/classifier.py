"""The signal classifier: TF-IDF word and character n-grams -> one logistic regression per signal
(features in `features.py`).

Trained from `classifiers/*.txt` (one example per line; `<signal>.txt` holds positives,
`negative.txt` near-misses and neutral text) in a few seconds, and cached on disk by
the hash of those files and the scikit-learn version. Nothing trained goes into git.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from warning.features import Projection, TextFeatures
from warning.yamlio import InputError

SHIPPED = (Path(__file__).parent / "packs" / "classifiers").resolve()  # follows the link
NEGATIVE = "negative"
MIN_POSITIVES = 10
MIN_WORDS = 4  # shorter lines are navigation and buttons, not reporting
MODEL_VERSION = "6"  # bump when build_pipeline changes, so cached models are retrained


@dataclass(frozen=True)
class Examples:
    texts: tuple[str, ...]
    labels: tuple[frozenset[str], ...]
    signals: tuple[str, ...]
    digest: str

    def matrix(self) -> np.ndarray:
        return np.array([[s in labels for s in self.signals] for labels in self.labels], dtype=int)


@dataclass(frozen=True)
class SentenceVote:
    probability: float
    sentence: int  # index of the sentence the classifier was surest about


Factors = dict[int, dict[str, float]]  # sentence index -> signal -> factor


class SignalClassifier:
    """Per-signal probability that a report carries the signal, from its likeliest sentence.

    Keeps the fitted features and the stacked logistic-regression weights as one projection,
    which scores every sentence for every signal (the same numbers as predict_proba).
    """

    def __init__(self, pipeline: Pipeline, signals: tuple[str, ...], digest: str):
        models = pipeline.named_steps["model"].estimators_
        weights = np.vstack([m.coef_[0] for m in models]).T
        self.project = Projection(pipeline.named_steps["features"], weights)
        self.bias = np.array([m.intercept_[0] for m in models])
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
            return {s: SentenceVote(0.0, -1) for s in self.signals}
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


def load_examples(folder: Path | None = None) -> Examples:
    folder = folder or SHIPPED
    files = sorted(folder.glob("*.txt"))
    if not any(f.stem == NEGATIVE for f in files):
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
                if path.stem != NEGATIVE:
                    labels.add(path.stem)
    signals = tuple(f.stem for f in files if f.stem != NEGATIVE)
    _check_counts(folder, signals, by_text)
    texts = tuple(by_text)
    return Examples(texts, tuple(frozenset(by_text[t]) for t in texts), signals, digest.hexdigest())


def _check_counts(folder: Path, signals: tuple[str, ...], by_text: dict[str, set[str]]) -> None:
    for signal in signals:
        count = sum(signal in labels for labels in by_text.values())
        if count < MIN_POSITIVES:
            raise InputError(
                [f"{folder}/{signal}.txt: {count} examples; at least {MIN_POSITIVES} needed"]
            )


def build_pipeline(one_per_signal: bool = True) -> Pipeline:
    """Word 1-2-grams and character 5-grams (TF-IDF) -> logistic regression per signal."""
    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
    return Pipeline(
        [
            ("features", TextFeatures()),
            ("model", OneVsRestClassifier(model) if one_per_signal else model),
        ]
    )


def train(examples: Examples) -> SignalClassifier:
    pipeline = build_pipeline().fit(list(examples.texts), examples.matrix())
    return SignalClassifier(pipeline, examples.signals, examples.digest)


def load_classifier(folder: Path | None, cache: Path | None) -> SignalClassifier:
    """Train from `folder`, or reuse the model cached under `cache` for identical examples."""
    examples = load_examples(folder)
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


def cross_validate(examples: Examples, folds: int = 5) -> list[SignalQuality]:
    """Per-signal precision/recall/F1 of out-of-fold predictions (threshold 0.5)."""
    matrix = examples.matrix()
    results = []
    for i, signal in enumerate(examples.signals):
        target = matrix[:, i]
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
        pipeline = build_pipeline(one_per_signal=False)
        predicted = cross_val_predict(pipeline, list(examples.texts), target, cv=splitter)
        results.append(_quality(signal, target, predicted))
    return results


def _quality(signal: str, target: np.ndarray, predicted: np.ndarray) -> SignalQuality:
    true_pos = int(((predicted == 1) & (target == 1)).sum())
    precision = true_pos / max(int((predicted == 1).sum()), 1)
    recall = true_pos / max(int((target == 1).sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return SignalQuality(
        signal, int(target.sum()), round(precision, 3), round(recall, 3), round(f1, 3)
    )
