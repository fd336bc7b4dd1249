"""Which event a scored report joins: the event of a near-duplicate (the same story, copied
or lightly edited, by MinHash LSH), else a recent event about the same country (any, for a
report whose country is not known) that shares a signal and a place with it (the same
happening told by another outlet: places compared by their keys, so a village the
gazetteer lacks, or spelt another way, still joins; see `warning.placekeys`), else a new
one. A report that joins an event and copies or retells one of its reports (a
near-verbatim copy, or a rewrite that keeps its facts in order or credits its outlet: see
`warning.copies`) adds no independent source.

The near-duplicate index lives in memory, built at start from the store's recent reports,
so the cost of a look-up stays flat as the store grows.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from warning.config import EventSettings
from warning.copies import Told, retells, told
from warning.decide import Joining
from warning.dedupe import Fingerprint, NearDuplicates, fingerprint
from warning.models import Report, utcnow
from warning.placekeys import place_keys, shared
from warning.score import Assessment
from warning.store import Store

LEAD = 300  # characters: where news names the place ("KUTUM, Sudan - ...")
INDEXED_FOR = timedelta(days=30)  # reports older than this are not near-duplicate candidates
RETELLING_READ = 20  # an event's latest reports a new one is compared with for a retelling
TOLD_KEPT = 2048  # reports whose `told` reading is kept: each costs 90 us per KB to redo
log = logging.getLogger(__name__)


class EventFinder:
    def __init__(self, store: Store, settings: EventSettings):
        self.store = store
        self.settings = settings
        since = utcnow() - INDEXED_FOR
        self.index = NearDuplicates.build(store.event_fingerprints(since), settings.similar)
        # report id -> its reading for copies.retells, oldest first: a stored report's text
        # does not change, and each report joining an event reads the event's latest 20
        self.readings: dict[int, Told] = {}

    def event_for(self, report: Report, assessment: Assessment) -> Joining:
        """The event `report` joins (none: a new one, or it fired nothing), and whether it
        is a verbatim copy of one of that event's reports."""
        if not assessment.signals:
            return Joining()
        places = place_keys(assessment, report.title, report.text[:LEAD])
        prints = report_fingerprint(report)
        similar = [(key, s) for key, s in self.index.similar(prints) if key != report.id]
        self.index.add(report.id, prints)
        found = self.store.events_of([key for key, _ in similar])
        nearest = next((key for key, _ in similar if key in found), None)  # best first
        if nearest is not None:
            event, verbatim = found[nearest], self.settings.verbatim
            copy = any(found.get(key) == event and s >= verbatim for key, s in similar)
            return Joining(event, copy or self._retells(report, event), places)
        same = self._about(assessment, places)
        if not same:
            return Joining(None, False, places)
        return Joining(same[0], self._retells(report, *same), places, tuple(same[1:]))

    def _retells(self, report: Report, *events: int) -> bool:
        """Whether `report` retells one of the latest reports of `events` (the one it joins
        and those it merges into it): see copies.py."""
        own = told(report.outlet, report.title, report.text)
        for event in events:
            for rid, outlet, title, text in self.store.event_reports(event, RETELLING_READ):
                why = rid != report.id and retells(own, self._reading(rid, outlet, title, text))
                if why:
                    log.info("report %s retells report %s (event %s): %s", report.id, rid, event,
                             why)  # fmt: skip
                    return True
        return False

    def _reading(self, rid: int, outlet: str, title: str, text: str) -> Told:
        """`told` of a stored report, read once while it is among the TOLD_KEPT latest."""
        reading = self.readings.get(rid)
        if reading is None:
            reading = self.readings[rid] = told(outlet, title, text)
            if len(self.readings) > TOLD_KEPT:
                del self.readings[next(iter(self.readings))]
        return reading

    def _about(self, assessment: Assessment, places: frozenset[str]) -> list[int]:
        """The recent events about the report's country (any country when the report's is
        not known: "families from Kotum" names no country) with a signal and a place in
        common, latest first. More than one: the report bridges them, and they are one
        happening."""
        if not places:
            return []
        since = utcnow() - timedelta(seconds=self.settings.window)
        signals = {s.name for s in assessment.signals}
        return [
            event.id
            for event in self.store.recent_events(assessment.main.country, since)
            if signals & event.signals and shared(places, event.places)
        ]


def report_fingerprint(report: Report) -> Fingerprint:
    if report.fingerprint:
        return Fingerprint.from_bytes(report.fingerprint)
    return fingerprint(report.text)
