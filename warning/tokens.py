"""Signed, expiring links: acknowledge an alert, or silence its event, from a message
without signing in. A token is "action.alert-id.expiry.HMAC-SHA256" (the key is
`web.secret`, from the environment); a token changed anywhere, made with another key,
for another action or past its expiry is refused. Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime

TOKEN = re.compile(r"^([a-z]+)\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$", re.ASCII)


class BadToken(ValueError):
    """The token is not one this service signed for this action, or it has expired."""


def sign(secret: str, action: str, alert_id: int, expires: datetime) -> str:
    payload = f"{action}.{alert_id}.{int(expires.timestamp())}"
    return f"{payload}.{_mac(secret, payload)}"


def verify(secret: str, token: str, action: str, now: datetime) -> int:
    """The alert id a valid, unexpired `action` token names; else BadToken."""
    match = TOKEN.match(token)
    if match is None or match[1] != action:
        raise BadToken("not a link of this kind")
    payload = f"{match[1]}.{match[2]}.{match[3]}"
    if not hmac.compare_digest(match[4], _mac(secret, payload)):
        raise BadToken("this link was not made by this service, or it was changed")
    if datetime.fromtimestamp(int(match[3]), UTC) <= now:
        raise BadToken("this link has expired")
    return int(match[2])


def _mac(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
