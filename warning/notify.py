"""Turn an alert into a message per channel format and send it through Apprise.

`Notifier.send` never raises: it returns the reason a send failed ("" when it worked),
with every secret redacted, so the caller can record it as the delivery's outcome.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import apprise
from apprise.manager_plugins import NotificationManager
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from warning.config import ChannelSettings, Settings, WebSettings
from warning.escape import PlainText, neutraliser
from warning.models import Alert, Report, utcnow
from warning.score import lead_of
from warning.times import as_utc
from warning.tokens import sign

TEMPLATES = Path(__file__).parent / "templates"
HITS_PER_SIGNAL = 3
LEAD_CHARS = 120  # the strongest quote in a subject and at the top of a message
# chat messages come from "warning" (Mattermost and Slack show it as the sender)
ASSET = apprise.AppriseAsset(app_id="warning", app_desc="warning: early-warning alerts")
FORMATS = {
    "email": ("alert.html.j2", apprise.NotifyFormat.HTML),
    "markdown": ("alert.md.j2", apprise.NotifyFormat.MARKDOWN),
    "text": ("alert.txt.j2", apprise.NotifyFormat.TEXT),
}
LEVELS = tuple(f"{name}:" for name in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    body_format: str


@dataclass(frozen=True)
class Item:
    """One alert in a message: the alert (as the channel may see it), its strongest report,
    what the message says about it (warning.lifecycle.Kind) and the note of an update,
    repeat or escalation."""

    alert: Alert | None
    report: Report | None
    kind: str = "alert"
    note: str = ""


@dataclass(frozen=True)
class Links:
    """Where a message points: the alert's page, and signed links that acknowledge it or
    silence its event (warning/tokens.py); each "" when the config does not allow it."""

    open: str = ""
    ack: str = ""
    silence: str = ""

    @classmethod
    def of(cls, alert_id: int, web: WebSettings, now: datetime) -> Links:
        if not web.base_url:
            return cls()
        base = web.base_url.rstrip("/")
        if not web.secret:
            return cls(f"{base}/alerts/{alert_id}")
        expires = now + timedelta(seconds=web.link_ttl)
        return cls(
            f"{base}/alerts/{alert_id}",
            f"{base}/ack/{sign(web.secret, 'ack', alert_id, expires)}",
            f"{base}/silence/{sign(web.secret, 'silence', alert_id, expires)}",
        )


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


def message_view(
    alert: Alert,
    neutral: PlainText,
    report: Report | None = None,
    links: Links = Links(),
    note: str = "",
) -> dict[str, Any]:
    """What the templates see: the strongest evidence first (after an update's `note`), the
    alert, where its report came from, its signals and at most a few quotes each, its
    links, every string already neutralised for the channel (see warning/escape.py)."""
    scored = json.loads(alert.assessment)
    text = neutral.text
    signals = [_signal_view(s, text) for s in scored["signals"]]
    return {
        "alert_id": alert.id,
        "severity": alert.severity,
        "place": text(alert.place),
        "note": text(note),
        "why": text(scored.get("why", "")),
        "lead": _lead(scored, text),
        "title": text(alert.title or "(untitled report)"),
        "origin": _origin(alert, report, neutral),
        "open": neutral.link(links.open) if links.open else "",
        "ack": neutral.link(links.ack) if links.ack else "",
        "silence": neutral.link(links.silence) if links.silence else "",
        "signals": signals,
        "notes": [text(n) for n in scored.get("notes", [])],  # e.g. scored in part
    }


def _lead(scored: dict[str, Any], text: Callable[[str], str]) -> dict[str, str]:
    """The signal that set the severity and its best quote (see `score.lead_of`)."""
    name, quote = lead_of(scored)
    return {
        "label": text(name.replace("_", " ")),
        "quote": text(_shortened(quote)) if quote else "",
    }


def _shortened(quote: str, limit: int = LEAD_CHARS) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= limit else quote[: limit - 1].rsplit(" ", 1)[0] + "…"


def _origin(alert: Alert, report: Report | None, neutral: PlainText) -> str:
    """Where the report came from: the configured source, the outlet, when it was
    published, and its link (or, for a file dropped in a folder, the file name)."""
    url = report.url if report is not None else alert.url
    link = neutral.link(url) if url else ""
    if report is None:
        return link or "no link"
    parts = [neutral.text(report.source)]
    if report.outlet:
        parts.append(neutral.text(report.outlet))
    if report.published_at:
        parts.append("published " + as_utc(report.published_at).strftime("%Y-%m-%d %H:%M UTC"))
    parts.append(link or neutral.text(f"file {report.ref}" if report.ref else "no link"))
    return " · ".join(parts)


def _signal_view(signal: dict[str, Any], text: Callable[[str], str]) -> dict[str, Any]:
    quoted = _by_quote(signal["hits"])
    return {
        "label": text(signal["name"].replace("_", " ")),
        "cause": text(signal.get("cause", "")),  # alerts stored before causes have none
        "score": signal["score"],
        "rules": signal["rules"],
        "classifier": signal["classifier"],
        "indicators": [text(i) for i in signal["indicators"]],
        "hits": [
            {"quote": text(h["quote"]), "rule": text(h["rule"])} for h in quoted[:HITS_PER_SIGNAL]
        ],
        "more": max(len(quoted) - HITS_PER_SIGNAL, 0),
    }


def _by_quote(hits: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One entry per quoted sentence, naming every rule that fired on it."""
    merged: dict[str, list[str]] = {}
    for hit in hits:
        merged.setdefault(hit["quote"], []).append(hit["rule"])
    return [{"quote": quote, "rule": ", ".join(rules)} for quote, rules in merged.items()]


def subject_of(alert: Alert, neutral: PlainText, note: str = "") -> str:
    """'[CRITICAL] Syria (Aleppo): siege: "... besieged by ..." (+4 signals)': the
    strongest evidence first; an update's note before it ('now CRITICAL (was high)')."""
    place = neutral.text(alert.place or "place not named")
    lead = _lead(json.loads(alert.assessment), neutral.text)
    others = len([name for name in alert.signals.split(",") if name]) - 1
    more = f" (+{others} signal{'s' if others > 1 else ''})" if others > 0 else ""
    quote = f": “{lead['quote']}”" if lead["quote"] else ""
    said = f"{neutral.text(note)} · " if note else ""
    return f"[{alert.severity.upper()}] {place}: {said}{lead['label']}{quote}{more}"


def render(
    alert: Alert,
    channel: ChannelSettings,
    environment: Environment | None = None,
    report: Report | None = None,
    links: Links = Links(),
    item: Item | None = None,
) -> Message:
    """The subject and body `channel` gets for `alert`, in its format and dialect: the
    whole evidence for a first message, a short one for an update, repeat or escalation
    (`item`)."""
    template_name, apprise_format = FORMATS[channel.body_format]
    neutral = neutraliser(channel.body_format, channel.dialect)
    environment = environment or _environment()
    note = item.note if item else ""
    view = message_view(alert, neutral, report, links, note)
    view["short"] = item is not None and item.kind in ("update", "repeat")
    body = environment.get_template(template_name).render(m=view)
    return Message(subject_of(alert, neutral, note), body, apprise_format)


def render_list(
    items: list[Item],
    channel: ChannelSettings,
    links: list[Links],
    digest: bool,
    environment: Environment | None = None,
) -> Message:
    """One message listing several alerts (a group sent together, or a digest): per alert
    its severity, place, lead signal and quote, note and links."""
    template_name, apprise_format = FORMATS[channel.body_format]
    neutral = neutraliser(channel.body_format, channel.dialect)
    environment = environment or _environment()
    views = [
        message_view(i.alert, neutral, i.report, link, i.note)
        for i, link in zip(items, links, strict=True)
    ]
    worst = max((i.alert for i in items), key=lambda a: a.severity_rank)
    head = "digest" if digest else f"{len(items)} alerts"
    subject = (
        f"[{worst.severity.upper()}] {head}: "
        + "; ".join(v["place"] or "place not named" for v in views[:5])
        + (f" and {len(views) - 5} more" if len(views) > 5 else "")
    )
    body = environment.get_template("list." + template_name.split(".", 1)[1]).render(
        alerts=views, digest=digest
    )
    return Message(subject, body, apprise_format)


class Notifier:
    """One Apprise object per channel, kept for the process, so Apprise's own per-service
    throttle (about 5 s between emails) protects the mail server."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.environment = _environment()
        self._apprise: dict[str, apprise.Apprise] = {}

    def send(self, channel_name: str, alert: Alert, report: Report | None = None) -> str:
        return self.send_items(channel_name, [Item(alert, report)])

    def send_items(self, channel_name: str, items: list[Item], digest: bool = False) -> str:
        """Send one message about `items` (one alert: its own message; several, or a
        digest: a list) to a channel; the reason it failed, or ""."""
        channel = self.settings.channels.get(channel_name)
        if channel is None:
            return f"channel '{channel_name}' is no longer in the configuration"
        items = [i for i in items if i.alert is not None]
        if not items:
            return "alert not found"
        try:
            now, web = utcnow(), self.settings.web
            links = [Links.of(i.alert.id, web, now) for i in items]
            if len(items) == 1 and not digest:
                item = items[0]
                message = render(item.alert, channel, self.environment, item.report, links[0], item)
            else:
                message = render_list(items, channel, links, digest, self.environment)
            return self._notify(channel_name, channel, message)
        except Exception as exc:  # a broken template or plugin must not stop the other channels
            ids = ", ".join(f"#{i.alert.id}" for i in items)
            log.exception("channel %s: sending alert %s failed", channel_name, ids)
            return self.settings.redact(f"{type(exc).__name__}: {exc}")

    def _notify(self, name: str, channel: ChannelSettings, message: Message) -> str:
        sender = self._apprise.get(name)
        if sender is None:
            plugin = apprise.Apprise.instantiate(channel.url, asset=ASSET, suppress_exceptions=True)
            if plugin is None:
                return (
                    f"channel '{name}': the Apprise URL is not valid (check its scheme and fields)"
                )
            # connect and read time-outs from delivery.timeout: a send never outlives the
            # lease it was claimed with
            plugin.socket_connect_timeout = self.settings.delivery.timeout
            plugin.socket_read_timeout = self.settings.delivery.timeout
            sender = apprise.Apprise(asset=ASSET)
            sender.add(plugin)
            self._apprise[name] = sender
        with apprise.LogCapture(level=logging.DEBUG, fmt="%(levelname)s: %(message)s") as captured:
            ok = sender.notify(
                title=message.subject, body=message.body, body_format=message.body_format
            )
        if ok:
            return ""
        return self.settings.redact(_reason(captured.getvalue()) or "Apprise reported a failure")


def url_problem(url: str) -> str:
    """Why Apprise cannot use `url` ("" when it can), found without sending anything: an
    unknown scheme, or fields its plugin refuses (with the plugin's reason). The URL itself
    is never quoted (it may hold secrets); the caller redacts the reason."""
    scheme = url.split("://", 1)[0].strip().lower() if "://" in url else ""
    if scheme not in _schemes():
        return (
            f"unknown scheme {scheme!r}: not an Apprise URL "
            "(e.g. mailto://, mailtos://, slack://, mmost://, json://)"
            if scheme
            else "not an Apprise URL (SCHEME://...)"
        )
    quiet = logging.getLogger("apprise")
    propagate, quiet.propagate = quiet.propagate, False  # its lines quote the URL, masked
    try:
        with apprise.LogCapture(level=logging.WARNING, fmt="%(levelname)s: %(message)s") as log:
            loaded = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    finally:
        quiet.propagate = propagate
    if loaded is not None:
        return ""
    said = [r for r in _records(log.getvalue()) if "://" not in r]
    return f"Apprise cannot read this {scheme}:// URL" + (f": {' | '.join(said)}" if said else "")


@cache
def _schemes() -> frozenset[str]:
    return frozenset(NotificationManager().schemas())


def _reason(log_text: str) -> str:
    """The warnings, errors and exception details (with the server's answer) Apprise logged,
    on one line; the caller redacts it."""
    telling = ("WARNING", "ERROR", "DEBUG: Socket Exception", "DEBUG: Response Details")
    records = [record[:500] for record in _records(log_text) if record.startswith(telling)]
    return " | ".join(records[-4:])[:2000]


def _records(log_text: str) -> list[str]:
    """Captured log text as one line per record (a record's later lines joined to it)."""
    records: list[str] = []
    for line in log_text.splitlines():
        if line.startswith(LEVELS) or not records:
            records.append(line)
        else:
            records[-1] += f" {line.strip()}"
    return records
