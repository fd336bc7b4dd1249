"""RSS 0.9x/1.0/2.0 and Atom feeds: the bytes fetched by our client (timeout, size cap,
conditional GET), then parsed by feedparser; an item carrying only a summary is completed
from its link."""

from __future__ import annotations

import calendar
import hashlib
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser

from warning.config import RssSourceSettings
from warning.extract import ExtractError, extract_html, plain_text
from warning.fetch import Fetcher, FetchError
from warning.sources.base import Incoming, Known, Memo, Poll, Remote

SUMMARY_ONLY = 500  # characters: an item's text shorter than this is taken as a summary


class RssSource(Remote):
    def __init__(self, settings: RssSourceSettings):
        self.name = settings.name
        self.settings = settings
        self.fetcher = Fetcher(settings.timeout, settings.max_bytes)

    def poll(self, memo: Memo, known: Known) -> Poll:
        fetched = self.fetcher.get(self.settings.url, memo.etag, memo.last_modified)
        if fetched.not_modified:
            return Poll(memo=memo)
        polled = self.read(fetched.body, fetched.content_type, known)
        new_memo = Memo(fetched.etag, fetched.last_modified, memo.cursor)
        return Poll(polled.reports, polled.errors, polled.seen, new_memo)

    def read(self, body: bytes, content_type: str, known: Known) -> Poll:
        """The new items of a feed's bytes; FetchError if they are no feed at all."""
        feed = feedparser.parse(body, response_headers={"content-type": content_type or "text/xml"})
        if not feed.entries and (feed.bozo or not feed.get("version")):
            reason = feed.get("bozo_exception") or "no items and no feed version"
            raise FetchError(f"not a readable RSS or Atom feed: {reason}")
        outlet = feed.feed.get("title", "") or urlsplit(self.settings.url).hostname or ""
        reports, errors = [], []
        if feed.bozo:
            reason = feed.get("bozo_exception")
            errors.append(f"malformed feed ({reason}); the {len(feed.entries)} item(s) found read")
        for number, entry in enumerate(feed.entries, 1):
            item = self._item(entry, outlet, known, errors, number)
            if item is not None:
                reports.append(item)
        return Poll(reports, errors, seen=len(feed.entries))

    def _item(
        self, entry: dict, outlet: str, known: Known, errors: list[str], number: int
    ) -> Incoming | None:
        link = str(entry.get("link", "")).strip()
        title = plain_text(str(entry.get("title", ""))).strip()
        text = _entry_text(entry)
        where = f"item {number} ({link or title[:60] or 'untitled'})"
        ref = link or str(entry.get("id", "")) or _digest(title + text)
        if known(ref):
            return None
        if not link and not entry.get("id"):
            errors.append(f"{where}: no link and no id; stored under a hash of its text")
        published = _published(entry, errors, where)
        if link and self._wants_article(text):
            text, title, published = self._article(link, text, title, published, errors, where)
        if not text.strip():
            errors.append(f"{where}: no text; skipped")
            return None
        return Incoming(ref, title[:300] or text[:80], text, link, published, outlet)

    def _wants_article(self, text: str) -> bool:
        mode = self.settings.full_text
        return mode == "always" or (mode == "auto" and len(text) < SUMMARY_ONLY)

    def _article(
        self,
        link: str,
        text: str,
        title: str,
        published: datetime | None,
        errors: list[str],
        where: str,
    ) -> tuple[str, str, datetime | None]:
        """The linked page's article text (title and date too if the feed lacks them); the
        feed's own text if the page cannot be had."""
        try:
            page = self.fetcher.get(link)
            article = extract_html(page.body, page.charset, page.url)
        except (FetchError, ExtractError) as exc:
            errors.append(f"{where}: full text not fetched ({exc}); the feed's summary is used")
            return text, title, published
        return article.text, title or article.title, published or article.published


def _entry_text(entry: dict) -> str:
    """The longest of the item's content blocks and summary, as plain text."""
    blocks = [c.get("value", "") for c in entry.get("content", []) or []]
    blocks.append(str(entry.get("summary", "")))
    return max((plain_text(b) for b in blocks), key=len, default="").strip()


def _published(entry: dict, errors: list[str], where: str) -> datetime | None:
    # dict.get: the item's own keys, without feedparser's deprecated updated->published alias
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if parsed:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    raw = dict.get(entry, "published") or dict.get(entry, "updated")
    if raw:
        errors.append(f"{where}: unreadable date {str(raw)[:40]!r}; the time received is used")
    return None


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
