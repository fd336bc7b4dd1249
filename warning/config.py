"""Typed settings from `config.yaml`.

Unknown keys are errors naming the key and line; `${NAME}` pulls a value from
the environment (and marks it secret so it is redacted from every output);
relative paths resolve against the config file's folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from warning.levels import Severity
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


class ClassifierSettings(PackSettings):
    weight: float = Field(0.55, ge=0, le=1)  # classifier alone fires a signal from p >= 0.91
    cache: Path | None = None  # folder for trained models; default: beside the database


class AlertSettings(Strict):
    min_severity: Severity = Severity.low
    threshold: float = Field(0.5, gt=0, le=1)  # a signal fires at or above this score


class DeliverySettings(Strict):
    max_attempts: int = Field(6, ge=1)
    retry_after: Seconds = 60.0  # first retry; doubles per attempt
    timeout: Seconds = 30.0


class EventSettings(Strict):
    """How reports join one event (and one alert)."""

    window: Seconds = 72 * 3600.0  # same signals, same place, within this: one event
    similar: float = Field(0.5, gt=0, le=1)  # near-duplicate text (estimated Jaccard)
    verbatim: float = Field(0.8, gt=0, le=1)  # copies of one wire story: one source


class ReloadSettings(Strict):
    every: Seconds = 5.0  # how often `warning run` looks for edits to config and rules
    enabled: bool = True


MB = 1024 * 1024
SourceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class SourceBase(Strict):
    name: SourceName
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
    token: str = Field(repr=False, min_length=16)  # write ${NAME}: it is a secret
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


class ChannelSettings(Strict):
    url: str = Field(repr=False)
    min_severity: Severity = Severity.high
    format: Literal["email", "markdown", "text"] | None = None  # None: guessed from the URL

    @property
    def body_format(self) -> str:
        if self.format:
            return self.format
        return "email" if self.url.split(":", 1)[0].lower() in {"mailto", "mailtos"} else "markdown"


class Settings(Strict):
    database: DatabaseSettings = DatabaseSettings()
    rules: PackSettings = PackSettings()
    classifier: ClassifierSettings = ClassifierSettings()
    alerts: AlertSettings = AlertSettings()
    delivery: DeliverySettings = DeliverySettings()
    reload: ReloadSettings = ReloadSettings()
    events: EventSettings = EventSettings()
    web: WebSettings = WebSettings()
    sources: list[SourceSettings] = []
    channels: dict[str, ChannelSettings] = {}
    secrets: frozenset[str] = Field(frozenset(), exclude=True, repr=False)

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
        """`text` with every secret value, channel URL and `http` source token (even one
        written into the file) replaced by '***'."""
        tokens = {s.token for s in self.sources if isinstance(s, HttpSourceSettings)}
        urls = {c.url for c in self.channels.values()}
        for secret in sorted(self.secrets | urls | tokens, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text


def _substitute(data: Any, doc: Located, here: tuple, secrets: set[str], errors: list[str]) -> Any:
    if isinstance(data, dict):
        return {k: _substitute(v, doc, (*here, k), secrets, errors) for k, v in data.items()}
    if isinstance(data, list):
        return [_substitute(v, doc, (*here, i), secrets, errors) for i, v in enumerate(data)]
    if not isinstance(data, str) or "${" not in data:
        return data

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            errors.append(f"{doc.where(here)}: environment variable {name} is not set")
            return ""
        secrets.add(os.environ[name])
        return os.environ[name]

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
                }
            ),
            "sources": sources,
        }
    )


def load_settings(path: Path) -> Settings:
    """Read, substitute, validate and resolve `path`; raise InputError naming file:line."""
    if not path.is_file():
        raise InputError([f"{path}: no such config file"])
    doc = load_yaml(path)
    secrets: set[str] = set()
    errors: list[str] = []
    data = _substitute(doc.data or {}, doc, (), secrets, errors)
    if errors:
        raise InputError(errors)
    settings = validate(Located(doc.path, data, doc.marks), Settings)
    settings = settings.model_copy(update={"secrets": frozenset(secrets)})
    return _resolve_paths(settings, path.parent.resolve())
