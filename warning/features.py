"""TF-IDF features for the classifier, computed with array operations instead of a Python
loop per n-gram: word unigrams and bigrams (a vocabulary learnt in `fit`) and character
n-grams (hashed into buckets). Each block is sublinear-tf, idf-weighted, L2-normalised,
like a FeatureUnion of two scikit-learn TfidfVectorizers, at a tenth of the cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse

WORD = re.compile(r"\b\w\w+\b")
NOT_WORD = re.compile(r"\W+")
PRIMES = np.array([1_000_003, 8_191, 131_071, 524_287], dtype=np.uint64)


class TextFeatures:
    """Word columns (unigrams, then known bigrams) followed by hashed character columns.

    Plain Python and numpy, so that a trained model loads without scikit-learn (a second of
    start-up); `training.FeatureEstimator` is the same with scikit-learn's estimator API.
    """

    def __init__(self, char_n: int = 5, buckets: int = 2**18, char_min_df: int = 2):
        self.char_n = char_n
        self.buckets = buckets
        self.char_min_df = char_min_df

    def fit(self, texts: list[str], y: object = None) -> TextFeatures:
        words = sorted({w for text in texts for w in WORD.findall(text.lower())})
        self.vocabulary_ = {w: i for i, w in enumerate(words)}
        rows, ids = self._word_ids(texts)
        self.bigrams_ = np.unique(self._bigram_keys(rows, ids)[1])
        self.word_columns_ = len(words) + len(self.bigrams_)
        counts = self._counts(texts)
        self.idf_ = _idf(counts)
        frequency = np.bincount(counts.cols, minlength=counts.shape[1])
        rare = frequency < self.char_min_df
        rare[: self.word_columns_] = False
        self.idf_[rare] = 0.0  # character n-grams seen once say nothing general
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        counts = self._counts(texts)
        return _Weighted.of(counts, self.idf_[counts.cols], self.word_columns_).matrix()

    def _counts(self, texts: list[str]) -> _Counts:
        """Counts of every word and character column, counted in one pass over both."""
        word_rows, word_cols = self._word_coordinates(texts)
        char_rows, char_cols = self._char_coordinates(texts)
        rows = np.concatenate([word_rows, char_rows])
        cols = np.concatenate([word_cols, char_cols + self.word_columns_])
        return _counts(rows, cols, (len(texts), self.word_columns_ + self.buckets))

    def _word_ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        rows: list[int] = []
        ids: list[int] = []
        vocabulary = self.vocabulary_
        for row, text in enumerate(texts):
            found = [vocabulary.get(w, -1) for w in WORD.findall(text.lower())]
            ids.extend(found)
            rows.extend([row] * len(found))
        return np.array(rows, dtype=np.int64), np.array(ids, dtype=np.int64)

    def _bigram_keys(self, rows: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and key (first id * V + second id) of every bigram of known words in one text."""
        size = len(self.vocabulary_)
        same = (rows[:-1] == rows[1:]) & (ids[:-1] >= 0) & (ids[1:] >= 0)
        return rows[:-1][same], ids[:-1][same] * size + ids[1:][same]

    def _word_coordinates(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of every known word and known bigram."""
        rows, ids = self._word_ids(texts)
        size = len(self.vocabulary_)
        pair_rows, keys = self._bigram_keys(rows, ids)
        position = np.searchsorted(self.bigrams_, keys)
        known = position < len(self.bigrams_)
        known[known] = self.bigrams_[position[known]] == keys[known]
        all_rows = np.concatenate([rows[ids >= 0], pair_rows[known]])
        return all_rows, np.concatenate([ids[ids >= 0], size + position[known]])

    def _char_coordinates(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Row and hashed bucket of every character n-gram of each text (lower-cased,
        non-word runs as one space); texts are joined by NUL, and no n-gram spans one."""
        cleaned = "\0".join(" " + NOT_WORD.sub(" ", t.lower()).strip() + " " for t in texts)
        codes = np.frombuffer(cleaned.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        n = self.char_n
        windows = len(codes) - n + 1
        if windows <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        hashed = codes[:windows].copy()
        for k in range(1, n):
            hashed = hashed * PRIMES[k % len(PRIMES)] + codes[k : k + windows]
        separators = np.zeros(len(codes) + 1, dtype=np.int64)  # NULs before each position
        np.cumsum(codes == 0, out=separators[1:])
        keep = separators[n:] == separators[:windows]
        columns = (hashed[keep] * np.uint64(0x9E3779B97F4A7C15) >> np.uint64(40)) % np.uint64(
            self.buckets
        )
        return separators[:windows][keep], columns.astype(np.int64)


@dataclass(frozen=True, slots=True)
class _Counts:
    """How often each (row, column) pair occurs: rows in order, columns ascending within."""

    rows: np.ndarray
    cols: np.ndarray
    counts: np.ndarray
    shape: tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Weighted:
    """Sublinear tf times idf, in coordinate form; the word block and the character block
    of each row are each scaled to unit length (as two TfidfVectorizers side by side)."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, counts: _Counts, idf: np.ndarray, word_columns: int) -> _Weighted:
        """`idf` holds the idf of each entry's column (idf[counts.cols])."""
        values = (1.0 + np.log(counts.counts)) * idf
        block = counts.rows * 2 + (counts.cols >= word_columns)
        norms = np.sqrt(np.bincount(block, weights=values * values, minlength=counts.shape[0] * 2))
        norms[norms == 0] = 1.0
        return cls(counts.rows, counts.cols, values / norms[block], counts.shape)

    def matrix(self) -> sparse.csr_matrix:
        from scipy import sparse  # training and measuring only: not on the scoring path

        indptr = np.searchsorted(self.rows, np.arange(self.shape[0] + 1))
        return sparse.csr_matrix((self.values, self.cols, indptr), shape=self.shape)

    def add_product(self, weights: np.ndarray, out: np.ndarray) -> None:
        """out += self @ W, given `weights` = W[self.cols] (a row for each entry)."""
        if not len(self.rows):
            return
        starts = np.flatnonzero(np.diff(self.rows, prepend=-1))  # rows are in order
        sums = np.add.reduceat(self.values[:, None] * weights, starts, axis=0)
        out[self.rows[starts]] += sums


class Projection:
    """`features.transform(texts) @ weights` for fixed weights, without building a sparse
    matrix (scipy's set-up cost more than the product on a short report). Each column's
    idf is stored beside its weights, so one gather from the table fetches both."""

    def __init__(self, features: TextFeatures, weights: np.ndarray) -> None:
        self.features = features
        self.table = np.ascontiguousarray(np.column_stack([features.idf_, weights]))

    def __call__(self, texts: list[str]) -> np.ndarray:
        counts = self.features._counts(texts)
        rows = self.table[counts.cols]
        weighted = _Weighted.of(counts, rows[:, 0], self.features.word_columns_)
        product = np.zeros((len(texts), self.table.shape[1] - 1))
        weighted.add_product(rows[:, 1:], product)
        return product


def _counts(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> _Counts:
    """Count (row, col) pairs, sorted by row then column."""
    keys, counts = np.unique(rows * shape[1] + cols, return_counts=True)
    return _Counts(keys // shape[1], keys % shape[1], counts.astype(np.float64), shape)


def _idf(counts: _Counts) -> np.ndarray:
    """Smoothed idf, as scikit-learn computes it."""
    documents = counts.shape[0]
    frequency = np.bincount(counts.cols, minlength=counts.shape[1])
    return np.log((1 + documents) / (1 + frequency)) + 1.0
