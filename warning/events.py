"""Which event a scored report joins: the event of a near-duplicate (the same story, copied
or lightly edited, by MinHash LSH), else a recent event about the same country (any, for a
report whose country is not known) that shares a signal and a place with it (the same
happening told by another outlet: places compared by their keys, so a village the
gazetteer lacks, or spelt another way, still joins; see `warning.placekeys`), else a new
one. A report that joins an event and copies or retells one of its reports (a
near-verbatim copy, or a rewrite that keeps its facts in order or credits its outlet: see
`warning.copies`) adds no independent source.

The near-duplicate index lives in memory and holds the reports received within
`events.window` (built at start from the store's reports of that window, and forgetting
each report as it passes out of it), so its size and the cost of a look-up stay flat as the
store grows, and a restart changes no join.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from warning.config import EventSettings
from warning.copies import Told, retells, told
from warning.decide import Joining
from warning.dedupe import Fingerprint, NearDuplicates, fingerprint
from warning.models import Report, utcnow
from warning.placekeys import place_keys, shared
from warning.score import Assessment
from warning.store import Store
from warning.times import as_utc

LEAD = 300  # characters: where news names the place ("KUTUM, Sudan - ...")
RETELLING_READ = 20  # an event's latest reports a new one is compared with for a retelling
TOLD_KEPT = 2048  # reports whose `told` reading is kept: each costs 90 us per KB to redo
CLOCK_SKEW = timedelta(minutes=5)  # instances' clocks may differ by this much (a refresh overlaps)
log = logging.getLogger(__name__)


class EventFinder:
    def __init__(
        self, store: Store, settings: EventSettings, clock: Callable[[], datetime] = utcnow
    ):
        self.store = store
        self.settings = settings
        self.clock = clock
        self.kept_for = timedelta(seconds=settings.window)
        self.index = NearDuplicates(settings.similar)
        self.indexed: deque[tuple[datetime, int]] = deque()  # (received at, id), oldest first
        self.received: dict[int, datetime] = {}
        self.looked = clock()  # when the store was last read for others' reports
        for rid, blob, received in store.event_fingerprints(self.looked - self.kept_for):
            self._index(rid, Fingerprint.from_bytes(blob), received)
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
        self._forget_old()
        similar = [(key, s) for key, s in self.index.similar(prints) if key != report.id]
        self._index(report.id, prints, as_utc(report.received_at))
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

    def refresh(self) -> None:
        """Index the reports other instances joined to events since the last look (a
        database several instances share; call it holding the store's event lock)."""
        if not self.store.shared:
            return
        now = self.clock()
        scored = self.looked - CLOCK_SKEW
        for rid, blob, received in self.store.event_fingerprints(now - self.kept_for, scored):
            if rid not in self.received:
                self._index(rid, Fingerprint.from_bytes(blob), received)
        self.looked = now

    def _index(self, rid: int, prints: Fingerprint, received: datetime) -> None:
        self.index.add(rid, prints)
        self.received[rid] = received
        self.indexed.append((received, rid))

    def _forget_old(self) -> None:
        """Drop the reports received before the window (each once: a report indexed again
        is forgotten by its latest time)."""
        since = self.clock() - self.kept_for
        while self.indexed and self.indexed[0][0] < since:
            received, rid = self.indexed.popleft()
            if self.received.get(rid) == received:
                del self.received[rid]
                self.index.remove(rid)

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
