"""Places named in a report, from an offline gazetteer (GeoNames cities >= 15,000 people,
all countries) plus `data/places.yaml` for adjectives, spellings and regions it lacks.

Build one `Gazetteer` at start-up and pass it in; `find` is pure.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from warning.gazetteer_data import (
    PLACES_YAML,
    Entry,
    country_names,
    fold,
    name_index,
)

__all__ = ["PLACES_YAML", "Entry", "Gazetteer", "MainPlace", "Place", "fold", "main_place"]

_WORD = r"[A-Z][\w'‘’`-]*"
_ARTICLE = r"(?:[ae][lnrstdz]h?-|de |of |the )"  # al-, el-, ez-, ash-, ...
_ARABIC_WORD = r"[\u0621-\u064A\u0671-\u06D3][\u0621-\u065F\u0670-\u06D3]*"
SUFFIXES = frozenset(["province", "governorate", "region", "state", "oblast", "district"])
# A run of capitalised words (with a lower-case "province" etc. after it); a run of Arabic words.
CAPITALISED = re.compile(
    rf"{_WORD}(?:\s+{_ARTICLE}?{_WORD}){{0,3}}(?:\s+(?:{'|'.join(sorted(SUFFIXES))})\b)?"
)
ARABIC = re.compile(rf"{_ARABIC_WORD}(?:\s+{_ARABIC_WORD})*")
WORDS_PER_NAME = 4
IMPLIED_BY = 3  # distinct places of one country that name it when the report does not
_BEFORE = 80  # characters before a name read for a cue, within its sentence
# "fled from Mariupol", "fighting in [Myanmar's] Kayin State": where people flee from.
# "fled ... into Thailand", "crossed into [Thailand's] Tak", "refugees in Chad": where they went.
FLIGHT = frozenset(
    str.split(
        "fled flee flees fleeing escaped escaping crossed crossing cross crosses displaced"
        " evacuated refuge"
    )
)
VIOLENCE = frozenset(
    str.split(
        "fighting clashes battle battles airstrikes strikes shelling bombing bombardment attack"
        " attacks assault offensive violence massacre massacres killings siege besieged raid"
        " raids hostilities"
    )
)
AT = frozenset(str.split("in on near around across against of for at"))
TOWARDS = frozenset(str.split("to into towards toward across"))
ARRIVED = frozenset(str.split("arrived arriving arrival arrivals refuge refugees"))
BETWEEN = frozenset(["the", "neighbouring", "neighboring", "nearby"])  # "into neighbouring Chad"


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # as first written; a country's or a listed (YAML) place's own name
    country: str  # ISO 3166 alpha-2
    kind: str  # "country", "region" or "town"
    lat: float | None
    lon: float | None
    mentions: int
    in_evidence: int  # mentions inside sentences that carry evidence
    origin: int = 0  # mentions read as where people flee from or where the fighting is
    destination: int = 0  # mentions read as where people fled to ("crossed into Thailand")
    weight: int | None = None  # its say in the main place (see `main_place`); None: unknown


Mention = tuple[list[Entry], int, str]  # candidates, where it starts, as written


class Gazetteer:
    """Folded name -> candidate places; built once (1.5 s; 0.2 s from the cache folder:
    `gazetteer_data.name_index`), then read-only."""

    def __init__(self, extra: Path = PLACES_YAML) -> None:
        index = name_index(extra)
        self.names: dict[str, tuple[int, ...]] = index.names  # -> positions in entries
        self.entries: list[Entry] = index.entries
        self.countries: Mapping[str, str] = country_names()
        self.longest: dict[str, int] = index.longest

    def candidates(self, key: str) -> list[Entry]:
        """The places a folded name may be, best known first."""
        return [self.entries[i] for i in self.names[key]]

    def find(
        self, text: str, sentence_spans: list[tuple[int, int]], evidence: set[int]
    ) -> list[Place]:
        """Places in `text`; towns only where their country is also named (or they are big,
        or listed in places.yaml); strongest in the evidence first."""
        mentions = self._mentions(text)
        countries = {
            e.country for entries, _, _ in mentions for e in entries if e.kind == "country"
        } or _implied_country(mentions)
        kept = []
        for entries, start, surface in mentions:
            entry = _best(entries, countries)
            if entry.kind == "country" or _plausible(entry, countries):
                kept.append((entry, start, surface))
        return _count(kept, text, sentence_spans, evidence)

    def _mentions(self, text: str) -> list[Mention]:
        found = []
        for match in CAPITALISED.finditer(text):
            words = match.group().split()
            found.extend(self._longest_names(words, match.start(), text))
        if not text.isascii() and _has_arabic(text):
            for match in ARABIC.finditer(text):
                words = match.group().split()
                found.extend(self._longest_names(words, match.start(), text, arabic=True))
        return found

    def _longest_names(
        self, words: list[str], offset: int, text: str, arabic: bool = False
    ) -> list[Mention]:
        """Longest known names in one capitalised run. A town counts only when the names found
        cover the run, but for a sentence's first word ("With Damascus in danger"):
        "Vladimir Putin" is a person, not the town of Vladimir. Arabic has no capitals: there
        every name found counts."""
        found, uncovered, i = [], [], 0
        while i < len(words):
            size = self._name_size(words, i, arabic)
            if size:
                surface = _surface(words[i : i + size])
                found.append((self.candidates(fold(surface)), text.find(words[i], offset), surface))
            elif words[i] not in SUFFIXES:
                uncovered.append(i)
            i += size or 1
        if uncovered not in ([], [0]) and not arabic:
            found = [m for m in found if any(e.kind == "country" for e in m[0])]
        return found

    def _name_size(self, words: list[str], i: int, arabic: bool) -> int:
        """How many of the words from `i` on make the longest known name (0: none). A name
        of several words starts with the first folded word of words[i]; a name of one may
        also be words[i] without its punctuation or possessive ("Sudan's")."""
        if not (arabic or words[i][:1].isupper()):
            return 0
        most = self.longest.get(fold(words[i]).split(" ", 1)[0], 0)
        for size in range(min(WORDS_PER_NAME, most, len(words) - i), 1, -1):
            if _key(words[i : i + size]) in self.names:
                return size
        return 1 if _key(words[i : i + 1]) in self.names else 0


@lru_cache(maxsize=1)
def shipped_gazetteer() -> Gazetteer:
    """The gazetteer of the shipped place names, built once per process and shared (it is
    read-only): every scorer a process builds (a reload, a backtest, a candidate pack on the
    review desk) would otherwise spend a second and a half building the same one."""
    return Gazetteer()


def _has_arabic(text: str) -> bool:
    """Any letter of the Arabic block (U+0600-U+06FF): its UTF-8 lead bytes are D8-DB."""
    data = text.encode("utf-8", "surrogatepass")
    return any(lead in data for lead in (b"\xd8", b"\xd9", b"\xda", b"\xdb"))


def _surface(words: list[str]) -> str:
    """The name as written, without trailing punctuation or a possessive: "Sudan's" -> "Sudan"."""
    name = " ".join(words).strip(",.;:")
    return re.sub(r"['’]s$", "", name)


def _key(words: list[str]) -> str:
    return _folded_surface(" ".join(words))


@lru_cache(maxsize=100_000)
def _folded_surface(joined: str) -> str:
    return fold(_surface([joined]))


def _best(entries: list[Entry], countries: set[str]) -> Entry:
    """A country over a town of that name; then a place in a country the report names; then a
    place listed in places.yaml; then size."""
    return max(
        entries,
        key=lambda e: (e.kind == "country", e.country in countries, e.listed, e.population),
    )


def _implied_country(mentions: list[Mention]) -> set[str]:
    """When a report names no country: the one country that IMPLIED_BY distinct places of
    the report (towns or regions, by surface) all may lie in, and no other country as many
    ("landfall near Pebane ... centres in Zambezia and Nampula" is in Mozambique)."""
    names = {(e.country, fold(surface)) for entries, _, surface in mentions for e in entries}
    ranked = Counter(country for country, _ in names if country).most_common(2)
    if (
        not ranked
        or ranked[0][1] < IMPLIED_BY
        or (len(ranked) > 1 and ranked[1][1] == ranked[0][1])
    ):
        return set()
    return {ranked[0][0]}


def _plausible(entry: Entry, countries: set[str]) -> bool:
    return entry.listed or entry.country in countries or entry.population >= 1_000_000


def _cue(before: str) -> str:
    """'origin', 'destination' or '' for a name with the text `before` it in its sentence:
    the word before the name (past "the", "northern", "Myanmar's") and the one before that."""
    words = before.lower().split()
    for _ in range(3):
        if words and (words[-1] in BETWEEN or words[-1].endswith(("ern", "'s", "’s"))):
            words.pop()
    if len(words) < 2:
        return ""
    word, previous = words[-1], words[-2]
    if (word in AT and previous in VIOLENCE) or (word == "from" and previous in FLIGHT):
        return "origin"
    if word in TOWARDS and not FLIGHT.isdisjoint(words[-10:-1]):
        return "destination"
    return "destination" if word in ("in", "at") and previous in ARRIVED else ""


def _count(
    kept: list[tuple[Entry, int, str]],
    text: str,
    spans: list[tuple[int, int]],
    evidence: set[int],
) -> list[Place]:
    starts = [start for start, _ in spans]
    stats: dict[Entry, list[int]] = {}  # mentions, in evidence, origin, destination, weight
    first: dict[Entry, str] = {}
    for entry, start, surface in kept:
        i = bisect_right(starts, start) - 1
        inside = i >= 0 and start < spans[i][1]
        sentence_start = spans[i][0] if inside else text.rfind("\n", 0, start) + 1
        cue = _cue(text[max(sentence_start, start - _BEFORE) : start])
        in_evidence = inside and i in evidence
        counts = stats.get(entry)
        if counts is None:
            counts = stats[entry] = [0, 0, 0, 0, 0]
            first[entry] = surface if entry.kind == "town" and not entry.listed else ""
        counts[0] += 1
        counts[1] += in_evidence
        counts[2] += cue == "origin"
        counts[3] += cue == "destination"
        counts[4] += _weight(in_evidence, cue)
    places = [
        Place(first[entry] or entry.canonical, entry.country, entry.kind, entry.lat, entry.lon, *c)
        for entry, c in stats.items()
    ]
    places.sort(key=lambda p: (-p.in_evidence, -p.mentions, p.name))
    return places


def _weight(in_evidence: bool, cue: str) -> int:
    """One mention's say in the main place; see `main_place`."""
    if cue == "destination":
        return 0
    return 1 + 3 * in_evidence + 3 * (cue == "origin")


