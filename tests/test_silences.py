"""Silences (issue 10, item 4): made by the CLI, they keep matching alerts from being sent
(still logged, marked with the silence), hold back what was already owed, and expire."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SEED, write_config
from warning.cli import app
from warning.config import load_settings
from warning.models import DeliveryStatus
from warning.notify import Notifier
from warning.outbox import Outbox
from warning.pipeline import Service
from warning.sources import Incoming
from warning.store import Store

pytestmark = pytest.mark.both_databases


def cli(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args))


def _alerts(config: Path) -> list[dict]:
    return json.loads(cli("alerts", "--json", "--config", str(config)).output)


def test_a_silenced_alert_is_logged_not_sent_until_the_silence_expires(
    tmp_path: Path,
    http_server,  # noqa: ANN001
) -> None:
    config = write_config(tmp_path, {"chat": {"url": http_server.mattermost_url()}})
    added = cli(
        "silence", "add", "-m", 'country="SY"', "-m", 'signal=~"siege|comms_blackout"',
        "--for", "3d", "--comment", "known story", "--author", "duty officer", "-c", str(config),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.output.startswith("silence #1 until ") and 'country="SY"' in added.output
    listed = json.loads(cli("silence", "list", "--json", "-c", str(config)).output)
    assert [(s["id"], s["matchers"], s["active"]) for s in listed] == [
        (1, ['country="SY"', 'signal=~"siege|comms_blackout"'], True)
    ]
    (tmp_path / "inbox" / "seed.txt").write_bytes(SEED.read_bytes())
    run = cli("run", "--once", "--config", str(config))
    assert "1 alert(s), 0 delivery(ies) sent" in run.output, run.output
    (alert,) = _alerts(config)
    assert alert["silenced_by"] == 1 and alert["deliveries"] == []
    assert "silenced by #1" in cli("alerts", "--config", str(config)).output
    assert http_server.posts == []

    expired = cli("silence", "expire", "1", "-c", str(config))
    assert expired.exit_code == 0 and expired.output.startswith("silence #1 expired at")
    assert cli("silence", "list", "-c", str(config)).output.strip() == "no active silences"
    assert len(json.loads(cli("silence", "list", "--all", "--json", "-c", str(config)).output)) == 1
    assert cli("silence", "expire", "9", "-c", str(config)).exit_code == 1


def test_a_silence_holds_back_what_was_already_owed(
    tmp_path: Path,
    scorer,  # noqa: ANN001
    http_server,  # noqa: ANN001
) -> None:
    config = write_config(tmp_path, {"chat": {"url": http_server.mattermost_url()}})
    settings = load_settings(config)
    store = Store(settings.database.url)
    service = Service(settings, store, scorer, Notifier(settings))
    service.intake("inbox", [Incoming(ref="seed.txt", title="Syria", text=SEED.read_text())])
    assert service.score_pending()
    assert [d.status for d in store.deliveries()] == [DeliveryStatus.pending]
    assert (
        cli(
            "silence", "add", "-m", 'severity="critical"', "--for", "1h", "-c", str(config)
        ).exit_code
        == 0
    )
    assert Outbox(settings, store, Notifier(settings)).deliver_due() == (0, 0)
    (delivery,) = store.deliveries()
    assert (
        delivery.status == DeliveryStatus.silenced and delivery.error == "held back by silence #1"
    )
    assert http_server.posts == []


def test_silence_usage_errors(tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    bad = cli("silence", "add", "-m", "country=ML", "--for", "1d", "-c", str(config))
    assert bad.exit_code == 2 and "not a matcher: 'country=ML'" in bad.output
    never = cli("silence", "add", "-m", 'country="ML"', "--for", "0s", "-c", str(config))
    assert never.exit_code == 2 and "not a positive duration" in never.output
