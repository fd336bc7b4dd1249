"""The spine: sources -> store -> score -> decide -> notify, as plain calls on typed objects.

`Service` holds what the steps share (settings, store, scorer, notifier); every step can
run on its own and is safe to repeat: reports are deduplicated by content, scoring only
takes unscored reports, deliveries are claimed before they are sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from itertools import groupby

from sqlalchemy.exc import DataError

from warning import metrics
from warning.claims import POLL_LEASE, SCORING_BATCH, SCORING_LEASE, instance_name
from warning.config import Settings
from warning.decide import (
    AlertChange,
    AlertFacts,
    AlertPolicy,
    escalated,
    escalation,
    plan_alert,
    spans_of,
    window,
)
from warning.dedupe import fingerprint
from warning.events import EventFinder
from warning.feedback import reviewed_examples
from warning.fetch import FetchError
from warning.hostslots import HostSlots
from warning.labels import AddedLabels
from warning.models import Alert, Report, SourceState, utcnow
from warning.notify import Notifier
from warning.outbox import Outbox
from warning.score import Assessment, Scorer, unscorable
from warning.scorer_factory import build_scorer
from warning.sources import SOURCES, Incoming, Memo, Poll, Source, Stored
from warning.sources.base import plural, printable, reason
from warning.store import Store
from warning.text import valid_text
from warning.times import as_utc

log = logging.getLogger(__name__)
MAX_RETRY_DELAY = timedelta(hours=1)
NAMED_NEAR = 20  # an escalation names every earlier report, or the latest 20 if a town has more
# The report place index keeps what escalation may look back on: the longest `across` of
# the rules, and at least a week (a reload may lengthen it); pruned every 10 minutes.
PLACES_KEPT = timedelta(days=7)
FORGET_EVERY = timedelta(minutes=10)


@dataclass
class PollOutcome:
    source: str
    new: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: bool = False  # backing off after failures, or another instance is polling it
    busy: bool = False  # its host's slots were taken (polling.per_host): try again soon


@dataclass
class RunSummary:
    polls: list[PollOutcome] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    sent: int = 0
    failed: int = 0


def _log_alert(change: AlertChange) -> None:
    alert = change.alert
    what = "ALERT" if change.created else "ALERT RAISED" if change.raised else "alert updated"
    log.warning(
        "%s #%d %s %s: %s | %s (reports %d, sources %d)",
        what,
        alert.id,
        alert.severity.upper(),
        alert.place or "-",
        alert.signals,
        alert.title,
        alert.reports,
        alert.sources,
    )


def _report(source: str, item: Incoming) -> Report:
    return Report(
        source=source,
        ref=item.ref,
        url=item.url,
        title=item.title,
        text=item.text,
        published_at=item.published,
        outlet=item.outlet,
        fingerprint=fingerprint(item.text).to_bytes(),
    )


def _settled(source: Source, stored: list[Stored]) -> list[str]:
    try:
        return source.settle(stored)
    except Exception as exc:  # the reports are stored; a source bug must not undo that
        log.exception("source %s: settling failed", source.name)
        return [f"filing the items away failed: {reason(exc)}"]


def _last_problem(errors: list[str]) -> str:
    """A poll's problems as the source's last error: the last, and how many others."""
    others = len(errors) - 1
    return errors[-1] + (f" (and {plural(others, 'other problem')}; see the log)" if others else "")


def polled_sources(settings: Settings) -> dict[str, Source]:
    """The configured sources that are polled (all kinds but `http`, which is POSTed to)."""
    return {s.name: SOURCES[s.kind](s) for s in settings.sources if s.kind in SOURCES}


class Service:
    def __init__(self, settings: Settings, store: Store, scorer: Scorer, notifier: Notifier):
        self.settings = settings
        self.store = store
        self.scorer = scorer
        self.notifier = notifier
        self.sources: dict[str, Source] = polled_sources(settings)
        self.events = EventFinder(store, settings.events)
        self.clock: Callable[[], datetime] = utcnow  # tests move time on without sleeping
        self.outbox = self._outbox()
        self.hosts = HostSlots(settings.polling.per_host)
        self.instance = instance_name()
        self.forgotten: datetime | None = None  # when the place index was last pruned
        store.release_claims(self.instance)  # held by this instance before it restarted

    def reload(self, settings: Settings, scorer: Scorer) -> None:
        """Swap in a new, already validated configuration; the store stays."""
        self.settings = settings
        self.scorer = scorer
        self.notifier = Notifier(settings)
        self.outbox = self._outbox()
        self.sources = polled_sources(settings)
        if settings.events != self.events.settings:
            self.events = EventFinder(self.store, settings.events)

    def poll(self, name: str, force: bool = False) -> PollOutcome:
        """Read one source and store what is new, unless another instance is polling it
        (skipped). A failing source only fails itself: its error is recorded and it is left
        alone for a doubling back-off (at most 1 h); `force` polls it even then."""
        with self.hosts.slot(self.sources[name].host) as free:
            if not free:
                return PollOutcome(name, busy=True)
            if not self.store.claim_poll(name, self.instance, POLL_LEASE):
                return PollOutcome(name, skipped=True)
            try:
                return self._poll(name, force)
            finally:
                self.store.release_poll(name, self.instance)

    def _poll(self, name: str, force: bool) -> PollOutcome:
        outcome = PollOutcome(name)
        state = self.store.source_state(name)  # read after the claim: the latest memo
        now = utcnow()
        if not force and state.next_run_at and as_utc(state.next_run_at) > now:
            outcome.skipped = True
            return outcome
        source = self.sources[name]
        memo = Memo(state.etag, state.last_modified, state.cursor)
        state.last_run_at = now
        try:
            polled = source.poll(memo, lambda ref: self.store.knows(name, valid_text(ref)[0]))
        except Exception as exc:  # a broken feed or a source bug must not stop the daemon
            self._record_failure(state, exc, outcome)
            return outcome
        stored = self.intake(name, polled.reports)
        outcome.new = sum(s.report_id is not None and not s.duplicate for s in stored)
        outcome.duplicates = sum(s.duplicate for s in stored)
        outcome.errors.extend(polled.errors)
        outcome.errors.extend(problem for s in stored for problem in s.problems())
        outcome.errors.extend(_settled(source, stored))
        outcome.errors[:] = [printable(self.settings.redact(e)) for e in outcome.errors]
        for error in outcome.errors:
            log.warning("source %s: %s", name, error)
        # an item the store failed on (not the item's fault) is read again next time
        retry = any(s.error and not s.permanent for s in stored)
        self._record_success(state, polled, outcome, memo if retry else polled.memo)
        if outcome.new or outcome.duplicates:
            log.info("source %s: %d new, %d already seen", name, outcome.new, outcome.duplicates)
        return outcome

    def intake(self, name: str, items: Sequence[Incoming]) -> list[Stored]:
        """Store reports from source `name` (any kind: polled or POSTed); duplicates of
        stored reports are recognised, not stored again. Every report is made valid text
        here, the one gate to the store (`Incoming.valid`; what was mended is in its
        `Stored.notes`); one that cannot be stored comes back with its `error`, and the
        others are stored all the same."""
        return [self._store_one(name, item) for item in items]

    def _store_one(self, name: str, item: Incoming) -> Stored:
        try:
            valid, notes = item.valid()
            report = _report(name, valid)
        except Exception as exc:  # the item itself cannot be a report: no use retrying
            return self._record_refusal(name, Stored(item.ref, None, error=reason(exc)), True)
        try:
            report_id, duplicate = self.store.add_report(report)
        except Exception as exc:  # the store failed: next time, unless it refused the data
            # a database error's own message: not the statement, nor the report in its values
            own = getattr(exc, "orig", None) or exc
            refused = Stored(item.ref, None, notes=notes, error=reason(own)[:300])
            return self._record_refusal(name, refused, isinstance(exc, DataError))
        if not duplicate:
            metrics.RECEIVED.labels(name).inc()
        return Stored(item.ref, report_id, duplicate, notes)

    def _record_refusal(self, name: str, refused: Stored, permanent: bool) -> Stored:
        log.error("source %s: %s", name, self.settings.redact(refused.problems()[-1]))
        return replace(refused, permanent=permanent)

    def _record_failure(self, state: SourceState, exc: Exception, outcome: PollOutcome) -> None:
        fetching = isinstance(exc, FetchError)  # else a bug: named by type, with its trace
        reason = self.settings.redact(str(exc) if fetching else f"{type(exc).__name__}: {exc}")
        if not fetching:
            log.exception("source %s: poll failed", state.name)
        state.failures += 1
        metrics.POLL_FAILURES.labels(state.name).inc()
        state.last_error, state.last_error_at = reason, state.last_run_at
        every = timedelta(seconds=self.settings.source(state.name).every)
        delay = min(every * 2 ** (state.failures - 1), max(every, MAX_RETRY_DELAY))
        state.next_run_at = state.last_run_at + delay
        self.store.record_poll(state)
        outcome.errors.append(f"{state.name}: poll failed: {reason}")
        log.error(
            "source %s: poll failed (%d in a row; next try in %s): %s",
            state.name,
            state.failures,
            delay,
            reason,
        )

    def _record_success(
        self, state: SourceState, polled: Poll, outcome: PollOutcome, memo: Memo
    ) -> None:
        state.failures, state.next_run_at = 0, None
        state.last_success = state.last_run_at
        state.items_seen, state.items_new = polled.seen, outcome.new
        state.total_new += outcome.new
        state.etag, state.last_modified, state.cursor = memo.etag, memo.last_modified, memo.cursor
        if outcome.errors:
            state.last_error, state.last_error_at = _last_problem(outcome.errors), state.last_run_at
        self.store.record_poll(state)

    def score_pending(self, keep: bool = True) -> list[Alert]:
        """Score every stored, unscored report; join it to its event and raise or update
        the event's alert with its pending deliveries. Returns the new alerts, unless not
        `keep` (the daemon's job: after an outage it would hold every alert a backlog raises
        until its last report is scored: 1,500 per 10,000 reports of bench/flat_bench.py)."""
        alerts = []
        decide = partial(plan_alert, policy=self.policy())
        claim = partial(self.store.claim_unscored, self.instance, SCORING_LEASE, SCORING_BATCH)
        while batch := claim():
            started = time.perf_counter()
            scored = list(zip(batch, self._assessed(batch), strict=True))
            each = (time.perf_counter() - started) / len(batch)
            for report, _ in scored:
                metrics.SCORING.observe(each)
                metrics.SCORED.labels(report.source).inc()
            self.store.record_quiet([(r, a) for r, a in scored if not a.signals])
            fired = [(r, a) for r, a in scored if a.signals]
            for country, run in groupby(fired, key=lambda pair: pair[1].main.country):
                raised = self._record_run(country, list(run), decide)
                if keep:
                    alerts += raised
        self._forget_places()
        return alerts

    def _forget_places(self) -> None:
        """Every FORGET_EVERY, drop the place index rows escalation will not look back on:
        without it the index grows by about 8 rows for each report that fires, for ever."""
        now = self.clock()
        if self.forgotten is not None and now - self.forgotten < FORGET_EVERY:
            return
        self.forgotten = now
        kept = max(PLACES_KEPT, window(self.scorer.rules.severity) or PLACES_KEPT)
        removed = self.store.forget_places(now - kept)
        if removed:
            log.info(
                "place index: %d rows of reports scored before %s removed", removed, now - kept
            )

    def _assessed(self, batch: list[Report]) -> list[Assessment]:
        """Each report's assessment. When scoring them together fails, each is scored alone;
        one that fails alone (a bug) is recorded as scored with no signal, logged with its
        traceback and counted: it must not hold back the reports scored with it, at every
        try, nor be tried for ever."""
        found = self.scorer.score_apart([r.text for r in batch])
        for report, failure in zip(batch, found, strict=True):
            if isinstance(failure, Exception):
                log.error("report %s: scoring failed; recorded with no signal", report.id,
                          exc_info=failure)  # fmt: skip
                metrics.SCORING_FAILURES.inc()
        return [unscorable(a) if isinstance(a, Exception) else a for a in found]

    def _record_run(
        self,
        country: str,
        run: list[tuple[Report, Assessment]],
        decide: Callable[[AlertFacts], AlertChange],
    ) -> list[Alert]:
        """Escalate each report of a run that fired about one country, join its event and
        store the outcome; one instance at a time for that country (so two instances never
        make two events, or two alerts, of one happening), after reading what the others
        joined meanwhile. Returns the new alerts."""
        alerts = []
        with self.store.event_lock(country):
            self.events.refresh()
            for report, scored in run:
                assessment = self._escalated(scored)
                joining = self.events.event_for(report, assessment)
                change = self.store.record_score(report, assessment, joining, decide)
                if change is None:
                    continue
                _log_alert(change)
                if change.created:
                    alerts.append(change.alert)
                    metrics.ALERTS.labels(change.alert.severity).inc()
        return alerts

    def policy(self) -> AlertPolicy:
        """Who gets what, from the config and the rule pack as they are now."""
        settings = self.settings
        added = AddedLabels(
            {s.name: tuple(s.labels.items()) for s in settings.sources},
            {name: signal.labels for name, signal in self.scorer.rules.signals.items()},
        )
        return AlertPolicy(
            settings.alerts.min_severity,
            settings.route_tree,
            settings.channel_floors,
            added,
            self.clock(),
        )

    def _escalated(self, assessment: Assessment) -> Assessment:
        """Raise severity where recent reports about the same place complete a pattern
        (index look-ups: the signals near the place, then the reports the reason names)."""
        rules, place = self.scorer.rules.severity, assessment.main
        if not place.country or not assessment.signals:
            return assessment
        now, keys, names = utcnow(), place.near_keys(), list(self.scorer.rules.signals)
        near = {
            span: self.store.signals_near(place.country, keys, now - timedelta(seconds=span), names)
            for span in spans_of(rules)
        }
        rule = escalation(assessment, near, rules)
        if rule is None:
            return assessment
        since = now - timedelta(seconds=rule.across)
        nearby = self.store.reports_near(place.country, keys, since, NAMED_NEAR)
        return escalated(assessment, rule, nearby)

    def deliver_due(self, flush: bool = False) -> tuple[int, int]:
        """Try every delivery that is due (with `flush`, also those waiting only for their
        group); returns (sent, failed). Each outcome is recorded."""
        return self.outbox.deliver_due(flush)

    def _outbox(self) -> Outbox:
        """The outbox for the settings now; it keeps when follow-ups were last decided, and
        reads `self.clock` at each call (tests move time on)."""
        return Outbox(self.settings, self.store, self.notifier, lambda: self.clock())

    def run_once(self) -> RunSummary:
        summary = RunSummary()
        for name in self.sources:
            summary.polls.append(self.poll(name))
        summary.alerts = self.score_pending()
        # the run's reports are all in: what waits to collect its group goes now
        summary.sent, summary.failed = self.deliver_due(flush=True)
        return summary


def build_service(settings: Settings) -> Service:
    """The service for `settings`; its classifier learns from reviewers' verdicts too
    (`classifier.verdicts`)."""
    store = Store(settings.database.url)
    scorer = build_scorer(settings, reviewed=reviewed_examples(store, settings))
    return Service(settings, store, scorer, Notifier(settings))