NO_TOWN = ""  # the town key of a report that names no town
ANY_TOWN = "*"  # the town key every report is also filed under


@dataclass(frozen=True, slots=True)
class MainPlace:
    """Where a report is about: a country, and its regions and towns named in the evidence."""

    country: str = ""  # ISO code; "" when no place was found
    name: str = ""
    towns: tuple[str, ...] = ()  # regions first, then towns (the store keeps these)
    regions: tuple[str, ...] = ()  # which of `towns` are regions

    @property
    def label(self) -> str:
        """'Syria (Aleppo / Tal Rifaat)', 'Sudan (North Darfur / El Fasher)'."""
        return f"{self.name} ({' / '.join(self.towns)})" if self.towns else self.name

    def near(self, country: str, towns: set[str]) -> bool:
        """Same country, and a town (or region) in common unless one of the two names none."""
        if not self.country or country != self.country:
            return False
        return not towns or not self.towns or bool(towns & set(self.towns))

    def town_keys(self) -> tuple[str, ...]:
        """The keys a report about this place is filed under for `near` look-ups: each of
        its towns (NO_TOWN when it names none), and ANY_TOWN."""
        return (*(self.towns or (NO_TOWN,)), ANY_TOWN)

    def near_keys(self) -> tuple[str, ...]:
        """The keys of the reports `near` this place, of its country: those of its towns and
        those naming no town; every report (ANY_TOWN) when it names none itself."""
        return (*self.towns, NO_TOWN) if self.towns else (ANY_TOWN,)


