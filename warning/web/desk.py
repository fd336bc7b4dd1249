"""The review desk: the alert log at `/` (filters in the query string, paged), its CSV and
JSON exports, one alert at `/alerts/{id}` with its evidence highlighted, acknowledging,
verdicts, notes and silencing its event, per-rule precision at `/rules`, the sources'
health at `/sources`, and `/healthz`. Server-rendered (Jinja2): everything reads with
JavaScript off."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import escape
from starlette.concurrency import run_in_threadpool

from warning.alertview import STATES, VERDICTS, alert_json, alert_state, latest_verdicts
from warning.config import Settings
from warning.escape import link_target
from warning.levels import Severity
from warning.liveness import Heartbeat
from warning.models import Alert, Verdict, utcnow
from warning.precision import FALSE, TRUE, below
from warning.review import MAX_RULE_CHARS, Candidate, precision_records, rule_files
from warning.silences import MAX_EVENT_DAYS, event_days, event_matchers
from warning.sourceview import source_rows
from warning.store import AlertFilter, AlertRow, EventReport, Store
from warning.times import as_utc, moment_or_ago
from warning.users import Role
from warning.web.auth import (
    Refusal,
    SignInNeeded,
    Visitor,
    add_auth_routes,
    form_of,
    visitor,
)
from warning.web.evidence import SHOWN_CHARS, pieces
from warning.web.trends import HEIGHT, WIDTH, bars, per_country, per_day
from warning.web.worldmap import HEIGHT as MAP_HEIGHT
from warning.web.worldmap import WIDTH as MAP_WIDTH
from warning.web.worldmap import shapes
from warning.yamlio import InputError

TEMPLATES = Path(__file__).parent / "templates"
PAGE_SIZE = 50
# a candidate rule file, url-encoded (up to 3 bytes a character) or uploaded, and its fields
MAX_CANDIDATE_BYTES = 3 * MAX_RULE_CHARS + 16 * 1024


def add_desk_routes(
    app: FastAPI, settings: Settings, store: Store, heartbeat: Heartbeat | None = None
) -> None:
    pages = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2"]),
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip

    def render(request: Request, name: str, who: Visitor | None, **view: Any) -> HTMLResponse:
        body = pages.get_template(name).render(who=who, request=request, **view)
        return HTMLResponse(body, headers=_HEADERS)

    add_auth_routes(app, store, render)
    app.add_exception_handler(SignInNeeded, _sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(Refusal, _refusal)  # type: ignore[arg-type]

    @app.get("/", response_class=HTMLResponse)
    async def log(request: Request) -> HTMLResponse:
        who = visitor(request, store)
        wanted, page = _filter(request, settings), _page(request)
        rows, total = await run_in_threadpool(
            store.alert_page, wanted, (page - 1) * PAGE_SIZE, PAGE_SIZE
        )
        query = {k: v for k, v in request.query_params.items() if k != "page" and v}
        return render(
            request, "log.html.j2", who, rows=[_row(r, wanted.quiet_before) for r in rows],
            total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
            query=urlencode(query), wanted=wanted, states=STATES, verdicts=VERDICTS,
            severities=[s.value for s in Severity if s != Severity.none],
        )  # fmt: skip

    @app.get("/alerts.json")
    async def log_json(request: Request) -> JSONResponse:
        visitor(request, store)
        rows, _ = await run_in_threadpool(store.alert_page, _filter(request, settings), 0, 10_000)
        data = json.loads(json.dumps([alert_json(r) for r in rows], default=str))
        return JSONResponse(data, headers=_HEADERS)

    @app.get("/alerts.csv")
    async def log_csv(request: Request) -> Response:
        visitor(request, store)
        wanted = _filter(request, settings)
        rows, _ = await run_in_threadpool(store.alert_page, wanted, 0, 100_000)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "time_utc", "severity", "place", "signals", "title",
                         "reports", "sources", "delivery", "state", "acked_by", "verdicts",
                         "url"])  # fmt: skip
        for row in rows:
            a = row.alert
            judged = " ".join(f"{s}={v.verdict}" for s, v in latest_verdicts(row.verdicts).items())
            writer.writerow([a.id, as_utc(a.created_at).isoformat(timespec="seconds"),
                             a.severity, _cell(a.place), a.signals.replace(",", " "),
                             _cell(a.title), a.reports, a.sources, row.delivery_state,
                             alert_state(a, wanted.quiet_before), _cell(a.acked_by), judged,
                             _cell(a.url)])  # fmt: skip
        headers = {**_HEADERS, "Content-Disposition": 'attachment; filename="alerts.csv"'}
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)

    @app.get("/alerts/{alert_id}", response_class=HTMLResponse)
    async def one(request: Request, alert_id: int) -> HTMLResponse:
        who = visitor(request, store)
        alert = await run_in_threadpool(store.alert, alert_id)
        if alert is None:
            raise Refusal(404, f"There is no alert #{alert_id}.")
        report = await run_in_threadpool(store.report, alert.report_id)
        scored = json.loads(alert.assessment)
        return render(
            request, "alert.html.j2", who, alert=alert, scored=scored, report=report,
            pieces=pieces(report.text if report else "", scored.get("signals", [])),
            cut=bool(report and len(report.text) > SHOWN_CHARS),
            report_link=link_target(report.url) if report and report.url else None,
            labels=json.loads(alert.labels) if alert.labels else {},
            deliveries=await run_in_threadpool(store.alert_deliveries, alert_id),
            history=await run_in_threadpool(store.history, alert_id),
            others=await run_in_threadpool(_others, store, alert),
            verdicts=latest_verdicts(await run_in_threadpool(store.verdicts, alert_id)),
            may_act=who.may(Role.analyst),
        )  # fmt: skip

    async def acting(request: Request, alert_id: int) -> tuple[Visitor, dict[str, str], Alert]:
        """An analyst's POST about an alert: who, the form (its CSRF token checked), the
        alert (else 404)."""
        who = _analyst(request, store)
        form = await form_of(request, who)
        alert = await run_in_threadpool(store.alert, alert_id)
        if alert is None:
            raise Refusal(404, f"There is no alert #{alert_id}.")
        return who, form, alert

    @app.post("/alerts/{alert_id}/ack")
    async def ack(request: Request, alert_id: int) -> Response:
        who, form, _ = await acting(request, alert_id)
        note = form.get("note", "").strip()[:500]
        await run_in_threadpool(store.ack, alert_id, who.user.name, note)
        return _back(alert_id)

    @app.post("/alerts/{alert_id}/note")
    async def note(request: Request, alert_id: int) -> Response:
        who, form, _ = await acting(request, alert_id)
        text = form.get("note", "").strip()[:2000]
        if not text:
            raise Refusal(422, "The note is empty.")
        await run_in_threadpool(store.add_note, alert_id, who.user.name, text)
        return _back(alert_id)

    @app.post("/alerts/{alert_id}/verdict")
    async def verdict(request: Request, alert_id: int) -> Response:
        who, form, alert = await acting(request, alert_id)
        signal, judged = form.get("signal", ""), form.get("verdict", "")
        if signal not in alert.signals.split(",") or judged not in (TRUE, FALSE):
            raise Refusal(
                422, "Give one of the alert's signals and true_positive or false_positive."
            )
        made = Verdict(alert_id=alert_id, signal=signal, verdict=judged, by=who.user.name,
                       note=form.get("note", "").strip()[:500])  # fmt: skip
        await run_in_threadpool(store.add_verdict, made)
        return _back(alert_id)

    @app.post("/alerts/{alert_id}/silence")
    async def silence(request: Request, alert_id: int) -> Response:
        who, form, alert = await acting(request, alert_id)
        days = event_days(form.get("days", ""))
        if alert.event_id is None or days is None:
            raise Refusal(422, f"Silence the alert's event for 1 to {MAX_EVENT_DAYS} days.")
        ends = utcnow() + timedelta(days=days)
        comment = form.get("comment", "").strip()[:500] or f"from the page of alert #{alert_id}"
        matchers = event_matchers(alert.event_id)
        await run_in_threadpool(store.add_silence, matchers, ends, comment, who.user.name)
        return _back(alert_id)

    @app.get("/rules", response_class=HTMLResponse)
    async def rules(request: Request) -> HTMLResponse:
        who = visitor(request, store)
        records = await run_in_threadpool(precision_records, store)
        floor, least = settings.review.min_precision, settings.review.min_judged
        flagged = {r.rule for r in below(records, floor, least)}
        return render(request, "rules.html.j2", who, records=records, flagged=flagged,
                      floor=floor, least=least)  # fmt: skip

    @app.get("/backtest", response_class=HTMLResponse)
    async def backtest_form(request: Request) -> HTMLResponse:
        who = _analyst(request, store)
        return render(request, "backtest.html.j2", who, files=rule_files(settings),
                      outcome=None, errors=[], form={"days": "30"})  # fmt: skip

    @app.post("/backtest", response_class=HTMLResponse)
    async def backtest_run(request: Request) -> HTMLResponse:
        who = _analyst(request, store)
        form = await form_of(request, who, MAX_CANDIDATE_BYTES)
        shown = {k: v for k, v in form.items() if k != "file"}  # an upload is not echoed
        view: dict[str, Any] = {"files": rule_files(settings), "form": shown, "outcome": None}
        try:
            candidate = Candidate.parse(form)
            view["outcome"] = await run_in_threadpool(candidate.replay, settings, store)
            view["errors"] = []
        except InputError as exc:
            view["errors"] = exc.messages
        return render(request, "backtest.html.j2", who, **view)

    @app.get("/trends", response_class=HTMLResponse)
    async def trends(request: Request) -> HTMLResponse:
        who = visitor(request, store)
        wanted = _filter(request, settings)
        days = 90
        if wanted.since is None:
            wanted = replace(wanted, since=utcnow() - timedelta(days=days))
        else:
            days = max(1, min((utcnow() - wanted.since).days + 1, 366))
        found = await run_in_threadpool(store.alert_times, wanted)
        last = (wanted.until or utcnow()).date()
        daily = per_day(((at, severity) for at, severity, _ in found), last, days)
        drawn, tallest = bars(daily)
        countries = per_country(labels for _, _, labels in found)
        return render(
            request, "trends.html.j2", who, wanted=wanted, days=daily, bars=drawn,
            tallest=tallest, width=WIDTH, height=HEIGHT, total=len(found),
            countries=countries, counted=dict(countries), shapes=shapes(), span=days,
            map_width=MAP_WIDTH, map_height=MAP_HEIGHT,
            severities=[s.value for s in Severity if s != Severity.none], states=STATES,
        )  # fmt: skip

    @app.get("/sources", response_class=HTMLResponse)
    async def sources(request: Request) -> HTMLResponse:
        who = visitor(request, store)
        rows = await run_in_threadpool(source_rows, settings, store)
        return render(request, "sources.html.j2", who, rows=rows)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        health = await run_in_threadpool(_health, store, heartbeat)
        healthy = health["database"] == "ok" and health["scheduler"] in ("alive", "not here")
        return JSONResponse(health, status_code=200 if healthy else 503, headers=_HEADERS)


_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'",
}


def _back(alert_id: int) -> Response:
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


def _analyst(request: Request, store: Store) -> Visitor:
    who = visitor(request, store)
    if not who.may(Role.analyst):
        raise Refusal(403, "A viewer may read but not change alerts.")
    return who


def _filter(request: Request, settings: Settings) -> AlertFilter:
    """The log's filters from the query string (what is not understood is left out)."""
    q = request.query_params
    severity = q.get("severity", "")
    state, verdict = q.get("state", ""), q.get("verdict", "")
    return AlertFilter(
        severity=severity if severity in {s.value for s in Severity} else "",
        signal=q.get("signal", "").strip()[:60],
        country=q.get("country", "").strip().upper()[:3],
        state=state if state in STATES else "",
        verdict=verdict if verdict in VERDICTS else "",
        q=q.get("q", "").strip()[:200],
        since=_when(q.get("since", "")),
        until=_when(q.get("until", "")),
        quiet_before=utcnow() - timedelta(seconds=settings.events.window),
    )


