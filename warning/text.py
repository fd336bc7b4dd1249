"""Sentences and words of a report, with character offsets into the original text."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

# Combining marks, which \w does not match: accents typed apart from their letter (NFD
# "de\u0301place\u0301s") and Arabic vowel signs ("فرّقت", dispersed, with a shadda). Inside a
# word they would split it ("فر" + "قت": "fled").
MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
# A number ("200,000", "2.5") or a word; apostrophes split words, so "army's" holds "army"
# and "l'armée" holds "armée".
TOKEN = re.compile(rf"\d+(?:[.,]\d+)*|[\w{MARKS}]+")
_MARK = re.compile(f"[{MARKS}\u0640]")  # and the Arabic tatweel (a letter to \w)
# A sentence ends at . ! ? (maybe closed by a quote or bracket) before a space and
# a capital, digit or opening quote; a line break always ends one.
SENTENCE_END = re.compile(
    r"""(?<=[.!?؟])["'”’»)\]]*\s+(?=(?:«\s?|["'“‘¿¡(\[])?[A-ZÀ-ÖØ-Þ0-9\u0600-\u06FF])"""
)
MAX_SENTENCE_WORDS = 80  # a longer run without a sentence end is cut (see _bounded)
MIN_CUT_WORDS = 40
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "gen",
        "col",
        "lt",
        "sgt",
        "prof",
        "rev",
        "vs",
        "no",
        "u.s",
        "u.n",
        "e.g",
        "i.e",
        "approx",
        "est",
    ]
)
# What cannot be stored or printed as UTF-8 (lone surrogates, from "\\ud800" in JSON or
# "&#xD800;" in XML) or that PostgreSQL refuses in text (NUL).
INVALID = re.compile("[\ud800-\udfff\x00]")
REPLACEMENT = "\ufffd"
NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "hundreds",
        "thousand",
        "thousands",
        "million",
        "millions",
        "billion",
        "dozen",
        "dozens",
        "score",
        "scores",
    ]
)


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Tokens:
    """Lower-cased words of a text, their offsets, and the sentence each sits in."""

    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    sentence_of: tuple[int, ...]
    text: str = ""  # the text, normalised and lower-cased, that the offsets point into

    def __len__(self) -> int:
        return len(self.words)


def normalise(text: str) -> str:
    """One apostrophe form, so "don’t" and "don't" are the same word (same length)."""
    return text.replace("’", "'").replace("‘", "'")


def valid_text(text: str) -> tuple[str, int]:
    """`text` with every lone surrogate and NUL replaced by U+FFFD, and how many were."""
    return INVALID.subn(REPLACEMENT, text)


def split_sentences(text: str) -> list[Sentence]:
    """Sentences in reading order; every line break ends a sentence."""
    sentences: list[Sentence] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        _split_line(line, offset, sentences)
        offset += len(line)
    return sentences


def _split_line(line: str, offset: int, out: list[Sentence]) -> None:
    start = 0
    for match in SENTENCE_END.finditer(line):
        before = line[start : match.start()].rstrip("\"'”’)]")
        last_word = before.rsplit(None, 1)[-1].lower().rstrip(".") if before.strip() else ""
        if last_word in ABBREVIATIONS or len(last_word) == 1:
            continue
        _add(line, offset, start, match.start(), out)
        start = match.end()
    _add(line, offset, start, len(line), out)


def _add(line: str, offset: int, start: int, end: int, out: list[Sentence]) -> None:
    for a, b in _bounded(line, start, end):
        piece = line[a:b]
        stripped = piece.strip()
        if stripped:
            begin = offset + a + len(piece) - len(piece.lstrip())
            out.append(Sentence(begin, begin + len(stripped), stripped))


def _bounded(line: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut into pieces of at most MAX_SENTENCE_WORDS words: after the last
    clause mark (, ; :) past MIN_CUT_WORDS, else at the word limit. A run with no sentence
    end (a table, a transcript, a page without punctuation) then costs no more to match
    than ordinary sentences: rules look for words near each other within one sentence."""
    if end - start < 2 * MAX_SENTENCE_WORDS:  # a word and a separator: 2 characters each
        return [(start, end)]
    words = [m.start() for m in TOKEN.finditer(line, start, end)]
    pieces, first = [], 0
    while len(words) - first > MAX_SENTENCE_WORDS:
        limit = words[first + MAX_SENTENCE_WORDS]
        floor = words[first + MIN_CUT_WORDS]
        mark = max(line.rfind(c, floor, limit) for c in (", ", "; ", ": "))  # not 200,000
        cut = mark + 1 if mark >= 0 else limit
        pieces.append((words[first] if pieces else start, cut))
        first = bisect_left(words, cut)
    pieces.append((words[first] if pieces else start, end))
    return pieces


def tokenize(text: str, sentences: list[Sentence]) -> Tokens:
    """Every word of `text` (lower-cased) with its offsets and sentence index."""
    lowered = normalise(text).lower()
    # One pass, keeping no match objects: those are tracked by the garbage collector,
    # which made a 1 MB text cost 4x per byte (and this is faster on short texts too).
    words_found: list[str] = []
    starts_found: list[int] = []
    add_word, add_start = words_found.append, starts_found.append
    for match in TOKEN.finditer(lowered):
        add_start(match.start())
        add_word(match.group())
    starts = tuple(starts_found)
    ends = tuple(start + len(word) for start, word in zip(starts, words_found, strict=True))
    words = tuple(map(plain_word, words_found)) if _MARK.search(lowered) else tuple(words_found)
    # Sentence k holds the words from the first one at or after its start up to the next
    # sentence's; sentences cover all text but white space and quotes.
    sentence_of: list[int] = []
    for index, sentence in enumerate(sentences, -1):
        bound = bisect_left(starts, sentence.start)
        sentence_of += [index] * (bound - len(sentence_of))
    sentence_of += [len(sentences) - 1] * (len(starts) - len(sentence_of))
    return Tokens(words, starts, ends, tuple(sentence_of), lowered)


def plain_word(word: str) -> str:
    """A word as rules spell it: accents typed apart composed ("é"), Arabic vowel signs and
    tatweel left out ("فرّقت" -> "فرقت"). Most words hold none: they are returned as they are;
    so is one of marks alone (a stray accent, a tatweel between words): never an empty word."""
    if word.isascii() or not _MARK.search(word):
        return word
    return _MARK.sub("", unicodedata.normalize("NFC", word)) or word


def title_of(text: str, fallback: str) -> str:
    """The first line that reads like a headline (three words or more), else the first line,
    else `fallback`; at most 300 characters."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    headline = next(
        (line for line in lines if len(line.split()) >= 3), lines[0] if lines else fallback
    )
    return headline[:300]


def is_number(word: str) -> bool:
    return word[0].isdigit() or word in NUMBER_WORDS
