"""TF-IDF features for the classifier, computed with array operations instead of a Python
loop per n-gram: word unigrams and bigrams (a vocabulary learnt in `fit`) and character
n-grams (hashed into buckets). Each block is sublinear-tf, idf-weighted, L2-normalised,
like a FeatureUnion of two scikit-learn TfidfVectorizers, at a tenth of the cost.
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

WORD = re.compile(r"\b\w\w+\b")
NOT_WORD = re.compile(r"\W+")
PRIMES = np.array([1_000_003, 8_191, 131_071, 524_287], dtype=np.uint64)


class TextFeatures(TransformerMixin, BaseEstimator):
    def __init__(self, char_n: int = 5, buckets: int = 2**18, char_min_df: int = 2):
        self.char_n = char_n
        self.buckets = buckets
        self.char_min_df = char_min_df

    def fit(self, texts: list[str], y: object = None) -> TextFeatures:
        words = sorted({w for text in texts for w in WORD.findall(text.lower())})
        self.vocabulary_ = {w: i for i, w in enumerate(words)}
        rows, ids = self._word_ids(texts)
        self.bigrams_ = np.unique(self._bigram_keys(rows, ids)[1])
        self.word_idf_ = _idf(self._word_counts(texts))
        chars = self._char_counts(texts)
        self.char_idf_ = _idf(chars)
        self.char_idf_[np.bincount(chars.indices, minlength=self.buckets) < self.char_min_df] = (
            0.0  # rare
        )
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        words = _weigh(self._word_counts(texts), self.word_idf_)
        chars = _weigh(self._char_counts(texts), self.char_idf_)
        return sparse.hstack([words, chars], format="csr")

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

    def _word_counts(self, texts: list[str]) -> sparse.csr_matrix:
        rows, ids = self._word_ids(texts)
        size = len(self.vocabulary_)
        pair_rows, keys = self._bigram_keys(rows, ids)
        position = np.searchsorted(self.bigrams_, keys)
        known = position < len(self.bigrams_)
        known[known] = self.bigrams_[position[known]] == keys[known]
        all_rows = np.concatenate([rows[ids >= 0], pair_rows[known]])
        all_cols = np.concatenate([ids[ids >= 0], size + position[known]])
        shape = (len(texts), size + len(self.bigrams_))
        return _counts(all_rows, all_cols, shape)

    def _char_counts(self, texts: list[str]) -> sparse.csr_matrix:
        """Hashed character n-grams of each text (lower-cased, non-word runs as one space)."""
        cleaned = "\0".join(" " + NOT_WORD.sub(" ", t.lower()).strip() + " " for t in texts)
        codes = np.frombuffer(cleaned.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        n = self.char_n
        if len(codes) < n:
            return sparse.csr_matrix((len(texts), self.buckets))
        windows = len(codes) - n + 1
        hashed = np.zeros(windows, dtype=np.uint64)
        crosses = np.zeros(windows, dtype=bool)
        for k in range(n):
            part = codes[k : k + windows]
            hashed = hashed * PRIMES[k % len(PRIMES)] + part
            crosses |= part == 0
        rows = np.cumsum(codes == 0)[:windows]
        keep = ~crosses
        columns = (hashed[keep] * np.uint64(0x9E3779B97F4A7C15) >> np.uint64(40)) % np.uint64(
            self.buckets
        )
        return _counts(rows[keep], columns.astype(np.int64), (len(texts), self.buckets))


def _counts(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    """Count (row, col) pairs into a CSR matrix, built directly from sorted unique keys."""
    keys, counts = np.unique(rows * shape[1] + cols, return_counts=True)
    indptr = np.searchsorted(keys // shape[1], np.arange(shape[0] + 1))
    return sparse.csr_matrix((counts.astype(np.float64), keys % shape[1], indptr), shape=shape)


def _idf(counts: sparse.csr_matrix) -> np.ndarray:
    """Smoothed idf, as scikit-learn computes it."""
    documents = counts.shape[0]
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1 + documents) / (1 + frequency)) + 1.0


def _weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear tf times idf, each row scaled to unit length."""
    data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    lengths = np.diff(counts.indptr)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(lengths)))
    norms[norms == 0] = 1.0
    counts.data = data / norms[rows]
    return counts
