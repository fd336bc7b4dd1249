"""Training the signal classifier and measuring it: scikit-learn's logistic regression,
calibrated on held-out folds, folded into the weights `classifier.SignalClassifier` scores
with (which needs no scikit-learn: a second less to start `warning score`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from warning.classifier import CALIBRATION_FOLDS, Examples, SignalClassifier
from warning.features import TextFeatures


class FeatureEstimator(TransformerMixin, BaseEstimator, TextFeatures):
    """`TextFeatures` with scikit-learn's estimator API, for pipelines and cross-validation."""


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
            ("features", FeatureEstimator()),
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
