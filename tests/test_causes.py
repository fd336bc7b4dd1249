"""Why people were displaced: a signal file's `causes` name it in the alert (`cause:
hazard`, `conflict` or `unknown`), in `score --json`, `alerts --json` and every message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_config
from warning.config import ChannelSettings, load_settings
from warning.notify import Notifier, render
from warning.pipeline import Service
from warning.rules.pack import load_pack
from warning.score import Scorer
from warning.store import Store

pytestmark = pytest.mark.both_databases

PACK = """signal: displacement
description: People forced from their homes.
rules:
  - id: displacement.fled
    description: People fled or were displaced.
    any: [fled, displaced]
    weight: 0.9
    tests:
      match: [Thousands fled.]
causes:
  - cause: hazard
    description: Floods and storms.
    any: [flood*, cyclone*]
    tests:
      match: [The floods rose.]
  - cause: conflict
    description: Fighting.
    any: [fighting, shelling, gunmen]
    tests:
      match: [The shelling went on.]
"""
SEVERITY = "severity:\n  - when: {count: 1}\n    level: low\n    why: one\n"


@pytest.fixture
def bare_scorer(tmp_path: Path) -> Scorer:
    (tmp_path / "displacement.yaml").write_text(PACK)
    (tmp_path / "severity.yaml").write_text(SEVERITY)
    return Scorer(load_pack(tmp_path), None, None)


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("About 3,000 families were displaced by floods.", "hazard"),
        ("Residents fled the shelling.", "conflict"),
        # the evidence sentence names no cause: the rest of the report decides
        ("The cyclone made landfall on Tuesday. Thousands fled.", "hazard"),
        # the evidence sentence's own cause wins over the rest of the report
        ("Gunmen raided a market last month. Floods rose and thousands fled.", "hazard"),
        ("Thousands fled.", "unknown"),  # no cause named anywhere
        ("Thousands fled the fighting and the floods.", "unknown"),  # both, as often
    ],
)
def test_the_cause_named_in_the_evidence(bare_scorer: Scorer, text: str, cause: str) -> None:
    (signal,) = bare_scorer.score(text).signals
    assert signal.cause == cause
    assert bare_scorer.score(text).to_json()["signals"][0]["cause"] == cause


def test_signals_without_causes_name_none(scorer) -> None:  # noqa: ANN001
    text = "Gunmen attacked the village of Kolo and killed eleven villagers on Sunday."
    assert all(s.cause == "" for s in scorer.score(text).signals if s.name != "displacement")


def test_the_cause_reaches_messages_and_the_alert_log(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    settings = load_settings(write_config(tmp_path))
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    text = "Residents of Kolo fled the shelling overnight; thousands are now sheltering in camps."
    (tmp_path / "inbox" / "kolo.txt").write_text(text)
    service.run_once()
    (row,) = service.store.alert_log()
    stored = json.loads(row.alert.assessment)["signals"]
    assert {s["name"]: s["cause"] for s in stored}["displacement"] == "conflict"
    for url, shown in (
        ("mailto://127.0.0.1:9?to=duty@example.org", "displacement (cause: conflict)</h3>"),
        ("mmost://127.0.0.1:9/token", "**displacement** (cause: conflict): score"),
    ):
        assert shown in render(row.alert, ChannelSettings(url=url)).body
    plain = render(row.alert, ChannelSettings(url="json://127.0.0.1:9", format="text")).body
    assert "displacement (cause: conflict): score" in plain