def _when(text: str) -> datetime | None:
    """An ISO date or time, or a span back from now ("7d", "12h"); None if neither."""
    return moment_or_ago(text.strip(), utcnow()) if text.strip() else None


def _page(request: Request) -> int:
    page = request.query_params.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1


def _row(row: AlertRow, quiet_before: datetime | None) -> dict[str, Any]:
    a = row.alert
    judged = [(s.replace("_", " "), v.verdict == TRUE)
              for s, v in latest_verdicts(row.verdicts).items()]  # fmt: skip
    return {"alert": a, "state": alert_state(a, quiet_before), "delivery": row.delivery_state,
            "signals": [s.replace("_", " ") for s in a.signals.split(",") if s],
            "judged": judged}  # fmt: skip


def _others(store: Store, alert: Alert) -> list[EventReport]:
    return store.event_report_list(alert.event_id, 50) if alert.event_id else []


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _health(store: Store, heartbeat: Heartbeat | None) -> dict[str, Any]:
    """The database (reachable?), the scheduler (alive, stalled, starting; "not here" when
    the app runs outside `warning run`), the last poll's age and the queue lengths."""
    beat = {
        "scheduler": heartbeat.state() if heartbeat else "not here",
        "scheduler_beat_age_s": heartbeat.age() if heartbeat else None,
    }
    try:
        counts = store.queue_lengths()
        ages = [as_utc(s.last_run_at) for s in store.source_states().values() if s.last_run_at]
    except Exception as exc:  # by design: the answer is the health check
        return {"database": f"unreachable: {type(exc).__name__}", **beat}
    last = (utcnow() - max(ages)).total_seconds() if ages else None
    return {"database": "ok", **beat, "last_poll_age_s": last, **counts}


async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
    if request.method == "GET" and not request.url.path.endswith((".json", ".csv")):
        return RedirectResponse("/login", status_code=303)
    return JSONResponse({"error": "sign in first"}, status_code=401)


async def _refusal(request: Request, exc: Refusal) -> Response:
    return HTMLResponse(
        f"<!doctype html><title>{exc.status}</title><p>{_escape(exc.message)}</p>"
        '<p><a href="/">Back to the alert log</a></p>',
        status_code=exc.status, headers=_HEADERS,
    )  # fmt: skip


def _escape(text: str) -> str:
    return str(escape(text))
