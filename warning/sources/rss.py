"""RSS 0.9x/1.0/2.0 and Atom feeds: the bytes fetched by our client (timeout, size cap,
conditional GET), then parsed by feedparser; an item carrying only a summary is completed
from its link."""

from __future__ import annotations

import calendar
import codecs
import hashlib
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from warning.config import RssSourceSettings
from warning.extract import ExtractError, extract_html, plain_text
from warning.fetch import Fetcher, FetchError
from warning.sources.base import Incoming, Known, Memo, Poll, Remote, plural, printable, reason

SUMMARY_ONLY = 500  # characters: an item's text shorter than this is taken as a summary
CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
ITEM_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s>/])")
REPLACED = b"&#xFFFD;"
WIDE = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"),
    (b"<\0", "utf-16-le"), (b"\0<", "utf-16-be"),
)  # fmt: skip


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
        """The new items of a feed's bytes; FetchError if they are no feed at all. A bad
        item is a problem naming it in the Poll's errors; the other items are read."""
        body, mended = mend_references(body)
        feed = _parse(body, content_type)
        outlet = feed.feed.get("title", "") or urlsplit(self.settings.url).hostname or ""
        reports, errors = [], []
        if feed.bozo:
            why = feed.get("bozo_exception")
            errors.append(f"malformed feed ({why}); the {len(feed.entries)} item(s) found read")
        if mended[0]:
            errors.append(f"outside the items: {_replaced(mended[0])}")
        for number, entry in enumerate(feed.entries, 1):
            item = self._new_item(entry, number, outlet, known, mended[number], errors)
            if item is not None:
                reports.append(item)
        return Poll(reports, errors, seen=len(feed.entries))

    def _new_item(
        self, entry: Any, number: int, outlet: str, known: Known, mended: int, errors: list[str]
    ) -> Incoming | None:
        """Item `number` as a report unless it is known; its problems, naming it, go to
        `errors` (whatever goes wrong reading it: one bad item never loses the feed)."""
        where = _where(entry, number)
        try:
            item, notes = _entry(entry, outlet)
        except Exception as exc:  # by design, not by listing the errors met so far
            errors.append(f"{where}: not read: {reason(exc)}")
            return None
        if known(item.ref):
            return None
        errors.extend(
            f"{where}: {note}" for note in ([_replaced(mended)] if mended else []) + notes
        )
        if item.url and self._wants_article(item.text):
            item = self._article(item, errors, where)
        if not item.text.strip():
            errors.append(f"{where}: no text; skipped")
            return None
        return replace(item, title=item.title[:300] or item.text[:80])

    def _wants_article(self, text: str) -> bool:
        mode = self.settings.full_text
        return mode == "always" or (mode == "auto" and len(text) < SUMMARY_ONLY)

    def _article(self, item: Incoming, errors: list[str], where: str) -> Incoming:
        """The item with its linked page's article text (title and date too if the feed
        lacks them); as it was if the page cannot be had."""
        try:
            page = self.fetcher.get(item.url)
            article = extract_html(page.body, page.charset, page.url)
        except Exception as exc:  # whatever the page does, the feed's text is still there
            why = reason(exc, FetchError, ExtractError)
            errors.append(f"{where}: full text not fetched ({why}); the feed's summary is used")
            return item
        return replace(
            item,
            text=article.text,
            title=item.title or article.title,
            published=item.published or article.published,
        )


def mend_references(body: bytes) -> tuple[bytes, Counter[int]]:
    """`body` with each character reference to what cannot be text (a surrogate, NUL, past
    U+10FFFF) written `&#xFFFD;` (feedparser raises on them, losing the whole feed), and
    how many were, by item number (from 1, in document order; 0: outside any item). A
    UTF-16 or UTF-32 body (by its BOM, or its first character '<') is mended as text and
    written back in its own encoding."""
    codec = next((codec for start, codec in WIDE if body.startswith(start)), None)
    if codec is None:
        return _mend(body)
    mended, counts = _mend(body.decode(codec, "replace").encode("utf-8"))
    return (mended.decode("utf-8").encode(codec) if counts else body), counts


def _mend(body: bytes) -> tuple[bytes, Counter[int]]:
    bad = [match.start() for match in CHARREF.finditer(body) if not _is_text(match)]
    if not bad:
        return body, Counter()
    starts = [match.start() for match in ITEM_START.finditer(body)]
    counts = Counter(bisect_right(starts, at) for at in bad)
    return CHARREF.sub(lambda m: m.group() if _is_text(m) else REPLACED, body), counts


def _is_text(match: re.Match[bytes]) -> bool:
    hex_digits, digits = match.groups()
    number = (hex_digits or digits).lstrip(b"0")
    if len(number) > 8:
        return False
    value = int(number or b"0", 16 if hex_digits else 10)
    return 0 < value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF


def _replaced(count: int) -> str:
    return f"{plural(count, 'invalid character reference')} replaced with U+FFFD"


def _parse(body: bytes, content_type: str) -> Any:
    headers = {"content-type": content_type or "text/xml"}
    try:
        feed = feedparser.parse(body, response_headers=headers)
    except Exception as exc:  # the parser itself gave up: no item can be had
        raise FetchError(f"not a readable RSS or Atom feed: {reason(exc)}") from exc
    if not feed.entries and (feed.bozo or not feed.get("version")):
        why = feed.get("bozo_exception") or "no items and no feed version"
        raise FetchError(f"not a readable RSS or Atom feed: {why}")
    return feed


def _where(entry: Any, number: int) -> str:
    """How an item is named in a problem: its number, and its link or title."""
    name = str(entry.get("link", "")).strip() or str(entry.get("title", "")).strip()[:60]
    return printable(f"item {number} ({name or 'untitled'})")


def _entry(entry: Any, outlet: str) -> tuple[Incoming, list[str]]:
    """The item as the feed gives it (title may be empty), and the problems met."""
    link = str(entry.get("link", "")).strip()
    title = plain_text(str(entry.get("title", ""))).strip()
    text = _entry_text(entry)
    notes = []
    if not link and not entry.get("id"):
        notes.append("no link and no id; stored under a hash of its text")
    ref = link or str(entry.get("id", "")) or _digest(title + text)
    published = _published(entry, notes)
    return Incoming(ref, title, text, link, published, outlet), notes


def _entry_text(entry: Any) -> str:
    """The longest of the item's content blocks and summary, as plain text."""
    blocks = [c.get("value", "") for c in entry.get("content", []) or []]
    blocks.append(str(entry.get("summary", "")))
    return max((plain_text(b) for b in blocks), key=len, default="").strip()


def _published(entry: Any, notes: list[str]) -> datetime | None:
    # dict.get: the item's own keys, without feedparser's deprecated updated->published alias
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if parsed:
        try:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
        except (ValueError, OverflowError, OSError):  # e.g. "0000-00-00": year -1
            pass
    raw = dict.get(entry, "published") or dict.get(entry, "updated")
    if raw:
        notes.append(f"unreadable date {str(raw)[:40]!r}; the time received is used")
    return None


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
