"""The language of a report, read from its shared words first.

Function words tell the four languages the rule pack is written in (en, fr, es, ar) apart
in a few microseconds. Only when they do not clearly point to one of them (another
language, a short or odd text) is py3langid asked, on the first LANGUAGE_SAMPLE characters:
its byte-level walk and scoring cost 0.1-0.3 ms, as much as the rest of scoring a short
report. A batch of texts (the daemon scores the reports waiting in the store together) is given
to py3langid's model with array operations: its byte walk (an Aho-Corasick automaton over
n-grams of at most NGRAM_BYTES bytes, so the state after a byte depends on the last
NGRAM_BYTES bytes alone) as NGRAM_BYTES steps over every byte at once, its naive Bayes sum
as one sparse matrix product: the same languages (tests/test_language.py), about a third of
the time per text. `bench/language_bench.py` measures how often function words and
py3langid agree, and the time of each way.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING

import numpy as np
import py3langid
from py3langid.langid import RAW_FLOOR

from warning.warmcache import cache_folder, files_digest, load_or_build

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

LANGUAGE_SAMPLE = 400  # characters given to py3langid
NGRAM_BYTES = 6  # py3langid 0.4's features: byte n-grams of at most 6 bytes (its automaton's depth)
BATCH_FROM = 4  # texts: fewer are given to py3langid one at a time (bench/language_bench.py)
WORDS_READ = 60  # the first words of the text are enough
MIN_HITS = 3
MIN_SHARE = 0.15  # of the words read, at least this many must be the winner's
MARGIN = 3.0  # the winner has at least this many times the runner-up's hits

# Words frequent in each language and rare in the others. Words two of them share ("de",
# "la", "que", "en") are left out. The languages after "ar" only guard against deciding
# on a text in a neighbouring language: they send it to py3langid.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    language: frozenset(words.split())
    for language, words in {
        "en": "the of and to is was were are that for on with by from at has have had it"
        " they their been this which said after who will not but",
        "fr": "le les des du et est dans une pour sur au aux par qui ont été sont pas avec"
        " ses leur ce cette il ils elle selon mais ces lors",
        "es": "el los las del y una por con fue han según para se su sus al como está"
        " están pero tras desde entre ha muy hay",
        "ar": "في من على إلى الى عن أن ان التي الذي مع هذا هذه بعد قد كان كانت حيث أو ثم"
        " وقد منذ خلال عدد وفي ومن إن",
        "pt": "não os do da em uma com foi pelo pela são às dos das nos ao seu sua",
        "it": "il della di che è sono nel alla gli non degli delle dei nella anche",
        "de": "der die und das ist nicht mit von zu den ein eine im auf für sich",
        "nl": "het een van niet zijn voor met op dat deze",
        "ht": "nou yo pa ki nan mwen li gen pou fè moun sou ak",
    }.items()
}
DECIDED = ("en", "fr", "es", "ar")
# py3langid calls a short Spanish text Galician or Aragonese now and then: read it as Spanish
# (the rule pack has no lists of their own for them)
READ_AS = {"gl": "es", "an": "es"}
LANGUAGES_OF: dict[str, tuple[str, ...]] = {
    word: tuple(language for language, words in FUNCTION_WORDS.items() if word in words)
    for word in frozenset().union(*FUNCTION_WORDS.values())
}


def detect(words: tuple[str, ...], text: str) -> str:
    """ISO 639-1 code of the language of `text`, whose lower-cased words are `words`."""
    return detect_many([(words, text)])[0]


def detect_many(texts: Sequence[tuple[tuple[str, ...], str]]) -> list[str]:
    """`detect` for each (words, text): the texts the function words do not decide are
    given to py3langid together, so that its scoring step runs once for all of them."""
    found = [decided(words) for words, _ in texts]
    undecided = [text for (_, text), language in zip(texts, found, strict=True) if not language]
    asked = iter(_py3langid(undecided))
    return [language or next(asked) for language in found]


def decided(words: tuple[str, ...]) -> str | None:
    """The language the function words clearly point to, or None."""
    sample = words[:WORDS_READ]
    counts: dict[str, int] = {}  # a plain loop: a third of Counter's time, on every report
    for word in sample:
        for language in LANGUAGES_OF.get(word, ()):
            counts[language] = counts.get(language, 0) + 1
    if not counts:
        return None
    (winner, best), *rest = sorted(counts.items(), key=lambda item: -item[1])[:2]
    second = rest[0][1] if rest else 0
    share = max(MIN_HITS, MIN_SHARE * len(sample))
    return winner if winner in DECIDED and best >= share and best >= MARGIN * second else None


def _py3langid(texts: list[str]) -> list[str]:
    """py3langid's language of each text's first LANGUAGE_SAMPLE characters, as its
    `classify` gives it; from BATCH_FROM texts on, read with array operations for all of
    them at once (its byte walk and its naive Bayes sum)."""
    if len(texts) < BATCH_FROM:
        return [_classify(text) for text in texts]
    identifier = _identifier()
    counts = _feature_counts(identifier, [identifier._encode(_sample(t)) for t in texts])
    read = np.diff(counts.indptr) > 0
    best = iter(_scores(identifier, counts[read]).argmax(axis=1).tolist() if read.any() else ())
    languages = []
    for text, has_features in zip(texts, read.tolist(), strict=True):
        if has_features:
            found = identifier.nb_classes[next(best)]
            languages.append(READ_AS.get(found, found))
        else:  # an empty text, or one without a feature: py3langid's own rule
            languages.append(_classify(text))
    return languages


def _classify(text: str) -> str:
    sample = _sample(text)
    found = _identifier().classify(sample)[0] if sample else "und"  # undetermined: nothing to read
    return READ_AS.get(found, found)


def _identifier() -> py3langid.langid.LanguageIdentifier:
    """py3langid's identifier, the one its own `classify` uses: unpacking its model (LZMA)
    takes 0.35 s at each start, so the unpacked one is kept in the cache folder."""
    if py3langid.langid.IDENTIFIER is None:
        key = files_digest("langid", [], version("py3langid"))
        path = cache_folder() / f"langid-{key[:24]}.pickle"
        py3langid.langid.IDENTIFIER = load_or_build(path, py3langid.langid._load_identifier)
    return py3langid.langid.IDENTIFIER


def _sample(text: str) -> str:
    return text[:LANGUAGE_SAMPLE].strip()


def _feature_counts(identifier, samples: list[bytes]) -> csr_matrix:
    """texts x features: how often each of py3langid's byte n-gram features occurs in each
    sample, as its `visit_counts` walk counts them. The walk is an Aho-Corasick automaton
    over n-grams of at most NGRAM_BYTES bytes, so its state after a byte is the state
    reached from the start over the last NGRAM_BYTES bytes alone: NGRAM_BYTES array steps
    over every byte of every sample at once, instead of one Python step per byte."""
    from scipy.sparse import csr_matrix  # batches only: not on a single report's start-up

    moves, rows, outputs = _automaton(identifier)
    data = np.frombuffer(b"".join(samples), dtype=np.uint8).astype(np.intp)
    lengths = np.array([len(sample) for sample in samples], dtype=np.intp)
    owner = np.repeat(np.arange(len(samples)), lengths)
    # Every byte walked from the start over the NGRAM_BYTES bytes up to it, as if the samples
    # were one text, but for the steps that would begin in the sample before: a byte fewer
    # than NGRAM_BYTES into its sample is walked over its own sample's bytes alone.
    into = np.arange(len(data)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    state = np.zeros(len(data), dtype=np.intp)
    for back in range(NGRAM_BYTES - 1, -1, -1):
        step = moves[rows[state[back:]] + data[: len(data) - back]]
        state[back:] = np.where(into[back:] >= back, step, state[back:])
    feature = outputs[state]
    kept = feature >= 0
    shape = (len(samples), len(identifier.nb_ptc))
    return csr_matrix((np.ones(int(kept.sum()), np.float32), (owner[kept], feature[kept])), shape)


@cache
def _automaton(identifier) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.frombuffer(identifier.tk_nextmove, dtype=np.uint32),  # a view: 9.8 M moves
        np.asarray(identifier._rowbase, dtype=np.intp),
        np.asarray(identifier.tk_output, dtype=np.intp),
    )


def _scores(identifier, counts: csr_matrix) -> np.ndarray:
    """Naive Bayes log scores (texts x languages), as py3langid's `_decide` computes them
    one text at a time: log(1 + count) times each feature's row, plus the prior, and each
    language that has two columns scored by the better of them."""
    from scipy.sparse import csr_matrix

    used = np.zeros(counts.shape[1], dtype=bool)  # the features some text holds, in order
    used[counts.indices] = True
    features = np.flatnonzero(used)
    column = (np.cumsum(used) - 1)[counts.indices]  # a mask, not np.unique: a tenth the time
    weights = csr_matrix(
        (np.log1p(counts.data), column, counts.indptr), (counts.shape[0], len(features))
    )
    scores = weights @ identifier.nb_ptc[features].astype(np.float32) + identifier.nb_pc
    for first, second in identifier._alias_pairs:
        scores[:, first] = np.maximum(scores[:, first], scores[:, second])
        scores[:, second] = RAW_FLOOR
    return scores
