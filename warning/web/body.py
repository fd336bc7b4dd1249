"""A POSTed body at the edge: its media type, its size and time limits, and its JSON
(read by warning.jsonio, which never builds an absurd number)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request

from warning.jsonio import JsonError, loads

CLOSE = {"Connection": "close"}  # the client may still be sending: do not read on


class Refused(Exception):
    """A request turned down: its status, a message safe to show, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def require_json(content_type: str) -> None:
    """Refuse with 415 unless `content_type` is JSON (`application/json` or `…+json`), in
    UTF-8 if a charset is given."""
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        shown = repr(media[:60]) if media else "none"
        raise Refused(415, f"the body must be JSON (Content-Type: application/json), not {shown}")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip(' "').lower() not in {
            "utf-8",
            "utf8",
        }:
            raise Refused(415, "a JSON body must be UTF-8")


async def read_body(request: Request, max_bytes: int, timeout: float) -> bytes:
    """The request body, refused with 413 as soon as it passes `max_bytes` and with 408 if
    it has not all arrived within `timeout` seconds."""
    too_big = Refused(413, f"the body is over the {max_bytes}-byte limit", CLOSE)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise too_big
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_bytes:
                    raise too_big
                chunks.append(chunk)
    except TimeoutError:
        raise Refused(408, f"the body did not arrive within {timeout:g}s", CLOSE) from None
    return b"".join(chunks)


def decode_json(body: bytes) -> Any:
    """`body` as JSON, numbers too long or not finite decoded as `BadNumber` (so that the
    item and field holding one can be named); else 422."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(422, f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return loads(text, mark_bad_numbers=True)
    except JsonError as exc:
        raise Refused(422, str(exc)) from None
