"""POST /api/reports and GET /api/health over real HTTP, served by WebServer on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import httpx
import pytest

from tests.conftest import store_url
from warning.config import Settings
from warning.sources.base import Incoming, Intake, Stored
from warning.web import WebServer, create_app

pytestmark = pytest.mark.both_databases

TOKEN = "t0k3n-abcdefghijklmnop"
WRONG = "wrong-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = "Fighting reached the outskirts of the town.\nThousands fled north overnight."


class RecordingIntake:
    """Stores each new text once; the same text again is a duplicate with the same id."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Incoming]]] = []
        self.ids: dict[str, int] = {}

    def __call__(self, source: str, reports: Sequence[Incoming]) -> list[Stored]:
        self.calls.append((source, list(reports)))
        out = []
        for report in reports:
            duplicate = report.text in self.ids
            report_id = self.ids.setdefault(report.text, len(self.ids) + 1)
            out.append(Stored(report.ref, report_id, duplicate))
        return out


JSON_AUTH = {**AUTH, "Content-Type": "application/json"}


def settings(**extra: object) -> Settings:
    source = {"name": "field", "kind": "http", "token": TOKEN, **extra}
    return Settings.model_validate({"sources": [source], "web": {"port": 0}})


@pytest.fixture
def intake() -> RecordingIntake:
    return RecordingIntake()


def serve(config: Settings, intake: Intake) -> Iterator[httpx.Client]:
    server = WebServer(create_app(config, intake), config.web)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=5) as client:
            yield client
    finally:
        server.stop()


@pytest.fixture
def client(intake: RecordingIntake) -> Iterator[httpx.Client]:
    yield from serve(settings(), intake)


@pytest.fixture
def small(intake: RecordingIntake) -> Iterator[httpx.Client]:
    yield from serve(settings(max_bytes=2048), intake)


def post(client: httpx.Client, body: object) -> httpx.Response:
    return client.post("/api/reports", json=body, headers=AUTH)


def test_one_report_is_accepted(client: httpx.Client, intake: RecordingIntake) -> None:
    response = post(client, {"text": TEXT, "url": "https://example.org/a", "source": "Radio X"})
    assert response.status_code == 202
    assert response.json() == {
        "reports": [{"ref": "https://example.org/a", "id": 1, "duplicate": False}]
    }
    [(source, [report])] = intake.calls
    assert source == "field"
    assert report.outlet == "Radio X"
    assert report.title == "Fighting reached the outskirts of the town."
    assert report.published is None


def test_batch_keeps_order_and_flags_duplicates(
    client: httpx.Client, intake: RecordingIntake
) -> None:
    batch = [{"text": f"Report number {i} from the field."} for i in range(3)]
    first = post(client, batch)
    assert first.status_code == 202
    assert [r["id"] for r in first.json()["reports"]] == [1, 2, 3]
    assert not any(r["duplicate"] for r in first.json()["reports"])
    refs = [r["ref"] for r in first.json()["reports"]]
    assert all(ref.startswith("post:") and len(ref) == 17 for ref in refs)
    again = post(client, [batch[1], {"text": "Something new happened today."}])
    assert [(r["id"], r["duplicate"]) for r in again.json()["reports"]] == [(2, True), (4, False)]
    assert again.json()["reports"][0]["ref"] == refs[1]


def test_missing_token_is_401(client: httpx.Client, intake: RecordingIntake) -> None:
    response = client.post("/api/reports", json={"text": TEXT})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "error" in response.json()
    assert intake.calls == []


def test_wrong_token_is_401_and_not_echoed(client: httpx.Client, intake: RecordingIntake) -> None:
    response = client.post(
        "/api/reports", json={"text": TEXT}, headers={"Authorization": f"Bearer {WRONG}"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert WRONG not in response.text and TOKEN not in response.text
    assert intake.calls == []


def test_no_http_source_means_no_endpoint(intake: RecordingIntake) -> None:
    for client in serve(Settings.model_validate({"web": {"port": 0}}), intake):
        assert client.post("/api/reports", json={"text": TEXT}, headers=AUTH).status_code == 404
        assert client.get("/api/health").status_code == 200


def oversized() -> bytes:
    return json.dumps({"text": "word " * 600}).encode()  # about 3,000 bytes


def test_oversized_body_with_content_length_is_413(
    small: httpx.Client, intake: RecordingIntake
) -> None:
    body = oversized()
    assert len(body) > 2048
    response = small.post("/api/reports", content=body, headers=JSON_AUTH)
    assert response.status_code == 413
    assert intake.calls == []


def test_oversized_chunked_body_is_413(small: httpx.Client, intake: RecordingIntake) -> None:
    body = oversized()
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 500):
            sent.append(start)
            yield body[start : start + 500]

    request = small.build_request("POST", "/api/reports", content=chunks(), headers=JSON_AUTH)
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    response = small.send(request)
    assert response.status_code == 413
    assert intake.calls == []


def test_small_body_fits_the_small_limit(small: httpx.Client) -> None:
    assert post(small, {"text": TEXT}).status_code == 202


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"text": "unterminated', "not JSON: Unterminated string"),
        (b'{"text": "caf\xe9 ouvert"}', "not valid UTF-8"),
        (b'{"title": "No text here"}', "text: field required"),
        (b'{"text": "   "}', "text: must not be empty"),
        (b'{"text": "ok text", "colour": "red"}', "colour: unknown field"),
        (b'{"text": "ok text", "published": "yesterday"}', "published:"),
        (b"[]", "empty"),
        (b'"just a string"', "must be a JSON object"),
    ],
)
def test_bad_bodies_are_422(
    client: httpx.Client, intake: RecordingIntake, body: bytes, expected: str
) -> None:
    response = client.post("/api/reports", content=body, headers=JSON_AUTH)
    assert response.status_code == 422
    assert expected in response.json()["error"]
    assert intake.calls == []


