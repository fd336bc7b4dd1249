"""The signed links in messages (warning/tokens.py): `/ack/{token}` acknowledges an alert,
`/silence/{token}` silences its event for some days. A GET shows what the link will do and
a form; only the POST changes anything (mail scanners and chat previews open links). A
token changed anywhere, for another action or expired gets 403 and changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from warning.config import Settings
from warning.models import Alert, utcnow
from warning.silences import MAX_EVENT_DAYS, event_days, event_matchers
from warning.store import Store
from warning.tokens import BadToken, verify
from warning.web.body import Refused
from warning.web.forms import read_form

log = logging.getLogger(__name__)
PAGE = Markup(
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title} · warning</title></head>"
    '<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">'
    "<h1>{title}</h1>{body}</body></html>"
)


def add_link_routes(
    app: FastAPI, settings: Settings, store: Store, clock: Callable[[], datetime] = utcnow
) -> None:
    secret = settings.web.secret or ""

    def alert_of(token: str, action: str) -> Alert:
        try:
            alert_id = verify(secret, token, action, clock())
        except BadToken as exc:
            raise Forbidden(str(exc)) from None
        alert = store.alert(alert_id)
        if alert is None:
            raise Forbidden("this alert is no longer in the log")
        return alert

    @app.get("/ack/{token}", response_class=HTMLResponse)
    async def ack_form(token: str) -> HTMLResponse:
        alert = await run_in_threadpool(alert_of, token, "ack")
        if alert.acked_at is not None:
            return _page("Already acknowledged", _said(alert, f"Acknowledged by {alert.acked_by}."))
        form = _form(
            "Acknowledge",
            '<label>Your name <input name="by" required maxlength="80"></label><br>'
            '<label>Note <input name="note" maxlength="500"></label>',
        )
        return _page(f"Acknowledge alert #{alert.id}", _said(alert, "") + form)

    @app.post("/ack/{token}", response_class=HTMLResponse)
    async def ack(token: str, request: Request) -> HTMLResponse:
        alert = await run_in_threadpool(alert_of, token, "ack")
        form = await _read_form(request)
        by = form.get("by", "").strip()[:80] or "a message link"
        acked = await run_in_threadpool(store.ack, alert.id, by, form.get("note", "")[:500])
        log.info("alert #%d acknowledged by %s (message link)", alert.id, by)
        return _page("Acknowledged", _said(acked, f"Acknowledged by {acked.acked_by}."))

    @app.get("/silence/{token}", response_class=HTMLResponse)
    async def silence_form(token: str) -> HTMLResponse:
        alert = await run_in_threadpool(alert_of, token, "silence")
        form = _form(
            "Silence",
            f'<label>For <input name="days" type="number" min="1" max="{MAX_EVENT_DAYS}" '
            'value="3"> days</label><br>'
            '<label>Your name <input name="by" required maxlength="80"></label><br>'
            '<label>Why <input name="comment" maxlength="500"></label>',
        )
        what = "Messages about this event stop until the silence ends; it is still logged."
        return _page(f"Silence the event of alert #{alert.id}", _said(alert, what) + form)

    @app.post("/silence/{token}", response_class=HTMLResponse)
    async def silence(token: str, request: Request) -> HTMLResponse:
        alert = await run_in_threadpool(alert_of, token, "silence")
        form = await _read_form(request)
        days = event_days(form.get("days", "3"))
        if days is None:
            return _page("Not silenced", Markup(
                f"<p>Give a number of days from 1 to {MAX_EVENT_DAYS}.</p>"
            ), 422)  # fmt: skip
        by = form.get("by", "").strip()[:80] or "a message link"
        ends = utcnow() + timedelta(days=days)
        matchers = event_matchers(alert.event_id)
        comment = form.get("comment", "")[:500] or f"from a message about alert #{alert.id}"
        made = await run_in_threadpool(store.add_silence, matchers, ends, comment, by)
        log.info("silence #%d of event %s by %s (message link)", made.id, alert.event_id, by)
        until = ends.strftime("%Y-%m-%d %H:%M UTC")
        return _page(f"Silence #{made.id}", _said(alert, f"Silenced until {until}."))

    app.add_exception_handler(Forbidden, _forbidden)  # type: ignore[arg-type]


class Forbidden(Exception):
    pass


async def _forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
    return _page("This link does not work", Markup("<p>{}</p>").format(str(exc)), 403)


async def _read_form(request: Request) -> dict[str, str]:
    try:
        return await read_form(request)
    except Refused as exc:
        raise Forbidden(exc.message) from None


def _said(alert: Alert, after: str) -> Markup:
    head = f"[{alert.severity.upper()}] {alert.place or 'place not named'}: {alert.title}"
    said = Markup("<p><strong>{}</strong></p>").format(head)
    return said + Markup("<p>{}</p>").format(after) if after else said


def _form(button: str, fields: str) -> Markup:
    return Markup('<form method="post">{}<p><button type="submit">{}</button></p></form>').format(
        Markup(fields), button
    )


def _page(title: str, body: Markup, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=escape(title), body=body), status_code=status)
