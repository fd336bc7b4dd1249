"""The tables: reports (stored before scoring), alerts, deliveries. Times are UTC, tz-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, Text, false
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Report(SQLModel, table=True):
    __table_args__ = (Index("ix_report_source_ref", "source", "ref"),)  # Store.knows
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)  # the configured source's name
    ref: str = ""  # where it came from inside the source: a file name, a URL
    url: str = ""
    title: str = ""
    text: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(unique=True, index=True)  # sha256 of the normalised text
    received_at: datetime = Field(default_factory=utcnow)
    scored_at: datetime | None = Field(default=None, index=True)
    language: str = ""
    signals: str = ""  # fired signals, comma-separated (set when scored)
    country: str = Field(default="", index=True)  # the main place's country code
    towns: str = ""  # the main place's towns, "|"-separated
    published_at: datetime | None = None  # when the outlet published it, if it says
    outlet: str = ""  # who published it, if known (a feed's title, an email's sender)
    canonical_url: str = Field(default="", index=True)  # the URL without tracking parts
    fingerprint: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # MinHash
    event_id: int | None = Field(default=None, index=True)  # set when scored, if it fired
    places: str = ""  # "|"-separated keys of where its signals happened (warning/placekeys.py)
    # a copy or rewrite of an earlier report of its event (warning/copies.py): no new source
    retold: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # the instance scoring it, until claimed_until (several instances: warning/claims.py)
    claimed_by: str = Field(default="", index=True, sa_column_kwargs={"server_default": ""})
    claimed_until: datetime | None = None


class ReportPlace(SQLModel, table=True):
    """A report that fired, filed under its country, each of its town keys and each of its
    signals (warning.places.MainPlace.town_keys; signal "": any), so that escalation finds
    the signals and the reports near a place by index seeks, however many reports the
    country has (Store.signals_near, Store.reports_near). Written as the report is scored."""

    __table_args__ = (Index("ix_reportplace_near", "country", "signal", "town", "scored_at"),)
    report_id: int = Field(foreign_key="report.id", primary_key=True)
    town: str = Field(primary_key=True)
    signal: str = Field(primary_key=True)
    country: str
    scored_at: datetime


class Event(SQLModel, table=True):
    """Reports about one happening: near-duplicates of each other, or the same signals about
    the same place within a window. It has at most one alert, updated as reports join."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    country: str = Field(default="", index=True)
    towns: str = ""  # "|"-separated: every joined report's main towns
    signals: str = ""  # comma-separated: every joined report's fired signals
    reports: int = 0
    sources: int = 0  # independent sources: syndicated copies of one story count once
    places: str = ""  # "|"-separated: every joined report's place keys


class SourceState(SQLModel, table=True):
    """A source's health and what it remembers between polls."""

    name: str = Field(primary_key=True)
    last_run_at: datetime | None = None
    last_success: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    failures: int = 0  # consecutive failed polls (back-off doubles with each)
    next_run_at: datetime | None = None  # not polled before this (back-off)
    items_seen: int = 0  # in the last successful poll
    items_new: int = 0
    total_new: int = 0
    etag: str = ""
    last_modified: str = ""
    cursor: str = ""
    # the instance polling it now, until claimed_until (several instances: warning/claims.py)
    claimed_by: str = Field(default="", sa_column_kwargs={"server_default": ""})
    claimed_until: datetime | None = None


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", unique=True)  # its strongest report
    event_id: int | None = Field(default=None, index=True)  # one alert per event
    updated_at: datetime | None = None  # when a later report of its event changed it
    merged_into: int | None = None  # the alert that now speaks for its event (events merged)
    reports: int = 1  # its event's reports
    sources: int = 1  # and independent sources among them
    created_at: datetime = Field(default_factory=utcnow, index=True)
    severity: str = Field(index=True)
    severity_rank: int = 0
    place: str = ""
    title: str = ""
    url: str = ""
    signals: str = ""  # comma-separated names of the fired signals, strongest first
    assessment: str = Field(sa_column=Column(Text, nullable=False))  # the score JSON
    labels: str = ""  # JSON {label: [values]} that routes matched (warning/labels.py)
    silenced_by: int | None = None  # the silence that held it back when it was routed
    acked_at: datetime | None = None  # acknowledged: no more repeats or escalation
    acked_by: str = ""


