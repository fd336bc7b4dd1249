"""Turn an alert into a message per channel format and send it through Apprise.

`Notifier.send` never raises: it returns the reason a send failed ("" when it worked),
with every secret redacted, so the caller can record it as the delivery's outcome.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import apprise
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from warning.config import ChannelSettings, Settings
from warning.models import Alert

TEMPLATES = Path(__file__).parent / "templates"
HITS_PER_SIGNAL = 3
FORMATS = {
    "email": ("alert.html.j2", apprise.NotifyFormat.HTML),
    "markdown": ("alert.md.j2", apprise.NotifyFormat.MARKDOWN),
    "text": ("alert.txt.j2", apprise.NotifyFormat.TEXT),
}
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


def message_view(alert: Alert) -> dict[str, Any]:
    """What the templates see: the alert, its signals and at most a few quotes each."""
    scored = json.loads(alert.assessment)
    signals = [_signal_view(s) for s in scored["signals"]]
    return {
        "alert_id": alert.id,
        "severity": alert.severity,
        "place": alert.place,
        "why": scored.get("why", ""),
        "title": alert.title or "(untitled report)",
        "url": alert.url,
        "link": alert.url or "no link",
        "signals": signals,
    }


def _signal_view(signal: dict[str, Any]) -> dict[str, Any]:
    quoted = _by_quote(signal["hits"])
    return {
        "label": signal["name"].replace("_", " "),
        "score": signal["score"],
        "rules": signal["rules"],
        "classifier": signal["classifier"],
        "indicators": signal["indicators"],
        "hits": quoted[:HITS_PER_SIGNAL],
        "more": max(len(quoted) - HITS_PER_SIGNAL, 0),
    }


def _by_quote(hits: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One entry per quoted sentence, naming every rule that fired on it."""
    merged: dict[str, list[str]] = {}
    for hit in hits:
        merged.setdefault(hit["quote"], []).append(hit["rule"])
    return [{"quote": quote, "rule": ", ".join(rules)} for quote, rules in merged.items()]


def subject_of(alert: Alert) -> str:
    names = ", ".join(name.replace("_", " ") for name in alert.signals.split(",") if name)
    return f"[{alert.severity.upper()}] {alert.place or 'place not named'}: {names}"


def render(alert: Alert, body_format: str, environment: Environment | None = None) -> Message:
    template_name, apprise_format = FORMATS[body_format]
    environment = environment or _environment()
    body = environment.get_template(template_name).render(m=message_view(alert))
    return Message(subject_of(alert), body, apprise_format)


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
            message = render(alert, channel.body_format, self.environment)
            return self._notify(channel_name, channel, message)
        except Exception as exc:  # a broken template or plugin must not stop the other channels
            log.exception("channel %s: sending alert %s failed", channel_name, alert.id)
            return self.settings.redact(f"{type(exc).__name__}: {exc}")

    def _notify(self, name: str, channel: ChannelSettings, message: Message) -> str:
        sender = self._apprise.get(name)
        if sender is None:
            sender = apprise.Apprise()
            if not sender.add(channel.url):
                return (
                    f"channel '{name}': the Apprise URL is not valid (check its scheme and fields)"
                )
            self._apprise[name] = sender
        with apprise.LogCapture(level=logging.DEBUG, fmt="%(levelname)s: %(message)s") as captured:
            ok = sender.notify(
                title=message.subject, body=message.body, body_format=message.body_format
            )
        if ok:
            return ""
        return self.settings.redact(_reason(captured.getvalue()) or "Apprise reported a failure")


def _reason(log_text: str) -> str:
    """The warnings, errors and exception details Apprise logged, on one line."""
    telling = ("WARNING", "ERROR", "DEBUG: Socket Exception", "DEBUG: Response Details")
    lines = [line for line in log_text.splitlines() if line.startswith(telling)]
    return " | ".join(lines[-4:])[:2000]
