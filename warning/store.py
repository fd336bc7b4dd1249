"""The store: engine set-up and every query the service makes. Only this module talks SQL."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (
    String,
    delete,
    event,
    false,
    func,
    literal,
    make_url,
    text,
    union_all,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, and_, create_engine, or_, select

from warning.decide import AlertChange, AlertFacts, ChannelPast, Joining, Nearby
from warning.dedupe import canonical_url
from warning.labels import read_labels
from warning.levels import Severity
from warning.lifecycle import FLUSHABLE, FollowUp, Kind, Sent, Snapshot, acked_before_sent
from warning.models import (
    OWED,
    Alert,
    AlertHistory,
    Attempt,
    Delivery,
    DeliveryStatus,
    Event,
    Report,
    ReportPlace,
    Silence,
    SourceState,
    User,
    Verdict,
    WebSession,
    utcnow,
)
from warning.schema import (
    CREATES,
    SchemaError,
    SchemaState,
    Standing,
    require_current,
    state,
    upgrade,
)
from warning.score import Assessment
from warning.silences import ActiveSilence, silencing
from warning.text import normalise
from warning.times import as_utc


def content_hash(text: str) -> str:
    """Same words, same hash: case, apostrophes and white space do not matter."""
    folded = " ".join(normalise(text).lower().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


INTERRUPTED = (
    "the worker stopped while sending it: it may or may not have arrived; "
    "`warning deliveries retry ID` sends it again"
)


@dataclass(frozen=True)
class AlertRow:
    """One line of the alert log, with its deliveries (several per channel: updates...)
    and its reviewers' verdicts (oldest first)."""

    alert: Alert
    deliveries: tuple[Delivery, ...]
    verdicts: tuple[Verdict, ...] = ()

    @property
    def delivery_state(self) -> str:
        if self.alert.silenced_by is not None:
            return f"silenced by #{self.alert.silenced_by}"
        if not self.deliveries:
            return "log only"
        latest = {d.channel: d for d in sorted(self.deliveries, key=lambda d: d.id)}
        return ", ".join(
            f"{d.channel}: {d.status}" + ("" if d.kind == Kind.alert else f" ({d.kind})")
            for d in sorted(latest.values(), key=lambda d: d.channel)
        )


@dataclass(frozen=True)
class AlertFilter:
    """What the review desk's log shows (every field optional)."""

    severity: str = ""
    signal: str = ""
    country: str = ""
    state: str = ""  # new | acked | silenced | resolved (see alertview.alert_state)
    verdict: str = ""  # true_positive | false_positive (a signal's latest) | unjudged
    q: str = ""  # words in the title or place
    since: datetime | None = None
    until: datetime | None = None
    quiet_before: datetime | None = None  # an alert last changed before this is resolved


@dataclass(frozen=True, slots=True)
class EventReport:
    """One report of an event, as the alert page lists it."""

    id: int
    outlet: str
    title: str
    at: datetime  # published, else received
    retold: bool  # a copy or rewrite of an earlier report of the event


@dataclass(frozen=True, slots=True)
class EventView:
    """What deciding whether a report joins an event needs of it."""

    id: int
    places: frozenset[str]
    signals: frozenset[str]


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database or one in memory."""
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return None
    return Path(url.removeprefix("sqlite:///"))


def store_missing(url: str) -> bool:
    """A SQLite file that does not exist yet (opening it would create it)."""
    path = sqlite_file(url)
    return path is not None and not path.exists()


T = TypeVar("T")


class StoreError(Exception):
    """The database cannot be opened: no driver for its URL, or it cannot be reached. The
    message never quotes the URL's password."""


DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def engine_for(url: str) -> Engine:
    """An engine for a database URL: SQLite (WAL, foreign keys) or PostgreSQL through
    psycopg 3 (`postgresql://` means psycopg here, not SQLAlchemy's default psycopg2)."""
    scheme, _, rest = url.partition("://")
    full = f"{DRIVERS.get(scheme, scheme)}://{rest}"
    try:
        if scheme.startswith("sqlite"):
            engine = create_engine(full)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(full, pool_pre_ping=True)
    except (ModuleNotFoundError, NoSuchModuleError, ArgumentError) as exc:
        raise StoreError(
            f"cannot open database URL {shown(url)}: {_missing(exc)} (supported: "
            f"sqlite:///FILE and postgresql://USER@HOST:PORT/NAME)"
        ) from None


def _missing(exc: Exception) -> str:
    if isinstance(exc, ModuleNotFoundError):
        return f"its driver, the Python package {exc.name!r}, is not installed"
    return str(exc).split(":")[0].lower() if isinstance(exc, NoSuchModuleError) else "not a URL"


