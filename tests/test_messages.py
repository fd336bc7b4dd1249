"""What staff read (issue 10, item 8): the subject and the top of each message lead with the
strongest evidence; the message says where the report came from and links to the alert;
chat messages come from "warning" and carry the header once. Real SMTP and HTTP servers."""

from __future__ import annotations

import email
import email.policy
import json
import logging
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import SEED, write_config
from warning.cli import app
from warning.logs import APPRISE_LEVEL_VARIABLE, apprise_level


def _run(config: Path) -> list[dict]:
    result = CliRunner().invoke(app, ["run", "--once", "--config", str(config)])
    assert result.exit_code == 0, result.output
    listed = CliRunner().invoke(app, ["alerts", "--json", "--config", str(config)])
    return json.loads(listed.output)


def test_messages_lead_with_the_strongest_evidence_and_say_where_from(
    tmp_path: Path,
    smtp_server,  # noqa: ANN001
    http_server,  # noqa: ANN001
) -> None:
    channels = {
        "duty": {"url": smtp_server.url()},
        "chat": {"url": http_server.mattermost_url()},
    }
    config = write_config(tmp_path, channels, web={"base_url": "http://127.0.0.1:8080/warning/"})
    (tmp_path / "inbox" / "seed.txt").write_bytes(SEED.read_bytes())
    (alert,) = _run(config)
    # the seed is critical by the rule naming siege, comms blackout and atrocity: the
    # strongest of those three leads (armed escalation scores higher but set nothing)
    lead = alert["assessment"]["lead"]
    assert lead in {"siege", "comms_blackout", "mass_atrocity_risk"}
    strongest = next(s for s in alert["assessment"]["signals"] if s["name"] == lead)
    label = strongest["name"].replace("_", " ")
    quote = " ".join(strongest["hits"][0]["quote"].split())

    message = email.message_from_bytes(
        smtp_server.mailbox.messages[0].content, policy=email.policy.default
    )
    subject = str(message["Subject"])
    others = len(alert["signals"]) - 1
    assert subject.startswith(f"[CRITICAL] {alert['place']}: {label}: “{quote[:40]}")
    assert subject.endswith(f"(+{others} signals)")
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # the folder report: its source and file name (no link, no outlet, no date known)
    assert "Source: inbox · file seed.txt" in plain
    assert f"Open: http://127.0.0.1:8080/warning/alerts/{alert['id']}" in plain
    assert f'href="http://127.0.0.1:8080/warning/alerts/{alert["id"]}"' in html
    assert html.index(quote[:40]) < html.index("Report:")  # the evidence first

    ((_, post),) = http_server.posts
    assert post["username"] == "warning"
    text = post["text"]
    assert text.count("CRITICAL") == 1  # the title only: the body does not repeat it
    assert text.index(label) < text.index("Report:")
    assert f"Open: [http://127.0.0.1:8080/warning/alerts/{alert['id']}]" in text


def test_apprise_debug_stays_off_unless_asked(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv(APPRISE_LEVEL_VARIABLE, raising=False)
    assert apprise_level() == logging.WARNING
    assert apprise_level("DEBUG") == logging.DEBUG  # logging: {apprise: DEBUG}
    monkeypatch.setenv(APPRISE_LEVEL_VARIABLE, "ERROR")
    assert apprise_level("DEBUG") == logging.ERROR  # the variable wins


def test_a_base_url_must_be_http(tmp_path: Path) -> None:
    config = write_config(tmp_path, {}, web={"base_url": "javascript:alert(1)"})
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 2 and "web.base_url" in result.output
