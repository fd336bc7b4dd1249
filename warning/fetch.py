"""HTTP for sources: every request has a timeout, a size cap and a redirect limit, and every
failure comes back as one FetchError whose message says what went wrong (never a secret).

Conditional GET: pass the ETag and Last-Modified of the last good response; a 304 comes back
as `Fetched.not_modified`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from warning import __version__

MAX_REDIRECTS = 5
USER_AGENT = f"warning/{__version__} (early-warning alerts for humanitarian NGOs)"


class FetchError(Exception):
    """A request that gave no usable response; str() is the reason, for the source's log."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    body: bytes
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def charset(self) -> str:
        """The charset the Content-Type header declares, or ''."""
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip("\"'")
        return ""


class Fetcher:
    """One HTTP client per source: reuses connections, never raises anything but FetchError."""

    def __init__(self, timeout: float, max_bytes: int):
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, etag: str = "", last_modified: str = "") -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._request("GET", url, headers=headers)

    def post_json(self, url: str, payload: Any, params: dict[str, str] | None = None) -> Fetched:
        return self._request("POST", url, json=payload, params=params)

    def _request(self, method: str, url: str, **kwargs: Any) -> Fetched:
        try:
            with self.client.stream(method, url, **kwargs) as response:
                if response.status_code == 304:
                    return _fetched(response, b"")
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}")
                return _fetched(response, self._read_capped(response))
        except httpx.TooManyRedirects as exc:
            raise FetchError(f"more than {MAX_REDIRECTS} redirects (a loop?)") from exc
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out after {self.timeout:g}s") from exc
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL: {exc}") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc or 'connection failed'}") from exc

    def _read_capped(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(
                f"response of {declared} bytes is over the {self.max_bytes}-byte limit"
            )
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"response is over the {self.max_bytes}-byte limit; not read")
            chunks.append(chunk)
        return b"".join(chunks)


def _fetched(response: httpx.Response, body: bytes) -> Fetched:
    return Fetched(
        url=str(response.url),
        status=response.status_code,
        body=body,
        content_type=response.headers.get("Content-Type", ""),
        etag=response.headers.get("ETag", ""),
        last_modified=response.headers.get("Last-Modified", ""),
    )