def shown(url: str) -> str:
    """A database URL fit for a message: the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def schema_of(url: str) -> SchemaState:
    """The schema version of the database at `url` (which must exist)."""
    return _on_engine(url, state)


def upgrade_schema(url: str) -> tuple[SchemaState, SchemaState]:
    """Upgrade the database at `url` to the schema this version needs: (before, after).
    A database upgraded by a newer version is refused, not downgraded."""

    def work(engine: Engine) -> tuple[SchemaState, SchemaState]:
        before = state(engine)
        if before.standing == Standing.ahead:
            raise SchemaError(f"the database's schema is {before.describe()}: not downgraded")
        upgrade(engine)
        return before, state(engine)

    return _on_engine(url, work)


def _on_engine(url: str, work: Callable[[Engine], T]) -> T:
    engine = reachable(url)
    try:
        return work(engine)
    finally:
        engine.dispose()


def reachable(url: str) -> Engine:
    """An engine for `url` that has connected once (StoreError, one line, if it cannot)."""
    engine = engine_for(url)
    try:
        engine.connect().close()
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"cannot reach the database at {shown(url)}: {first_line(exc)}") from None
    return engine


def first_line(exc: Exception) -> str:
    """The driver's first line of a database error, without the statement SQLAlchemy
    appends (nor the URL: the driver does not quote it)."""
    said = str(getattr(exc, "orig", None) or exc).strip()
    return said.splitlines()[0] if said else type(exc).__name__


class Store:
    def __init__(self, url: str, create: bool = True):
        """Open the store. `create`: a new database gets its tables (commands that write);
        without it a missing or empty database is refused (read-only commands write no DDL).
        A database at another schema version is refused either way (SchemaError)."""
        path = sqlite_file(url)
        if path is not None and not path.exists():
            if not create:
                raise SchemaError(f"no database at {path} yet: {CREATES}")
            path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = reachable(url)
        try:
            require_current(self.engine, create)
        except SchemaError:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    @property
    def shared(self) -> bool:
        """Whether several instances may use this database at once (PostgreSQL)."""
        return self.engine.dialect.name == "postgresql"

    def add_report(self, report: Report) -> tuple[int, bool]:
        """Store a new report: (its id, False); or (the stored one's id, True) if a report
        with the same content, or from the same canonical URL, is already stored."""
        report.content_hash = content_hash(report.text)
        report.canonical_url = canonical_url(report.url)
        with Session(self.engine, expire_on_commit=False) as session:
            existing = self._same_report(session, report)
            if existing is not None:
                return existing, True
            session.add(report)
            try:
                session.commit()
            except IntegrityError:  # stored meanwhile by another instance
                session.rollback()
                return self._same_report(session, report) or 0, True
            return report.id, False

    @staticmethod
    def _same_report(session: Session, report: Report) -> int | None:
        query = select(Report.id).where(Report.content_hash == report.content_hash)
        if report.canonical_url:
            query = select(Report.id).where(
                or_(
                    Report.content_hash == report.content_hash,
                    Report.canonical_url == report.canonical_url,
                )
            )
        return session.exec(query.limit(1)).first()

    def knows(self, source: str, ref: str) -> bool:
        """Whether `source` already gave a report with this ref (or URL)."""
        url = canonical_url(ref)
        with Session(self.engine) as session:
            query = select(Report.id).where(Report.source == source, Report.ref == ref)
            if url:
                query = select(Report.id).where(
                    or_(
                        and_(Report.source == source, Report.ref == ref),
                        Report.canonical_url == url,
                    )
                )
            return session.exec(query.limit(1)).first() is not None

    def source_state(self, name: str) -> SourceState:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(SourceState, name) or SourceState(name=name)

    def source_states(self) -> dict[str, SourceState]:
        with Session(self.engine, expire_on_commit=False) as session:
            return {state.name: state for state in session.exec(select(SourceState))}

    def record_poll(self, state: SourceState) -> None:
        """Save a source's health and memo after a poll (the reports are stored first)."""
        with Session(self.engine) as session:
            session.merge(state)
            session.commit()

    def claim_poll(self, name: str, owner: str, lease: timedelta) -> bool:
        """Whether `owner` may poll source `name` now: no other instance holds it (or its
        hold ran out); if so it is held for `owner` until `release_poll` or `lease`."""
        now = utcnow()
        with Session(self.engine) as session:
            if session.get(SourceState, name) is None:
                session.add(SourceState(name=name))
                try:
                    session.commit()
                except IntegrityError:  # added meanwhile by another instance
                    session.rollback()
            free = or_(SourceState.claimed_until.is_(None), SourceState.claimed_until < now)
            claimed = session.execute(
                update(SourceState)
                .where(SourceState.name == name, free)
                .values(claimed_by=owner, claimed_until=now + lease)
            )
            session.commit()
            return claimed.rowcount == 1

    def release_poll(self, name: str, owner: str) -> None:
        with Session(self.engine) as session:
            _release(session, SourceState, owner, SourceState.name == name)
            session.commit()

    def unscored_reports(self, limit: int = 500) -> list[Report]:
        """Unscored reports, oldest first, claimed or not (to look at; scoring claims them)."""
        with Session(self.engine, expire_on_commit=False) as session:
            query = (
                select(Report).where(Report.scored_at.is_(None)).order_by(Report.id).limit(limit)
            )
            return list(session.exec(query))

    def claim_unscored(self, owner: str, lease: timedelta, limit: int) -> list[Report]:
        """Up to `limit` unscored reports, oldest first, that no other instance is scoring,
        held for `owner` for `lease` (PostgreSQL: FOR UPDATE SKIP LOCKED, so instances never
        wait for each other or take the same report)."""
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            free = or_(Report.claimed_until.is_(None), Report.claimed_until < now)
            query = (
                select(Report)
                .where(Report.scored_at.is_(None), free)
                .order_by(Report.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            reports = list(session.exec(query))
            for report in reports:
                report.claimed_by, report.claimed_until = owner, now + lease
            session.commit()
            return reports

    def release_claims(self, owner: str) -> None:
        """Let go of whatever `owner` held: called as an instance starts (its earlier self
        died holding them), so it does not wait for its own leases."""
        with Session(self.engine) as session:
            for table in (Report, SourceState):
                _release(session, table, owner)
            session.commit()

    @contextmanager
    def event_lock(self, country: str) -> Iterator[None]:
        """While held, no other instance joins reports about `country` (or, for "", about
        no known country) to events; released if the instance dies. An event both kinds may
        join is row-locked as it is joined (record_score). SQLite: one instance."""
        with self._advisory(f"events:{country}", wait=True):
            yield

    @contextmanager
    def try_lock(self, name: str) -> Iterator[bool]:
        """True when this instance alone runs the work named `name` now (another holds it:
        False, without waiting). SQLite: always True (one instance)."""
        with self._advisory(f"job:{name}", wait=False) as held:
            yield held

    @contextmanager
    def _advisory(self, name: str, wait: bool) -> Iterator[bool]:
        """A PostgreSQL advisory lock on `name`, held on a connection of its own (`wait`:
        until it is free; else True only if it was free); nothing to take on SQLite."""
        if not self.shared:
            yield True
            return
        params = {"space": _LOCKS, "key": _lock_key(name)}
        with self.engine.connect() as connection:
            held = connection.execute(_LOCK if wait else _TRY, params).scalar() is not False
            connection.commit()
            try:
                yield held
            finally:
                if held:
                    connection.execute(_UNLOCK, params)
                    connection.commit()

    def record_quiet(self, scored: list[tuple[Report, Assessment]]) -> None:
        """Mark reports that fired nothing scored, in one transaction (they join no event)."""
        if not scored:
            return
        now = utcnow()
        with Session(self.engine) as session:
            session.execute(update(Report), [
                {"id": report.id, "scored_at": now, "claimed_by": "", "claimed_until": None,
                 "language": assessment.language, "signals": "",
                 "country": assessment.main.country, "towns": "|".join(assessment.main.towns)}
                for report, assessment in scored
            ])  # fmt: skip
            session.commit()

    def record_score(
        self,
        report: Report,
        assessment: Assessment,
        joining: Joining,
        decide: Callable[[AlertFacts], AlertChange | None],
    ) -> AlertChange | None:
        """Mark `report` scored; if it fired a signal, join it to its event (or a new one),
        gather what `decide` needs (warning.decide.plan_alert: the event's alert, what each
        channel had) and store what it decides: the alert, its deliveries, its history.
        One transaction."""
        with Session(self.engine, expire_on_commit=False) as session:
            stored = session.get(Report, report.id)
            if stored.scored_at is not None:  # scored by another instance after our lease ran out
                return None
            stored.scored_at = utcnow()
            stored.claimed_by, stored.claimed_until = "", None
            stored.language = assessment.language
            stored.signals = ",".join(s.name for s in assessment.signals)
            stored.country = assessment.main.country
            stored.towns = "|".join(assessment.main.towns)
            change = None
            if assessment.signals:
                session.add_all(_places(stored, assessment))
                before = _before(session, joining)
                event = self._join_event(session, stored, joining)
                change = decide(_facts(session, event, stored, assessment, before))
                if change is not None:
                    _store_change(session, change)
            session.commit()
            return change

    def _join_event(self, session: Session, report: Report, joining: Joining) -> Event:
        # the events it joins or merges, row-locked in id order (no deadlock): a report
        # about another country (or none) may join one of them at the same moment
        joined = sorted({joining.event, *joining.merge} - {None})
        if joined:
            locked = select(Event).where(Event.id.in_(joined)).order_by(Event.id)
            list(session.exec(locked.with_for_update()))
        event = session.get(Event, joining.event) if joining.event else None
        if event is None:
            event = Event(country=report.country)
            session.add(event)
            session.flush()
        for other in joining.merge:
            _merge(session, event, other)
        report.event_id = event.id
        report.retold = joining.copy
        report.places = "|".join(sorted(joining.places))
        event.country = event.country or report.country  # learnt from a later report
        event.updated_at = utcnow()
        event.towns = _union(event.towns, report.towns, "|")
        event.places = _union(event.places, report.places, "|")
        event.signals = _union(event.signals, report.signals, ",")
        _count(session, event, 1, 0 if joining.copy else 1)  # a copy: no new source
        return event

    def event_fingerprints(
        self, since: datetime, scored_since: datetime | None = None
    ) -> list[tuple[int, bytes, datetime]]:
        """(report id, fingerprint, received at) of reports in events, received since
        `since` (and scored since `scored_since`), oldest first."""
        with Session(self.engine) as session:
            query = (
                select(Report.id, Report.fingerprint, Report.received_at)
                .where(Report.event_id.is_not(None), Report.received_at >= since)
                .order_by(Report.received_at, Report.id)
            )
            if scored_since is not None:
                query = query.where(Report.scored_at >= scored_since)
            return [(rid, blob, as_utc(at)) for rid, blob, at in session.exec(query) if blob]

    def event_reports(self, event_id: int, limit: int) -> list[tuple[int, str, str, str]]:
        """(report id, outlet, title, text) of the event's latest `limit` reports."""
        with Session(self.engine) as session:
            query = (
                select(Report.id, Report.outlet, Report.title, Report.text)
                .where(Report.event_id == event_id)
                .order_by(Report.id.desc())
                .limit(limit)
            )
            return [tuple(row) for row in session.exec(query)]

    def event_report_list(self, event_id: int, limit: int) -> list[EventReport]:
        """The event's latest `limit` reports, newest first."""
        with Session(self.engine) as session:
            query = (
                select(Report.id, Report.outlet, Report.title, Report.published_at,
                       Report.received_at, Report.retold)
                .where(Report.event_id == event_id)
                .order_by(Report.id.desc())
                .limit(limit)
            )  # fmt: skip
            return [
                EventReport(rid, outlet, title, as_utc(published or received), bool(retold))
                for rid, outlet, title, published, received, retold in session.exec(query)
            ]

    def events_of(self, report_ids: list[int]) -> dict[int, int]:
        """Report id -> event id, for those of `report_ids` in an event."""
        if not report_ids:
            return {}
        with Session(self.engine) as session:
            query = select(Report.id, Report.event_id).where(Report.id.in_(report_ids))
            return {rid: eid for rid, eid in session.exec(query) if eid}

    def recent_events(self, country: str, since: datetime) -> list[EventView]:
        """Events about `country`, or about no known country, updated since `since`, latest
        first; every event updated since then when `country` is "" (a report that names no
        country may be about any)."""
        with Session(self.engine) as session:
            query = select(Event.id, Event.places, Event.signals).where(Event.updated_at >= since)
            if country:
                query = query.where(Event.country.in_([country, ""]))
            query = query.order_by(Event.updated_at.desc())
            return [
                EventView(eid, frozenset(filter(None, places.split("|"))),
                          frozenset(filter(None, signals.split(","))))
                for eid, places, signals in session.exec(query)
            ]  # fmt: skip

    def signals_near(
        self, country: str, keys: tuple[str, ...], since: datetime, signals: list[str]
    ) -> frozenset[str]:
        """Which of `signals` a report about `country` filed under one of the town `keys`
        (MainPlace.near_keys) fired, scored since `since`: one index seek per signal and
        key, however many such reports there are."""
        if not signals:
            return frozenset()
        near = _near(country, keys, since)
        query = union_all(
            *(select(literal(name, String)).where(near.where(ReportPlace.signal == name)
                                                  .exists()) for name in signals)
        )  # fmt: skip
        with Session(self.engine) as session:
            return frozenset(session.execute(query).scalars())

    def forget_places(self, before: datetime) -> int:
        """Remove the report place index rows of reports scored before `before` (escalation
        looks back no further); returns how many. The reports themselves stay."""
        with Session(self.engine) as session:
            removed = session.execute(delete(ReportPlace).where(ReportPlace.scored_at < before))
            session.commit()
            return removed.rowcount

    def reports_near(
        self, country: str, keys: tuple[str, ...], since: datetime, limit: int
    ) -> Nearby:
        """The reports about `country` filed under one of the town `keys`, scored since
        `since`, oldest first: all of them, or the latest `limit` when one key has more."""
        found: dict[int, datetime] = {}
        more = False
        with Session(self.engine) as session:
            for key in keys:
                query = (
                    _near(country, (key,), since)
                    .where(ReportPlace.signal == ANY_SIGNAL)
                    .order_by(ReportPlace.scored_at.desc())
                    .limit(limit + 1)
                )
                rows = session.execute(query.add_columns(ReportPlace.scored_at)).all()
                more = more or len(rows) > limit
                found.update((rid, at) for rid, at in rows)
        latest = sorted(found, key=lambda rid: (found[rid], rid))[-limit:] if more else found
        return Nearby(tuple(sorted(latest)), more)

    def claim_next(
        self, lease: timedelta, now: datetime | None = None, flush: bool = False
    ) -> list[Delivery]:
        """The next delivery due (with `flush`, also one held only to collect its group)
        and every other owed delivery of its channel and group (they go out as one
        message), marked `sending` and leased to this caller in one committed step right
        before they are sent, so no other worker sends them too and a worker that dies
        while sending leaves them `sending` (see `mark_interrupted`); [] when none is due."""
        now = now or utcnow()
        due = Delivery.next_attempt_at <= now
        if flush:
            due = or_(due, Delivery.hold.in_(FLUSHABLE))
        with Session(self.engine, expire_on_commit=False) as session:
            query = (
                select(Delivery)
                .where(Delivery.status.in_(OWED), due)
                .order_by(Delivery.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            first = session.exec(query).first()
            if first is None:
                return []
            claimed = [first]
            if first.group_key:
                claimed += session.exec(
                    select(Delivery)
                    .where(
                        Delivery.channel == first.channel,
                        Delivery.group_key == first.group_key,
                        Delivery.status == DeliveryStatus.pending,
                        Delivery.id != first.id,
                    )
                    .order_by(Delivery.id)
                    .with_for_update(skip_locked=True)
                )
            for delivery in claimed:
                delivery.status, delivery.claimed_until = DeliveryStatus.sending, now + lease
            session.commit()
            return claimed

    def mark_interrupted(self, resend: frozenset[str] = frozenset()) -> list[Delivery]:
        """Deliveries still `sending` after their lease ran out: the worker stopped mid-send,
        so the message may or may not have arrived. They become `unknown` (never sent again
        by themselves), or due again now for the channels in `resend` (idempotent ones)."""
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            query = (
                select(Delivery)
                .where(Delivery.status == DeliveryStatus.sending, Delivery.claimed_until < now)
                .with_for_update(skip_locked=True)
            )
            found = list(session.exec(query))
            for delivery in found:
                delivery.claimed_until = None
                if delivery.channel in resend:
                    delivery.status, delivery.next_attempt_at = DeliveryStatus.failed, now
                    delivery.error = INTERRUPTED + " (idempotent channel: sent again)"
                else:
                    delivery.status, delivery.error = DeliveryStatus.unknown, INTERRUPTED
            session.commit()
            return found

    def record_attempt(
        self, delivery: Delivery, error: str, retry_at: datetime | None, at: datetime | None = None
    ) -> Delivery:
        """Outcome of one attempt (made `at`, default now): sent (no error), failed (retry_at
        set) or gave up; the first failure since it was sent or re-queued sets failing_since."""
        with Session(self.engine, expire_on_commit=False) as session:
            stored = session.get(Delivery, delivery.id)
            stored.attempts += 1
            stored.last_attempt_at = at or utcnow()
            stored.claimed_until = None
            stored.error = error
            session.add(
                Attempt(delivery_id=stored.id, at=stored.last_attempt_at, ok=not error, error=error)
            )
            if not error:
                stored.status, stored.failing_since, stored.failures = DeliveryStatus.sent, None, 0
                stored.sent_at = stored.last_attempt_at
                session.add(_sent_entry(stored))
            else:
                stored.failing_since = stored.failing_since or stored.last_attempt_at
                stored.failures += 1
                stored.status = DeliveryStatus.failed if retry_at else DeliveryStatus.gave_up
                stored.next_attempt_at = retry_at or stored.next_attempt_at
            session.commit()
            return stored

    def requeue(
        self,
        lease: timedelta,
        delivery_id: int | None = None,
        since: datetime | None = None,
        after: int = 0,
        limit: int = 1,
    ) -> list[Delivery]:
        """Delivery `delivery_id` unless it was sent or is being sent, else the first `limit`
        deliveries after id `after` that gave up (their last attempt at or after `since`),
        marked `sending` again, leased to this caller, their failures forgotten."""
        now = utcnow()
        query = select(Delivery).where(Delivery.id > after)
        if delivery_id is not None:
            query = query.where(
                Delivery.id == delivery_id,
                Delivery.status.not_in([DeliveryStatus.sent, DeliveryStatus.sending]),
            )
        else:
            query = query.where(Delivery.status == DeliveryStatus.gave_up)
        if since is not None:
            query = query.where(Delivery.last_attempt_at >= since)
        with Session(self.engine, expire_on_commit=False) as session:
            query = query.order_by(Delivery.id).limit(limit).with_for_update(skip_locked=True)
            due = list(session.exec(query))
            for delivery in due:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.sending, now
                delivery.failing_since, delivery.failures = None, 0
                delivery.claimed_until = now + lease
            session.commit()
            return due

    def delivery(self, delivery_id: int) -> Delivery | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(Delivery, delivery_id)

    def deliveries(self, status: str | None = None, limit: int = 100) -> list[Delivery]:
        """Newest deliveries first, of any status or of `status`."""
        query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Delivery.status == status)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query))

    def add_silence(
        self, matchers: list[str], ends_at: datetime, comment: str, author: str
    ) -> Silence:
        silence = Silence(matchers=json.dumps(matchers), ends_at=ends_at, comment=comment,
                          author=author)  # fmt: skip
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(silence)
            session.commit()
            return silence

    def silences(self, everyone: bool = False) -> list[Silence]:
        """Active silences (every one with `everyone`), newest first."""
        query = select(Silence).order_by(Silence.id.desc())
        if not everyone:
            query = query.where(Silence.ends_at > utcnow())
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query))

    def expire_silence(self, silence_id: int) -> Silence | None:
        """End silence `silence_id` now (None: there is none)."""
        with Session(self.engine, expire_on_commit=False) as session:
            silence = session.get(Silence, silence_id)
            if silence is not None:
                silence.ends_at = min(as_utc(silence.ends_at), utcnow())
                session.commit()
            return silence

    def silenced_now(self, alert: Alert) -> int | None:
        """The active silence that holds `alert` back now, if any."""
        with Session(self.engine) as session:
            return silencing(_active_silences(session), read_labels(alert.labels))

    def record_silenced(self, delivery: Delivery, silence_id: int) -> Delivery:
        """A claimed delivery a silence holds back: not sent, marked with the silence."""
        return self._set_aside(
            delivery, DeliveryStatus.silenced, f"held back by silence #{silence_id}"
        )

    def record_cancelled(self, delivery: Delivery, why: str) -> Delivery:
        """A claimed repeat or escalation the alert's acknowledgement made moot."""
        return self._set_aside(delivery, DeliveryStatus.cancelled, why)

    def _set_aside(self, delivery: Delivery, status: DeliveryStatus, why: str) -> Delivery:
        with Session(self.engine, expire_on_commit=False) as session:
            stored = session.get(Delivery, delivery.id)
            stored.status, stored.claimed_until, stored.error = status, None, why
            session.commit()
            return stored

    def ack(self, alert_id: int, by: str, note: str = "") -> Alert | None:
        """Acknowledge alert `alert_id` (None: there is none): no more repeats or escalation;
        its owed repeats and escalations are cancelled. Acknowledging twice keeps the first."""
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            alert = session.get(Alert, alert_id)
            if alert is None:
                return None
            if alert.acked_at is None:
                alert.acked_at, alert.acked_by = now, by
                owed = session.exec(
                    select(Delivery).where(
                        Delivery.alert_id == alert_id,
                        Delivery.status.in_(OWED),
                        Delivery.kind.in_([Kind.repeat, Kind.escalation]),
                    )
                )
                for delivery in owed:
                    delivery.status = DeliveryStatus.cancelled
                    delivery.error = acked_before_sent(by)
            session.add(AlertHistory(alert_id=alert_id, at=now, what="acked", by=by, detail=note))
            session.commit()
            return alert

    def firing(
        self, since: datetime
    ) -> tuple[list[Sent], set[tuple[int, str]], set[tuple[int, str]]]:
        """For alerts updated since `since`, not acknowledged, silenced or merged: what each
        channel was sent (first and last message), the (alert, channel) pairs with a message
        still owed, and the (alert, route) pairs already escalated."""
        with Session(self.engine) as session:
            query = (
                select(Delivery, Alert.severity)
                .join(Alert, Delivery.alert_id == Alert.id)
                .where(
                    Alert.acked_at.is_(None),
                    Alert.silenced_by.is_(None),
                    Alert.merged_into.is_(None),
                    _changed_since(since),
                )
                .order_by(Delivery.id)
            )
            sent: dict[tuple[int, str], Sent] = {}
            owed: set[tuple[int, str]] = set()
            escalated: set[tuple[int, str]] = set()
            for d, severity in session.exec(query):
                key = (d.alert_id, d.channel)
                if d.kind == Kind.escalation:
                    escalated.add((d.alert_id, d.route))
                if d.status in OWED or d.status == DeliveryStatus.sending:
                    owed.add(key)
                if d.sent_at is None:
                    continue
                at, first = as_utc(d.sent_at), sent.get(key)
                sent[key] = (
                    Sent(
                        d.alert_id,
                        d.channel,
                        d.route,
                        Kind(d.kind),
                        at,
                        at,
                        d.redact,
                        Severity(severity),
                    )  # fmt: skip
                    if first is None
                    else replace(first, last_at=at)
                )
            return list(sent.values()), owed, escalated

    def add_follow_ups(self, follow_ups: list[FollowUp], now: datetime) -> None:
        """Repeats and escalations due now, each with its history entry."""
        with Session(self.engine) as session:
            for f in follow_ups:
                session.add(Delivery(
                    alert_id=f.alert_id, channel=f.channel, kind=f.kind.value, note=f.note,
                    route=f.route, redact=f.redact, created_at=now, next_attempt_at=f.at,
                    hold=f.hold.value,
                ))  # fmt: skip
                what = "repeated" if f.kind == Kind.repeat else "escalated"
                session.add(AlertHistory(alert_id=f.alert_id, at=now, what=what,
                                         channel=f.channel, detail=f.note))  # fmt: skip
            session.commit()

    def history(self, alert_id: int) -> list[AlertHistory]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(AlertHistory).where(AlertHistory.alert_id == alert_id)
            return list(session.exec(query.order_by(AlertHistory.at, AlertHistory.id)))

    def alert_deliveries(self, alert_id: int) -> list[Delivery]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(Delivery).where(Delivery.alert_id == alert_id)
            return list(session.exec(query.order_by(Delivery.id)))

    def report(self, report_id: int) -> Report | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(Report, report_id)

    def alert(self, alert_id: int) -> Alert | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(Alert, alert_id)

    def alert_log(self, limit: int = 100) -> list[AlertRow]:
        """Newest alerts first, each with its deliveries."""
        with Session(self.engine, expire_on_commit=False) as session:
            alerts = list(session.exec(select(Alert).order_by(Alert.id.desc()).limit(limit)))
            return self._rows(session, alerts)

    def alert_page(
        self, wanted: AlertFilter, offset: int = 0, limit: int = 50
    ) -> tuple[list[AlertRow], int]:
        """Newest alerts first that `wanted` lets through, from `offset`, with their
        deliveries; and how many there are in all."""
        query = _filtered(select(Alert), wanted)
        with Session(self.engine, expire_on_commit=False) as session:
            total = session.exec(select(func.count()).select_from(query.subquery())).one()
            page = query.order_by(Alert.id.desc()).offset(offset).limit(limit)
            alerts = list(session.exec(page))
            return self._rows(session, alerts), total

    def alert_times(self, wanted: AlertFilter) -> list[tuple[datetime, str, str]]:
        """(created at, severity, labels JSON) of the alerts `wanted` lets through."""
        query = _filtered(select(Alert.created_at, Alert.severity, Alert.labels), wanted)
        with Session(self.engine) as session:
            return [(as_utc(at), severity, labels) for at, severity, labels in session.exec(query)]

    def _rows(self, session: Session, alerts: list[Alert]) -> list[AlertRow]:
        """`alerts` with their deliveries (by channel) and verdicts (oldest first)."""
        ids = [a.id for a in alerts]
        if not ids:
            return []
        deliveries = session.exec(
            select(Delivery).where(Delivery.alert_id.in_(ids)).order_by(Delivery.channel)
        )
        verdicts = session.exec(
            select(Verdict).where(Verdict.alert_id.in_(ids)).order_by(Verdict.at, Verdict.id)
        )
        sent: dict[int, list[Delivery]] = {}
        for delivery in deliveries:
            sent.setdefault(delivery.alert_id, []).append(delivery)
        judged: dict[int, list[Verdict]] = {}
        for verdict in verdicts:
            judged.setdefault(verdict.alert_id, []).append(verdict)
        return [AlertRow(a, tuple(sent.get(a.id, ())), tuple(judged.get(a.id, ()))) for a in alerts]

    def scored_between(
        self, since: datetime, until: datetime, after: int = 0, limit: int = 500
    ) -> list[Report]:
        """Reports scored in [since, until), by id, the first `limit` after id `after`."""
        query = (
            select(Report)
            .where(Report.scored_at >= since, Report.scored_at < until, Report.id > after)
            .order_by(Report.id)
            .limit(limit)
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query))

    def count_scored_between(self, since: datetime, until: datetime) -> int:
        query = select(func.count()).where(Report.scored_at >= since, Report.scored_at < until)
        with Session(self.engine) as session:
            return session.exec(query.select_from(Report)).one()

    def alerts_of_events(self, event_ids: list[int]) -> list[Alert]:
        """The alerts that speak for these events."""
        if not event_ids:
            return []
        query = select(Alert).where(Alert.event_id.in_(event_ids), Alert.merged_into.is_(None))
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query))

    def add_verdict(self, verdict: Verdict) -> None:
        """A reviewer's verdict on one signal of an alert, with its history entry."""
        with Session(self.engine) as session:
            session.add(verdict)
            detail = f"{verdict.signal}: {verdict.verdict.replace('_', ' ')}"
            detail += f" ({verdict.note})" if verdict.note else ""
            session.add(AlertHistory(alert_id=verdict.alert_id, at=verdict.at, what="verdict",
                                     by=verdict.by, detail=detail))  # fmt: skip
            session.commit()

    def verdicts(self, alert_id: int | None = None) -> list[Verdict]:
        """Verdicts oldest first (of one alert, or all)."""
        query = select(Verdict).order_by(Verdict.at, Verdict.id)
        if alert_id is not None:
            query = query.where(Verdict.alert_id == alert_id)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query))

    def verdicts_mark(self) -> tuple[int, int | None]:
        """How many verdicts there are and the newest id: changes when one is added."""
        with Session(self.engine) as session:
            return tuple(session.exec(select(func.count(Verdict.id), func.max(Verdict.id))).one())

    def assessments(self, alert_ids: list[int] | None = None) -> list[tuple[int, str]]:
        """(alert id, stored assessment JSON) of these alerts, or of every alert that
        speaks for its event."""
        with Session(self.engine) as session:
            query = select(Alert.id, Alert.assessment)
            if alert_ids is None:
                query = query.where(Alert.merged_into.is_(None))
            else:
                query = query.where(Alert.id.in_(alert_ids))
            return [(aid, text) for aid, text in session.exec(query)]

    def add_note(self, alert_id: int, by: str, note: str) -> None:
        with Session(self.engine) as session:
            session.add(AlertHistory(alert_id=alert_id, what="note", by=by, detail=note))
            session.commit()

    def save_user(self, user: User) -> None:
        """Add a user, or replace one of that name (its sessions end)."""
        with Session(self.engine) as session:
            if session.get(User, user.name) is not None:
                self._end_sessions(session, user.name)
            session.merge(user)
            session.commit()

    def user(self, name: str) -> User | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(User, name)

    def users(self) -> list[User]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(select(User).order_by(User.name)))

    def remove_user(self, name: str) -> bool:
        with Session(self.engine) as session:
            user = session.get(User, name)
            if user is None:
                return False
            self._end_sessions(session, name)
            session.delete(user)
            session.commit()
            return True

    @staticmethod
    def _end_sessions(session: Session, name: str) -> None:
        for signed_in in session.exec(select(WebSession).where(WebSession.user == name)):
            session.delete(signed_in)
        session.flush()

    def start_session(self, web_session: WebSession) -> None:
        with Session(self.engine) as session:
            session.add(web_session)
            session.commit()

    def signed_in(self, token_hash: str) -> tuple[WebSession, User] | None:
        """The unexpired session with this token hash and its user."""
        with Session(self.engine, expire_on_commit=False) as session:
            found = session.get(WebSession, token_hash)
            if found is None or as_utc(found.expires_at) <= utcnow():
                return None
            user = session.get(User, found.user)
            return (found, user) if user is not None else None

    def end_session(self, token_hash: str) -> None:
        with Session(self.engine) as session:
            found = session.get(WebSession, token_hash)
            if found is not None:
                session.delete(found)
                session.commit()

    def queue_lengths(self) -> dict[str, int]:
        """What waits: reports not scored yet, deliveries owed, deliveries `unknown`."""
        with Session(self.engine) as session:

            def count(query) -> int:  # noqa: ANN001
                return session.exec(select(func.count()).select_from(query.subquery())).one()

            return {
                "unscored_reports": count(select(Report.id).where(Report.scored_at.is_(None))),
                "deliveries_owed": count(select(Delivery.id).where(Delivery.status.in_(OWED))),
                "deliveries_unknown": count(
                    select(Delivery.id).where(Delivery.status == DeliveryStatus.unknown)
                ),
            }

    def counts(self) -> dict[str, int]:
        with Session(self.engine) as session:
            return {
                table.__tablename__: session.exec(select(func.count()).select_from(table)).one()
                for table in (Report, Alert, Delivery, Attempt)
            }


