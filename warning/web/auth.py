"""Signing in to the review desk: `/login` (a form with a CSRF token from a cookie), a
session cookie (HttpOnly, SameSite=Lax, Secure behind https) whose token the store keeps
only as a SHA-256, a CSRF token per session that every form carries, and a slow-down after
five failed sign-ins for one name within a minute."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warning.models import User, WebSession, utcnow
from warning.store import Store
from warning.users import Role, new_token, password_matches, token_hash
from warning.web.body import Refused
from warning.web.forms import MAX_FORM_BYTES, Form, read_form

SESSION_COOKIE = "warning_session"
LOGIN_COOKIE = "warning_login_csrf"
SESSION_HOURS = 12
FAILURES, FAILURE_WINDOW = 5, 60.0  # this many failed sign-ins for one name in this window


@dataclass(frozen=True)
class Visitor:
    """A signed-in user and the CSRF token of their session."""

    user: User
    csrf: str
    token_hash: str

    def may(self, needed: Role) -> bool:
        return Role(self.user.role).may(needed)


class SignInNeeded(Exception):
    """A page needs a session: GET goes to /login, anything else gets 401."""


class Refusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Throttle:
    """Failed sign-ins per name; five within a minute hold the name back for the rest of it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def wait(self, name: str) -> float:
        """Seconds until `name` may try again (0: now)."""
        with self.lock:
            recent = self._recent(name)
            if len(recent) < FAILURES:
                return 0.0
            return max(0.0, recent[0] + FAILURE_WINDOW - self.clock())

    def failed(self, name: str) -> None:
        with self.lock:
            self._recent(name).append(self.clock())

    def _recent(self, name: str) -> deque[float]:
        recent = self.failures.setdefault(name, deque(maxlen=FAILURES))
        while recent and recent[0] + FAILURE_WINDOW <= self.clock():
            recent.popleft()
        return recent


def visitor(request: Request, store: Store) -> Visitor:
    """The signed-in user of this request, else SignInNeeded."""
    token = request.cookies.get(SESSION_COOKIE, "")
    found = store.signed_in(token_hash(token)) if token else None
    if found is None:
        raise SignInNeeded()
    web_session, user = found
    return Visitor(user, web_session.csrf, web_session.token_hash)


def check_csrf(given: str, expected: str) -> None:
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Refusal(403, "this form has expired or did not come from this site: reload the page")


def add_auth_routes(app: FastAPI, store: Store, render: Callable[..., HTMLResponse]) -> None:
    throttle = Throttle()

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> HTMLResponse:
        csrf = secrets.token_urlsafe(24)
        response = render(request, "login.html.j2", None, csrf_token=csrf, error="")
        _cookie(response, request, LOGIN_COOKIE, csrf, max_age=3600)
        return response

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await _form(request)
        check_csrf(form.get("csrf_token", ""), request.cookies.get(LOGIN_COOKIE, "") or "-")
        name, password = form.get("username", "").strip(), form.get("password", "")
        wait = throttle.wait(name)
        if wait > 0:
            error = f"Too many failed sign-ins for this name: wait {wait:.0f} s."
            response = render(
                request, "login.html.j2", None, csrf_token=form["csrf_token"], error=error
            )
            response.status_code = 429
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        user = store.user(name) if name else None
        if not password_matches(user.password_hash if user else None, password):
            throttle.failed(name)
            response = render(request, "login.html.j2", None, csrf_token=form["csrf_token"],
                              error="Wrong name or password.")  # fmt: skip
            response.status_code = 401
            return response
        token, hashed = new_token()
        now = utcnow()
        store.start_session(WebSession(
            token_hash=hashed, user=user.name, csrf=secrets.token_urlsafe(24), created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        ))  # fmt: skip
        response = RedirectResponse("/", status_code=303)
        _cookie(response, request, SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        who = visitor(request, store)
        check_csrf((await _form(request)).get("csrf_token", ""), who.csrf)
        store.end_session(who.token_hash)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


async def _form(request: Request, max_bytes: int = MAX_FORM_BYTES) -> Form:
    try:
        return await read_form(request, max_bytes)
    except Refused as exc:
        raise Refusal(exc.status, exc.message) from None


async def form_of(request: Request, who: Visitor, max_bytes: int = MAX_FORM_BYTES) -> Form:
    """A POSTed desk form whose CSRF token is the session's (else 403)."""
    form = await _form(request, max_bytes)
    check_csrf(form.get("csrf_token", ""), who.csrf)
    return form


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=secure, path="/")  # fmt: skip
