"""Where a report says its signals happened, as keys that other reports about the same
happening share even when the gazetteer lacks the place or outlets spell it differently.

A report's keys are its main towns and regions, every town or region of its main country
named in an evidence sentence, and names the gazetteer does not know that an evidence
sentence, the headline or the lead gives after a locative word ("in Désarmes", "near
Bule", "the village of Dinangourou", "residents of Pinga", "à Pinga", "en el municipio de
Argelia"). Keys are folded (no accents, no case, no spaces or hyphens: "Kyauk Taw" =
"Kyauktaw"); two keys match when equal or nearly so (one letter in ten may differ:
"Kostiantynivka" ~ "Kostyantynivka"), or when they differ in one vowel only, as
transliterations of one name do ("Kutum" ~ "Kotum", "Bunia" ~ "Bunea"). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import lru_cache

from warning.gazetteer_data import fold
from warning.score import Assessment

SIMILAR = 0.85  # difflib ratio at or above which two keys name the same place
MIN_KEY = 4  # shorter keys ("Ali", "Bor") match only exactly
MIN_VOWEL_VARIANT = 5  # letters: "Bor"/"Bar", "Wau"/"Wai" stay apart
VOWELS = frozenset("aeiouy")
SAME_PLACE_KEPT = 1 << 16  # key pairs whose answer is kept (a few MB)
_NAME = r"[A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’-]+){0,2}"
_BEFORE = (
    r"in|at|near|outside|around|from|into|"
    r"(?:town|village|city|locality|commune|district|camp|settlement|municipality) of|"
    r"(?:residents|inhabitants|villagers|people|population) of|"
    r"à|près de|(?:ville|village|localité|commune|camp|quartier) de|"
    r"cerca de|(?:municipio|pueblo|comunidad|corregimiento|vereda|barrio) de"
)
LOCATIVE = re.compile(rf"\b(?i:{_BEFORE})\s+({_NAME})")  # "In", "Residents of" too
NOT_PLACES = frozenset(  # capitalised words after "in", "on", "from" that are no place
    fold(word)
    for words in (
        "January February March April May June July August September October November",
        "December Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
        "The This That His Her Their Its Our Reuters AP AFP UN",
    )
    for word in words.split()
)


def place_keys(assessment: Assessment, title: str = "", lead: str = "") -> frozenset[str]:
    """The folded keys of where `assessment`'s report says its signals happened; its
    headline `title` and `lead` (where news names the place) count as evidence here."""
    main = assessment.main
    known = [*main.towns]
    known += [
        p.name
        for p in assessment.places
        if p.country == main.country and p.kind != "country" and p.in_evidence
    ]
    evidence = {h.quote for s in assessment.signals for h in s.hits}
    evidence |= {s.classifier_quote for s in assessment.signals if s.classifier_quote}
    evidence |= {title, lead} - {""}
    names = [*known, *unknown_names(evidence, assessment)]
    # A dateline ("KINSHASA (Wire) -") says where the reporter filed from, not where it
    # happened; the place itself is written again in the body.
    return frozenset(key(name) for name in names if name and not name.isupper())


def unknown_names(sentences: Iterable[str], assessment: Assessment) -> list[str]:
    """Names after a locative word in `sentences` that are not a country of the report."""
    countries = {fold(p.name) for p in assessment.places if p.kind == "country"}
    return locative_names(sentences, countries)


def locative_names(sentences: Iterable[str], besides: set[str]) -> list[str]:
    """Names after a locative word in `sentences`, but none whose folded form is in
    `besides` (the report's countries, say)."""
    found = []
    for sentence in sentences:
        for match in LOCATIVE.finditer(sentence):
            # "Sudan's South Kordofan" -> "South Kordofan"; "Kutum's" -> "Kutum"
            name = re.sub(r"['’]s$", "", re.split(r"['’]s\s+", match.group(1))[-1])
            if fold(name) not in besides and fold(name.split()[0]) not in NOT_PLACES:
                found.append(name)
    return found


def key(name: str) -> str:
    return re.sub(r"[\s'’-]", "", fold(name))


def shared(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    """Whether a key of `ours` names the same place as a key of `theirs`."""
    theirs = list(theirs)
    return any(same_place(a, b) for a in ours for b in theirs)


@lru_cache(maxsize=SAME_PLACE_KEPT)
def same_place(a: str, b: str) -> bool:
    """Whether keys `a` and `b` name one place (see the module's note). Remembered for the
    SAME_PLACE_KEPT latest pairs: each report joining an event compares its keys with
    those of every recent event about its country, mostly the same few towns."""
    if a == b:
        return True
    if min(len(a), len(b)) < MIN_KEY:
        return False
    return SequenceMatcher(None, a, b).ratio() >= SIMILAR or _vowel_variant(a, b)


def _vowel_variant(a: str, b: str) -> bool:
    if len(a) != len(b) or len(a) < MIN_VOWEL_VARIANT:
        return False
    differ = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(differ) == 1 and set(differ[0]) <= VOWELS
