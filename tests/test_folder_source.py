"""Bad files in a folder source: recorded with a reason, never fatal, nothing lost."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SEED, write_config
from warning.config import load_settings
from warning.notify import Notifier
from warning.pipeline import Service, build_scorer
from warning.sources.folder import MAX_BYTES
from warning.store import Store


def _service(tmp_path: Path, scorer) -> Service:  # noqa: ANN001
    settings = load_settings(write_config(tmp_path))
    return Service(settings, Store(settings.database.url), scorer, Notifier(settings))


def test_bad_files_are_reported_and_good_ones_still_arrive(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    service = _service(tmp_path, scorer)
    inbox = tmp_path / "inbox"
    (inbox / "a_seed.txt").write_bytes(SEED.read_bytes())
    (inbox / "b_latin1.txt").write_bytes(
        "Caf\xe9 owners say the town was besieged.".encode("latin-1")
    )
    (inbox / "c_empty.txt").write_bytes(b"   \n")
    (inbox / "d_huge.txt").write_bytes(b"x" * (MAX_BYTES + 1))
    summary = service.run_once()
    errors = summary.polls[0].errors
    assert any("b_latin1.txt: not valid UTF-8" in e for e in errors)
    assert any("c_empty.txt: empty file; skipped" in e for e in errors)
    assert any("d_huge.txt" in e and "limit" in e for e in errors)
    assert summary.polls[0].new == 2
    assert [a.severity for a in summary.alerts] == ["critical", "low"]  # the besieged town
    assert service.store.counts()["report"] == 2

    again = service.run_once()
    assert again.polls[0].new == 0 and again.polls[0].duplicates == 2 and again.alerts == []


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
