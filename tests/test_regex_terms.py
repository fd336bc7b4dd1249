"""`re:` rule terms are tried only at words that begin as the pattern must: this loses no
match that trying every word finds, on the shipped pack and real dev-set text."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from warning.rules.pack import load_pack
from warning.rules.regex import (
    DIGIT,
    RegexSet,
    beginnings,
    compile_regex,
    regex_spans,
    years_before,
)
from warning.text import split_sentences, tokenize

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\b(burned|torched) (down )?homes", ("bur", "tor")),
        (r"\bex[ée]cut\w*", ("exe", "exé")),
        (r"\b[وفب]?(?:قتل|أعدم)\w*", ("أعد", "بأع", "بقت", "فأع", "فقت", "قتل", "وأع", "وقت")),
        (r"\b(the )?(early |late )?19\d\ds?\b", ("19", "ear", "lat", "the")),
        (r"\b(a|b)*c", ("a", "b", "c")),
        (r"\bTu\w*", ("tu",)),  # lower case: the text is read lower-cased
        (r"\b\d{1,2} ?- ?\d{1,2}", (DIGIT,)),  # any decimal digit, Arabic-Indic too
        (r"(a|\d)b", (DIGIT, "ab")),
        (r"a\d", ("a",)),  # what follows is not read: "a" is enough
        (r"\b\w+ fled", None),  # may begin with any word
        (r"[a-c]x", None),
        (r"[^.;]{0,40}killed", None),
        (r"(x)?", None),  # may match nothing at the start
    ],
)
def test_beginnings_are_read_from_the_pattern(pattern, expected):
    assert beginnings(pattern) == expected


def _texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                texts.append(" ".join(str(item.get(k, "")) for k in ("title", "text")))
    return texts


def test_indexed_matching_finds_what_trying_every_word_finds():
    pack = load_pack()
    texts = _texts()
    assert len(texts) > 500
    found = 0
    for language, rules in pack.sets.items():
        assert rules.regexes, language
        indexed_set = rules.regex_set()
        every_word_set = RegexSet([replace(r, beginnings=None) for r in rules.regexes])
        assert not indexed_set.anywhere  # the shipped patterns all begin with a literal
        for text in texts:
            tokens = tokenize(text, split_sentences(text))
            indexed = sorted(indexed_set.spans(tokens))
            assert indexed == sorted(every_word_set.spans(tokens)), text
            found += len(indexed)
    assert found > 100  # the patterns do match this text


def test_a_match_must_start_and_end_on_word_edges_in_one_sentence():
    regex = compile_regex(0, r"burn\w* (?:down )?homes")
    text = "They reburned homes. Militia burned down homes. Burned\nhomes and homesteads."
    tokens = tokenize(text, split_sentences(text))
    spans = regex_spans(regex, tokens, range(len(tokens)))
    assert [tokens.words[a:b] for a, b in spans] == [("burned", "down", "homes")]


def test_a_pattern_beginning_with_a_digit_is_tried_at_words_of_any_decimal_digit():
    regexes = RegexSet([compile_regex(7, r"\b\d{1,2} ?- ?\d{1,2}\b"), compile_regex(8, "xyz")])
    text = "Scores were 3-1 and ١٢ - ١٥ today, not x-y."
    tokens = tokenize(text, split_sentences(text))
    found = [(term, tokens.words[a:b]) for term, (a, b) in regexes.spans(tokens)]
    assert [term for term, _ in found] == [7, 7]
    assert found[1][1][0] == "١٢"


def test_phrases_indexed_by_their_second_word_find_what_trying_each_finds(monkeypatch):
    """find_terms tries a phrase only where the next word is its second word; trying every
    phrase that starts with the word (the old way) finds the same, on real text."""
    from warning.rules import matcher

    texts = _texts()
    indexed_pack, every_pack = load_pack(), load_pack()
    every = {lang: every_pack.sets[lang] for lang in every_pack.sets}

    def all_others(rules, phrases):  # noqa: ANN001, ANN202
        return matcher.Phrases({}, tuple(phrases)) if phrases else None

    found = 0
    for language, rules in indexed_pack.sets.items():
        for text in texts:
            tokens = tokenize(text, split_sentences(text))
            indexed = matcher.find_terms(rules, tokens)
            with monkeypatch.context() as patch:
                patch.setattr(matcher, "_phrases", all_others)
                plain = matcher.find_terms(every[language], tokens)
            as_sets = [
                {(s, t, tuple(spans)) for s, hits in result.items() for t, spans in hits.items()}
                for result in (indexed, plain)
            ]
            assert as_sets[0] == as_sets[1], (language, text)
            found += len(as_sets[0])
    assert found > 1000


def test_past_year_stands_for_the_years_before_this_one():
    this_year = date.today().year
    term = compile_regex(0, r"\bin (?:late )?{past_year}\b")
    text = f"it began in late 1994, in {this_year - 1} and in {this_year}; in {this_year + 1}"
    found = [m.group() for m in term.pattern.finditer(text)]
    assert found == ["in late 1994", f"in {this_year - 1}"]
    assert re.fullmatch(years_before(2026), "2025")
    assert not re.fullmatch(years_before(2026), "2026")
    assert not re.fullmatch(years_before(2026), "1799")
    assert years_before(2030) == r"(?:1[89]\d\d|200\d|201\d|202\d)"


DATED = "Production collapsed after fighting reached the state in late 2023."
CURRENT = "Fighting reached the state on Sunday, residents said."


def test_a_sentence_dated_to_a_past_year_is_background(scorer):  # noqa: ANN001
    dated, current = scorer.score(DATED), scorer.score(CURRENT)
    assert [s.name for s in current.signals] == ["armed_escalation"]
    assert dated.signals == ()
    rules = next(s.rules for s in dated.scores if s.name == "armed_escalation")
    assert rules == pytest.approx(
        next(s.rules for s in current.scores if s.name == "armed_escalation") / 2, abs=0.01
    )