def _before(session: Session, joining: Joining) -> Snapshot | None:
    """The event the report joins, as updates compare it: its alert's severity, the
    event's signals and independent sources (None: a new event, or one with no alert)."""
    if joining.event is None:
        return None
    event = session.get(Event, joining.event)
    alert = _alert_of(session, joining.event)
    if event is None or alert is None:
        return None
    signals = frozenset(filter(None, event.signals.split(",")))
    return Snapshot(Severity(alert.severity), signals, event.sources)


def _alert_of(session: Session, event_id: int) -> Alert | None:
    return session.exec(
        select(Alert).where(Alert.event_id == event_id, Alert.merged_into.is_(None))
    ).first()


def _facts(
    session: Session, event: Event, report: Report, assessment: Assessment, before: Snapshot | None
) -> AlertFacts:
    existing = _alert_of(session, event.id)
    source = report.source
    if existing is not None and existing.report_id != report.id:
        source = session.exec(select(Report.source).where(Report.id == existing.report_id)).one()
    # what any alert of the event (merged ones too) was sent or owes
    deliveries = session.exec(
        select(Delivery)
        .join(Alert, Delivery.alert_id == Alert.id)
        .where(Alert.event_id == event.id)
        .order_by(Delivery.id)
    )
    past: dict[str, ChannelPast] = {}
    group_sent: dict[str, datetime] = {}
    for d in deliveries:
        first = past.get(d.channel) or ChannelPast(d.route, d.redact)
        owed = d if d.status in OWED and d.kind in (Kind.alert, Kind.update) else first.owed
        past[d.channel] = ChannelPast(first.route, first.redact, owed)
        if d.sent_at is not None:
            key = f"{d.channel}|{d.group_key}"
            group_sent[key] = max(as_utc(d.sent_at), group_sent.get(key, as_utc(d.sent_at)))
    return AlertFacts(
        event, report, assessment, existing, before, source,
        tuple(_active_silences(session)), past, group_sent,
    )  # fmt: skip