def main_place(places: list[Place]) -> MainPlace:
    """The country whose names weigh most, with up to three of its regions and towns that
    the evidence names (regions first).

    Each mention of a place weighs 1, plus 3 inside an evidence sentence, plus 3 where the
    words just before it say people flee from it or fighting is there ("fighting in
    Myanmar's Kayin State", "fled from Mariupol", "shelling of Kharkiv"). A mention as
    where people went ("fled into Thailand", "crossed into Thailand's Tak province",
    "refugees in Chad") weighs nothing: the report is about where the violence is, not
    where its survivors arrive. Ties go to the country mentioned most.
    """
    if not places:
        return MainPlace()
    score: dict[str, tuple[int, int]] = {}  # country -> (weight, mentions)
    for place in places:
        own = place.weight if place.weight is not None else place.mentions + 3 * place.in_evidence
        weight, mentions = score.get(place.country, (0, 0))
        score[place.country] = (weight + own, mentions + place.mentions)
    country = max(score, key=score.__getitem__)
    inside = [p for p in places if p.country == country and p.kind != "country" and p.in_evidence]
    inside.sort(key=lambda p: p.kind != "region")  # stable: strongest first within each kind
    names = [p.name for p in inside]  # not "Darfur" beside "North Darfur"
    inside = [p for p in inside if not any(n.endswith(" " + p.name) for n in names)][:3]
    name = next(
        (p.name for p in places if p.kind == "country" and p.country == country),
        country_names().get(country, country),
    )
    return MainPlace(
        country,
        name,
        tuple(p.name for p in inside),
        tuple(p.name for p in inside if p.kind == "region"),
    )
