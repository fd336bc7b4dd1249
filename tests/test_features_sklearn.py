"""The hand-written TF-IDF features (`warning/features.py`) against scikit-learn's own
vectorizers on the same real text: the classifier's training lines (fit) and those lines,
the development sets in `bench/data/*.jsonl` and a few edge cases (transform).

The scikit-learn equivalent is a `FeatureUnion` of two stock `TfidfVectorizer`s:
- words: `token_pattern=r"\\b\\w\\w+\\b"`, `ngram_range=(1, 2)`, `sublinear_tf=True`;
- characters: the stock `analyzer="char"`, `ngram_range=(5, 5)` n-grams of the text
  lower-cased, non-word runs as one space, a space at both ends; each n-gram replaced by
  the bucket the hand-written code hashes it into (read from its own hashing, window by
  window, and checked to depend on the n-gram alone), then `min_df=2`, `sublinear_tf=True`.
  The hash is the one thing scikit-learn cannot reproduce (it hashes with murmurhash), so
  it is taken as given; collisions then fall in the same buckets on both sides, and
  counting, document frequencies, idf, sublinear tf and the per-block L2 norm are all
  scikit-learn's.

Columns are matched by name (a word, "first second" for a bigram, a bucket number), and
the idf, the transformed matrices and `Projection` scores must agree to 1e-12 (scores to
1e-10). `test_comparison_detects_drift` shows the same comparison failing on changed
copies of the hand-written code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

import warning.features as features_module
from warning.features import Projection, TextFeatures

REPO = Path(__file__).resolve().parent.parent
TRAINING = (REPO / "warning" / "packs" / "classifiers").resolve()  # follows the link
REPORTS = REPO / "bench" / "data"
TOLERANCE = 1e-12
SCORE_TOLERANCE = 1e-10
NON_WORD = re.compile(r"\W+")
EDGE_CASES = [
    "",
    "!!!",
    "a",
    "ab",
    "abc",
    "İstanbul ŞEHİR Straße ǅemal",  # lower() changes the length of the first
    "tabs\tand\nnew lines\r\n  and   runs of spaces",
    "a NUL\0inside, snake_case_words, 3.14 and 2024-11-03",
    "zzqx unknown words qqzx between the known words zzqx",
    "fled fled fled fled fled fled fled fled",  # one word many times: sublinear tf
]


def training_texts() -> list[str]:
    """Each distinct training line, as `classifier.load_examples` reads them."""
    texts: dict[str, None] = {}
    for path in sorted(TRAINING.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text and not text.startswith("#"):
                texts.setdefault(text, None)
    return list(texts)


def report_texts() -> list[str]:
    """The `text` of every item of the development sets."""
    texts = []
    for path in sorted(REPORTS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def padded(text: str) -> str:
    """Lower-cased, each run of non-word characters one space, a space at both ends."""
    return " " + NON_WORD.sub(" ", text.lower()).strip() + " "


# scikit-learn's own character n-grams of the padded text
CHAR_GRAMS = TfidfVectorizer(
    analyzer="char", ngram_range=(5, 5), preprocessor=padded
).build_analyzer()


def buckets_of(features: TextFeatures, texts: list[str]) -> dict[str, int]:
    """The bucket of every character n-gram of `texts`, read from the hand-written hashing
    window by window: it must see as many windows in each text as scikit-learn sees
    n-grams, and hash equal n-grams alike."""
    rows, columns = features._char_coordinates(texts)
    grams = [CHAR_GRAMS(text) for text in texts]
    assert np.bincount(rows, minlength=len(texts)).tolist() == [len(g) for g in grams]
    buckets: dict[str, int] = {}
    for gram, column in zip((g for row in grams for g in row), columns.tolist(), strict=True):
        assert buckets.setdefault(gram, column) == column, f"{gram!r} in two buckets"
    return buckets


def sklearn_features(buckets: dict[str, int]) -> FeatureUnion:
    def hashed_char_grams(text: str) -> list[str]:
        return [str(buckets[gram]) for gram in CHAR_GRAMS(text)]

    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(token_pattern=r"\b\w\w+\b", ngram_range=(1, 2), sublinear_tf=True),
            ),
            ("chars", TfidfVectorizer(analyzer=hashed_char_grams, min_df=2, sublinear_tf=True)),
        ]
    )


def hand_columns(features: TextFeatures, union: FeatureUnion) -> np.ndarray:
    """For each column of `union`, the hand-written column of the same word, bigram or
    bucket; the word vocabularies must be the same."""
    words = sorted(features.vocabulary_, key=features.vocabulary_.__getitem__)
    size = len(words)
    names = words + [f"{words[k // size]} {words[k % size]}" for k in features.bigrams_.tolist()]
    assert len(names) == features.word_columns_
    word_vectorizer = union.named_transformers["words"]
    char_vectorizer = union.named_transformers["chars"]
    sklearn_words = word_vectorizer.get_feature_names_out().tolist()
    assert len(sklearn_words) == len(names)
    assert set(sklearn_words) == set(names)
    index = {name: i for i, name in enumerate(names)}
    chars = [features.word_columns_ + int(b) for b in char_vectorizer.get_feature_names_out()]
    columns = np.array([index[w] for w in sklearn_words] + chars, dtype=np.int64)
    assert len(np.unique(columns)) == len(columns)
    return columns


def in_hand_layout(matrix: sparse.spmatrix, columns: np.ndarray, width: int) -> sparse.csr_matrix:
    coo = sparse.coo_matrix(matrix)
    return sparse.csr_matrix((coo.data, (coo.row, columns[coo.col])), shape=(coo.shape[0], width))


@dataclass
class Comparison:
    idf: float  # largest |difference| of the idf of any column (0 where sklearn has none)
    word_block: float  # largest |difference| of any transformed word-block value
    char_block: float
    scores: float  # largest |difference| of Projection and union.transform(texts) @ weights
    word_columns: int
    char_columns: int  # character columns scikit-learn keeps (buckets with min_df 2)


def compare(
    fit_texts: list[str], texts: list[str], features: TextFeatures | None = None
) -> Comparison:
    features = (features or TextFeatures()).fit(fit_texts)
    union = sklearn_features(buckets_of(features, fit_texts + texts)).fit(fit_texts)
    width = features.word_columns_ + features.buckets
    columns = hand_columns(features, union)

    sklearn_idf = np.zeros(width)
    sklearn_idf[columns] = np.concatenate([v.idf_ for _, v in union.transformer_list])
    idf_gap = np.abs(features.idf_ - sklearn_idf)

    hand = features.transform(texts)
    ours = in_hand_layout(union.transform(texts), columns, width)
    assert hand.shape == ours.shape == (len(texts), width)
    gap = abs(hand - ours).tocsc()
    words = gap[:, : features.word_columns_]
    chars = gap[:, features.word_columns_ :]

    weights = np.random.default_rng(7).normal(size=(width, 3))
    projected = Projection(features, weights)(texts)
    expected = union.transform(texts) @ weights[columns]
    return Comparison(
        idf=float(idf_gap.max()),
        word_block=float(words.max()) if words.nnz else 0.0,
        char_block=float(chars.max()) if chars.nnz else 0.0,
        scores=float(np.abs(projected - expected).max()),
        word_columns=features.word_columns_,
        char_columns=len(columns) - features.word_columns_,
    )


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    fit_texts = training_texts()
    return compare(fit_texts, fit_texts + report_texts() + EDGE_CASES)


def test_the_data_is_real_and_sizeable() -> None:
    assert len(training_texts()) > 1000
    assert len(report_texts()) > 500


def test_idf_matches_tfidfvectorizer(comparison: Comparison) -> None:
    assert comparison.idf <= TOLERANCE


def test_word_block_matches_tfidfvectorizer(comparison: Comparison) -> None:
    assert comparison.word_columns > 10_000
    assert comparison.word_block <= TOLERANCE


def test_char_block_matches_tfidfvectorizer_of_the_same_buckets(comparison: Comparison) -> None:
    assert comparison.char_columns > 10_000
    assert comparison.char_block <= TOLERANCE


def test_projection_matches_transform_times_weights(comparison: Comparison) -> None:
    assert comparison.scores <= SCORE_TOLERANCE


def _unsmoothed_idf(counts: object) -> np.ndarray:
    documents = counts.shape[0]
    frequency = np.bincount(counts.cols, minlength=counts.shape[1])
    return np.log(documents / np.maximum(frequency, 1)) + 1.0


def _unnormalised(cls: type, counts: object, idf: np.ndarray, word_columns: int) -> object:
    values = (1.0 + np.log(counts.counts)) * idf
    return cls(counts.rows, counts.cols, values, counts.shape)


def _one_norm_for_both_blocks(cls: type, counts: object, idf: np.ndarray, word_columns: int):
    values = (1.0 + np.log(counts.counts)) * idf
    norms = np.sqrt(np.bincount(counts.rows, weights=values * values, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    return cls(counts.rows, counts.cols, values / norms[counts.rows], counts.shape)


def _raw_tf(cls: type, counts: object, idf: np.ndarray, word_columns: int) -> object:
    values = counts.counts * idf
    block = counts.rows * 2 + (counts.cols >= word_columns)
    norms = np.sqrt(np.bincount(block, weights=values * values, minlength=counts.shape[0] * 2))
    norms[norms == 0] = 1.0
    return cls(counts.rows, counts.cols, values / norms[block], counts.shape)


DRIFTS: dict[str, tuple[str, Callable]] = {
    "unsmoothed idf": ("_idf", _unsmoothed_idf),
    "no normalisation": ("of", classmethod(_unnormalised)),
    "one norm over both blocks": ("of", classmethod(_one_norm_for_both_blocks)),
    "raw tf": ("of", classmethod(_raw_tf)),
}


@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_comparison_detects_drift(drift: str, monkeypatch: pytest.MonkeyPatch) -> None:
    name, replacement = DRIFTS[drift]
    owner = features_module if name == "_idf" else features_module._Weighted
    monkeypatch.setattr(owner, name, replacement)
    fit_texts = training_texts()[:300]
    result = compare(fit_texts, fit_texts[:100] + report_texts()[:100])
    assert max(result.idf, result.word_block, result.char_block) > 1e-3, result


def test_comparison_detects_char_min_df_drift() -> None:
    fit_texts = training_texts()[:300]
    result = compare(fit_texts, fit_texts[:100] + report_texts()[:100], TextFeatures(char_min_df=1))
    assert result.idf > 1e-3 and result.char_block > 1e-3, result
