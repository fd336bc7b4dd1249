"""What scoring is built from is read back from the cache folder (warning/warmcache.py),
never stale, rebuilt when damaged; and `warning score` starts without the libraries only
other commands need."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warning.gazetteer_data import PLACES_YAML
from warning.places import Gazetteer
from warning.rules.pack import SHIPPED, load_pack
from warning.warmcache import UNUSED_FOR, load_or_build
from warning.yamlio import InputError

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "warning"


def rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(SHIPPED, folder)
    return folder


def test_a_pack_read_back_from_the_cache_is_the_pack_compiled(own_cache: Path, tmp_path: Path):
    folder = rules_copy(tmp_path)
    built = load_pack(folder)
    (cached,) = own_cache.glob("rules-*.pickle")
    read = load_pack(folder)
    assert read is not built
    assert read.rule_ids == built.rule_ids
    assert [r.when for r in read.severity] == [r.when for r in built.severity]
    assert len(read.rules_for("en").term_text) == len(built.rules_for("en").term_text) > 1000
    assert cached.stat().st_size > 100_000


def test_an_edited_rule_file_is_compiled_again_not_read_stale(own_cache: Path, tmp_path: Path):
    folder = rules_copy(tmp_path)
    before = load_pack(folder)
    path = folder / "siege.yaml"
    path.write_text(path.read_text().replace("id: siege.population-besieged", "id: siege.renamed"))
    after = load_pack(folder)
    assert "siege.renamed" in after.rule_ids and "siege.renamed" not in before.rule_ids
    assert "siege.population-besieged" not in after.rule_ids
    assert len(list(own_cache.glob("rules-*.pickle"))) == 2


def test_a_broken_rule_file_is_still_an_error_with_its_line(own_cache: Path, tmp_path: Path):
    folder = rules_copy(tmp_path)
    load_pack(folder)
    (folder / "siege.yaml").write_text("signal: siege\nrules: [\n")
    with pytest.raises(InputError) as caught:
        load_pack(folder)
    assert "siege.yaml:" in caught.value.messages[0]


def test_a_damaged_cache_file_is_built_again(own_cache: Path) -> None:
    first = Gazetteer(PLACES_YAML)
    (cached,) = own_cache.glob("gazetteer-*.pickle")
    cached.write_bytes(cached.read_bytes()[:1000])  # cut short, as by a full disk
    again = Gazetteer(PLACES_YAML)
    assert again.names == first.names and again.entries == first.entries
    assert cached.stat().st_size > 1_000_000  # written again, whole


def test_files_unused_for_a_month_are_removed_when_one_is_written(own_cache: Path) -> None:
    load_or_build(own_cache / "rules-old.pickle", lambda: "old")
    load_or_build(own_cache / "rules-recent.pickle", lambda: "recent")
    month_ago = time.time() - UNUSED_FOR - 60
    os.utime(own_cache / "rules-old.pickle", (month_ago, month_ago))
    os.utime(own_cache / "rules-recent.pickle", (month_ago + 120, month_ago + 120))
    assert load_or_build(own_cache / "rules-new.pickle", lambda: "new") == "new"
    assert sorted(p.name for p in own_cache.iterdir()) == [
        "rules-new.pickle",
        "rules-recent.pickle",
    ]


def test_a_cache_folder_that_cannot_be_written_only_costs_the_build(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert load_or_build(blocked / "rules-x.pickle", lambda: "built") == "built"


HEAVY = ("sklearn", "scipy", "sqlalchemy", "sqlmodel", "apprise", "trafilatura", "httpx")
PROBE = """
import json, sys
from warning.cli import main
sys.argv = ["warning", "score", "--jsonl", sys.argv[1]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


def test_score_loads_no_library_that_only_other_commands_need(cache_dir: Path, tmp_path: Path):
    """scikit-learn, SQLAlchemy, Apprise, trafilatura... cost a second of start-up: a model
    read from the cache needs none of them (the shared cache holds the trained one)."""
    lines = tmp_path / "in.jsonl"
    lines.write_text(
        json.dumps({"id": "a", "text": "Thousands fled Kutum as fighters shelled it."})
    )
    probe = PROBE.format(heavy=HEAVY)
    for _ in range(2):  # the first run may train and cache; the second reads the cache
        done = subprocess.run(
            [sys.executable, "-c", probe, str(lines)], capture_output=True, text=True,
            cwd=tmp_path, env={**os.environ, "XDG_CACHE_HOME": str(cache_dir)}, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"] == "a"
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
