"""End to end through the real CLI: folder -> store -> score -> Apprise -> a real SMTP server
and a real HTTP server speaking the Slack/Mattermost webhook format."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import time
from pathlib import Path

from tests.conftest import SEED, free_port, invoke, query, start_daemon, stored_text, write_config


def _channels(email_url: str, hook_url: str) -> dict[str, dict]:
    return {
        "duty-email": {"url": email_url, "min_severity": "high"},
        "field-chat": {"url": hook_url, "min_severity": "high"},
    }


def _alerts(config: Path, env: dict | None = None) -> list[dict]:
    result = invoke("alerts", "--json", "--config", str(config), env=env)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def _parts(raw: bytes) -> tuple[str, str, str]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return str(message["Subject"]), plain, html


def test_seed_alert_is_emailed_and_posted_once(tmp_path: Path, smtp_server, http_server) -> None:  # noqa: ANN001
    config = write_config(tmp_path, _channels(smtp_server.url(), http_server.mattermost_url()))
    (tmp_path / "inbox" / "seed.txt").write_bytes(SEED.read_bytes())

    first = invoke("run", "--once", "--config", str(config))
    assert first.code == 0, first.stderr
    assert "1 alert(s), 2 delivery(ies) sent, 0 failed" in first.stdout

    alerts = _alerts(config)
    assert len(alerts) == 1
    assert alerts[0]["severity"] == "critical"
    assert alerts[0]["place"].startswith("Syria")
    assert {d["channel"]: d["status"] for d in alerts[0]["deliveries"]} == {
        "duty-email": "sent",
        "field-chat": "sent",
    }

    assert len(smtp_server.mailbox.messages) == 1
    subject, plain, html = _parts(smtp_server.mailbox.messages[0].content)
    assert "CRITICAL" in subject and "Syria" in subject and "Aleppo" in subject
    for body in (plain, html):
        assert "Communications have been cut in Kurdish-majority areas" in body
        assert "besieged by pro-Turkey factions" in body
        assert "siege.population-besieged" in body
        assert "classifier" in body
    assert "border-left" in html and "&ldquo;" not in plain

    assert len(http_server.posts) == 1
    path, payload = http_server.posts[0]
    assert path == "/hooks/hooktoken"
    assert "CRITICAL" in payload["text"] and "> " in payload["text"]
    assert "raising fears of possible" in payload["text"]

    second = invoke("run", "--once", "--config", str(config))
    assert second.code == 0, second.stderr
    assert "0 new report(s), 0 alert(s), 0 delivery(ies) sent" in second.stdout
    assert len(smtp_server.mailbox.messages) == 1 and len(http_server.posts) == 1
    assert len(_alerts(config)) == 1


def test_alert_below_every_channel_minimum_is_logged_not_sent(
    tmp_path: Path, smtp_server, http_server
) -> None:  # noqa: ANN001
    channels = _channels(smtp_server.url(), http_server.mattermost_url())
    channels["field-chat"]["min_severity"] = "critical"
    config = write_config(tmp_path, channels)
    sitrep = (
        Path(__file__).parent.parent
        / "examples"
        / "inbox"
        / "01_myanmar_thailand_border_sitrep.txt"
    )
    (tmp_path / "inbox" / "sitrep.txt").write_bytes(sitrep.read_bytes())
    result = invoke("run", "--once", "--config", str(config))
    assert result.code == 0, result.stderr
    alerts = _alerts(config)
    assert len(alerts) == 1 and alerts[0]["severity"] == "medium"  # in the log, below both channels
    assert alerts[0]["deliveries"] == []
    assert not http_server.posts and not smtp_server.mailbox.messages


def _deliveries(folder: Path) -> dict[str, tuple[str, int, str]]:
    rows = query(folder, "select channel, status, attempts, error from delivery")
    return {row[0]: row[1:] for row in rows}


def test_dead_smtp_is_recorded_others_still_delivered_daemon_keeps_running(
    tmp_path: Path,
    http_server,  # noqa: ANN001
) -> None:
    secret = "s3cret-Pa55word"
    dead = free_port()  # nothing listens here
    email_url = f"mailto://alerts:${{SMTP_PASSWORD}}@127.0.0.1:{dead}?from=warning@example.org&to=duty@example.org"
    config = write_config(tmp_path, _channels(email_url, http_server.mattermost_url()))
    (tmp_path / "inbox" / "seed.txt").write_bytes(SEED.read_bytes())
    env = {**os.environ, "SMTP_PASSWORD": secret}
    daemon = start_daemon(config, env)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            email_row = _deliveries(tmp_path).get("duty-email")
            if email_row and email_row[1] >= 2:  # failed, then retried and failed again
                break
            time.sleep(0.5)
        assert daemon.poll() is None, "the daemon stopped"
        rows = _deliveries(tmp_path)
        status, attempts, error = rows["duty-email"]
        assert status == "failed" and attempts >= 2
        assert "Connection" in error and "refused" in error.lower()
        assert rows["field-chat"][0] == "sent"
        tries = query(
            tmp_path,
            "select a.ok, a.error from attempt a join delivery d on d.id = a.delivery_id"
            " where d.channel = 'duty-email' order by a.id",
        )
        assert len(tries) >= 2 and not any(ok for ok, _ in tries)
        assert all("refused" in e.lower() for _, e in tries)
        assert len(http_server.posts) == 1
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err
    assert "stopped" in err
    assert secret not in out + err
    alerts = _alerts(config, env={"SMTP_PASSWORD": secret})
    assert len(alerts) == 1 and alerts[0]["severity"] == "critical"
    listing = invoke("alerts", "--config", str(config), env={"SMTP_PASSWORD": secret})
    assert secret not in json.dumps(alerts) + listing.stdout + listing.stderr
    assert secret not in stored_text(tmp_path)
