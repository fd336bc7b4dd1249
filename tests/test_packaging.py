"""The shipped rule pack, classifier examples, templates and gazetteer aliases are inside
the wheel, so an installed `warning` finds them without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO


def test_wheel_carries_the_packs(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("warning-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for rule_file in (REPO / "rules").glob("*.yaml"):
        assert f"warning/packs/rules/{rule_file.name}" in names
    for example in (REPO / "classifiers").glob("*.txt"):
        assert f"warning/packs/classifiers/{example.name}" in names
    assert {
        "warning/templates/alert.html.j2",
        "warning/templates/alert.md.j2",
        "warning/data/places.yaml",
        "warning/migrations/env.py",
        "warning/migrations/script.py.mako",
    } <= names
    for migration in (REPO / "warning" / "migrations" / "versions").glob("*.py"):
        assert f"warning/migrations/versions/{migration.name}" in names
