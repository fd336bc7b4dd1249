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
from warning.models import Alert

TEMPLATES = Path(__file__).parent / "templates"
HITS_PER_SIGNAL = 3
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


def message_view(alert: Alert, neutral: PlainText) -> dict[str, Any]:
    """What the templates see: the alert, its signals and at most a few quotes each, every
    string already neutralised for the channel (see warning/escape.py)."""
    scored = json.loads(alert.assessment)
    text = neutral.text
    return {
        "alert_id": alert.id,
        "severity": alert.severity,
        "place": text(alert.place),
        "why": text(scored.get("why", "")),
        "title": text(alert.title or "(untitled report)"),
        "source": neutral.link(alert.url) if alert.url else "no link",
        "signals": [_signal_view(s, text) for s in scored["signals"]],
        "notes": [text(note) for note in scored.get("notes", [])],  # e.g. scored in part
    }


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
    names = ", ".join(name.replace("_", " ") for name in alert.signals.split(",") if name)
    return f"[{alert.severity.upper()}] {neutral.text(alert.place or 'place not named')}: {names}"


def render(
    alert: Alert, channel: ChannelSettings, environment: Environment | None = None
) -> Message:
    """The subject and body `channel` gets for `alert`, in its format and dialect."""
    template_name, apprise_format = FORMATS[channel.body_format]
    neutral = neutraliser(channel.body_format, channel.dialect)
    environment = environment or _environment()
    body = environment.get_template(template_name).render(m=message_view(alert, neutral))
    return Message(subject_of(alert, neutral), body, apprise_format)


class Notifier:
    """One Apprise object per channel, kept for the process, so Apprise's own per-service
    throttle (about 5 s between emails) protects the mail server."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.environment = _environment()
        self._apprise: dict[str, apprise.Apprise] = {}

    def send(self, channel_name: str, alert: Alert) -> str:
        channel = self.settings.channels.get(channel_name)
        if channel is None:
            return f"channel '{channel_name}' is no longer in the configuration"
        try:
            message = render(alert, channel, self.environment)
            return self._notify(channel_name, channel, message)
        except Exception as exc:  # a broken template or plugin must not stop the other channels
            log.exception("channel %s: sending alert %s failed", channel_name, alert.id)
            return self.settings.redact(f"{type(exc).__name__}: {exc}")

    def _notify(self, name: str, channel: ChannelSettings, message: Message) -> str:
        sender = self._apprise.get(name)
        if sender is None:
            plugin = apprise.Apprise.instantiate(channel.url, suppress_exceptions=True)
            if plugin is None:
                return (
                    f"channel '{name}': the Apprise URL is not valid (check its scheme and fields)"
                )
            # connect and read time-outs from delivery.timeout: a send never outlives the
            # lease it was claimed with
            plugin.socket_connect_timeout = self.settings.delivery.timeout
            plugin.socket_read_timeout = self.settings.delivery.timeout
            sender = apprise.Apprise()
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
