"""The web app: `POST /api/reports` (reports from `http` sources) and `GET /api/health`.

No module-level app or state: `create_app(settings, intake)` builds one, and the
caller serves it (see `warning.web.server`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from warning.config import HttpSourceSettings, Settings
from warning.sources.base import Incoming, Intake, Stored
from warning.text import title_of
from warning.times import as_utc

log = logging.getLogger(__name__)

MAX_BATCH = 1000


class Refused(Exception):
    """A request turned down: its status, a message safe to show, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ReportIn(BaseModel):
    """One posted report; `source` is the outlet that published it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = None
    text: str
    url: str | None = None
    source: str | None = None
    published: datetime | None = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text:
            raise ValueError("must not be empty")
        return text

    @field_validator("published", mode="before")
    @classmethod
    def _iso_string(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date-time string")
        return value

    @field_validator("published")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


def create_app(settings: Settings, intake: Intake) -> FastAPI:
    """The app for `settings`; posted reports go to `intake(source name, reports)`."""
    app = FastAPI(title="warning", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_exception_handler(Refused, _refused)  # type: ignore[arg-type]
    sources = [s for s in settings.sources if isinstance(s, HttpSourceSettings)]

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    if not sources:  # no `http` source: the endpoint does not exist (404)
        return app

    @app.post("/api/reports", status_code=202)
    async def post_reports(request: Request) -> dict[str, list[dict[str, Any]]]:
        source = authenticate(request.headers.get("authorization", ""), sources)
        body = await read_body(request, source.max_bytes)
        reports = [to_incoming(item) for item in parse_reports(body)]
        try:
            stored = await run_in_threadpool(intake, source.name, reports)
        except Exception as exc:
            log.error(
                "source %s: storing posted reports failed: %s",
                source.name,
                settings.redact(str(exc)),
            )
            raise Refused(500, "the reports could not be stored") from None
        log.info(
            "source %s: %d report(s) posted, %d new",
            source.name,
            len(stored),
            sum(not s.duplicate for s in stored),
        )
        return {"reports": [outcome(s) for s in stored]}

    return app


async def _refused(request: Request, exc: Refused) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)


def authenticate(header: str, sources: Sequence[HttpSourceSettings]) -> HttpSourceSettings:
    """The source whose token is the bearer token in `header`, else 401."""
    scheme, _, token = header.strip().partition(" ")
    given = token.strip().encode()
    found = None
    if scheme.lower() == "bearer" and given:
        for source in sources:  # compare with every token, in constant time each
            if hmac.compare_digest(given, source.token.encode()) and found is None:
                found = source
    if found is None:
        message = "a valid bearer token is required" if given else "bearer token missing"
        raise Refused(401, message, {"WWW-Authenticate": "Bearer"})
    return found


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `max_bytes`."""
    too_big = Refused(413, f"the body is over the {max_bytes}-byte limit")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def parse_reports(body: bytes) -> list[ReportIn]:
    """The body as a list of reports (one object or a list of them), else 422."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(422, f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise Refused(422, f"invalid JSON: {exc.msg} ({where})") from None
    except RecursionError:
        raise Refused(422, "invalid JSON: nested too deeply") from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise Refused(422, "the batch is empty")
    if len(items) > MAX_BATCH:
        raise Refused(422, f"a batch holds at most {MAX_BATCH} reports, not {len(items)}")
    errors: list[str] = []
    reports = [r for i, item in enumerate(items, 1) if (r := validate_item(item, i, errors))]
    if errors:
        if not isinstance(data, list):  # a single object: no item number
            errors = [e.removeprefix("item 1: ") for e in errors]
        raise Refused(422, "; ".join(errors[:20]))
    return reports


def validate_item(item: Any, number: int, errors: list[str]) -> ReportIn | None:
    """Item `number` (from 1) as a report; its problems go to `errors`."""
    if not isinstance(item, dict):
        errors.append(f"item {number}: must be a JSON object")
        return None
    try:
        return ReportIn.model_validate(item)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            field = ".".join(str(part) for part in error["loc"]) or "item"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown field"
            errors.append(f"item {number}: {field}: {message[:1].lower()}{message[1:]}")
        return None


def to_incoming(report: ReportIn) -> Incoming:
    """A posted report as the pipeline takes it; its ref is its URL or a hash of its text."""
    digest = hashlib.sha256(report.text.encode()).hexdigest()[:12]
    return Incoming(
        ref=report.url or f"post:{digest}",
        title=(report.title or title_of(report.text, report.text[:80]))[:300],
        text=report.text,
        url=report.url or "",
        published=report.published,
        outlet=report.source or "",
    )


def outcome(stored: Stored) -> dict[str, Any]:
    return {"ref": stored.ref, "id": stored.report_id, "duplicate": stored.duplicate}
