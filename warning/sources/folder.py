"""A folder of files dropped by partners: .txt, .html/.htm, .json (one report or a list of
them) and .eml, each read into reports.

With `after: move` (the default) a file whose reports are stored goes to `done/`; a file
that cannot be read goes to `failed/` with `NAME.error.txt` beside it saying why. A crash
between storing and moving loses nothing: the file is still there, its reports are known
(by name and content), and the next poll moves it. With `after: keep` files stay and are
read again on every poll (a report with the same text is stored only once).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from warning.config import FolderSourceSettings
from warning.extract import ExtractError, decode, extract_html
from warning.sources.base import Incoming, Known, Memo, Poll, Stored
from warning.text import title_of
from warning.times import as_utc, parse_iso

DONE, FAILED = "done", "failed"


class Unreadable(ValueError):
    """A file that gives no report; the message says why."""


class FolderSource:
    def __init__(self, settings: FolderSourceSettings):
        self.name = settings.name
        self.settings = settings
        self.moving = settings.after == "move"

    def poll(self, memo: Memo, known: Known) -> Poll:
        folder = self.settings.path
        if not folder.is_dir():
            return Poll(errors=[f"{folder}: folder does not exist"], memo=memo)
        reports: list[Incoming] = []
        errors: list[str] = []
        files = [p for p in sorted(folder.glob(self.settings.pattern)) if _readable_kind(p)]
        for path in files:
            try:
                items, notes = self._read(path)
            except Unreadable as exc:
                errors.append(f"{path}: {exc}")
                self._fail(path, str(exc), errors)
                continue
            errors.extend(f"{path}: {note}" for note in notes)
            if self.moving and all(known(item.ref) for item in items):
                self._move(path, folder / DONE, errors)  # stored by an earlier poll
                continue
            reports.extend(items)
        return Poll(reports, errors, seen=len(files), memo=memo)

    def settle(self, stored: list[Stored]) -> list[str]:
        """Move the files whose reports are all stored now to done/; returns problems."""
        if not self.moving:
            return []
        refs = {s.ref for s in stored}
        errors: list[str] = []
        for name in sorted({ref.split("#", 1)[0] for ref in refs}):
            path = self.settings.path / name
            if path.is_file():
                self._move(path, self.settings.path / DONE, errors)
        return errors

    def _read(self, path: Path) -> tuple[list[Incoming], list[str]]:
        try:
            size = path.stat().st_size
            if size > self.settings.max_bytes:
                raise Unreadable(f"{size} bytes is over the {self.settings.max_bytes}-byte limit")
            raw = path.read_bytes()
        except OSError as exc:
            raise Unreadable(f"cannot read: {exc.strerror or exc}") from exc
        if not raw.strip():
            raise Unreadable("empty file")
        digest = hashlib.sha256(raw).hexdigest()[:12]
        try:
            items, notes = READERS[path.suffix.lower()](raw, path.name)
        except ExtractError as exc:
            raise Unreadable(str(exc)) from exc
        if not items:
            raise Unreadable("no report in it")
        refs = [
            f"{path.name}#{digest}" + (f"#{i}" if len(items) > 1 else "") for i in range(len(items))
        ]
        return [_with_ref(item, ref) for item, ref in zip(items, refs, strict=True)], notes

    def _fail(self, path: Path, reason: str, errors: list[str]) -> None:
        if not self.moving:
            return
        target = self._move(path, self.settings.path / FAILED, errors)
        if target is not None:
            target.with_name(target.name + ".error.txt").write_text(reason + "\n", "utf-8")

    def _move(self, path: Path, folder: Path, errors: list[str]) -> Path | None:
        try:
            folder.mkdir(exist_ok=True)
            target = folder / path.name
            if target.exists():  # keep both: the older one is not overwritten
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
                target = folder / f"{path.stem}.{stamp}{path.suffix}"
            return path.rename(target)
        except OSError as exc:
            errors.append(f"{path}: cannot move to {folder.name}/: {exc.strerror or exc}")
            return None


def _readable_kind(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in READERS


def _with_ref(item: Incoming, ref: str) -> Incoming:
    return Incoming(ref, item.title, item.text, item.url, item.published, item.outlet)


Reader = Callable[[bytes, str], tuple[list[Incoming], list[str]]]


def _read_text(raw: bytes, name: str) -> tuple[list[Incoming], list[str]]:
    decoded = decode(raw)
    if not decoded.text.strip():
        raise Unreadable("empty file")
    return [Incoming(name, title_of(decoded.text, name), decoded.text)], list(decoded.problems)


def _read_html(raw: bytes, name: str) -> tuple[list[Incoming], list[str]]:
    article = extract_html(raw)
    item = Incoming(name, article.title or name, article.text, published=article.published)
    return [item], list(article.problems)


def _read_json(raw: bytes, name: str) -> tuple[list[Incoming], list[str]]:
    decoded = decode(raw)
    try:
        data = json.loads(decoded.text)
    except ValueError as exc:
        raise Unreadable(f"not valid JSON: {exc}") from exc
    entries = data if isinstance(data, list) else [data]
    return [_json_report(entry, i, name) for i, entry in enumerate(entries)], []


def _json_report(entry: Any, index: int, name: str) -> Incoming:
    where = f"item {index}"
    if not isinstance(entry, dict):
        raise Unreadable(f"{where}: a report is an object with 'text'")
    unknown = set(entry) - {"title", "text", "url", "source", "published"}
    if unknown:
        raise Unreadable(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Unreadable(f"{where}: 'text' is missing or empty")
    title = str(entry.get("title") or title_of(text, name))[:300]
    published = _iso_date(entry.get("published"), where)
    return Incoming(
        name, title, text, str(entry.get("url") or ""), published, str(entry.get("source") or "")
    )


def _iso_date(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_iso(str(value))
    if parsed is None:
        raise Unreadable(f"{where}: 'published' is not an ISO 8601 date: {value!r}")
    return parsed


def _read_email(raw: bytes, name: str) -> tuple[list[Incoming], list[str]]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise Unreadable("an email with no text or HTML part")
    payload = body.get_payload(decode=True) or b""
    charset = body.get_content_charset() or ""
    if body.get_content_type() == "text/html":
        article = extract_html(payload, charset)
        text, notes = article.text, list(article.problems)
    else:
        decoded = decode(payload, charset)
        text, notes = decoded.text, list(decoded.problems)
    if not text.strip():
        raise Unreadable("an email with an empty body")
    title = str(message.get("Subject", "") or "") or title_of(text, name)
    published = None
    try:
        published = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        notes.append(f"unreadable Date header {str(message['Date'])[:40]!r}")
    published = as_utc(published) if published is not None else None
    outlet = str(message.get("From", "") or "")
    return [Incoming(name, title[:300], text, "", published, outlet)], notes


READERS: dict[str, Reader] = {
    ".txt": _read_text,
    ".text": _read_text,
    ".html": _read_html,
    ".htm": _read_html,
    ".json": _read_json,
    ".eml": _read_email,
}
