"""The signal classifier: TF-IDF word and character n-grams -> one logistic regression per signal
(features in `features.py`), its probabilities calibrated on held-out folds.

Trained from `classifiers/*.txt` (one example per line; `<signal>.txt` holds positives,
`negative.txt` and `negative_<topic>.txt` near-misses and neutral text) in a few seconds,
and cached on disk by the hash of those files and the scikit-learn version. Nothing
trained goes into git.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

from warning.config import ExtraExamples
from warning.features import Projection, TextFeatures
from warning.labelled import read_labelled
from warning.votes import NO_VOTE, Factors, SentenceVote
from warning.warmcache import cache_folder, load_or_build
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
        if not texts:
            return [dict.fromkeys(self.signals, NO_VOTE) for _ in reports]
        probabilities = self.probabilities(texts)
        self._weaken(probabilities, readable, [factors for _, factors in reports])
        return self._best(probabilities, readable)

    def _weaken(
        self, probabilities: np.ndarray, readable: list[list[int]], factors: list[Factors]
    ) -> None:
        """Multiply each weakened sentence's probabilities by its factors (in place)."""
        first = 0
        for rows, weakened in zip(readable, factors, strict=True):
            for sentence, by_signal in weakened.items():
                if sentence not in rows:
                    continue
                row = first + rows.index(sentence)
                for signal, factor in by_signal.items():
                    if signal in self.signals:
                        probabilities[row, self.signals.index(signal)] *= factor
            first += len(rows)

    def _best(
        self, probabilities: np.ndarray, readable: list[list[int]]
    ) -> list[dict[str, SentenceVote]]:
        """Per report, each signal's highest probability over its readable sentences (the
        rows of `probabilities`, report after report) and the first sentence that has it;
        found for the whole batch at once (per report, numpy's set-up cost more)."""
        counts = np.array([len(rows) for rows in readable])
        read = np.flatnonzero(counts)
        starts, sizes = (np.cumsum(counts) - counts)[read], counts[read]
        highest = np.maximum.reduceat(probabilities, starts, axis=0)
        within = np.arange(len(probabilities)) - np.repeat(starts, sizes)
        at_highest = probabilities == np.repeat(highest, sizes, axis=0)
        where = np.where(at_highest, within[:, None], len(probabilities))
        first = np.minimum.reduceat(where, starts, axis=0)
        results = [dict.fromkeys(self.signals, NO_VOTE) for _ in readable]
        for report, values, rows_at in zip(
            read.tolist(), highest.tolist(), first.tolist(), strict=True
        ):
            rows = readable[report]
            results[report] = {
                signal: SentenceVote(round(p, 4), rows[row] if p >= 0.5 else -1)
                for signal, p, row in zip(self.signals, values, rows_at, strict=True)
            }
        return results


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
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
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
        _add_extra(labelled_set, signals, by_text, judged)
    for item in _usable(reviewed, signals):
        text = item.text.strip()
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
        examples_digest(folder, extra, reviewed),
        tuple(judged[t] for t in texts),
    )


def examples_digest(
    folder: Path | None, extra: Sequence[ExtraExamples] = (), reviewed: Sequence[Reviewed] = ()
) -> str:
    """The digest of everything the classifier learns from (the files' bytes, the labelled
    sets' settings and bytes, the reviewed sentences it uses), and of how it learns: a
    trained model is cached under it. Read without parsing the examples."""
    files = sorted((folder or SHIPPED).glob("*.txt"))
    signals = tuple(f.stem for f in files if not _negative(f))
    digest = hashlib.sha256(f"{MODEL_VERSION}/{version('scikit-learn')}".encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for settings in extra:
        digest.update(settings.model_dump_json().encode() + settings.path.read_bytes())
    for item in _usable(reviewed, signals):
        digest.update(f"{item.signal}\0{item.positive}\0{item.text.strip()}\0".encode())
    return digest.hexdigest()


def _usable(reviewed: Sequence[Reviewed], signals: tuple[str, ...]) -> list[Reviewed]:
    """The reviewed sentences the classifier learns from: of a signal it has, not empty."""
    return [r for r in reviewed if r.signal in signals and r.text.strip()]


def _add_extra(
    settings: ExtraExamples,
    signals: tuple[str, ...],
    by_text: dict[str, set[str]],
    judged: dict[str, frozenset[str]],
) -> None:
    labelled = read_labelled(
        settings.path, settings.format, settings.map or None, settings.text,
        list(settings.skip.items()),
    ).only(settings.split)  # fmt: skip
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


def load_classifier(
    folder: Path | None,
    cache: Path | None,
    extra: Sequence[ExtraExamples] = (),
    reviewed: Sequence[Reviewed] = (),
) -> SignalClassifier:
    """Train from `folder` (and `extra`, and `reviewed` sentences), or reuse the model
    cached under `cache` for identical examples (found without reading them)."""
    digest = examples_digest(folder, extra, reviewed)
    cached = cache_folder(cache) / f"classifier-{digest[:24]}.pickle"
    return load_or_build(cached, lambda: _train(load_examples(folder, extra, reviewed)))


def _train(examples: Examples) -> SignalClassifier:
    from warning.training import train  # scikit-learn: only to train

    return train(examples)