class DeliveryStatus(StrEnum):
    pending = "pending"  # not tried yet
    sending = "sending"  # claimed by a worker that is sending it now (claimed_until)
    sent = "sent"
    silenced = "silenced"  # a silence created after it was owed held it back: not sent
    # the worker stopped (killed, power cut) while sending it: it may or may not have
    # arrived, so it is not sent again unless its channel is idempotent or an admin says so
    unknown = "unknown"
    failed = "failed"  # tried, will be retried at next_attempt_at
    gave_up = "gave_up"  # still failing give_up_after its first failure (or max_attempts)
    cancelled = "cancelled"  # a repeat or escalation the alert's acknowledgement made moot


OWED = (DeliveryStatus.pending.value, DeliveryStatus.failed.value)  # still to be sent


class Delivery(SQLModel, table=True):
    """One message about an alert owed to one channel (the outbox row): its first, an
    update, a repeat, an escalation or its line in a digest (`kind`, warning/lifecycle.py);
    each try is an Attempt. Owed messages of one channel and `group_key` go out as one."""

    __table_args__ = (Index("ix_delivery_group", "channel", "group_key", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    channel: str
    status: str = Field(default=DeliveryStatus.pending, index=True)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    claimed_until: datetime | None = None  # lease while one worker is sending it
    failing_since: datetime | None = None  # its first failure since it was last sent/re-queued
    failures: int = 0  # failed attempts in a row since failing_since
    error: str = ""  # why the last attempt failed, secrets redacted
    # "public": rendered without people's names, towns, coordinates or links (a route's
    # `redact`, warning/donoharm.py); "" or "none": everything
    redact: str = ""
    kind: str = "alert"  # warning.lifecycle.Kind
    note: str = ""  # what an update, repeat or escalation says first ("now CRITICAL ...")
    route: str = ""  # the path of the route that owes it (its timing and escalation)
    group_key: str = ""  # route and group_by values: owed messages of one group go out as one
    hold: str = ""  # why it is due later than it was made (warning.lifecycle.Hold)
    sent_at: datetime | None = None


class Silence(SQLModel, table=True):
    """Alerts whose labels all its matchers hold are logged, not sent, until `ends_at`."""

    id: int | None = Field(default=None, primary_key=True)
    matchers: str  # JSON list of matcher texts: 'country="ML"'
    starts_at: datetime = Field(default_factory=utcnow)
    ends_at: datetime = Field(index=True)
    comment: str = ""
    author: str = ""


class AlertHistory(SQLModel, table=True):
    """What happened to an alert: created, updated, raised, silenced, sent, held, acked,
    repeated, escalated (`warning alerts show ID`)."""

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    what: str
    channel: str = ""
    by: str = ""
    detail: str = ""


class Attempt(SQLModel, table=True):
    """One try at sending one delivery, with its outcome."""

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    ok: bool
    error: str = ""  # secrets redacted


class User(SQLModel, table=True):
    """Someone who signs in to the review desk (`warning user add`)."""

    name: str = Field(primary_key=True)
    role: str  # warning.users.Role
    password_hash: str  # argon2id (argon2-cffi); never the password
    created_at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, the store only its SHA-256."""

    token_hash: str = Field(primary_key=True)
    user: str = Field(foreign_key="user.name", index=True)
    csrf: str  # every form of this session carries it
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class Verdict(SQLModel, table=True):
    """A reviewer's judgement of one signal of an alert (the latest per signal counts)."""

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    signal: str
    verdict: str  # "true_positive" | "false_positive"
    note: str = ""
    by: str = ""
    at: datetime = Field(default_factory=utcnow)
