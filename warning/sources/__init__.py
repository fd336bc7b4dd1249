"""Where reports come from. One module per kind; `SOURCES` maps a config `kind` to its class.

A source's one method: `poll() -> Poll`, the reports it has now and the problems it met.
"""

from __future__ import annotations

from warning.sources.base import Incoming, Poll, Source
from warning.sources.folder import FolderSource

SOURCES: dict[str, type[Source]] = {"folder": FolderSource}

__all__ = ["SOURCES", "Incoming", "Poll", "Source"]
