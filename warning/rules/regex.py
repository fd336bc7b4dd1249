"""Rule terms written as regular expressions (`re:PATTERN`): compiling them safely, and
finding their matches in a report at a cost that does not grow with the number of patterns
times the text length where it need not.

A pattern's match counts only where it starts and ends on word edges within one sentence,
so a pattern is tried only at the start of a word. Most patterns start with a literal word
or a choice of them ("\\b(burned|torched) ..."); the literal beginnings that every match must
have are read from the pattern once, and the pattern is tried only at the words that begin
with one of them (each word's first PREFIX letters are looked up once, and the word meets only
the patterns that may begin with those letters; the patterns of a beginning are remembered).
A pattern that may begin with anything is tried at every word.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

from warning.text import Tokens

Span = tuple[int, int]
# A group that is quantified and holds a quantifier: (a+)+, (\w*)*, (x|y+){2,}.
NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]")
MAX_REGEX = 200
PREFIX = 3  # letters of a literal beginning read from a pattern
MAX_BEGINNINGS = 64  # more alternatives than this: the pattern is tried at every word
PREFIXES_KEPT = 50_000  # word beginnings whose patterns are remembered
DIGIT = "\x00\\d"  # the beginning "any decimal digit" (no literal of a rule holds a NUL)
PAST_YEAR = "{past_year}"  # in a pattern: any year from 1800 to the one before this one


@dataclass(frozen=True)
class RegexTerm:
    term: int  # the term's id in its RuleSet
    pattern: re.Pattern[str]
    beginnings: tuple[str, ...] | None  # every match starts with one; None: anything


def compile_regex(term: int, pattern: str) -> RegexTerm:
    """A term `re:PATTERN`, case-insensitive; patterns that can backtrack for ever are refused."""
    if len(pattern) > MAX_REGEX:
        raise ValueError(f"regular expression longer than {MAX_REGEX} characters")
    if NESTED_QUANTIFIER.search(pattern) or re.search(r"\\[1-9]", pattern):
        raise ValueError(
            f"regular expression {pattern!r} nests quantifiers or uses a back-reference, "
            "which can take exponential time; rewrite it without"
        )
    if PAST_YEAR in pattern:
        pattern = pattern.replace(PAST_YEAR, years_before(date.today().year))
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
    return RegexTerm(term, compiled, beginnings(pattern))


def years_before(year: int) -> str:
    """A pattern for the years 1800 to `year` - 1, written with four digits: the years
    before the one the rules are loaded in (a report dating its event to one of them tells
    history; a daemon running into a new year keeps the old list until the rules reload,
    which weakens fewer sentences, never more)."""
    decade = year // 10 * 10
    parts = ["1[89]\\d\\d", *(f"{d // 10}\\d" for d in range(2000, decade, 10))]
    parts += [str(y) for y in range(decade, year)]
    return "(?:" + "|".join(parts) + ")"


def beginnings(pattern: str) -> tuple[str, ...] | None:
    """Lower-case literal beginnings (up to PREFIX letters) one of which starts every match
    of `pattern`; None when a match may start with anything."""
    found = _expand(sre_parse.parse(pattern, re.IGNORECASE))
    if found is None or any(not text for text, _ in found):
        return None
    return tuple(sorted({text for text, _ in found}))


# (text so far, stopped): stopped means the pattern goes on with something not read
Partial = tuple[str, bool]
_SKIP = (sre.AT,)  # zero-width: \b, ^


def _expand(items) -> list[Partial] | None:
    """The literal beginnings of a sequence of parsed items; None when there are too many."""
    partials: list[Partial] = [("", False)]
    for op, arg in items:
        if op in _SKIP:
            continue
        options = _options(op, arg)
        if options is None:
            return None
        grown = []
        for text, stopped in partials:
            if stopped or len(text) >= PREFIX:
                grown.append((text, True))
                continue
            grown.extend(
                (text, True) if text and more == DIGIT else (text + more, more_stopped)
                for more, more_stopped in options
            )
        partials = list(dict.fromkeys(grown))
        if len(partials) > MAX_BEGINNINGS:
            return None
        if all(stopped or len(text) >= PREFIX for text, stopped in partials):
            break
    return [(text[:PREFIX], stopped) for text, stopped in partials]


def _options(op, arg) -> list[Partial] | None:
    """What one parsed item may begin with."""
    if op is sre.LITERAL:
        letter = chr(arg).lower()
        return [(letter, False)] if len(letter) == 1 else [("", True)]
    if op is sre.IN:  # a class: its letters, and \d
        options = [_class_member(kind, value) for kind, value in arg]
        return [("", True)] if None in options else options
    if op is sre.SUBPATTERN:
        return _expand(arg[-1])
    if op is sre.BRANCH:
        options: list[Partial] = []
        for branch in arg[1]:
            found = _expand(branch)
            if found is None:
                return None
            options.extend(found)
        return options
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        least, most, item = arg
        found = _expand(item)
        if found is None:
            return None
        # after one of several repeats, what follows is not read
        once = found if most == 1 else [(text, True) for text, _ in found]
        return once if least else [("", False), *once]
    return [("", True)]


class RegexSet:
    """The `re:` terms of one rule set, indexed by the letters their matches begin with."""

    def __init__(self, regexes: list[RegexTerm]) -> None:
        self.regexes = list(regexes)
        self.by_beginning: dict[str, list[int]] = defaultdict(list)  # -> regex numbers
        self.on_digit: list[int] = []  # patterns that may begin with any decimal digit
        self.anywhere: list[int] = []
        for number, regex in enumerate(self.regexes):
            if regex.beginnings is None:
                self.anywhere.append(number)
            for beginning in regex.beginnings or ():
                if beginning == DIGIT:
                    self.on_digit.append(number)
                else:
                    self.by_beginning[beginning].append(number)
        self.lengths = sorted({len(b) for b in self.by_beginning})
        self._numbers_at: dict[str, tuple[int, ...]] = {}  # word beginning -> patterns

    def spans(self, tokens: Tokens) -> Iterator[tuple[int, Span]]:
        """(term id, token span) of every match in `tokens`; each pattern is tried only at the
        words that begin as it must."""
        for number, firsts in self._candidates(tokens).items():
            for span in regex_spans(self.regexes[number], tokens, firsts):
                yield self.regexes[number].term, span

    def _candidates(self, tokens: Tokens) -> dict[int, Sequence[int]]:
        """Regex number -> the words, in order, where it may match."""
        text, numbers_at = tokens.text, self._numbers_at
        found: dict[int, list[int]] = defaultdict(list)
        for i, start in enumerate(tokens.starts):
            prefix = text[start : start + PREFIX]
            numbers = numbers_at.get(prefix)
            if numbers is None:
                numbers = self._numbers_for(prefix)
            for number in numbers:
                found[number].append(i)
        candidates: dict[int, Sequence[int]] = dict(found)
        for number in self.anywhere:
            candidates[number] = range(len(tokens))
        return candidates

    def _numbers_for(self, prefix: str) -> tuple[int, ...]:
        """The patterns (by number) that may begin at a word beginning with `prefix`,
        remembered (up to PREFIXES_KEPT word beginnings, then forgotten all at once)."""
        numbers = {n for length in self.lengths for n in self.by_beginning.get(prefix[:length], ())}
        if prefix[:1].isdecimal():  # what \d matches
            numbers.update(self.on_digit)
        if len(self._numbers_at) >= PREFIXES_KEPT:
            self._numbers_at.clear()
        self._numbers_at[prefix] = found = tuple(sorted(numbers))
        return found


def _class_member(kind, value) -> Partial | None:
    if kind is sre.LITERAL and len(chr(value).lower()) == 1:
        return (chr(value).lower(), False)
    if kind is sre.CATEGORY and value is sre.CATEGORY_DIGIT:
        return (DIGIT, True)
    return None


def regex_spans(regex: RegexTerm, tokens: Tokens, firsts: Iterable[int]) -> list[Span]:
    """Token spans of the pattern's matches, tried at the words `firsts` (in order), that end
    on a word edge in the sentence they start in; matches do not overlap."""
    spans: list[Span] = []
    text, starts, ends, sentence_of = tokens.text, tokens.starts, tokens.ends, tokens.sentence_of
    reach = 0
    for first in firsts:
        start = starts[first]
        if start < reach:
            continue
        match = regex.pattern.match(text, start)
        if not match or match.end() == start:
            continue
        last = bisect_right(ends, match.end()) - 1
        if last >= first and ends[last] == match.end() and sentence_of[first] == sentence_of[last]:
            spans.append((first, last + 1))
            reach = match.end()
    return spans


__all__ = ["RegexSet", "RegexTerm", "beginnings", "compile_regex", "regex_spans"]
