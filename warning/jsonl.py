"""`warning score --jsonl`: lines `{"id", "text", "title"?}` in, one JSON result per line out.

Every input line gives exactly one output line, in order, whatever it holds: a result, or
`{"id", "error"}` naming `file:line`. Lines are split on "\\n" only (U+2028 or U+0085
inside a JSON string do not end a line), and every output line is valid UTF-8: invalid
bytes and lone surrogates are replaced with U+FFFD and a `notes` entry says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from warning.jsonio import JsonError, loads
from warning.score import Assessment, Scorer
from warning.text import valid_text

NOT_UTF8 = "not valid UTF-8; undecodable bytes replaced with U+FFFD"
BATCH = 64  # lines scored together: the classifier's set-up is paid once for them all


@dataclass(frozen=True)
class Line:
    """An input line read as an item to score, or the error it gives."""

    where: str
    ident: Any = None
    text: str = ""
    title: str | None = None
    notes: tuple[str, ...] = ()
    error: str = ""


def score_lines(scorer: Scorer, raw: bytes, name: str) -> Iterator[str]:
    """One JSON line per non-blank input line of `raw` (read from `name`), in order; the
    lines are scored BATCH at a time (twice as fast on short reports as one by one)."""
    lines = (
        read_line(line, f"{name}:{number}")
        for number, line in enumerate(raw.split(b"\n"), start=1)
        if line.strip()
    )
    while batch := list(islice(lines, BATCH)):
        for result in _scored(scorer, batch):
            text, _ = valid_text(json.dumps(result, ensure_ascii=False))
            yield text


def read_line(raw: bytes, where: str) -> Line:
    notes: list[str] = []
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        line = raw.decode("utf-8", errors="replace")
        notes.append(NOT_UTF8)
    try:
        item = loads(line)
    except JsonError as exc:
        return Line(where, error=f"{where}: {exc}")
    if not isinstance(item, dict):
        return Line(where, error=f"{where}: expected an object with id and text")
    ident = _valid(item.get("id"), "id", notes)
    text, title = _valid(item.get("text"), "text", notes), _valid(item.get("title"), "title", notes)
    if not isinstance(text, str) or not text.strip():
        return Line(where, ident, error=f"{where}: 'text' must be a non-empty string")
    if title is not None and not isinstance(title, str):
        return Line(where, ident, error=f"{where}: 'title' must be a string")
    return Line(where, ident, text, title, tuple(notes))


def _scored(scorer: Scorer, lines: list[Line]) -> list[dict[str, Any]]:
    """The result of each line; a scorer bug costs only the line it is in."""
    found = iter(scorer.score_apart([line.text for line in lines if not line.error]))
    return [_error(line.ident, line.error) if line.error else _result(line, next(found))
            for line in lines]  # fmt: skip


def _error(ident: Any, error: str) -> dict[str, Any]:
    return {"id": ident, "error": error}


def _result(line: Line, assessment: Assessment | Exception) -> dict[str, Any]:
    if isinstance(assessment, Exception):
        failed = f"scoring failed: {type(assessment).__name__}: {assessment}"
        return _error(line.ident, f"{line.where}: {failed}")
    result = {"id": line.ident, **assessment.to_json()}
    if line.title is not None:
        result["title"] = line.title
    result["notes"] = [*line.notes, *result["notes"]]  # what was mended, then how it was scored
    return result


def _valid(value: Any, field: str, notes: list[str]) -> Any:
    """A string field with its invalid code points replaced (noted); other values as given."""
    if not isinstance(value, str):
        return value
    text, replaced = valid_text(value)
    if replaced:
        notes.append(f"{field}: {replaced} invalid character(s) replaced with U+FFFD")
    return text
