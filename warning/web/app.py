"""The web app: `POST /api/reports` (reports from `http` sources), `GET /api/health` and
the signed acknowledge and silence links of messages (warning/web/links.py).

No module-level app or state: `create_app(settings, intake)` builds one, and the
caller serves it (see `warning.web.server`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from warning.config import HttpSourceSettings, Settings
from warning.jsonio import BadNumber
from warning.liveness import Heartbeat
from warning.metrics import exposition
from warning.sources.base import Incoming, Intake, Stored
from warning.store import Store
from warning.text import title_of
from warning.times import as_utc
from warning.web.body import CLOSE, Refused, decode_json, read_body, require_json
from warning.web.desk import add_desk_routes
from warning.web.links import add_link_routes

log = logging.getLogger(__name__)

MAX_BATCH = 1000


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


def create_app(
    settings: Settings,
    intake: Intake,
    store: Store | None = None,
    heartbeat: Heartbeat | None = None,
) -> FastAPI:
    """The app for `settings`; posted reports go to `intake(source name, reports)`; with a
    store, the review desk (warning/web/desk.py; its /healthz reads the scheduler's
    `heartbeat` when the app runs inside `warning run`) and, with `web.secret`, the
    acknowledge and silence links of messages."""
    app = FastAPI(title="warning", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_exception_handler(Refused, _refused)  # type: ignore[arg-type]
    if store is not None:
        add_desk_routes(app, settings, store, heartbeat)
        if settings.web.secret:
            add_link_routes(app, settings, store)
    sources = [s for s in settings.sources if isinstance(s, HttpSourceSettings)]

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def scrape() -> Response:
        """Prometheus text format; like /healthz, no session needed (no secrets in it)."""
        text = await run_in_threadpool(exposition, store)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    if not sources:  # no `http` source: the endpoint does not exist (404)
        return app

    @app.post("/api/reports", status_code=202)
    async def post_reports(request: Request) -> dict[str, list[dict[str, Any]]]:
        require_small_head(request, settings.web.max_header_bytes)
        source = authenticate(request.headers.get("authorization", ""), sources)
        require_json(request.headers.get("content-type", ""))
        try:
            return await accept(request, source)
        except Refused:
            raise
        except ClientDisconnect:
            log.info("source %s: the client left before sending the whole body", source.name)
            raise Refused(400, "the body is incomplete") from None
        except Exception as exc:  # the edge: one line, no traceback holding request data
            message = settings.redact(f"{type(exc).__name__}: {exc}")[:300]
            log.error("source %s: posted reports failed: %s", source.name, message)
            raise Refused(500, "the reports could not be stored") from None

    async def accept(request: Request, source: HttpSourceSettings) -> dict[str, Any]:
        body = await read_body(request, source.max_bytes, settings.web.body_timeout)
        reports = [to_incoming(item) for item in parse_reports(decode_json(body))]
        stored = await run_in_threadpool(intake, source.name, reports)
        refuse_unstored(stored, single=len(reports) == 1)
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


def require_small_head(request: Request, max_bytes: int) -> None:
    """Refuse with 431 a request line and headers over `max_bytes`: the server's limit
    (h11's) bounds only a head still incomplete after a read, not one that came whole."""
    size = len(request.scope["raw_path"]) + len(request.scope["query_string"])
    size += sum(len(name) + len(value) + 4 for name, value in request.headers.raw)
    if size > max_bytes:
        raise Refused(431, f"the request headers are over the {max_bytes}-byte limit", CLOSE)


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


def parse_reports(data: Any) -> list[ReportIn]:
    """Decoded JSON as a list of reports (one object or a list of them), else 422."""
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
    if isinstance(item, BadNumber):
        errors.append(f"item {number}: invalid JSON: {item.why}")
        return None
    if not isinstance(item, dict):
        errors.append(f"item {number}: must be a JSON object")
        return None
    bad = {key: value for key, value in item.items() if isinstance(value, BadNumber)}
    errors += [f"item {number}: {key}: invalid JSON: {value.why}" for key, value in bad.items()]
    try:
        return None if bad else ReportIn.model_validate(item)
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
    digest = hashlib.sha256(report.text.encode()).hexdigest()[:12]  # no surrogates: pydantic
    return Incoming(
        ref=report.url or f"post:{digest}",
        title=(report.title or title_of(report.text, report.text[:80]))[:300],
        text=report.text,
        url=report.url or "",
        published=report.published,
        outlet=report.source or "",
    )


def refuse_unstored(stored: list[Stored], single: bool) -> None:
    """422 if an item could not be stored for a fault of its own; 503 (to be sent again:
    the stored ones are then recognised as duplicates) if the store failed."""
    failed = [(n, s) for n, s in enumerate(stored, 1) if s.error]
    if not failed:
        return
    lines = [f"{'' if single else f'item {n}: '}not stored: {s.error}" for n, s in failed]
    if all(s.permanent for _, s in failed):
        raise Refused(422, "; ".join(lines[:20]))
    raise Refused(503, "; ".join(lines[:20]), {"Retry-After": "30"})


def outcome(stored: Stored) -> dict[str, Any]:
    """One item's outcome: its id, or `error` saying why it was not stored; `notes` on
    what was mended on the way in."""
    shown: dict[str, Any] = {"ref": stored.ref, "id": stored.report_id}
    shown["duplicate"] = stored.duplicate
    if stored.notes:
        shown["notes"] = list(stored.notes)
    if stored.error:
        shown["error"] = stored.error
    return shown
