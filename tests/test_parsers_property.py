"""Property tests: whatever bytes a feed, an API or a dropped file holds, the parsers either
give reports or say why (their own error type) — they never crash the poll; and every item
is accounted for: stored, a duplicate, or named with its reason."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_bad_items import assert_all_text_valid, service
from warning.config import RssSourceSettings
from warning.extract import ExtractError
from warning.fetch import FetchError
from warning.sources.folder import READERS, Unreadable
from warning.sources.reliefweb import _created, _guarded
from warning.sources.rss import RssSource

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# each example builds a real store: fewer of them
STORED = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RSS = RssSource(
    RssSourceSettings(name="p", kind="rss", url="http://127.0.0.1:9/feed", full_text="never")
)
TAGS = st.sampled_from(["item", "title", "link", "description", "pubDate", "guid", "entry"])
# What broke parsers once: references to no character, lone surrogates, NUL, odd dates.
NASTY = st.sampled_from(
    ["&#xD800;", "&#x110000;", "&#55296;", "&#0;", "&#99999999999999;", "&#xDFFF;", "&amp;"]
)
ANY_CHARS = st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates too
TEXTS = st.lists(st.text(max_size=30).map(escape) | NASTY | ANY_CHARS.map(escape), max_size=5)
DATES = st.sampled_from(["", "0000-00-00", "Mon, 02 Dec 2024 08:50:00 GMT", "yesterday-ish"])


def never_known(_ref: str) -> bool:
    return False


def accounted(polled) -> bool:  # noqa: ANN001
    """Each item a feed read saw is a report, or named as skipped or not read."""
    dropped = {
        n
        for n in range(1, polled.seen + 1)
        for e in polled.errors
        if e.startswith(f"item {n} (") and (e.endswith("skipped") or ": not read: " in e)
    }
    return len(polled.reports) + len(dropped) == polled.seen


@FAST
@given(st.binary(max_size=4000))
def test_feed_bytes_give_reports_or_a_fetch_error(body: bytes) -> None:
    try:
        polled = RSS.read(body, "application/rss+xml", never_known)
    except FetchError as exc:
        assert str(exc).startswith("not a readable RSS or Atom feed")
        return
    assert all(r.text.strip() for r in polled.reports)
    assert accounted(polled)


@FAST
@given(st.lists(st.tuples(TAGS, st.text(max_size=200)), max_size=30))
def test_feed_shaped_text_gives_reports_or_a_fetch_error(parts: list[tuple[str, str]]) -> None:
    inner = "".join(f"<{tag}>{text}</{tag}>" for tag, text in parts)
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><item>{inner}</item></channel></rss>'
    try:
        polled = RSS.read(body.encode("utf-8", "surrogatepass"), "", never_known)
    except FetchError:
        return
    assert accounted(polled)


def rss_item(title: list[str], text: list[str], date: str, linked: bool, n: int) -> str:
    link = f"<link>http://example.org/{n}</link>" if linked else ""
    when = f"<pubDate>{date}</pubDate>" if date else ""
    body = f"<title>{''.join(title)}</title><description>{''.join(text)}</description>"
    return f"<item>{body}{link}{when}</item>"


@STORED
@given(items=st.lists(st.tuples(TEXTS, TEXTS, DATES, st.booleans()), min_size=1, max_size=5))
def test_a_whole_feed_is_read_and_stored_item_by_item(items: list, scorer) -> None:  # noqa: ANN001
    inner = "".join(rss_item(*item, n) for n, item in enumerate(items))
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{inner}</channel></rss>'
    )
    polled = RSS.read(body.encode("utf-8", "surrogatepass"), "", never_known)
    assert polled.seen == len(items) and accounted(polled)
    with tempfile.TemporaryDirectory() as folder:
        store = service(Path(folder), scorer, []).intake
        stored = store("p", polled.reports)
        assert [s.ref for s in stored] == [r.ref for r in polled.reports]
        assert all(s.report_id is not None or s.error for s in stored)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "fields",
                    "body",
                    "date",
                    "url",
                    "title",
                    "id",
                    "source",
                    "created",
                    "original",
                    "name",
                    "url_alias",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)


@FAST
@given(st.dictionaries(st.sampled_from(["id", "fields", "href"]), JSON, max_size=3))
def test_reliefweb_items_of_any_shape_never_raise(item: dict) -> None:
    errors: list[str] = []
    report = _guarded(item, errors)
    assert report is not None or errors
    assert isinstance(_created(item), str)


@FAST
@given(st.sampled_from(sorted(READERS)), st.binary(max_size=3000))
def test_dropped_files_give_reports_or_a_reason(suffix: str, raw: bytes) -> None:
    try:
        items, notes = READERS[suffix](raw, f"f{suffix}")
    except (Unreadable, ExtractError) as exc:
        assert str(exc)
        return
    assert all(isinstance(note, str) for note in notes)
    assert all(isinstance(item.text, str) for item in items)


DEEP = st.integers(0, 1500).map(lambda n: "[" * n + "]" * n)
JSONISH = st.builds(lambda t, x: json.dumps({"title": t, "text": x}), ANY_CHARS, ANY_CHARS)
FILE_BYTES = st.binary(max_size=600) | (DEEP | JSONISH | ANY_CHARS).map(
    lambda text: text.encode("utf-8", "surrogatepass")
)


@STORED
@given(
    files=st.lists(st.tuples(st.sampled_from(sorted(READERS)), FILE_BYTES), min_size=1, max_size=4)
)
def test_a_whole_folder_poll_accounts_for_every_file(files: list, scorer) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as folder:
        poller = service(Path(folder), scorer, [{"name": "in", "kind": "folder", "path": "in"}])
        inbox = Path(folder) / "in"
        inbox.mkdir()
        names = [f"f{i}{suffix}" for i, (suffix, _raw) in enumerate(files)]
        for name, (_suffix, raw) in zip(names, files, strict=True):
            (inbox / name).write_bytes(raw)
        outcome = poller.poll("in")
        done = [name for name in names if (inbox / "done" / name).exists()]
        for name in set(names) - set(done):
            reason = (inbox / "failed" / f"{name}.error.txt").read_text("utf-8")
            assert reason.strip() and any(e.startswith(f"{inbox / name}: ") for e in outcome.errors)
        assert outcome.new + outcome.duplicates >= len(done)
        assert not list(inbox.glob("f[0-9]*"))  # every file filed away, none left behind
        for name in done:
            digest = hashlib.sha256((inbox / "done" / name).read_bytes()).hexdigest()[:12]
            assert poller.store.knows("in", f"{name}#{digest}") or outcome.duplicates
        assert_all_text_valid(poller.store)


# JSON texts as they come from outside: valid, deep, with long or odd numbers, broken.
JSON_TEXTS = (
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | ANY_CHARS,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(["id", "text", "title", "url"]), children, max_size=4)
        ),
        max_leaves=12,
    ).map(lambda value: json.dumps(value, ensure_ascii=False))
    | DEEP
    | st.integers(50, 5000).map(lambda n: '{"id": ' + "9" * n + ', "text": "x"}')
    | st.sampled_from(['{"text": NaN}', '{"text": 1e999}', "[1,", '{"a": "\\ud800"}', ""])
    | ANY_CHARS
)


@FAST
@given(JSON_TEXTS)
def test_bounded_json_gives_a_value_or_a_json_error(text: str) -> None:
    from warning.jsonio import JsonError, loads

    try:
        value = loads(text)
    except JsonError as exc:
        assert str(exc).startswith(("not JSON: ", "not JSON we accept: "))
        return
    assert json.loads(json.dumps(value)) == value or value != value  # NaN never gets here


@STORED
@given(lines=st.lists(JSON_TEXTS, min_size=1, max_size=6))
def test_jsonl_gives_one_valid_utf8_line_per_input_line(lines: list[str], scorer) -> None:  # noqa: ANN001
    from warning.jsonl import score_lines

    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    nonblank = [line for line in raw.split(b"\n") if line.strip()]
    out = list(score_lines(scorer, raw, "f"))
    assert len(out) == len(nonblank)
    for line in out:
        result = json.loads(line.encode("utf-8"))  # valid UTF-8, valid JSON
        assert "id" in result and ("error" in result or "severity" in result)


@FAST
@given(JSON_TEXTS.map(lambda text: text.encode("utf-8", "surrogatepass")) | st.binary(max_size=300))
def test_a_posted_body_gives_reports_or_a_refusal(body: bytes) -> None:
    from warning.web.app import parse_reports
    from warning.web.body import Refused, decode_json

    try:
        reports = parse_reports(decode_json(body))
    except Refused as exc:
        assert exc.status == 422 and exc.message
        return
    assert reports and all(report.text for report in reports)
