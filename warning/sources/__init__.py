"""Where reports come from. One module per kind; `SOURCES` maps a config `kind` to its class.

A source's two methods: `poll(memo, known) -> Poll`, the new reports it has now and the
problems it met; and `settle(stored)`, called once they are stored (the folder source files
them away then; remote ones have nothing to do). `http` reports are not polled: they are
POSTed to the web app, which hands them to the same intake.
"""

from __future__ import annotations

from warning.sources.base import Incoming, Intake, Known, Memo, Poll, Source, Stored
from warning.sources.folder import FolderSource
from warning.sources.reliefweb import ReliefWebSource
from warning.sources.rss import RssSource

SOURCES: dict[str, type[Source]] = {
    "folder": FolderSource,
    "rss": RssSource,
    "reliefweb": ReliefWebSource,
}

__all__ = ["SOURCES", "Incoming", "Intake", "Known", "Memo", "Poll", "Source", "Stored"]
