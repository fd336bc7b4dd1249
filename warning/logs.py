"""Logging to stderr, with every secret of the configuration redacted from every line.

Apprise's own DEBUG and INFO lines (request URLs, payloads) stay out of the log unless
`WARNING_APPRISE_LOG=DEBUG` (or INFO) is set; its warnings and errors always show.
`warning.notify` still captures its DEBUG lines per send to explain a failure.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
APPRISE = "apprise"
APPRISE_LEVEL_VARIABLE = "WARNING_APPRISE_LOG"


class RedactingFilter(logging.Filter):
    def __init__(self, redact: Callable[[str], str]):
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.redact(message), ()
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line (`logging.format: json`): time (UTC, ISO 8601), level,
    logger, message and, with a traceback, exception; redacted as the text lines are."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class LibraryLevel(logging.Filter):
    """Drops records of logger `name` (and its children) below `level`, whatever level the
    logger itself is at (Apprise's LogCapture lowers it to DEBUG during a send)."""

    def __init__(self, name: str, level: int):
        super().__init__()
        self.library, self.level = name, level

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name == self.library or record.name.startswith(f"{self.library}.")
        return not ours or record.levelno >= self.level


def apprise_level(configured: str = "WARNING") -> int:
    """`configured` (logging.apprise), or the level named by WARNING_APPRISE_LOG."""
    named = os.environ.get(APPRISE_LEVEL_VARIABLE, "").strip().upper() or configured
    level = logging.getLevelName(named) if named else logging.WARNING
    return level if isinstance(level, int) else logging.WARNING


def use_redaction(redact: Callable[[str], str]) -> None:
    """Redact with `redact` from now on (a reload may bring new channels and secrets)."""
    for handler in logging.getLogger().handlers:
        for found in handler.filters:
            if isinstance(found, RedactingFilter):
                found.redact = redact


def setup_logging(
    redact: Callable[[str], str],
    level: int | str = logging.INFO,
    apprise: str = "WARNING",
    form: str = "text",
) -> None:
    """Log to stderr as text lines or (`form` "json") JSON lines, every line redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if form == "json" else logging.Formatter(FORMAT))
    # first: dropped lines cost nothing
    handler.addFilter(LibraryLevel(APPRISE, apprise_level(apprise)))
    handler.addFilter(RedactingFilter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # each migration step: not news
    logging.getLogger(APPRISE).setLevel(apprise_level(apprise))
