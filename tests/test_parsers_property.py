"""Property tests: whatever bytes a feed, an API or a dropped file holds, the parsers either
give reports or say why (their own error type) — they never crash the poll."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warning.config import RssSourceSettings
from warning.extract import ExtractError
from warning.fetch import FetchError
from warning.sources.folder import READERS, Unreadable
from warning.sources.reliefweb import _incoming
from warning.sources.rss import RssSource

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RSS = RssSource(
    RssSourceSettings(name="p", kind="rss", url="http://127.0.0.1:9/feed", full_text="never")
)
TAGS = st.sampled_from(["item", "title", "link", "description", "pubDate", "guid", "entry"])


def never_known(_ref: str) -> bool:
    return False


@FAST
@given(st.binary(max_size=4000))
def test_feed_bytes_give_reports_or_a_fetch_error(body: bytes) -> None:
    try:
        polled = RSS.read(body, "application/rss+xml", never_known)
    except FetchError as exc:
        assert str(exc).startswith("not a readable RSS or Atom feed")
        return
    assert all(r.text.strip() for r in polled.reports)


@FAST
@given(st.lists(st.tuples(TAGS, st.text(max_size=200)), max_size=30))
def test_feed_shaped_text_gives_reports_or_a_fetch_error(parts: list[tuple[str, str]]) -> None:
    inner = "".join(f"<{tag}>{text}</{tag}>" for tag, text in parts)
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><item>{inner}</item></channel></rss>'
    try:
        polled = RSS.read(body.encode("utf-8", "surrogatepass"), "", never_known)
    except FetchError:
        return
    assert len(polled.reports) <= polled.seen


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
    report = _incoming(item, errors)
    assert report is not None or errors


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
