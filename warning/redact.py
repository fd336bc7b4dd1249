"""Which strings of a configuration are secret, and one fast pass that hides them all.

A channel URL's secret parts are asked of Apprise itself: the fields its plugin marks
`private` (passwords, tokens, webhook ids, keys), as the plugin holds them (decoded, the
way Apprise logs them) and as they are written in a URL (percent-encoded). For a URL
Apprise cannot read, and on top of what it says, the userinfo password, long path
segments and secret-looking query values are hidden too.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

MASK = "***"
MIN_PART = 4  # a shorter part of a URL is not hidden on its own (it would shred the log)
LONG = 16  # a path segment or user name this long may be a token
SECRET_KEY = re.compile(r"pass|secret|token|key|auth|sig|cred|session|hook", re.IGNORECASE)


@dataclass(frozen=True)
class Redactor:
    """Replaces every secret with '***' in one regex pass, longest secret first."""

    pattern: re.Pattern[str] | None

    @classmethod
    def hiding(cls, secrets: Iterable[str]) -> Redactor:
        values = sorted({s for s in secrets if s}, key=len, reverse=True)
        return cls(re.compile("|".join(map(re.escape, values))) if values else None)

    def __call__(self, text: str) -> str:
        return self.pattern.sub(MASK, text) if self.pattern else text


def channel_secrets(url: str) -> set[str]:
    """A channel's Apprise `url` itself and its secret parts."""
    return {url} | _as_written(private_parts(url) | guessed_parts(url))


def feed_secrets(url: str) -> set[str]:
    """What may be secret in a feed's URL (the URL itself is not: logs name the feed)."""
    return _as_written(guessed_parts(url))


def _as_written(parts: set[str]) -> set[str]:
    """Each part long enough to hide, decoded and percent-encoded."""
    kept = {p for p in parts if len(p) >= MIN_PART}
    return kept | {quote(p, safe="") for p in kept}


def guessed_parts(url: str) -> set[str]:
    """What in any URL may be secret: the password, a long user name or path segment, the
    value of a query key that sounds secret."""
    try:
        parts = urlsplit(url)
        user, password = unquote(parts.username or ""), unquote(parts.password or "")
    except ValueError:
        return set()
    found = {password, user if len(user) >= LONG else ""}
    found |= {seg for seg in unquote(parts.path).split("/") if len(seg) >= LONG}
    found |= {v for k, v in parse_qsl(parts.query) if SECRET_KEY.search(k)}
    return found - {""}


def private_parts(url: str) -> set[str]:
    """The values of the fields Apprise's plugin for `url` declares private."""
    import apprise  # here, not at the top: only a configuration with channels pays for it

    with _quiet("apprise"):  # its warnings about a bad URL may quote the secret
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return set()
    spec = {**plugin.template_tokens, **plugin.template_args}
    declared = [
        getattr(plugin, field.get("map_to", name), None)
        for name, field in spec.items()
        if field.get("private")
    ]
    return set(_strings(declared))


def _strings(values: Iterable[Any]) -> Iterator[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list | tuple | set | frozenset):
            yield from _strings(value)


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Drop the records this thread logs on logger `name` (other threads log as usual)."""
    me = threading.get_ident()

    def from_other_threads(record: logging.LogRecord) -> bool:
        return record.thread != me

    logger = logging.getLogger(name)
    logger.addFilter(from_other_threads)
    try:
        yield
    finally:
        logger.removeFilter(from_other_threads)
