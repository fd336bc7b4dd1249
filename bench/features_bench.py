"""Feature cost: the hand-written TF-IDF features (`warning/features.py`) against
scikit-learn's vectorizers, on the same texts, in one process on one core.

Three feature builders, each fitted on the classifier's training texts:
- hand-written: `TextFeatures` (and `Projection` for scores);
- sklearn: the stock replacement, a `FeatureUnion` of `TfidfVectorizer(token_pattern=
  r"\\b\\w\\w+\\b", ngram_range=(1, 2), sublinear_tf=True)` and `TfidfVectorizer(analyzer=
  "char", ngram_range=(5, 5), min_df=2, sublinear_tf=True, preprocessor=<lower-cased,
  non-word runs as one space, a space at both ends>)`. Its character block keeps every
  n-gram apart instead of hashing it into 2**18 buckets, so it differs from the
  hand-written one where n-grams share a bucket (the counts are printed);
- sklearn, same buckets: the union of `tests/test_features_sklearn.py`, whose output the
  test shows identical to the hand-written one: the same word vectorizer, and a
  `TfidfVectorizer(min_df=2, sublinear_tf=True)` over each character n-gram's bucket (the
  buckets of every n-gram of the benchmark texts looked up beforehand, untimed, in a dict).

Timed, best of three after one warm-up: fit on the training texts; transform of (a) the
training texts, (b) 1,000 short reports (real sentences, cut at the last word boundary
within 300 characters), (c) one batch of 200,000 characters of sentences (as the daemon
hands the classifier at most); and scoring the same three with the trained classifier's
weights: `Projection(texts)` against `union.transform(texts) @ weights` (the weights moved
to each union's columns: words by name, n-grams by bucket). Prints a table in
milliseconds, the agreement of the outputs, then one JSON line.
Run: python bench/features_bench.py
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
from corpus import REPEAT, pick, sentences  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import FeatureUnion  # noqa: E402

from tests.test_features_sklearn import (  # noqa: E402
    CHAR_GRAMS,
    buckets_of,
    hand_columns,
    in_hand_layout,
    padded,
    sklearn_features,
)
from warning.classifier import load_examples  # noqa: E402
from warning.features import Projection, TextFeatures  # noqa: E402
from warning.training import train  # noqa: E402

SHORT_REPORTS = 1000
SHORT_SIZE = 300
BATCH_SIZE = 200_000
BUILDERS = ("hand-written", "sklearn", "sklearn, same buckets")


def stock_union() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(token_pattern=r"\b\w\w+\b", ngram_range=(1, 2), sublinear_tf=True),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char",
                    ngram_range=(5, 5),
                    min_df=2,
                    sublinear_tf=True,
                    preprocessor=padded,
                ),
            ),
        ]
    )


def stock_weights(
    features: TextFeatures, union: FeatureUnion, weights: np.ndarray, buckets: dict[str, int]
) -> np.ndarray:
    """`weights` (hand-written columns) on the stock union's columns: words by name, each
    character n-gram given the weights of its bucket."""
    words = sorted(features.vocabulary_, key=features.vocabulary_.__getitem__)
    size = len(words)
    names = words + [f"{words[k // size]} {words[k % size]}" for k in features.bigrams_.tolist()]
    index = {name: i for i, name in enumerate(names)}
    word_names = union.named_transformers["words"].get_feature_names_out()
    char_names = union.named_transformers["chars"].get_feature_names_out()
    columns = [index[w] for w in word_names]
    columns += [features.word_columns_ + buckets[g] for g in char_names]
    return weights[np.array(columns)]


def best(func: Callable[[], object]) -> float:
    """The fastest of REPEAT calls, after one warm-up call, in seconds."""
    func()
    passes = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        func()
        passes.append(time.perf_counter() - start)
    return min(passes)


def texts_to_time() -> dict[str, list[str]]:
    pool = sentences()
    rng = random.Random(7)
    short = [
        " ".join(pick(pool, rng, SHORT_SIZE))[: SHORT_SIZE + 1].rsplit(" ", 1)[0]
        for _ in range(SHORT_REPORTS)
    ]
    batch = pick(pool, rng, BATCH_SIZE)
    return {"training": list(load_examples().texts), "short_1000": short, "batch_200k": batch}


def main() -> None:
    texts = texts_to_time()
    training = texts["training"]
    classifier = train(load_examples())
    features = classifier.project.features
    weights = classifier.project.table[:, 1:]
    width = features.word_columns_ + features.buckets
    every = [t for group in texts.values() for t in group]
    buckets = buckets_of(features, every)  # untimed: the n-gram -> bucket lookup

    stock = stock_union().fit(training)
    same = sklearn_features(buckets).fit(training)
    stock_w = stock_weights(features, stock, weights, buckets)
    same_w = weights[hand_columns(features, same)]
    project = Projection(features, weights)

    fit = {
        "hand-written": best(lambda: TextFeatures().fit(training)),
        "sklearn": best(lambda: stock_union().fit(training)),
        "sklearn, same buckets": best(lambda: sklearn_features(buckets).fit(training)),
    }
    transform: dict[str, dict[str, float]] = {}
    score: dict[str, dict[str, float]] = {}
    agreement: dict[str, dict[str, float]] = {}
    for name, group in texts.items():
        transform[name] = {
            "hand-written": best(lambda g=group: features.transform(g)),
            "sklearn": best(lambda g=group: stock.transform(g)),
            "sklearn, same buckets": best(lambda g=group: same.transform(g)),
        }
        score[name] = {
            "hand-written": best(lambda g=group: project(g)),
            "sklearn": best(lambda g=group: stock.transform(g) @ stock_w),
            "sklearn, same buckets": best(lambda g=group: same.transform(g) @ same_w),
        }
        hand = features.transform(group)
        same_columns = hand_columns(features, same)
        ours = in_hand_layout(same.transform(group), same_columns, width)
        words = stock.named_transformers["words"].transform(group)
        stock_words = in_hand_layout(words, same_columns[: words.shape[1]], width)
        scores = project(group)
        agreement[name] = {
            "same buckets: max |matrix diff|": float(abs(hand - ours).max()),
            "sklearn: max |word-block diff|": float(
                abs(
                    hand[:, : features.word_columns_] - stock_words[:, : features.word_columns_]
                ).max()
            ),
            "same buckets: max |score diff|": float(
                np.abs(scores - same.transform(group) @ same_w).max()
            ),
            "sklearn: max |score diff|": float(
                np.abs(scores - stock.transform(group) @ stock_w).max()
            ),
        }

    sizes = {name: f"{len(g)} texts, {sum(map(len, g)):,} chars" for name, g in texts.items()}
    print(f"{'ms, best of ' + str(REPEAT):<34}" + "".join(f"{b:>23}" for b in BUILDERS))
    rows = [("fit: training", fit)]
    rows += [(f"transform: {name}", transform[name]) for name in texts]
    rows += [(f"score: {name}", score[name]) for name in texts]
    for label, times in rows:
        hand = times["hand-written"]
        cells = [f"{times[b] * 1000:>12.1f} ({times[b] / hand:>5.2f}x)" for b in BUILDERS[1:]]
        print(f"{label:<34}{hand * 1000:>23.1f}" + "".join(f"{c:>23}" for c in cells))
    print("(x: time over the hand-written time)")
    for name, size in sizes.items():
        print(f"{name}: {size}")
    fit_grams = {g for t in training for g in CHAR_GRAMS(t)}
    collided = len(fit_grams) - len({buckets[g] for g in fit_grams})
    print(
        f"training character 5-grams: {len(fit_grams):,} distinct in "
        f"{len(fit_grams) - collided:,} buckets; sklearn keeps "
        f"{len(stock.named_transformers['chars'].vocabulary_):,} n-grams (min_df 2), "
        f"same buckets {len(same.named_transformers['chars'].vocabulary_):,} buckets"
    )
    for name, values in agreement.items():
        print(f"{name}: " + ", ".join(f"{k} {v:.2e}" for k, v in values.items()))
    print(
        json.dumps(
            {
                "seconds": {"fit": fit, "transform": transform, "score": score},
                "texts": sizes,
                "agreement": agreement,
                "char_5grams": {"training_distinct": len(fit_grams), "collided": collided},
            }
        )
    )


if __name__ == "__main__":
    main()