def test_bad_item_in_batch_is_named(client: httpx.Client, intake: RecordingIntake) -> None:
    batch = [{"text": "First report text."}, {"title": "no text"}, {"text": "Third report."}]
    response = post(client, batch)
    assert response.status_code == 422
    assert response.json()["error"] == "item 2: text: field required"
    assert intake.calls == []


def test_batch_over_1000_items_is_422(client: httpx.Client) -> None:
    response = post(client, [{"text": f"n{i}"} for i in range(1001)])
    assert response.status_code == 422
    assert "at most 1000" in response.json()["error"]


def test_published_is_utc(client: httpx.Client, intake: RecordingIntake) -> None:
    batch = [
        {"text": "Offset time report.", "published": "2024-12-01T14:30:00+02:00"},
        {"text": "Naive time report.", "published": "2024-12-01T14:30:00"},
        {"text": "Zulu time report.", "published": "2024-12-01T14:30:00Z"},
    ]
    assert post(client, batch).status_code == 202
    published = [report.published for report in intake.calls[0][1]]
    assert published == [
        datetime(2024, 12, 1, 12, 30, tzinfo=UTC),
        datetime(2024, 12, 1, 14, 30, tzinfo=UTC),
        datetime(2024, 12, 1, 14, 30, tzinfo=UTC),
    ]
    assert all(p is not None and p.utcoffset() is not None for p in published)


def test_health(client: httpx.Client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_server_stops(intake: RecordingIntake) -> None:
    config = settings()
    server = WebServer(create_app(config, intake), config.web)
    server.start()
    assert server.port != 0
    with httpx.Client(base_url=server.url, timeout=2) as client:
        assert client.get("/api/health").status_code == 200  # a kept-alive connection
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/api/health")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/api/health", timeout=2)


def test_intake_failure_is_500_and_logged_without_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(source: str, reports: Sequence[Incoming]) -> list[Stored]:
        raise RuntimeError(f"database is down (token {TOKEN})")

    for client in serve(settings(), broken):
        with caplog.at_level("ERROR", logger="warning.web"):
            response = post(client, {"text": TEXT})
    assert response.status_code == 500
    assert TOKEN not in response.text
    assert "database is down" in caplog.text
    assert TOKEN not in caplog.text and "***" in caplog.text


def test_a_posted_lone_surrogate_is_422_naming_item_and_field(tmp_path) -> None:  # noqa: ANN001
    """Through the real intake and a real SQLite store: "\\ud800" in a field is refused
    naming the field, the other item's problem too, and nothing is half-stored."""
    from warning.notify import Notifier
    from warning.pipeline import Service
    from warning.store import Store

    config = settings()
    store = Store(store_url(tmp_path))
    service = Service(config, store, None, Notifier(config))  # type: ignore[arg-type]
    body = b'[{"text": "Thousands fled."}, {"title": "Flight \\ud800", "text": "x \\udc80"}]'
    for client in serve(config, service.intake):
        answer = client.post("/api/reports", content=body, headers=JSON_AUTH)
    assert answer.status_code == 422, answer.text
    unparsable = "input should be a valid string, unable to parse raw data as a unicode string"
    assert answer.json() == {"error": f"item 2: title: {unparsable}; item 2: text: {unparsable}"}
    assert store.counts()["report"] == 0


def test_an_item_the_store_refuses_is_named_and_the_others_kept(intake: RecordingIntake) -> None:
    def refusing(source: str, reports: Sequence[Incoming]) -> list[Stored]:
        kept = intake(source, reports[:1])
        return [*kept, Stored(reports[1].ref, None, error="text: too odd", permanent=True)]

    for client in serve(settings(), refusing):
        body = json.dumps([{"text": TEXT}, {"text": "second"}])
        answer = client.post("/api/reports", content=body, headers=JSON_AUTH)
    assert answer.status_code == 422
    assert answer.json() == {"error": "item 2: not stored: text: too odd"}
    assert [r.text for r in intake.calls[0][1]] == [TEXT]
