"""Turn an alert into a message per channel format and send it through Apprise.

`Notifier.send` never raises: it returns the reason a send failed ("" when it worked),
with every secret redacted, so the caller can record it as the delivery's outcome.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import apprise
from apprise.manager_plugins import NotificationManager
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from warning.config import ChannelSettings, Settings
from warning.escape import PlainText, neutraliser
from warning.models import Alert, Report
from warning.times import as_utc

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


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


def message_view(
    alert: Alert, neutral: PlainText, report: Report | None = None, base_url: str | None = None
) -> dict[str, Any]:
    """What the templates see: the strongest evidence first, the alert, where its report
    came from, its signals and at most a few quotes each, every string already neutralised
    for the channel (see warning/escape.py)."""
    scored = json.loads(alert.assessment)
    text = neutral.text
    signals = [_signal_view(s, text) for s in scored["signals"]]
    return {
        "alert_id": alert.id,
        "severity": alert.severity,
        "place": text(alert.place),
        "why": text(scored.get("why", "")),
        "lead": _lead(scored, text),
        "title": text(alert.title or "(untitled report)"),
        "origin": _origin(alert, report, neutral),
        "open": neutral.link(f"{base_url.rstrip('/')}/alerts/{alert.id}") if base_url else "",
        "signals": signals,
        "notes": [text(note) for note in scored.get("notes", [])],  # e.g. scored in part
    }


def _lead(scored: dict[str, Any], text: Callable[[str], str]) -> dict[str, str]:
    """The signal that set the severity (`lead`; else the strongest, the first) and its best
    quote: the first sentence a rule fired on, else the classifier's surest sentence."""
    signals = scored["signals"]
    if not signals:
        return {"label": "", "quote": ""}
    first = next((s for s in signals if s["name"] == scored.get("lead")), signals[0])
    quote = first["hits"][0]["quote"] if first["hits"] else first.get("classifier_quote", "")
    return {"label": text(first["name"].replace("_", " ")), "quote": text(_shortened(quote))}


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


def subject_of(alert: Alert, neutral: PlainText) -> str:
    """'[CRITICAL] Syria (Aleppo): siege: "... besieged by ..." (+4 signals)': the
    strongest evidence first."""
    place = neutral.text(alert.place or "place not named")
    lead = _lead(json.loads(alert.assessment), neutral.text)
    others = len([name for name in alert.signals.split(",") if name]) - 1
    more = f" (+{others} signal{'s' if others > 1 else ''})" if others > 0 else ""
    quote = f": “{lead['quote']}”" if lead["quote"] else ""
    return f"[{alert.severity.upper()}] {place}: {lead['label']}{quote}{more}"


def render(
    alert: Alert,
    channel: ChannelSettings,
    environment: Environment | None = None,
    report: Report | None = None,
    base_url: str | None = None,
) -> Message:
    """The subject and body `channel` gets for `alert`, in its format and dialect."""
    template_name, apprise_format = FORMATS[channel.body_format]
    neutral = neutraliser(channel.body_format, channel.dialect)
    environment = environment or _environment()
    view = message_view(alert, neutral, report, base_url)
    body = environment.get_template(template_name).render(m=view)
    return Message(subject_of(alert, neutral), body, apprise_format)


class Notifier:
    """One Apprise object per channel, kept for the process, so Apprise's own per-service
    throttle (about 5 s between emails) protects the mail server."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.environment = _environment()
        self._apprise: dict[str, apprise.Apprise] = {}

    def send(self, channel_name: str, alert: Alert, report: Report | None = None) -> str:
        channel = self.settings.channels.get(channel_name)
        if channel is None:
            return f"channel '{channel_name}' is no longer in the configuration"
        try:
            base_url = self.settings.web.base_url
            message = render(alert, channel, self.environment, report, base_url)
            return self._notify(channel_name, channel, message)
        except Exception as exc:  # a broken template or plugin must not stop the other channels
            log.exception("channel %s: sending alert %s failed", channel_name, alert.id)
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
