"""Every bad-input fixture in tests/data/bad/folder/ and tests/data/bad/feed/, each beside a
good item: the good one is stored, the bad one's exact reason is recorded.

A folder case is the file(s) dropped plus expected.txt; a feed case is CASE.xml (a bad item,
then a good one) plus CASE.expected.txt. expected.txt lines are `key: value`:
`outcome:` failed (moved to failed/, `reason:` the exact NAME.error.txt), stored (moved to
done/) or left (where it was); `stored:` how many reports the bad input gave; `problem:`
each exact problem line of the poll (`{inbox}` is the folder), the last one also the
source's last error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import DATA, Page, Site, write_config
from warning.config import load_settings
from warning.notify import Notifier
from warning.pipeline import Service
from warning.store import Store
from warning.text import valid_text

BAD = DATA / "bad"
FOLDER_CASES = sorted(p for p in (BAD / "folder").iterdir() if p.is_dir())
FEED_CASES = sorted((BAD / "feed").glob("*.xml"))
GOOD = "Field note: the market in the old town reopened on Monday after repairs.\n"
FILED = {"failed": "failed", "stored": "done"}


@dataclass(frozen=True)
class Expected:
    outcome: str  # failed | stored | left
    stored: int
    problems: tuple[str, ...]
    reason: str = ""


def expected(path: Path, inbox: Path | None = None) -> Expected:
    values: dict[str, list[str]] = {"outcome": [], "stored": [], "problem": [], "reason": []}
    for line in path.read_text("utf-8").splitlines():
        key, _, value = line.partition(": ")
        values[key].append(value.replace("{inbox}", str(inbox)))
    return Expected(
        (values["outcome"] or ["stored"])[0],
        int(values["stored"][0]),
        tuple(values["problem"]),
        "".join(values["reason"]),
    )


def service(tmp_path: Path, scorer, sources: list[dict]) -> Service:  # noqa: ANN001
    settings = load_settings(write_config(tmp_path, sources=sources))
    return Service(settings, Store(settings.database.url), scorer, Notifier(settings))


def assert_all_text_valid(store: Store) -> None:
    for report in store.unscored_reports():
        for value in (report.ref, report.title, report.text, report.url, report.outlet):
            assert valid_text(value)[1] == 0, (report.ref, value)


def link_outside(inbox: Path, tmp_path: Path) -> None:
    """secret.txt moves out of the folder; a link to it takes its place."""
    (tmp_path / "outside").mkdir()
    target = (inbox / "secret.txt").rename(tmp_path / "outside" / "secret.txt")
    (inbox / "secret.txt").symlink_to(target)


def newline_in_name(inbox: Path, _tmp_path: Path) -> None:
    (inbox / "report.json").rename(inbox / "report\n2024-12-02 ERROR forged.json")


# Cases git cannot hold portably: made in the test from the case's files.
SETUP: dict[str, Callable[[Path, Path], None]] = {
    "symlink_out": link_outside,
    "newline_in_name": newline_in_name,
}


def dropped(inbox: Path) -> dict[Path, tuple[bytes, bool]]:
    """Each file under `inbox`: its content and whether it is a link."""
    return {
        path.relative_to(inbox): (path.read_bytes(), path.is_symlink())
        for path in inbox.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize("pattern", ["*", "**/*"])
@pytest.mark.parametrize("case", FOLDER_CASES, ids=lambda p: p.name)
def test_a_bad_file_beside_a_good_one(case: Path, pattern: str, tmp_path: Path, scorer) -> None:  # noqa: ANN001
    inbox = tmp_path / "inbox"
    source = {"name": "inbox", "kind": "folder", "path": "inbox", "pattern": pattern}
    poller = service(tmp_path, scorer, [source])
    shutil.copytree(case, inbox, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt"))
    SETUP.get(case.name, lambda *_: None)(inbox, tmp_path)
    bad = dropped(inbox)
    (inbox / "good.txt").write_text(GOOD)
    want = expected(case / "expected.txt", inbox)

    outcome = poller.poll("inbox")

    assert outcome.errors == list(want.problems)
    assert poller.store.source_state("inbox").last_error == (want.problems or ("",))[-1]
    assert (outcome.new, outcome.duplicates) == (1 + want.stored, 0)
    assert (inbox / "done" / "good.txt").read_text() == GOOD
    assert_all_text_valid(poller.store)
    for rel, (content, link) in bad.items():
        if want.outcome == "left":
            assert (inbox / rel).read_bytes() == content
            assert (inbox / rel).is_symlink() == link
            continue
        filed = inbox / FILED[want.outcome]
        assert (filed / rel.name).read_bytes() == content and not (inbox / rel).exists()
        if want.outcome == "failed":
            assert (filed / f"{rel.name}.error.txt").read_text() == want.reason + "\n"
    assert poller.poll("inbox").new == 0  # nothing read twice


@pytest.mark.parametrize("case", FEED_CASES, ids=lambda p: p.stem)
def test_a_bad_feed_item_beside_a_good_one(
    case: Path,
    tmp_path: Path,
    site: Site,
    scorer,  # noqa: ANN001
) -> None:
    site.pages["/feed"] = Page(case.read_bytes(), headers={"Content-Type": "application/rss+xml"})
    source = {"name": "news", "kind": "rss", "url": site.url("/feed"), "full_text": "never"}
    poller = service(tmp_path, scorer, [source])
    want = expected(case.with_suffix(".expected.txt"))

    outcome = poller.poll("news")

    assert outcome.errors == list(want.problems)
    assert poller.store.source_state("news").last_error == want.problems[-1]
    assert (outcome.new, outcome.duplicates) == (1 + want.stored, 0)
    assert poller.store.knows("news", "http://example.org/good")
    assert_all_text_valid(poller.store)


def test_every_fixture_has_its_expected_outcome() -> None:
    for case in FOLDER_CASES:
        assert expected(case / "expected.txt").outcome in {"failed", "stored", "left"}, case
    for case in FEED_CASES:
        assert expected(case.with_suffix(".expected.txt")).problems, case
    assert len(FOLDER_CASES) >= 10 and len(FEED_CASES) >= 8
    assert os.path.exists(BAD / "check" / "folder_pattern_leaves" / "expected.txt")
