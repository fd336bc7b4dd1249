"""`warning backtest` (issue 11, item 6): a candidate pack replayed over stored reports in a
read-only pass, against what was alerted, with the precision on reviewed alerts."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SEED, write_config
from warning.backtest import Alerted, Replayed, compare
from warning.cli import app
from warning.config import load_settings
from warning.levels import Severity
from warning.models import Verdict, utcnow
from warning.notify import Notifier
from warning.pipeline import Service
from warning.precision import FALSE, TRUE, Judged
from warning.review import replay_period
from warning.sources import Incoming
from warning.store import Store

pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).parent.parent
H, C, L, N = Severity.high, Severity.critical, Severity.low, Severity.none


def replayed(report: int, event: int | None, severity: Severity, *signals: str) -> Replayed:
    fired = frozenset(signals)
    return Replayed(report, event, fired, severity, fired, f"place {report}", f"quote {report}")


def test_compare_event_by_event() -> None:
    alerted = {
        1: Alerted(10, 1, H, "one", "old quote 1"),
        2: Alerted(20, 2, H, "two", "old quote 2"),
        3: Alerted(30, 3, L, "three", "old quote 3"),
    }
    outcome = compare(
        [
            replayed(1, 1, C, "siege"), replayed(2, 1, L, "siege"),  # event 1: now critical
            replayed(3, 2, N),  # event 2: no longer alerts
            replayed(4, 3, L, "displacement"),  # event 3: unchanged
            replayed(5, None, H, "siege"),  # joined no event live: a new alert
            replayed(6, None, N),  # nothing either way
        ],
        alerted, Severity.low,
        [Judged(10, "siege", TRUE), Judged(20, "siege", FALSE), Judged(30, "displacement", FALSE)],
    )  # fmt: skip
    assert [(c.kind, c.before, c.after, c.alert_id, c.report_id) for c in outcome.changes] == [
        ("added", None, H, None, 5),
        ("raised", H, C, 10, 1),
        ("removed", H, None, 20, None),
    ]
    assert outcome.changes[2].quote == "old quote 2"  # a removed alert keeps its own quote
    assert outcome.reports == 6 and outcome.after["siege"] == 3
    # judged: 10 siege (true), 20 siege (false), 30 displacement (false): 1/3 as alerted;
    # the candidate still fires siege in event 1 and displacement in event 3, not siege in 2
    assert outcome.judged == 3 and round(outcome.precision_before, 3) == 0.333
    assert outcome.precision_after == 0.5


@pytest.fixture
def stored(tmp_path: Path, scorer) -> tuple[Path, Service]:  # noqa: ANN001
    config = write_config(tmp_path)
    for source in (ROOT / "examples" / "inbox").glob("*.txt"):
        (tmp_path / "inbox" / source.name).write_bytes(source.read_bytes())
    settings = load_settings(config)
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    assert len(service.run_once().alerts) == 3
    return config, service


def candidate(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    folder = tmp_path / "candidate"
    shutil.copytree(ROOT / "rules", folder)
    severity = folder / "severity.yaml"
    text = severity.read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    severity.write_text(text)
    return folder


FOUR = (
    "  - when: {count: 3}\n",
    "  - when: {count: 4}\n    level: critical\n    why: four signals\n  - when: {count: 3}\n",
)
NO_PAIRS = (
    "    level: medium\n    why: two signals in one report",
    "    level: none\n    why: two",
)
NO_ONE = ("    level: low\n    why: one signal", "    level: none\n    why: one")


def test_backtest_prints_the_changes_and_stores_nothing(tmp_path: Path, stored: tuple) -> None:
    config, service = stored
    before = service.store.counts()
    myanmar = next(r.alert for r in service.store.alert_log() if "Myanmar" in r.alert.place)
    service.store.add_verdict(Verdict(alert_id=myanmar.id, signal="displacement",
                                      verdict="false_positive", by="amina"))  # fmt: skip
    folder = candidate(tmp_path, FOUR, NO_PAIRS, NO_ONE)
    result = CliRunner().invoke(
        app, ["backtest", "--rules", str(folder), "--since", "1d", "-c", str(config)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        lines[0].startswith("6 report(s) scored from ") and "reports/s); nothing stored" in lines[0]
    )
    assert lines[1] == "alerts: 0 added, 1 removed, 1 raised, 0 lowered"
    assert lines[2].startswith("^ [high -> CRITICAL] Ethiopia (Amhara")
    assert lines[3].startswith("- [MEDIUM] Myanmar (Kayin State / Myawaddy): “Situation Report")
    # the one judged signal (false) belongs to the alert the candidate removes
    assert (
        "precision on 1 reviewed signal(s) of these alerts: 0.00 as alerted, - with the candidate"
        in result.output
    )
    assert service.store.counts() == before  # read-only: no report, alert or delivery more
    data = json.loads(CliRunner().invoke(
        app, ["backtest", "--rules", str(folder), "--since", "1d", "--json", "-c", str(config)]
    ).output)  # fmt: skip
    assert [(c["kind"], c["alert_id"]) for c in data["changes"]] == [
        (
            "raised",
            next(r.alert.id for r in service.store.alert_log() if "Ethiopia" in r.alert.place),
        ),
        ("removed", myanmar.id),
    ]
    assert data["reports"] == 6 and data["reports_per_second"] > 0
    assert data["signals"]["displacement"] == {"before": 2, "after": 2}


def test_backtest_refuses_a_broken_candidate_with_file_and_line(
    tmp_path: Path, stored: tuple
) -> None:
    config, _ = stored
    folder = candidate(tmp_path, ("level: critical", "level: catastrophic"))
    result = CliRunner().invoke(app, ["backtest", "--rules", str(folder), "-c", str(config)])
    assert result.exit_code == 2
    assert "severity.yaml:" in result.output and "catastrophic" in result.output
    usage = CliRunner().invoke(app, ["backtest", "-c", str(config)])
    assert usage.exit_code == 2 and "give --rules PATH, --classifier PATH or both" in usage.output


def test_the_pack_in_use_replayed_changes_nothing(stored: tuple, scorer) -> None:  # noqa: ANN001
    """Escalation across reports is replayed as live scoring applied it: the same pack
    gives the same alerts (replayed in process with the service's own scorer)."""
    _, service = stored
    service.intake("inbox", [Incoming(ref="seed", title="Syria", text=SEED.read_text())])
    service.score_pending()
    now = utcnow()
    outcome = replay_period(service.store, scorer, Severity.low, now - timedelta(days=1), now)
    assert outcome.reports == 7 and outcome.changes == []
