"""Hot reload in a running daemon: a valid rule change applies without a restart; an
invalid one is rejected with file:line and the last good rules keep working."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from tests.conftest import REPO, start_daemon, write_config

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


def _alert_signals(db: Path) -> list[list[str]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("select assessment from alert order by id").fetchall()
    return [[s["name"] for s in json.loads(row[0])["signals"]] for row in rows]


def _wait_alerts(db: Path, count: int, timeout: float = 60) -> list[list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                alerts = _alert_signals(db)
            except sqlite3.OperationalError:
                alerts = []
            if len(alerts) >= count:
                return alerts
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
        assert _wait_alerts(tmp_path / "warning.db", 1) == [["siege"]]

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
        assert _wait_alerts(tmp_path / "warning.db", 2)[1] == ["siege"]
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
    assert daemon.returncode == 0
