"""The ReliefWeb v1 reports API: POST {url}?appname=... with a query, the fields we read,
newest first, a page at a time; it remembers the newest `date.created` seen and asks only
for reports created since (the base URL is configurable, so tests point it at a local
server)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from warning.config import ReliefWebSourceSettings
from warning.extract import plain_text
from warning.fetch import Fetcher, FetchError
from warning.sources.base import Incoming, Known, Memo, Poll, Remote, printable, reason
from warning.times import parse_iso

FIELDS = ["title", "body", "url", "url_alias", "date.created", "date.original", "source.name"]


class ReliefWebSource(Remote):
    def __init__(self, settings: ReliefWebSourceSettings):
        self.name = settings.name
        self.settings = settings
        self.fetcher = Fetcher(settings.timeout, settings.max_bytes)

    def poll(self, memo: Memo, known: Known) -> Poll:
        reports: list[Incoming] = []
        errors: list[str] = []
        newest, seen = memo.cursor, 0
        for page in range(self.settings.max_pages):
            items = self._page(page, memo.cursor)
            seen += len(items)
            for item in items:
                incoming = _guarded(item, errors)
                if incoming is not None and not known(incoming.ref):
                    reports.append(incoming)
                newest = max(newest, _created(item))
            if len(items) < self.settings.page_size:
                break
        return Poll(reports, errors, seen, Memo(cursor=newest))

    def _page(self, page: int, since: str) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {
            "fields": {"include": FIELDS},
            "sort": ["date.created:desc"],
            "limit": self.settings.page_size,
            "offset": page * self.settings.page_size,
        }
        if self.settings.query:
            payload["query"] = {"value": self.settings.query, "operator": "AND"}
        if since:
            payload["filter"] = {"field": "date.created", "value": {"from": since}}
        fetched = self.fetcher.post_json(
            self.settings.url, payload, params={"appname": self.settings.appname}
        )
        try:
            data = json.loads(fetched.body)
            items = data["data"]
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise FetchError(f"not a ReliefWeb reports response: {exc}") from exc
        if not isinstance(items, list):
            raise FetchError("not a ReliefWeb reports response: 'data' is not a list")
        return [item for item in items if isinstance(item, dict)]


def _guarded(item: dict[str, Any], errors: list[str]) -> Incoming | None:
    """The item as a report, or None with its problem in `errors`, whatever goes wrong."""
    try:
        return _incoming(item, errors)
    except Exception as exc:  # by design: one bad item never loses the others
        errors.append(f"{_where(item)}: not read: {reason(exc)}")
        return None


def _where(item: dict[str, Any]) -> str:
    return printable(f"report {str(item.get('id', '?'))[:40]}")


def _incoming(item: dict[str, Any], errors: list[str]) -> Incoming | None:
    fields = item.get("fields") if isinstance(item.get("fields"), dict) else {}
    where = _where(item)
    text = plain_text(str(fields.get("body", "") or ""))
    if not text.strip():
        errors.append(f"{where}: no body; skipped")
        return None
    url = str(fields.get("url_alias") or fields.get("url") or item.get("href") or "")
    dates = fields.get("date") if isinstance(fields.get("date"), dict) else {}
    published = _date(dates.get("original") or dates.get("created"), errors, where)
    sources = fields.get("source") if isinstance(fields.get("source"), list) else []
    outlet = ", ".join(str(s.get("name", "")) for s in sources if isinstance(s, dict))
    ref = url or f"reliefweb:{item.get('id', '')}"
    title = str(fields.get("title", "") or "")[:300]
    return Incoming(ref, title, text, url, published, outlet)


def _created(item: dict[str, Any]) -> str:
    fields = item.get("fields") if isinstance(item.get("fields"), dict) else {}
    dates = fields.get("date") if isinstance(fields.get("date"), dict) else {}
    created = dates.get("created", "")
    return created if isinstance(created, str) and parse_iso(created) else ""


def _date(value: Any, errors: list[str], where: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_iso(str(value))
    if parsed is None:
        errors.append(f"{where}: unreadable date {str(value)[:40]!r}; the time received is used")
    return parsed
