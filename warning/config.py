"""Typed settings from `config.yaml`.

Unknown keys are errors naming the key and line; `${NAME}` pulls a value from
the environment (and marks it secret so it is redacted from every output);
relative paths resolve against the config file's folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import time
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from warning.escape import Dialect, dialect_of
from warning.levels import Severity
from warning.redact import Redactor, channel_secrets, feed_secrets
from warning.routing import SHORTHAND_FLOOR, Matcher, Options, Route, shorthand
from warning.timing import Digest, Escalate, QuietHours, Timing
from warning.yamlio import InputError, Located, load_yaml, validate

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(value: Any) -> float:
    """'90s', '5m', '1h', '250ms' or a number of seconds -> seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = DURATION.match(str(value))
    if not match:
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 5m, 1h)")
    return float(match.group(1)) * UNIT_SECONDS[match.group(2)]


Seconds = Annotated[float, BeforeValidator(parse_duration)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(Strict):
    url: str = "sqlite:///var/warning.db"


class PackSettings(Strict):
    path: Path | None = None  # None: the pack shipped with the package


class ExtraExamples(Strict):
    """A labelled set (JSONL or CSV, read as `warning eval` reads it) that the classifier
    learns from too: each item is a positive or a negative for each signal the set labels,
    and says nothing of the others."""

    path: Path
    format: Literal["jsonl", "csv"] | None = None  # default: from the suffix
    map: dict[str, str] = {}  # column (or JSONL label) -> signal
    text: str | None = None  # a CSV's text column (default: text or message)
    skip: dict[str, str] = {}  # column -> value: rows left out
    split: Literal["tune", "holdout"] | None = None  # only the items of this split


class ClassifierSettings(PackSettings):
    weight: float = Field(0.55, ge=0, le=1)  # classifier alone fires a signal from p >= 0.91
    # learn from the sentences of alerts reviewers judged (true positive: an example of its
    # signal; false positive: a counter-example), retrained when a verdict is added
    verdicts: bool = True
    cache: Path | None = None  # folder for trained models; default: beside the database
    extra: list[ExtraExamples] = []  # labelled sets learnt from besides `path`'s examples


class AlertSettings(Strict):
    min_severity: Severity = Severity.low
    threshold: float = Field(0.5, gt=0, le=1)  # a signal fires at or above this score
    # a longer report is scored on its first max_chars characters (about 3 s on one core at
    # most), and its alert says so; the stored report keeps its whole text
    max_chars: int = Field(1_000_000, ge=1000)


class DeliverySettings(Strict):
    """When a failed delivery is tried again (warning/retry.py): after `retry_after`, doubling
    with each failure up to `max_delay`, until it has failed for `give_up_after`."""

    retry_after: Seconds = Field(60.0, gt=0)  # first retry; doubles with each failure
    max_delay: Seconds = Field(3600.0, gt=0)  # the longest wait between two tries
    give_up_after: Seconds = Field(24 * 3600.0, gt=0)  # from the first failure: then gave_up
    max_attempts: int | None = Field(None, ge=1)  # an extra cap on tries in a row; None: none
    timeout: Seconds = 30.0


class EventSettings(Strict):
    """How reports join one event (and one alert)."""

    window: Seconds = 72 * 3600.0  # same signals, same place, within this: one event
    similar: float = Field(0.4, gt=0, le=1)  # near-duplicate text (estimated Jaccard)
    verbatim: float = Field(0.4, gt=0, le=1)  # copies of one wire story: one source


class ReviewSettings(Strict):
    """`warning rules lint` flags a rule whose precision on reviewed alerts is below
    `min_precision`, once it has `min_judged` verdicts."""

    min_precision: float = Field(0.5, ge=0, le=1)
    min_judged: int = Field(5, ge=1)


class PollingSettings(Strict):
    """How many sources are polled at once (`warning run`): a slow feed holds one of
    `concurrency` threads, never the others; `per_host` at once from any one host."""

    concurrency: int = Field(8, ge=1, le=256)
    per_host: int = Field(2, ge=1, le=64)


class ReloadSettings(Strict):
    every: Seconds = 5.0  # how often `warning run` looks for edits to config and rules
    enabled: bool = True


MB = 1024 * 1024
SourceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


LabelName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class SourceBase(Strict):
    name: SourceName
    labels: dict[LabelName, str] = {}  # added to the labels of its alerts: {team: sahel-desk}
    every: Seconds = 300.0  # how often it is polled
    timeout: Seconds = 20.0  # per HTTP request
    max_bytes: int = Field(5 * MB, ge=1024)  # a larger response or file is refused


class FolderSourceSettings(SourceBase):
    """Files dropped in a folder: .txt, .html/.htm, .json (one report or a list), .eml."""

    kind: Literal["folder"]
    path: Path
    every: Seconds = 60.0
    pattern: str = "*"  # which file names are read (those with a known suffix)
    # move: a read file goes to done/ (or failed/, with the reason beside it); keep: it
    # stays, and is read again each poll (a report with the same text is stored once)
    after: Literal["move", "keep"] = "move"

    @field_validator("pattern")
    @classmethod
    def _stays_inside(cls, pattern: str) -> str:
        """A pattern names files inside the folder: not absolute, no `..`, not empty."""
        if not pattern.strip() or pattern.startswith("/") or ".." in PurePosixPath(pattern).parts:
            raise ValueError(f"{pattern!r} is not a pattern inside the folder (e.g. '*.json')")
        return pattern


class RssSourceSettings(SourceBase):
    """An RSS 0.9x/1.0/2.0 or Atom feed, fetched with conditional GET."""

    kind: Literal["rss"]
    url: str
    # the item's link is fetched for the whole article when the feed carries only a
    # summary (auto: when the item's text is under 500 characters), always, or never
    full_text: Literal["auto", "always", "never"] = "auto"


class ReliefWebSourceSettings(SourceBase):
    """The ReliefWeb v1 reports API: POST {url}?appname=... with a query, newest first."""

    kind: Literal["reliefweb"]
    url: str = "https://api.reliefweb.int/v1/reports"
    appname: str
    query: str = ""  # ReliefWeb query syntax, e.g. "country:Sudan AND theme:Protection"
    every: Seconds = 900.0
    page_size: int = Field(50, ge=1, le=1000)
    max_pages: int = Field(5, ge=1)


class HttpSourceSettings(SourceBase):
    """Reports POSTed to /api/reports with `Authorization: Bearer <token>`."""

    kind: Literal["http"]
    token: str = Field(repr=False, min_length=16)  # secret (repr=False: never echoed): ${NAME}
    max_bytes: int = Field(1 * MB, ge=1024)


SourceSettings = Annotated[
    FolderSourceSettings | RssSourceSettings | ReliefWebSourceSettings | HttpSourceSettings,
    Field(discriminator="kind"),
]


class WebSettings(Strict):
    """The web app (POST /api/reports; review pages later) served inside `warning run`."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)  # 0: any free port
    # a request's line and headers must arrive within this, else the connection is closed
    header_timeout: Seconds = Field(10.0, gt=0)
    body_timeout: Seconds = Field(10.0, gt=0)  # the whole body must arrive within this: 408
    max_header_bytes: int = Field(16 * 1024, ge=1024)  # request line + headers, else 400
    # where staff open the service (behind a proxy): messages link to {base_url}/alerts/ID
    base_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(/\S*)?$")] | None = None
    # signs the acknowledge and silence links in messages (HMAC); from the environment:
    # secret: "${WARNING_LINK_SECRET}". Without it (or base_url) messages carry no links.
    secret: str | None = Field(None, repr=False, min_length=16)
    link_ttl: Seconds = Field(7 * 86400.0, gt=0)  # how long such a link works


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class LoggingSettings(Strict):
    level: LogLevel = "INFO"  # the daemon's log
    # Apprise's own lines: its DEBUG and INFO quote whole payloads (WARNING_APPRISE_LOG,
    # when set, wins)
    apprise: LogLevel = "WARNING"
    format: Literal["text", "json"] = "text"  # json: one object a line, for log collectors


class ChannelSettings(Strict):
    url: str = Field(repr=False)  # secret: redacted everywhere, never echoed in an error
    # the least severity it is sent; without `routes:` it makes the channel's route (high
    # when unset), with `routes:` it also holds back lesser alerts the routes give it
    min_severity: Severity | None = None
    format: Literal["email", "markdown", "text"] | None = None  # None: guessed from the URL
    # a message sent twice does no harm here (e.g. a webhook that drops repeats): one whose
    # send a crash interrupted is sent again by itself instead of being marked `unknown`
    idempotent: bool = False

    @property
    def dialect(self) -> Dialect:
        return dialect_of(self.url)

    @property
    def body_format(self) -> str:
        return self.format or self.dialect.body_format


SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name, e.g. Africa/Khartoum)"
        ) from None
    return name


def _clock(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time.max if hours == "24" else time(int(hours), int(minutes))


TimeZoneName = Annotated[str, AfterValidator(_timezone)]


class QuietHoursSettings(Strict):
    """When a route's messages wait (sent when the span ends), in local time."""

    times: list[Annotated[str, Field(pattern=SPAN.pattern)]] = Field(min_length=1)
    weekdays: list[Literal[WEEKDAYS]] = list(WEEKDAYS)  # type: ignore[valid-type]
    timezone: TimeZoneName = "UTC"

    def resolved(self) -> QuietHours:
        spans = tuple((_clock(a), _clock(b)) for a, b in (span.split("-") for span in self.times))
        days = frozenset(WEEKDAYS.index(d) for d in self.weekdays)
        return QuietHours(spans, days, self.timezone)


class DigestSettings(Strict):
    """One message listing a route's alerts, every `every` from `at` (local time)."""

    every: Seconds = Field(86400.0, ge=60)
    at: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "07:00"
    timezone: TimeZoneName = "UTC"

    def resolved(self) -> Digest:
        return Digest(self.every, _clock(self.at), self.timezone)


class EscalateSettings(Strict):
    """An alert of the route nobody acknowledged `after` its first message goes to `to`."""

    after: Seconds = Field(gt=0)
    to: list[str] = Field(min_length=1)

    @field_validator("to")
    @classmethod
    def _channels_exist(cls, to: list[str], info: ValidationInfo) -> Any:
        return _known_channels(to, info)


def _known_channels(channels: list[str] | None, info: ValidationInfo) -> Any:
    """Reading a config file, the names under `channels:` come as context, so that an
    unknown name is reported on its own line."""
    known = (info.context or {}).get("channels")
    unknown = [c for c in channels or [] if known is not None and c not in known]
    if unknown:
        names, missing = ", ".join(sorted(known)) or "none", ", ".join(map(repr, unknown))
        raise ValueError(f"no channel named {missing} (channels: {names})")
    return channels


def _matcher(text: str) -> str:
    Matcher.parse(text)  # raises ValueError naming what is wrong
    return text


class RouteSettings(Strict):
    """One node of the routing tree (warning/routing.py); unset options are inherited."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    matchers: list[Annotated[str, AfterValidator(_matcher)]] = []
    channels: list[str] | None = None
    carry_on: bool = Field(False, alias="continue")
    group_by: list[LabelName] | None = None
    group_wait: Seconds | None = Field(None, ge=0)
    group_interval: Seconds | None = Field(None, ge=0)
    repeat_interval: Seconds | None = Field(None, ge=0)
    redact: Literal["none", "public"] | None = None
    # an update goes to the channels that had the alert when its independent sources reach
    # each of these
    notify_on_sources: list[Annotated[int, Field(ge=2)]] | None = None
    quiet_hours: QuietHoursSettings | None = None
    break_quiet: Severity | None = None  # this severity and above are sent in quiet hours
    digest: DigestSettings | None = None  # one message per period, nothing per alert
    escalate: EscalateSettings | None = None
    routes: list[RouteSettings] = []

    @field_validator("channels")
    @classmethod
    def _channels_exist(cls, channels: list[str] | None, info: ValidationInfo) -> Any:
        return _known_channels(channels, info)

    def _timing(self, parent: Timing) -> Timing:
        given = {
            "notify_on_sources": None
            if self.notify_on_sources is None
            else tuple(sorted(self.notify_on_sources)),
            "quiet_hours": self.quiet_hours and self.quiet_hours.resolved(),
            "break_quiet": self.break_quiet,
            "digest": self.digest and self.digest.resolved(),
            "escalate": self.escalate and Escalate(self.escalate.after, tuple(self.escalate.to)),
        }
        return Timing(**{k: getattr(parent, k) if v is None else v for k, v in given.items()})

    def resolved(self, path: str, parent: Options) -> Route:
        """This node as a Route: its options over its parent's, its children resolved."""
        given = {
            "channels": None if self.channels is None else tuple(self.channels),
            "group_by": None if self.group_by is None else tuple(self.group_by),
            "group_wait": self.group_wait,
            "group_interval": self.group_interval,
            "repeat_interval": self.repeat_interval,
            "redact": self.redact,
        }
        options = Options(
            **{k: getattr(parent, k) if v is None else v for k, v in given.items()},
            timing=self._timing(parent.timing),
        )
        children = tuple(
            child.resolved(f"{path}.routes[{i}]", options) for i, child in enumerate(self.routes)
        )
        matchers = tuple(Matcher.parse(m) for m in self.matchers)
        return Route(path, matchers, options, self.carry_on, children)

    def named_channels(self, path: str = "routes") -> list[tuple[str, str]]:
        """(where, channel) for every channel the tree names."""
        found = [(f"{path}.channels", c) for c in self.channels or []]
        found += [(f"{path}.escalate.to", c) for c in (self.escalate.to if self.escalate else [])]
        for i, child in enumerate(self.routes):
            found += child.named_channels(f"{path}.routes[{i}]")
        return found


class Settings(Strict):
    database: DatabaseSettings = DatabaseSettings()
    rules: PackSettings = PackSettings()
    classifier: ClassifierSettings = ClassifierSettings()
    alerts: AlertSettings = AlertSettings()
    delivery: DeliverySettings = DeliverySettings()
    reload: ReloadSettings = ReloadSettings()
    polling: PollingSettings = PollingSettings()
    events: EventSettings = EventSettings()
    web: WebSettings = WebSettings()
    logging: LoggingSettings = LoggingSettings()
    review: ReviewSettings = ReviewSettings()
    sources: list[SourceSettings] = []
    channels: dict[str, ChannelSettings] = {}
    routes: RouteSettings | None = None  # None: each channel's min_severity is its route
    secrets: frozenset[str] = Field(frozenset(), exclude=True, repr=False)
    config_file: Path | None = Field(None, exclude=True, repr=False)  # None: built-in defaults

    @field_validator("routes")
    @classmethod
    def _known_channels(cls, routes: RouteSettings | None, info: ValidationInfo) -> Any:
        """Settings built in code; a config file's reports each name on its own line
        (RouteSettings._channels_exist, with the names as validation context)."""
        if routes is None or (info.context and "channels" in info.context):
            return routes
        channels = info.data.get("channels", {})
        unknown = [f"{where}: no channel named {name!r}"
                   for where, name in routes.named_channels() if name not in channels]  # fmt: skip
        if unknown:
            raise ValueError("; ".join(unknown))
        return routes

    @cached_property
    def route_tree(self) -> Route:
        """The routing tree: `routes:` resolved, or one route per channel's min_severity."""
        if self.routes is None:
            floors = {n: c.min_severity or SHORTHAND_FLOOR for n, c in self.channels.items()}
            return shorthand(floors)
        return self.routes.resolved("root", Options())

    @property
    def channel_floors(self) -> dict[str, Severity]:
        """Channels that hold back alerts below a min_severity they set (with `routes:`)."""
        if self.routes is None:
            return {}
        return {n: c.min_severity for n, c in self.channels.items() if c.min_severity}

    @field_validator("sources")
    @classmethod
    def _unique_source_names(cls, sources: list[SourceSettings]) -> list[SourceSettings]:
        names = [source.name for source in sources]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate source name(s): {', '.join(duplicates)}")
        return sources

    def source(self, name: str) -> SourceBase:
        return next(s for s in self.sources if s.name == name)

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by '***': `${NAME}` values, channel URLs and
        their secret parts, `http` source tokens, the link secret, secrets in feed URLs
        (even written into the file)."""
        return self.redactor(text)

    @cached_property
    def redactor(self) -> Redactor:
        """Built once per Settings (it runs on every log line)."""
        tokens = {s.token for s in self.sources if isinstance(s, HttpSourceSettings)}
        tokens |= {self.web.secret} if self.web.secret else set()
        feeds = [
            s.url
            for s in self.sources
            if isinstance(s, RssSourceSettings | ReliefWebSourceSettings)
        ]
        found = {secret for url in feeds for secret in feed_secrets(url)}
        found |= {secret for c in self.channels.values() for secret in channel_secrets(c.url)}
        database = urlsplit(self.database.url).password  # written into the URL, not ${NAME}
        found |= {database, unquote(database)} if database else set()
        return Redactor.hiding(self.secrets | tokens | found)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Settings:
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("redactor", None)  # a copy may hold other secrets
        copied.__dict__.pop("route_tree", None)  # or other channels and routes
        return copied


@dataclass
class _Substitution:
    """What `${NAME}` substitution found: the secrets, and the names not set (errors, or
    left as written when the command reads and sends nothing: `unset_ok`)."""

    doc: Located
    unset_ok: bool
    secrets: set[str] = dataclass_field(default_factory=set)
    errors: list[str] = dataclass_field(default_factory=list)

    def walk(self, data: Any, here: tuple = ()) -> Any:
        if isinstance(data, dict):
            return {k: self.walk(v, (*here, k)) for k, v in data.items()}
        if isinstance(data, list):
            return [self.walk(v, (*here, i)) for i, v in enumerate(data)]
        if not isinstance(data, str) or "${" not in data:
            return data

        def value_of(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in os.environ:
                self.secrets.add(os.environ[name])
                return os.environ[name]
            if self.unset_ok:
                return match.group(0)
            self.errors.append(f"{self.doc.where(here)}: environment variable {name} is not set")
            return ""

        return ENV_REF.sub(value_of, data)


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    def resolved(path: Path | None) -> Path | None:
        return None if path is None else (base / path).resolve()

    url = settings.database.url
    if (
        url.startswith("sqlite:///")
        and not url.startswith("sqlite:////")
        and url != "sqlite:///:memory:"
    ):
        url = f"sqlite:///{(base / url.removeprefix('sqlite:///')).resolve()}"
    sources = [
        s.model_copy(update={"path": resolved(s.path)})
        if isinstance(s, FolderSourceSettings)
        else s
        for s in settings.sources
    ]
    return settings.model_copy(
        update={
            "database": DatabaseSettings(url=url),
            "rules": settings.rules.model_copy(update={"path": resolved(settings.rules.path)}),
            "classifier": settings.classifier.model_copy(
                update={
                    "path": resolved(settings.classifier.path),
                    "cache": resolved(settings.classifier.cache),
                    "extra": [
                        e.model_copy(update={"path": resolved(e.path)})
                        for e in settings.classifier.extra
                    ],
                }
            ),
            "sources": sources,
        }
    )


def load_settings(path: Path, unset_ok: bool = False) -> Settings:
    """Read, substitute, validate and resolve `path`; raise InputError naming file:line.
    With `unset_ok` (commands that only read the store), a `${NAME}` whose variable is not
    set stays as written: those commands work without the delivery secrets."""
    if not path.is_file():
        raise InputError([f"{path}: no such config file"])
    doc = load_yaml(path)
    found = _Substitution(doc, unset_ok)
    data = found.walk(doc.data or {})
    if found.errors:
        raise InputError(found.errors)
    named = data.get("channels") if isinstance(data, dict) else None
    context = {"channels": set(named) if isinstance(named, dict) else set()}
    settings = validate(Located(doc.path, data, doc.marks), Settings, context)
    settings = settings.model_copy(
        update={"secrets": frozenset(found.secrets), "config_file": path.resolve()}
    )
    return _resolve_paths(settings, path.parent.resolve())
