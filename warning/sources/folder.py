"""A folder of files dropped by partners: .txt, .html/.htm, .json (one report or a list of
them) and .eml, each read into reports.

With `after: move` (the default) a file whose reports are stored goes to `done/`; a file
that cannot be read goes to `failed/` with `NAME.error.txt` beside it saying why. A crash
between storing and moving loses nothing: the file is still there, its reports are known
(by name and content), and the next poll moves it. With `after: keep` files stay and are
read again on every poll (a report with the same text is stored only once).

One bad file never stops the others: whatever goes wrong reading it is its reason in
`failed/`; a file whose report the store could not take stays, to be read again (unless
the report itself was refused). The source stays in its folder: `pattern` cannot leave it
(refused when the config is read), `done/` and `failed/` are never read again, a link to a
file outside the folder is refused (and left where it is), and file names are escaped in
every message (`printable`), so a newline in a name cannot forge a log line.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from warning.config import FolderSourceSettings
from warning.extract import ExtractError, decode, extract_html
from warning.jsonio import JsonError, loads
from warning.sources.base import Incoming, Known, Memo, Poll, Stored, printable, reason
from warning.text import title_of
from warning.times import as_utc, parse_iso

DONE, FAILED = "done", "failed"
FILED = frozenset({DONE, FAILED})  # where read files go; never read again
REF = re.compile(r"(?P<name>.*)#[0-9a-f]{12}(?:#\d+)?", re.DOTALL)  # name#digest[#item]
OUTSIDE = "a link to a file outside the folder; not read, left where it is"
INTO_FILED = "a link into done/ or failed/; not read, left where it is"
LOOP = "a link that leads nowhere (a loop?); not read, left where it is"
# characters in one email header (RFC 5322: lines of at most 998); the email module's parser
# takes the square of a header's length: one of 180,000 held a poll for minutes
MAX_HEADER = 4000


class Unreadable(ValueError):
    """A file that gives no report; the message says why."""


class FolderSource:
    host = ""  # local files: no site to be polite to

    def __init__(self, settings: FolderSourceSettings):
        self.name = settings.name
        self.settings = settings
        self.moving = settings.after == "move"

    def poll(self, memo: Memo, known: Known) -> Poll:
        folder = self.settings.path
        if not folder.is_dir():
            return Poll(errors=[printable(f"{folder}: folder does not exist")], memo=memo)
        files = self._files(folder)
        reports: list[Incoming] = []
        errors: list[str] = []
        for path in files:
            reports.extend(self._take(path, known, errors))
        return Poll(reports, errors, seen=len(files), memo=memo)

    def settle(self, stored: list[Stored]) -> list[str]:
        """File away each file whose reports were all stored (done/) or refused for good
        (failed/); one the store failed on stays, to be read again. Returns problems."""
        if not self.moving:
            return []
        errors: list[str] = []
        for name, outcomes in _by_file(stored).items():
            path = self.settings.path / name
            failures = [s for s in outcomes if s.error]
            if not path.is_file() or not all(s.permanent for s in failures):
                continue
            if failures:
                why = "; ".join(f"{s.ref}: not stored: {s.error}" for s in failures)
                self._fail(path, why, errors)
            else:
                self._move(path, DONE, errors)
        return errors

    def _files(self, folder: Path) -> list[Path]:
        """The files `pattern` names, of a kind we read, outside done/ and failed/."""
        return [
            path
            for path in sorted(folder.glob(self.settings.pattern))
            if not FILED.intersection(path.relative_to(folder).parts[:1]) and _readable_kind(path)
        ]

    def _take(self, path: Path, known: Known, errors: list[str]) -> list[Incoming]:
        """The reports of one file still to be stored. A file that cannot be read goes to
        failed/ (whatever the error), one whose reports are all stored already to done/."""
        where = printable(str(path))
        refused = self._refusal(path)
        if refused:
            errors.append(f"{where}: {refused}")
            return []
        try:
            items, notes = self._read(path)
        except Exception as exc:  # by design: no error in one file stops the others
            why = reason(exc, Unreadable)
            errors.append(f"{where}: {why}")
            self._fail(path, why, errors)
            return []
        errors.extend(f"{where}: {printable(note)}" for note in notes)
        if self.moving and all(known(item.ref) for item in items):
            self._move(path, DONE, errors)  # stored by an earlier poll
            return []
        return items

    def _refusal(self, path: Path) -> str:
        """Why `path` may not be read though `pattern` names it ('' if it may): it is, or
        lies under, a link that leads out of the folder or into done/ or failed/."""
        try:
            root, real = self.settings.path.resolve(), path.resolve()
        except (OSError, RuntimeError):  # a loop of links
            return LOOP
        if not real.is_relative_to(root):
            return OUTSIDE
        return INTO_FILED if FILED.intersection(real.relative_to(root).parts[:1]) else ""

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
        name = path.relative_to(self.settings.path).as_posix()
        refs = [f"{name}#{digest}" + (f"#{i}" if len(items) > 1 else "") for i in range(len(items))]
        return [_with_ref(item, ref) for item, ref in zip(items, refs, strict=True)], notes

    def _fail(self, path: Path, why: str, errors: list[str]) -> None:
        if not self.moving:
            return
        target = self._move(path, FAILED, errors)
        if target is None:
            return
        note = target.with_name(target.name + ".error.txt")
        try:
            note.write_text(printable(why) + "\n", "utf-8")
        except OSError as exc:
            errors.append(printable(f"{note}: cannot write the reason: {exc.strerror or exc}"))

    def _move(self, path: Path, where: str, errors: list[str]) -> Path | None:
        folder = self.settings.path / where
        try:
            folder.mkdir(exist_ok=True)
            target = folder / path.name
            if target.exists():  # keep both: the older one is not overwritten
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
                target = folder / f"{path.stem}.{stamp}{path.suffix}"
            return path.rename(target)
        except OSError as exc:
            errors.append(printable(f"{path}: cannot move to {where}/: {exc.strerror or exc}"))
            return None


def _readable_kind(path: Path) -> bool:
    return path.suffix.lower() in READERS and path.is_file()


def _by_file(stored: list[Stored]) -> dict[str, list[Stored]]:
    """The outcomes of a poll's reports by the file (name inside the folder) they came from."""
    files: dict[str, list[Stored]] = {}
    for outcome in stored:
        match = REF.fullmatch(outcome.ref)
        if match:
            files.setdefault(match["name"], []).append(outcome)
    return files


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
        data = loads(decoded.text)
    except JsonError as exc:
        raise Unreadable(str(exc)) from None
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
    title, url, outlet, published = (
        _string(entry, key, where) for key in ("title", "url", "source", "published")
    )
    when = _iso_date(published, where)
    return Incoming(name, (title or title_of(text, name))[:300], text, url, when, outlet)


def _string(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise Unreadable(f"{where}: '{key}' must be a string, not {type(value).__name__}")
    return value or ""


def _iso_date(value: str, where: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_iso(value)
    if parsed is None:
        raise Unreadable(f"{where}: 'published' is not an ISO 8601 date: {value[:40]!r}")
    return parsed


def _read_email(raw: bytes, name: str) -> tuple[list[Incoming], list[str]]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    _refuse_long_headers(message)
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


def _refuse_long_headers(message: email.message.Message) -> None:
    """Unreadable if a header of any part is over MAX_HEADER characters, before any is
    read (parsing one costs the square of its length)."""
    for part in message.walk():
        for header, value in part.raw_items():
            if len(value) > MAX_HEADER:
                raise Unreadable(
                    f"a {header[:40]} header of {len(value):,} characters (at most {MAX_HEADER:,})"
                )


READERS: dict[str, Reader] = {
    ".txt": _read_text,
    ".text": _read_text,
    ".html": _read_html,
    ".htm": _read_html,
    ".json": _read_json,
    ".eml": _read_email,
}
