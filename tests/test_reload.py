"""Hot reload in a running daemon: a valid rule change applies without a restart; an
invalid one is rejected with file:line and the last good rules keep working."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, query, start_daemon, write_config
from warning.config import load_settings
from warning.notify import Notifier
from warning.pipeline import Service
from warning.reload import Reloader
from warning.score import Scorer
from warning.store import Store

NEW_RULE = """
  - id: siege.zzyzx-test
    description: A test rule added while the daemon runs.
    any: [zzyzxville blockade]
    weight: 0.9
    tests:
      match: [the zzyzxville blockade goes on]
"""


FAILING_RULE = """
  - id: siege.failing-test
    description: A rule whose own test fails must not go live.
    any: [qqqblockade]
    tests:
      match: [this text lacks the word]
"""


class Log:
    """Collects the daemon's stderr lines as they come."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.lines if text in line]
            if found:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"no log line with {text!r} in:\n{''.join(self.lines)}")


def _wait_alerts(folder: Path, count: int, timeout: float = 60) -> list[list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = query(folder, "select assessment from alert order by id")
        if len(rows) >= count:
            return [[s["name"] for s in json.loads(row[0])["signals"]] for row in rows]
        time.sleep(0.3)
    raise AssertionError(f"fewer than {count} alerts after {timeout}s")


def test_reload_good_then_bad_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    config = write_config(tmp_path, rules={"path": "rules"}, reload={"every": "1s"})
    daemon = start_daemon(config, stdout=subprocess.DEVNULL)
    log = Log(daemon)
    try:
        log.wait_for("running:")
        siege = rules / "siege.yaml"
        siege.write_text(siege.read_text() + NEW_RULE)
        applied = log.wait_for("reloaded")
        assert "siege.yaml" in applied and "+siege.zzyzx-test" in applied

        (tmp_path / "inbox" / "one.txt").write_text("Day 40 of the zzyzxville blockade.\n")
        assert _wait_alerts(tmp_path, 1) == [["siege"]]

        siege.write_text(siege.read_text() + "  - id: [unclosed\n")
        log.wait_for("last good configuration keeps running")
        rejected = [line for line in log.lines if "reload rejected:" in line]
        assert (
            len(rejected) == 1 and f"{siege}:" in rejected[0] and "YAML syntax error" in rejected[0]
        )
        assert daemon.poll() is None

        siege.write_text(siege.read_text().replace("  - id: [unclosed\n", "") + FAILING_RULE)
        log.wait_for("rule test(s) failed")
        assert "siege.failing-test" in "".join(log.lines)

        (tmp_path / "inbox" / "two.txt").write_text(
            "Day 41 of the zzyzxville blockade, a new week.\n"
        )
        assert _wait_alerts(tmp_path, 2)[1] == ["siege"]
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
    assert daemon.returncode == 0


def _rewrite_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` (same length) and put the times back, as `cp -p` would."""
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text().replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


@pytest.fixture
def reloader(tmp_path: Path, scorer: Scorer) -> Reloader:
    """A Reloader over a config in tmp_path (threshold 0.5) and a copy of the rules; the
    service starts with the session's scorer (the same rules), which saves building one."""
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    config = write_config(tmp_path, rules={"path": "rules"}, alerts={"threshold": 0.5})
    settings = load_settings(config)
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    return Reloader.watching(service, config)


def test_edit_keeping_size_and_mtime_is_reloaded(reloader: Reloader) -> None:
    assert reloader.config is not None
    _rewrite_keeping_size_and_mtime(reloader.config, '"threshold": 0.5', '"threshold": 0.7')
    assert reloader.check() is True
    assert reloader.service.settings.alerts.threshold == 0.7
    assert reloader.check() is False  # seen now


def test_rule_edit_keeping_size_and_mtime_is_noticed(
    reloader: Reloader, caplog: pytest.LogCaptureFixture
) -> None:
    rules = reloader.service.settings.rules.path
    assert rules is not None
    siege = rules / "siege.yaml"
    _rewrite_keeping_size_and_mtime(siege, "description: A pop", "description: a pop")
    with caplog.at_level("INFO", logger="warning.reload"):
        assert reloader.check() is True
    assert f"reloaded {siege}" in caplog.text


def test_touched_but_unchanged_is_not_a_change(
    reloader: Reloader, caplog: pytest.LogCaptureFixture
) -> None:
    assert reloader.config is not None
    reloader.config.write_text(reloader.config.read_text())
    later = time.time() + 60
    os.utime(reloader.config, (later, later))
    with caplog.at_level("INFO", logger="warning.reload"):
        assert reloader.check() is False
    assert caplog.text == ""


def test_a_channel_added_by_reload_is_redacted_from_the_log(reloader: Reloader) -> None:
    """The log's redaction follows the configuration: a secret that only the reloaded
    configuration holds is hidden from log lines written after the reload."""
    import io
    import logging

    from warning.logs import setup_logging

    secret = "ReloadedTok3n4242"
    stream = io.StringIO()  # conftest puts the root handlers back afterwards
    setup_logging(reloader.service.settings.redact)
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    assert reloader.config is not None
    data = json.loads(reloader.config.read_text())
    data["channels"] = {"chat": {"url": f"mmost://127.0.0.1:9/{secret}"}}
    reloader.config.write_text(json.dumps(data))
    assert reloader.check() is True
    logging.getLogger("warning.test").warning("posting to /hooks/%s failed", secret)
    assert "posting to /hooks/*** failed" in stream.getvalue()
    assert secret not in stream.getvalue()


def test_a_rejected_reload_is_counted_for_metrics(reloader: Reloader) -> None:
    from warning.metrics import REGISTRY

    def rejected() -> float:
        return REGISTRY.get_sample_value("warning_reload_failures_total") or 0.0

    before = rejected()
    rules = reloader.service.settings.rules.path
    assert rules is not None
    (rules / "siege.yaml").write_text("rules: [unclosed\n")
    assert reloader.check() is False
    assert rejected() == before + 1
