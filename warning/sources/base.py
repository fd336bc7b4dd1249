"""What every source hands the pipeline, and what the pipeline hands back."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from warning.text import valid_text

TEXT_FIELDS = ("ref", "title", "text", "url", "outlet")  # the string fields of a report
# What must not reach a log or an error line as is: control characters (a newline forges a
# line), line separators, bidi controls, and lone surrogates (a file name's undecodable bytes).
UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One report as a source found it, before it is stored."""

    ref: str  # where inside the source: a file name, an item id
    title: str
    text: str
    url: str = ""
    published: datetime | None = None  # tz-aware UTC, when the source says
    outlet: str = ""  # who published it (a feed's or page's site), when known

    def valid(self) -> tuple[Incoming, tuple[str, ...]]:
        """This report with valid text in every string field (lone surrogates and NUL
        replaced by U+FFFD), and a note per field mended. Every report passes here on its
        way to the store (`Service.intake`), whichever source or API it came from."""
        mended: dict[str, str] = {}
        notes: list[str] = []
        for name in TEXT_FIELDS:
            value, count = valid_text(getattr(self, name))
            if count:
                mended[name] = value
                notes.append(f"{name}: {plural(count, 'invalid character')} replaced with U+FFFD")
        return (replace(self, **mended) if mended else self), tuple(notes)


@dataclass(frozen=True, slots=True)
class Memo:
    """What a source remembers between polls (kept in the store, so it survives restarts)."""

    etag: str = ""
    last_modified: str = ""
    cursor: str = ""  # e.g. the newest date seen


@dataclass(frozen=True)
class Poll:
    reports: list[Incoming] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each, naming the item
    seen: int = 0  # items the source looked at, new or not
    memo: Memo = Memo()  # to remember once these reports are stored


# Whether a report with this URL (or ref) from this source is already stored.
Known = Callable[[str], bool]


class Source(Protocol):
    name: str
    host: str  # the host its items come from ("" for a folder): polling.per_host

    def poll(self, memo: Memo, known: Known) -> Poll:
        """Everything new the source has now; never raises for a bad item (it goes in
        errors). Raising means the whole source failed this time (it is retried later)."""
        ...

    def settle(self, stored: list[Stored]) -> list[str]:
        """Called once the polled reports went to the store, with what became of each
        (stored, or refused and why: the folder source files them away then); returns
        problems met."""
        ...


class Remote:
    """Sources whose items stay where they are, behind a URL (`settings.url`): nothing to
    settle once stored."""

    settings: Any

    @property
    def host(self) -> str:
        return urlsplit(self.settings.url).hostname or ""

    def settle(self, stored: list[Stored]) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class Stored:
    """What became of one incoming report: its id and whether it was already stored, what
    was mended on the way in; or, when it could not be stored, why (report_id is None)."""

    ref: str  # as the source gave it (before any mending), so the source knows its item
    report_id: int | None
    duplicate: bool = False
    notes: tuple[str, ...] = ()  # e.g. "title: 1 invalid character replaced with U+FFFD"
    error: str = ""  # why it was not stored
    permanent: bool = False  # the item itself is at fault: trying again will not help

    def problems(self) -> list[str]:
        """One line per note and error, naming the item (escaped for a log line)."""
        lines = [*self.notes, *([f"not stored: {self.error}"] if self.error else [])]
        return [printable(f"{self.ref}: {line}") for line in lines]


def printable(text: str) -> str:
    """`text` safe for one log or error line: control characters, line separators, bidi
    controls and lone surrogates written as Python escapes (a newline as \\n)."""
    return UNPRINTABLE.sub(lambda match: repr(match.group())[1:-1], text)


def reason(exc: BaseException, *expected: type[BaseException]) -> str:
    """Why `exc` happened, in one line: its message if it is of an `expected` type (one that
    says why), else its type name first (an unexpected failure, maybe a bug)."""
    if isinstance(exc, expected):
        return printable(str(exc))
    return printable(f"{type(exc).__name__}: {exc}")


def plural(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"


# The pipeline's entry for reports from any source: (source name, reports) -> outcomes.
Intake = Callable[[str, Sequence[Incoming]], list[Stored]]
