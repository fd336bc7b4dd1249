"""What every source hands the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Incoming:
    """One report as a source found it, before it is stored."""

    ref: str  # where inside the source: a file name, an item id
    title: str
    text: str
    url: str = ""


@dataclass(frozen=True)
class Poll:
    reports: list[Incoming] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each, naming the item


class Source(Protocol):
    name: str

    def poll(self) -> Poll:
        """Everything the source has now; never raises for a bad item (it goes in errors)."""
        ...
