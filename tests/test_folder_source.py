"""Bad files in a folder source: recorded with a reason, never fatal, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import DATA, SEED, write_config
from warning.config import load_settings
from warning.notify import Notifier
from warning.pipeline import Service, build_scorer
from warning.sources import Memo
from warning.store import Store


def _service(tmp_path: Path, scorer, after: str = "move") -> Service:  # noqa: ANN001
    settings = load_settings(write_config(tmp_path))
    source = settings.sources[0].model_copy(update={"after": after})
    settings = settings.model_copy(update={"sources": [source]})
    return Service(settings, Store(settings.database.url), scorer, Notifier(settings))


MAX_BYTES = 5 * 1024 * 1024  # the default max_bytes


def test_bad_files_are_reported_and_good_ones_still_arrive(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    service = _service(tmp_path, scorer, after="keep")
    inbox = tmp_path / "inbox"
    (inbox / "a_seed.txt").write_bytes(SEED.read_bytes())
    (inbox / "b_bad_utf8.txt").write_bytes(
        "Café owners in the old quarter say the town was besieged. Señora López agreed. ".encode()
        + b"\xff ok"
    )
    (inbox / "c_empty.txt").write_bytes(b"   \n")
    (inbox / "d_huge.txt").write_bytes(b"x" * (MAX_BYTES + 1))
    summary = service.run_once()
    errors = summary.polls[0].errors
    assert any("b_bad_utf8.txt: not valid UTF-8" in e for e in errors)
    assert any("c_empty.txt: empty file" in e for e in errors)
    assert any("d_huge.txt" in e and "limit" in e for e in errors)
    assert summary.polls[0].new == 2
    assert [a.severity for a in summary.alerts] == ["critical", "low"]  # the besieged town
    assert service.store.counts()["report"] == 2

    again = service.run_once()
    assert again.polls[0].new == 0 and again.polls[0].duplicates == 2 and again.alerts == []
    assert (inbox / "a_seed.txt").exists()  # keep: left where it was


def test_every_kind_of_file_is_read_then_filed(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    service = _service(tmp_path, scorer)
    inbox = tmp_path / "inbox"
    (inbox / "page.html").write_bytes((DATA / "pages" / "seed_page.html").read_bytes())
    batch = [
        {"title": "Camp update", "text": "Some 3,000 families fled the fighting overnight."},
        {"text": "The council approved the budget for parks.", "published": "2024-12-02"},
    ]
    (inbox / "batch.json").write_text(json.dumps(batch))
    (inbox / "field.eml").write_bytes(
        b"From: Field office <field@example.org>\r\nSubject: Town cut off\r\n"
        b"Date: Mon, 02 Dec 2024 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"\r\nCommunications have been cut in the town since Sunday.\r\n"
    )
    (inbox / "broken.json").write_text('{"text": "unterminated')
    (inbox / "notes.docx").write_bytes(b"PK\x03\x04")  # not a kind we read: left alone
    outcome = service.poll("inbox")
    assert (outcome.new, outcome.duplicates) == (4, 0)
    done = sorted(p.name for p in (inbox / "done").iterdir())
    assert done == ["batch.json", "field.eml", "page.html"]
    failed = inbox / "failed"
    assert sorted(p.name for p in failed.iterdir()) == ["broken.json", "broken.json.error.txt"]
    assert "not JSON" in (failed / "broken.json.error.txt").read_text()
    assert (inbox / "notes.docx").exists()
    reports = {r.title: r for r in service.store.unscored_reports()}
    assert reports["Town cut off"].outlet == "Field office <field@example.org>"
    assert reports["Town cut off"].published_at.year == 2024
    page = next(r for r in reports.values() if r.ref.startswith("page.html#"))
    assert "Subscribe Now" not in page.text and "besieged by pro-Turkey factions" in page.text
    assert service.poll("inbox").new == 0


def test_a_crash_between_storing_and_filing_loses_and_repeats_nothing(
    tmp_path: Path, scorer
) -> None:  # noqa: ANN001, E501
    service = _service(tmp_path, scorer)
    inbox = tmp_path / "inbox"
    (inbox / "seed.txt").write_bytes(SEED.read_bytes())
    source = service.sources["inbox"]
    polled = source.poll(Memo(), lambda ref: service.store.knows("inbox", ref))
    service.intake("inbox", polled.reports)  # stored; the process dies before settle()
    assert (inbox / "seed.txt").exists()
    outcome = service.poll("inbox")  # the restarted service
    assert (outcome.new, outcome.duplicates) == (0, 0)
    assert (inbox / "done" / "seed.txt").exists()
    assert service.store.counts()["report"] == 1


def test_missing_folder_is_an_error_not_a_crash(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    service = _service(tmp_path, scorer)
    (tmp_path / "inbox").rmdir()
    summary = service.run_once()
    assert summary.polls[0].errors == [f"{tmp_path / 'inbox'}: folder does not exist"]


def test_reports_are_stored_before_scoring(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    service = _service(tmp_path, scorer)
    (tmp_path / "inbox" / "seed.txt").write_bytes(SEED.read_bytes())
    service.poll("inbox")
    assert [r.title for r in service.store.unscored_reports()] == [
        "Syria President Assad huddles with Russia, Iran as rebels near; over 300 insurgents killed"
        " | What's happening"
    ]
    service.score_pending()
    assert service.store.unscored_reports() == []


def test_scorer_builds_from_settings(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path))
    assert build_scorer(settings).rules.signals
