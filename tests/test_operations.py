"""Operating the service (issue 12, item 6, in part): `warning --version`; no database
made where no config file is; `run --once` exit codes; logs as JSON lines."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import DATABASE, free_port, invoke, write_config
from warning.cli import PARTLY_FAILED

pytestmark = pytest.mark.both_databases


def test_version_is_the_installed_packages() -> None:
    result = invoke("--version")
    assert result.code == 0 and result.stdout.strip() == f"warning {version('warning')}"


@pytest.mark.parametrize(
    "command",
    [["alerts"], ["alerts", "show", "1"], ["sources"], ["user", "list"], ["run", "--once"]],
)
def test_no_database_is_made_where_there_is_no_config_file(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WARNING_CONFIG", raising=False)
    result = invoke(*command)
    assert result.code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("no config.yaml here, so no database") and "--config" in line
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_warning_config_names_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(
        tmp_path / "deploy" if (tmp_path / "deploy").mkdir() is None else tmp_path
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    made = invoke("db", "upgrade", env={"WARNING_CONFIG": str(config)})
    assert made.code == 0, made.stderr
    result = invoke("alerts", env={"WARNING_CONFIG": str(config)})
    assert result.code == 0, result.stderr
    assert list(elsewhere.iterdir()) == []
    assert DATABASE.url or (config.parent / "warning.db").exists()


@pytest.mark.sqlite_only  # starts again from no database
def test_run_once_exit_code_says_a_source_errored_or_a_delivery_failed(tmp_path: Path) -> None:
    dead = "http://127.0.0.1:9/feed"  # nothing listens on port 9
    config = write_config(tmp_path, sources=[{"name": "down", "kind": "rss", "url": dead}])
    strict = invoke("run", "--once", "--config", str(config))
    assert strict.code == PARTLY_FAILED, strict.stderr
    assert "0 failed, 1 source error(s)" in strict.stdout
    (tmp_path / "warning.db").unlink()
    lenient = invoke("run", "--once", "--no-strict", "--config", str(config))
    assert lenient.code == 0 and "1 source error(s)" in lenient.stdout
    (tmp_path / "fine").mkdir()
    fine = write_config(tmp_path / "fine")
    assert invoke("run", "--once", "--config", str(fine)).code == 0


def test_logs_as_json_lines_redacted(tmp_path: Path) -> None:
    secret = "hooktoken-secret-4242"
    config = write_config(
        tmp_path,
        {"chat": {"url": f"json://127.0.0.1:9/{secret}", "min_severity": "low"}},
        logging={"format": "json"},
        sources=[{"name": "down", "kind": "rss", "url": f"http://127.0.0.1:9/{secret}"}],
    )
    result = invoke("run", "--once", "--config", str(config))
    lines = [json.loads(line) for line in result.stderr.strip().splitlines()]
    assert lines and all(set(line) >= {"time", "level", "logger", "message"} for line in lines)
    assert any(line["level"] == "ERROR" and "down" in line["message"] for line in lines)
    assert secret not in result.stderr


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    from prometheus_client.parser import text_string_to_metric_families

    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_what_the_pipeline_did(
    tmp_path: Path,
    scorer,  # noqa: ANN001
    http_server,  # noqa: ANN001
) -> None:
    """/metrics in Prometheus's text format: reports received and scored by source, scoring
    time, alerts by severity, delivery outcomes by channel, poll failures, queue depths."""
    import httpx

    from warning.config import load_settings
    from warning.metrics import exposition
    from warning.notify import Notifier
    from warning.pipeline import Service
    from warning.store import Store
    from warning.web import WebServer, create_app

    examples = Path(__file__).parent.parent / "examples" / "inbox"
    channels = {
        "chat": {"url": http_server.mattermost_url(), "min_severity": "medium"},
        "dead": {"url": "json://127.0.0.1:9/x", "min_severity": "critical"},
    }
    down = {"name": "down", "kind": "rss", "url": "http://127.0.0.1:9/feed"}
    config = write_config(tmp_path, channels, sources=[
        {"name": "inbox", "kind": "folder", "path": "inbox", "every": "1s"}, down,
    ])  # fmt: skip
    for source in examples.glob("*.txt"):
        (tmp_path / "inbox" / source.name).write_bytes(source.read_bytes())
    settings = load_settings(config)
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    before = _samples(exposition(None).decode())
    summary = service.run_once()
    assert len(summary.alerts) == 3 and summary.sent == 3 and summary.failed == 1
    web = settings.web.model_copy(update={"port": free_port()})
    server = WebServer(create_app(settings, service.intake, service.store), web)
    server.start()
    try:
        scraped = httpx.get(f"{server.url}/metrics")
    finally:
        server.stop()
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    after = _samples(scraped.text)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("warning_reports_received_total", source="inbox") == 6
    assert grew("warning_reports_scored_total", source="inbox") == 6
    assert grew("warning_scoring_seconds_count") == 6 and grew("warning_scoring_seconds_sum") > 0
    for severity in ("critical", "high", "medium"):
        assert grew("warning_alerts_total", severity=severity) == 1, severity
    assert grew("warning_deliveries_total", channel="chat", status="sent") == 3
    assert grew("warning_deliveries_total", channel="dead", status="failed") == 1
    assert grew("warning_poll_failures_total", source="down") == 1
    assert after[("warning_unscored_reports", ())] == 0
    assert after[("warning_deliveries_owed", ())] == 1  # the dead channel's, to retry
