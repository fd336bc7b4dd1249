"""The intake, the one gate to the store: every field made valid text (and said so), one item
the store fails on never fails the others, and what failed is read again next time."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from tests.conftest import Page, Site
from tests.test_bad_items import BAD, GOOD, assert_all_text_valid, service
from warning.cli import app
from warning.config import FolderSourceSettings
from warning.sources.base import Incoming, printable

# A real SQLite error for one report: the store fails on it, not on the others.
REFUSE = (
    "CREATE TRIGGER refuse BEFORE INSERT ON report WHEN NEW.title LIKE '%REFUSE%'"
    " BEGIN SELECT json('not json'); END"
)
FOLDER = {"name": "inbox", "kind": "folder", "path": "inbox"}


def sql(db: Path, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        connection.execute(statement)
        connection.commit()


def test_intake_mends_every_field_and_isolates_each_item(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    poller = service(tmp_path, scorer, [])
    items = [
        Incoming("a", "Road reopened", "The road to the camp reopened on Monday."),
        Incoming(
            "b\ud800",
            "Bad\x00 title",
            "Shelling resumed\udfff near the \udfffcrossing.",
            url="http://example.org/\ud800",
            outlet="Agency\x00",
        ),
        Incoming("c", None, "A report whose title is no string."),  # type: ignore[arg-type]
    ]
    stored = poller.intake("api", items)
    assert [s.ref for s in stored] == ["a", "b\ud800", "c"]  # as the source gave them
    assert (stored[0].notes, stored[0].error, stored[0].duplicate) == ((), "", False)
    assert stored[1].notes == (
        "ref: 1 invalid character replaced with U+FFFD",
        "title: 1 invalid character replaced with U+FFFD",
        "text: 2 invalid characters replaced with U+FFFD",
        "url: 1 invalid character replaced with U+FFFD",
        "outlet: 1 invalid character replaced with U+FFFD",
    )
    assert stored[1].problems()[0] == "b\\ud800: ref: 1 invalid character replaced with U+FFFD"
    assert stored[2].report_id is None and stored[2].permanent
    assert stored[2].error.startswith("TypeError: ")
    assert poller.store.counts()["report"] == 2
    assert_all_text_valid(poller.store)


def test_a_file_the_store_fails_on_stays_to_be_read_again(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    poller = service(tmp_path, scorer, [FOLDER])
    inbox = tmp_path / "inbox"
    refused = "REFUSE this one, says the test\nThe road to the camp reopened on Monday.\n"
    (inbox / "a.txt").write_text(refused)
    (inbox / "b.txt").write_text(GOOD)
    sql(tmp_path / "warning.db", REFUSE)
    outcome = poller.poll("inbox")
    digest = hashlib.sha256(refused.encode()).hexdigest()[:12]
    assert outcome.errors == [f"a.txt#{digest}: not stored: OperationalError: malformed JSON"]
    assert outcome.new == 1 and (inbox / "done" / "b.txt").exists()
    assert (inbox / "a.txt").exists() and not (inbox / "failed").exists()  # not its fault
    sql(tmp_path / "warning.db", "DROP TRIGGER refuse")
    again = poller.poll("inbox")
    assert (again.new, again.errors) == (1, [])
    assert (inbox / "done" / "a.txt").read_text() == refused


def feed(*titles: str) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>http://example.org/{n}</link>"
        f"<description>{title}: the council approved a new budget.</description></item>"
        for n, title in enumerate(titles)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>N</title>'
    return f"{head}{items}</channel></rss>".encode()


def test_a_feed_item_the_store_fails_on_is_read_again(
    tmp_path: Path,
    site: Site,
    scorer,  # noqa: ANN001
) -> None:
    site.pages["/feed"] = Page(feed("REFUSE me", "Good item"), headers={"ETag": '"v1"'})
    source = {"name": "news", "kind": "rss", "url": site.url("/feed"), "full_text": "never"}
    poller = service(tmp_path, scorer, [source])
    sql(tmp_path / "warning.db", REFUSE)
    first = poller.poll("news")
    assert first.errors == ["http://example.org/0: not stored: OperationalError: malformed JSON"]
    assert first.new == 1
    assert poller.store.source_state("news").etag == ""  # not remembered: asked again in full
    sql(tmp_path / "warning.db", "DROP TRIGGER refuse")
    assert poller.poll("news").new == 1
    assert poller.store.source_state("news").etag == '"v1"'
    assert poller.poll("news").new == 0
    assert site.requests[-1][2].get("If-None-Match") == '"v1"'


def test_reliefweb_bad_items_beside_a_good_one(tmp_path: Path, site: Site, scorer) -> None:  # noqa: ANN001
    def report(rid: int, title: str, body: str, **dates: str) -> dict:
        url = f"https://reliefweb.int/report/{rid}"
        dates = {"created": "2024-12-02T10:00:00+00:00", **dates}
        return {
            "id": rid,
            "fields": {"title": title, "body": body, "url_alias": url, "date": dates},
        }

    data = [
        report(1, "Camp \ud800 update", "Some 3,000 families reached the camp overnight."),
        report(2, "Dated", "The clinic reopened after repairs.", original="0000-00-00"),
        report(3, "No body", ""),
        report(4, "Good", "The council approved a new budget for parks."),
    ]
    site.pages["/v1/reports"] = Page(json.dumps({"data": data}).encode())
    source = {"name": "rw", "kind": "reliefweb", "url": site.url("/v1/reports"), "appname": "t"}
    poller = service(tmp_path, scorer, [source])
    outcome = poller.poll("rw")
    assert outcome.errors == [
        "report 2: unreadable date '0000-00-00'; the time received is used",
        "report 3: no body; skipped",
        "https://reliefweb.int/report/1: title: 1 invalid character replaced with U+FFFD",
    ]
    assert outcome.new == 3
    assert_all_text_valid(poller.store)


def test_warning_sources_shows_a_mended_item(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    poller = service(tmp_path, scorer, [FOLDER])
    case = BAD / "folder" / "surrogate_in_title"
    (tmp_path / "inbox" / "report.json").write_bytes((case / "report.json").read_bytes())
    assert poller.poll("inbox").new == 1
    result = CliRunner().invoke(
        app, ["sources", "--json", "--config", str(tmp_path / "config.yaml")]
    )
    assert result.exit_code == 0, result.output
    (health,) = json.loads(result.stdout)
    problem = (case / "expected.txt").read_text().splitlines()[-1].removeprefix("problem: ")
    assert (health["last_error"], health["failures"], health["next_run"]) == (problem, 0, None)
    assert health["items_new"] == 1


def test_links_into_done_and_inside_the_folder(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    poller = service(tmp_path, scorer, [{**FOLDER, "pattern": "**/*"}])
    inbox = tmp_path / "inbox"
    (inbox / "done").mkdir()
    (inbox / "done" / "old.txt").write_text(GOOD)
    (inbox / "sub").mkdir()
    (inbox / "sub" / "note.txt").write_text("The clinic in the old town reopened after repairs.\n")
    (inbox / "again.txt").symlink_to(inbox / "done" / "old.txt")
    (inbox / "alias.txt").symlink_to(inbox / "sub" / "note.txt")  # inside: read
    outcome = poller.poll("inbox")
    assert outcome.errors == [
        f"{inbox}/again.txt: a link into done/ or failed/; not read, left where it is"
    ]
    assert (outcome.new, outcome.duplicates) == (1, 1)  # the note, and its alias
    assert (inbox / "again.txt").is_symlink() and (inbox / "done" / "old.txt").exists()
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        "alias.txt",
        "note.txt",
        "old.txt",
    ]


def test_printable_escapes_what_could_forge_a_line() -> None:
    name = "a\nb\r\x1b[31m\u2028\u202e\udcff.txt é"
    assert printable(name) == "a\\nb\\r\\x1b[31m\\u2028\\u202e\\udcff.txt é"
    assert printable(printable(name)) == printable(name)


@pytest.mark.parametrize("pattern", ["../*", "/etc/*", "sub/../../*", "", "  "])
def test_a_pattern_that_leaves_the_folder_is_refused(pattern: str) -> None:
    with pytest.raises(ValidationError, match="is not a pattern inside the folder"):
        FolderSourceSettings(name="f", kind="folder", path=Path("inbox"), pattern=pattern)


@pytest.mark.parametrize("pattern", ["*", "**/*", "*.json", "partner-a/*.txt", "..data*"])
def test_a_pattern_inside_the_folder_is_taken(pattern: str) -> None:
    settings = FolderSourceSettings(name="f", kind="folder", path=Path("inbox"), pattern=pattern)
    assert settings.pattern == pattern


def test_a_report_the_scorer_fails_on_costs_only_itself(tmp_path: Path, scorer, caplog) -> None:  # noqa: ANN001
    """A scorer bug on one report (injected: the gazetteer raises on its text) must not hold
    back the reports scored in its batch, at every try: they are scored one by one; it is
    recorded as scored with no signal, logged with its traceback, counted, not tried again."""
    from tests.test_score_jsonl import BreaksOn
    from warning import metrics

    breaking = replace(scorer, gazetteer=BreaksOn(scorer.gazetteer, "Zzyzx"))
    poller = service(tmp_path, breaking, [])
    texts = [
        "Gunmen killed eleven villagers near Kutum, Sudan, and thousands fled the town.",
        "Zzyzx: gunmen killed nine villagers near Kutum, Sudan.",
        "Militia fighters besieged El Fasher in Sudan; 200,000 people are trapped without food.",
    ]
    stored = poller.intake("api", [Incoming(str(i), f"t{i}", t) for i, t in enumerate(texts)])
    before = metrics.SCORING_FAILURES._value.get()
    alerts = poller.score_pending()
    assert metrics.SCORING_FAILURES._value.get() == before + 1
    assert len(alerts) >= 1 and poller.store.unscored_reports() == []
    poison = stored[1].report_id
    rows = {s.report_id: poller.store.report(s.report_id) for s in stored}
    assert rows[poison].signals == "" and rows[poison].scored_at is not None
    assert all(rows[s.report_id].signals for s in (stored[0], stored[2]))
    assert f"report {poison}: scoring failed" in caplog.text and "Traceback" in caplog.text
    assert poller.score_pending() == [] and metrics.SCORING_FAILURES._value.get() == before + 1
