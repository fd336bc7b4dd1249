"""Do-no-harm redaction for a wide audience (`redact: public` on a route): a message leaves
out the people its quotes name, exact towns and coordinates, and the report's link and file
name; the country and regions stay. Applied when the message is rendered; the stored alert
keeps everything. Pure.

People are found by their written form (two to four capitalised words that are not a place,
an organisation, a weekday or a month): names in scripts without capitals (Arabic) are not
found, so a route for a wide audience should not rely on this alone for Arabic reports.
"""

from __future__ import annotations

import json
import re
from typing import Any

from warning.gazetteer_data import fold
from warning.models import Alert, Report
from warning.placekeys import locative_names

PERSON = "[name]"
TOWN = "[town]"
COORDINATES = "[coordinates]"
WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+(?:-[A-Za-zÀ-ÿ][a-zà-öø-ÿ'’]+)?"
PARTICLE = r"(?:al|el|bin|ibn|ben|abu|de|da|del|van|von)"
CAPITALISED = re.compile(rf"\b{WORD}(?:\s+(?:{PARTICLE}[\s-])?{WORD}){{1,3}}\b")
DECIMAL = r"-?\d{1,3}\.\d+(?:\s?°)?(?:\s?[NSEW](?![a-z]))?"
DMS = r"\d{1,3}\s*°\s*\d{1,2}\s*['′]\s*(?:\d{1,2}(?:\.\d+)?\s*[\"″]\s*)?[NSEW]"
COORDINATE = re.compile(rf"^(?:{DMS}|{DECIMAL})$")  # one term that is a coordinate
COORDINATE_PAIR = re.compile(rf"(?:{DMS}|{DECIMAL})\s*[,;/ ]\s*(?:{DMS}|{DECIMAL})")
# capitalised words that do not make a person: articles, dates, organisations, places
ORDINARY = """the a an in on at by for of to from with and or but late last early this that these
    those after before during while when where said says according monday tuesday wednesday
    thursday friday saturday sunday january february march april may june july august
    september october november december forces force army armed council observatory rights
    human nations united cross crescent support rapid front state states province region
    district ministry office programme program agency committee party movement brigade
    brigades university center centre organization organisation group union republic
    democratic liberation islamic national international federal police guard watch
    amnesty doctors borders médecins frontières news times post tribune press agence radio
    television church mosque hospital camp market road street river lake mountain mountains
    valley north south east west northern southern eastern western central upper lower new
    old great high world food children refugees red green blue white black government
    military militia militias rebels coalition alliance court tribunal"""
NOT_A_PERSON = frozenset(ORDINARY.split())


def public(alert: Alert, report: Report | None) -> tuple[Alert, Report | None]:
    """Copies of `alert` and `report` as a public message may show them."""
    scored = json.loads(alert.assessment)
    quotes = [h["quote"] for sig in scored.get("signals", []) for h in sig.get("hits", [])]
    quotes += [sig.get("classifier_quote", "") for sig in scored.get("signals", [])]
    towns = _towns(scored, [alert.title, *quotes])
    places = {p["name"].lower() for p in scored.get("places", [])}

    def clean(text: str) -> str:
        return _without_people(
            _without_towns(COORDINATE_PAIR.sub(COORDINATES, text), towns), places
        )

    for signal in scored.get("signals", []):
        signal["classifier_quote"] = clean(signal.get("classifier_quote", ""))
        for hit in signal.get("hits", []):
            hit["quote"] = clean(hit["quote"])
            hit["terms"] = [clean(COORDINATE.sub(COORDINATES, t)) for t in hit.get("terms", [])]
    for place in scored.get("places", []):
        place["lat"] = place["lon"] = None
    scored["places"] = [p for p in scored.get("places", []) if p.get("kind") != "town"]
    scored.setdefault("main", {})["towns"] = []
    scored["place"] = _country_and_regions(alert.place, scored)
    shown = alert.model_copy(
        update={
            "title": clean(alert.title),
            "place": scored["place"],
            "url": "",
            "assessment": json.dumps(scored, ensure_ascii=False),
        }
    )
    if report is not None:
        report = report.model_copy(update={"url": "", "ref": "", "title": clean(report.title)})
    return shown, report


def _towns(scored: dict[str, Any], texts: list[str]) -> list[str]:
    """The towns the gazetteer found, and names it lacks that `texts` give after a
    locative word ("in Tawila", "the village of Dinangourou"), but no country or region."""
    places = scored.get("places", [])
    named = [p["name"] for p in places if p.get("kind") == "town"]
    named += scored.get("main", {}).get("towns", [])
    wider = {fold(p["name"]) for p in places if p.get("kind") in ("country", "region")}
    wider |= {fold(r) for r in scored.get("main", {}).get("regions", [])}
    named += locative_names(texts, wider)
    return sorted({n for n in named if n}, key=len, reverse=True)  # longer first


def _without_towns(text: str, towns: list[str]) -> str:
    for town in towns:
        text = re.sub(rf"(?<!\w){re.escape(town)}(?!\w)", TOWN, text, flags=re.IGNORECASE)
    return text


def _without_people(text: str, places: set[str]) -> str:
    def person(match: re.Match[str]) -> str:
        words = [w.lower() for w in re.split(r"[\s-]+", match.group(0))]
        if any(w in NOT_A_PERSON for w in words) or match.group(0).lower() in places:
            return match.group(0)
        if any(w in places for w in words):
            return match.group(0)
        return PERSON

    return CAPITALISED.sub(person, text)


def _country_and_regions(label: str, scored: dict[str, Any]) -> str:
    country = label.split(" (", 1)[0]
    regions = scored.get("main", {}).get("regions", [])
    return f"{country} ({' / '.join(regions)})" if regions else country