def _store_change(session: Session, change: AlertChange) -> None:
    session.add(change.alert)
    session.flush()
    for delivery in change.deliveries:
        delivery.alert_id = change.alert.id
        session.add(delivery)
    for owed, note in change.notes:
        stored = session.get(Delivery, owed.id)
        stored.note = note
    for entry in change.history:
        entry.alert_id = change.alert.id
        session.add(entry)


def _filtered(query, wanted: AlertFilter):  # noqa: ANN001, ANN202 (a select of Alert columns)
    """`query` limited to the alerts `wanted` lets through (those that speak for their event)."""
    query = query.where(Alert.merged_into.is_(None))
    if wanted.severity:
        query = query.where(Alert.severity == wanted.severity)
    if wanted.signal:
        query = query.where(
            or_(Alert.signals == wanted.signal,
                Alert.signals.like(f"{_like(wanted.signal)},%", escape="\\"),
                Alert.signals.like(f"%,{_like(wanted.signal)}", escape="\\"),
                Alert.signals.like(f"%,{_like(wanted.signal)},%", escape="\\"))
        )  # fmt: skip
    if wanted.country:
        query = query.where(
            Alert.labels.like(f'%"country": ["{_like(wanted.country)}"]%', escape="\\")
        )
    query = _in_state(query, wanted.state, wanted.quiet_before)
    query = _with_verdict(query, wanted.verdict)
    for word in wanted.q.split()[:8]:
        pattern = f"%{_like(word)}%"
        query = query.where(or_(Alert.title.ilike(pattern, escape="\\"),
                                Alert.place.ilike(pattern, escape="\\")))  # fmt: skip
    if wanted.since is not None:
        query = query.where(Alert.created_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(Alert.created_at < wanted.until)
    return query


def _in_state(query, state: str, quiet_before: datetime | None):  # noqa: ANN001, ANN202
    """`query` limited to alerts in `state`, as alertview.alert_state names them: silenced;
    else acknowledged; else resolved (unchanged since `quiet_before`) or new."""
    unsilenced, unacked = Alert.silenced_by.is_(None), Alert.acked_at.is_(None)
    if state == "silenced":
        return query.where(~unsilenced)
    if state == "acked":
        return query.where(unsilenced, ~unacked)
    if state not in ("resolved", "new"):
        return query
    query = query.where(unsilenced, unacked)
    if quiet_before is None:  # nothing resolves without a window
        return query.where(false()) if state == "resolved" else query
    firing = _changed_since(quiet_before)
    return query.where(firing if state == "new" else ~firing)


def _with_verdict(query, verdict: str):  # noqa: ANN001, ANN202
    """`query` limited to alerts with a signal whose latest verdict is `verdict`, or with
    no verdict at all ("unjudged")."""
    if verdict == "unjudged":
        return query.where(~select(Verdict.id).where(Verdict.alert_id == Alert.id).exists())
    if not verdict:
        return query
    later = aliased(Verdict)
    newer = select(later.id).where(
        later.alert_id == Verdict.alert_id, later.signal == Verdict.signal, later.id > Verdict.id
    )
    latest = select(Verdict.id).where(
        Verdict.alert_id == Alert.id, Verdict.verdict == verdict, ~newer.exists()
    )
    return query.where(latest.exists())


def _changed_since(since: datetime):  # noqa: ANN202 (a SQL condition)
    """The alert was raised or updated at or after `since`: still firing (never NULL, so
    that its negation is "resolved")."""
    return func.coalesce(Alert.updated_at, Alert.created_at) >= since


def _like(text: str) -> str:
    """`text` for a LIKE pattern: its own % and _ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sent_entry(delivery: Delivery) -> AlertHistory:
    detail = delivery.kind + (f": {delivery.note}" if delivery.note else "")
    return AlertHistory(
        alert_id=delivery.alert_id, at=delivery.sent_at, what="sent",
        channel=delivery.channel, detail=detail,
    )  # fmt: skip


def _active_silences(session: Session) -> list[ActiveSilence]:
    now = utcnow()
    query = select(Silence.id, Silence.matchers).where(
        Silence.starts_at <= now, Silence.ends_at > now
    )
    return [ActiveSilence.parse(sid, matchers) for sid, matchers in session.exec(query)]


def _count(session: Session, event: Event, reports: int, sources: int) -> None:
    """Add to the event's counters in SQL, not read-then-write (the in-session object is
    brought up to date too)."""
    session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(reports=Event.reports + reports, sources=Event.sources + sources)
    )


def _merge(session: Session, event: Event, other_id: int) -> None:
    """Fold event `other_id` into `event`: its reports, counts, places and signals; the more
    severe of the two alerts (the older on a tie) speaks for both from now on, the other
    is marked merged into it. Nothing is sent for the merge itself."""
    other = session.get(Event, other_id)
    if other is None or other.id == event.id:
        return
    for report in session.exec(select(Report).where(Report.event_id == other.id)):
        report.event_id = event.id
    _count(session, event, other.reports, other.sources)
    event.country = event.country or other.country
    for field, separator in (("towns", "|"), ("signals", ","), ("places", "|")):
        setattr(event, field, _union(getattr(event, field), getattr(other, field), separator))
    alerts = list(
        session.exec(
            select(Alert).where(
                Alert.event_id.in_([event.id, other.id]), Alert.merged_into.is_(None)
            )
        )
    )
    if alerts:
        kept = max(alerts, key=lambda a: (a.severity_rank, -a.id))
        for alert in alerts:
            alert.event_id = event.id
            alert.merged_into = None if alert is kept else kept.id
    session.delete(other)
    session.flush()


def _union(joined: str, more: str, separator: str) -> str:
    items = [i for i in joined.split(separator) + more.split(separator) if i]
    return separator.join(dict.fromkeys(items))


ANY_SIGNAL = ""  # the signal key every report that fired is also filed under


def _places(report: Report, assessment: Assessment) -> list[ReportPlace]:
    """`report`'s rows in the report place index (none without a country: escalation looks
    only within a country)."""
    if not report.country:
        return []
    signals = (*(s.name for s in assessment.signals), ANY_SIGNAL)
    return [
        ReportPlace(report_id=report.id, town=town, signal=signal, country=report.country,
                    scored_at=report.scored_at)
        for town in dict.fromkeys(assessment.main.town_keys())
        for signal in dict.fromkeys(signals)
    ]  # fmt: skip


def _near(country: str, keys: tuple[str, ...], since: datetime):  # noqa: ANN202 (a select)
    """The report ids filed under `country` and one of `keys`, scored since `since`."""
    return select(ReportPlace.report_id).where(
        ReportPlace.country == country, ReportPlace.town.in_(keys), ReportPlace.scored_at >= since
    )


_LOCKS = 0x5741524E  # "WARN": the first key of every advisory lock warning takes
_LOCK = text("SELECT pg_advisory_lock(:space, :key)")
_TRY = text("SELECT pg_try_advisory_lock(:space, :key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:space, :key)")


def _release(
    session: Session, table: type[Report | SourceState], owner: str, *where: ColumnElement[bool]
) -> None:
    """Let go of `owner`'s claims on rows of `table` (those `where` selects, if given)."""
    session.execute(
        update(table).where(table.claimed_by == owner, *where)
        .values(claimed_by="", claimed_until=None)
    )  # fmt: skip


def _lock_key(name: str) -> int:
    """A 32-bit signed key for the lock named `name` ("events:SD", "job:follow-ups")."""
    return zlib.crc32(f"warning:{name}".encode()) - 2**31


def _sqlite_pragmas(connection, _record) -> None:  # noqa: ANN001 (DBAPI objects)
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
