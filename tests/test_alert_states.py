"""The alert log's states and verdict filter: each alert is in one state (silenced, else
acknowledged, else resolved when unchanged for events.window, else new), and the store's
filter selects exactly the alerts alertview.alert_state names so; a verdict filter reads
the latest verdict of each signal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.conftest import store_url
from warning.alertview import STATES, alert_state
from warning.models import Alert, Report, Verdict, utcnow
from warning.store import AlertFilter, Store

pytestmark = pytest.mark.both_databases


def _alert(session: Session, n: int, **fields: object) -> Alert:
    report = Report(source="inbox", title=f"r{n}", text=f"text {n}", content_hash=f"h{n}")
    session.add(report)
    session.flush()
    alert = Alert(report_id=report.id, severity="high", title=f"alert {n}", signals="siege",
                  assessment="{}", **fields)  # fmt: skip
    session.add(alert)
    session.flush()
    return alert


def test_each_alert_is_in_the_state_the_filter_selects_it_by(tmp_path: Path) -> None:
    store = Store(store_url(tmp_path))
    now = utcnow()
    old, quiet_before = now - timedelta(days=5), now - timedelta(days=3)
    with Session(store.engine, expire_on_commit=False) as session:
        made = {
            "new": _alert(session, 1),
            "updated": _alert(session, 2, created_at=old, updated_at=now),  # old, still firing
            "resolved": _alert(session, 3, created_at=old),
            "acked": _alert(session, 4, created_at=old, acked_at=now, acked_by="amina"),
            "silenced": _alert(session, 5, silenced_by=1, acked_at=now),
        }
        session.commit()
    expected = {"new": {1, 2}, "resolved": {3}, "acked": {4}, "silenced": {5}}
    assert set(expected) == set(STATES)
    for state, ids in expected.items():
        rows, total = store.alert_page(AlertFilter(state=state, quiet_before=quiet_before))
        assert {r.alert.id for r in rows} == ids and total == len(ids), state
        assert {alert_state(r.alert, quiet_before) for r in rows} == {state}
    assert alert_state(made["resolved"], None) == "new"  # no window given: nothing resolves
    rows, _ = store.alert_page(AlertFilter(state="resolved"))
    assert rows == []


def test_the_verdict_filter_reads_each_signals_latest_verdict(tmp_path: Path) -> None:
    store = Store(store_url(tmp_path))
    with Session(store.engine) as session:
        for n in range(1, 5):
            _alert(session, n)
        session.commit()
    for alert_id, signal, verdict in [
        (1, "siege", "true_positive"),
        (1, "siege", "false_positive"),  # changed their mind: false now
        (2, "siege", "true_positive"),
        (3, "siege", "false_positive"),
        (3, "displacement", "true_positive"),  # one signal of each
    ]:
        store.add_verdict(Verdict(alert_id=alert_id, signal=signal, verdict=verdict, by="amina"))
    chosen = {
        verdict: {r.alert.id for r in store.alert_page(AlertFilter(verdict=verdict))[0]}
        for verdict in ("true_positive", "false_positive", "unjudged", "")
    }
    assert chosen == {
        "true_positive": {2, 3},
        "false_positive": {1, 3},
        "unjudged": {4},
        "": {1, 2, 3, 4},
    }
    (row,) = store.alert_page(AlertFilter(verdict="unjudged"))[0]
    assert row.verdicts == ()
    judged = {r.alert.id: r.verdicts for r in store.alert_page(AlertFilter())[0]}
    assert [v.verdict for v in judged[1]] == ["true_positive", "false_positive"]  # oldest first


def test_the_alerts_table_wraps_a_long_title_whole(tmp_path: Path) -> None:
    from tests.conftest import invoke, write_config
    from warning.config import load_settings

    config = write_config(tmp_path)
    store = Store(load_settings(config).database.url)
    title = "Situation Report No. 4: Tens of thousands flee fighting in Myanmar's Kayin State " * 2
    with Session(store.engine) as session:
        _alert(session, 1).title = title.strip() + " into Thailand's Tak province"
        session.commit()
    shown = invoke("alerts", "-c", str(config))
    assert shown.code == 0, shown.stderr
    cells = " ".join(
        line.split("│")[6].strip() for line in shown.stdout.splitlines() if line.count("│") > 6
    )
    assert " ".join(cells.split()) == " ".join(
        (title.strip() + " into Thailand's Tak province").split()
    )
