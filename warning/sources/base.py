"""What every source hands the pipeline, and what the pipeline hands back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Incoming:
    """One report as a source found it, before it is stored."""

    ref: str  # where inside the source: a file name, an item id
    title: str
    text: str
    url: str = ""
    published: datetime | None = None  # tz-aware UTC, when the source says
    outlet: str = ""  # who published it (a feed's or page's site), when known


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

    def poll(self, memo: Memo, known: Known) -> Poll:
        """Everything new the source has now; never raises for a bad item (it goes in
        errors). Raising means the whole source failed this time (it is retried later)."""
        ...

    def settle(self, stored: list[Stored]) -> list[str]:
        """Called once the polled reports are stored (the folder source files them away
        then); returns problems met."""
        ...


class Remote:
    """Sources whose items stay where they are: nothing to settle once stored."""

    def settle(self, stored: list[Stored]) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class Stored:
    """What became of one incoming report: its id, and whether it was already stored."""

    ref: str
    report_id: int
    duplicate: bool


# The pipeline's entry for reports from any source: (source name, reports) -> outcomes.
Intake = Callable[[str, Sequence[Incoming]], list[Stored]]
