"""`warning score --jsonl`: lines `{"id", "text", "title"?}` in, one JSON result per line out.

Every input line gives exactly one output line, in order, whatever it holds: a result, or
`{"id", "error"}` naming `file:line`. Lines are split on "\\n" only (U+2028 or U+0085
inside a JSON string do not end a line), and every output line is valid UTF-8: invalid
bytes and lone surrogates are replaced with U+FFFD and a `notes` entry says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from warning.jsonio import JsonError, loads
from warning.score import Scorer
from warning.text import valid_text

NOT_UTF8 = "not valid UTF-8; undecodable bytes replaced with U+FFFD"


def score_lines(scorer: Scorer, raw: bytes, name: str) -> Iterator[str]:
    """One JSON line per non-blank input line of `raw` (read from `name`)."""
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.strip():
            result = score_line(scorer, line, f"{name}:{number}")
            text, _ = valid_text(json.dumps(result, ensure_ascii=False))
            yield text


def score_line(scorer: Scorer, raw: bytes, where: str) -> dict[str, Any]:
    notes: list[str] = []
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        line = raw.decode("utf-8", errors="replace")
        notes.append(NOT_UTF8)
    try:
        item = loads(line)
    except JsonError as exc:
        return {"id": None, "error": f"{where}: {exc}"}
    if not isinstance(item, dict):
        return {"id": None, "error": f"{where}: expected an object with id and text"}
    ident = _valid(item.get("id"), "id", notes)
    text, title = _valid(item.get("text"), "text", notes), _valid(item.get("title"), "title", notes)
    if not isinstance(text, str) or not text.strip():
        return {"id": ident, "error": f"{where}: 'text' must be a non-empty string"}
    if title is not None and not isinstance(title, str):
        return {"id": ident, "error": f"{where}: 'title' must be a string"}
    try:
        result = {"id": ident, **scorer.score(text).to_json()}
    except Exception as exc:  # a scorer bug costs this line, never the rest of the file
        return {"id": ident, "error": f"{where}: scoring failed: {type(exc).__name__}: {exc}"}
    if title is not None:
        result["title"] = title
    result["notes"] = notes + result["notes"]  # what was mended, then how it was scored
    return result


def _valid(value: Any, field: str, notes: list[str]) -> Any:
    """A string field with its invalid code points replaced (noted); other values as given."""
    if not isinstance(value, str):
        return value
    text, replaced = valid_text(value)
    if replaced:
        notes.append(f"{field}: {replaced} invalid character(s) replaced with U+FFFD")
    return text
