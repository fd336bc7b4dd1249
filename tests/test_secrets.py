"""A secret written literally in a channel URL (not via ${ENV}) reaches no log line, no stored
delivery error and no command output after a failed delivery; validation errors never quote
a secret; Apprise's DEBUG lines stay out of the log unless asked for."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from tests.conftest import DATA, SEED, Page, free_port, run_cli, stored_text, write_config
from warning.cli import PARTLY_FAILED, app
from warning.config import ChannelSettings, HttpSourceSettings, Settings

pytestmark = pytest.mark.both_databases

HOOK_TOKEN = "LiteralTok3n9x"  # answered with a 500 that quotes the hook's path
DEAD_TOKEN = "DeadHookTok3n42"  # nothing listens: requests' error names the URL
PASSWORD = "Pa55/Literal-w0rd"  # written percent-encoded in the URL
SECRETS = [HOOK_TOKEN, DEAD_TOKEN, PASSWORD, quote(PASSWORD, safe="")]


@pytest.fixture
def cli():  # noqa: ANN201
    """`warning ...` in-process (conftest puts the logging it sets up back afterwards)."""
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def _failing_channels(tmp_path: Path, site) -> Path:  # noqa: ANN001
    path = f"/hooks/{HOOK_TOKEN}"
    site.pages[path] = Page(f'{{"message": "no such hook {path}"}}'.encode(), 500)
    mail = (
        f"mailto://alerts:{quote(PASSWORD, safe='')}@127.0.0.1:{free_port()}"
        "?from=warning@example.org&to=duty@example.org"
    )
    channels = {
        "chat-500": {"url": f"mmost://127.0.0.1:{site.port}/{HOOK_TOKEN}"},
        "chat-dead": {"url": f"mmost://127.0.0.1:{free_port()}/{DEAD_TOKEN}"},
        "duty-email": {"url": mail},
    }
    config = write_config(tmp_path, channels)
    (tmp_path / "inbox" / "seed.txt").write_bytes(SEED.read_bytes())
    return config


def _assert_hidden(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_literal_secrets_reach_no_log_no_store_no_output(tmp_path: Path, site, cli) -> None:  # noqa: ANN001
    config = _failing_channels(tmp_path, site)
    done = run_cli("run", "--once", "--config", str(config))
    assert done.code == PARTLY_FAILED, done.stderr  # every channel fails, by design
    assert "0 delivery(ies) sent, 3 failed" in done.stdout
    assert "POST URL" not in done.stderr and " DEBUG " not in done.stderr  # off by default
    assert any(method == "POST" for method, *_ in site.requests)  # the server was asked
    _assert_hidden(done.stdout + done.stderr)

    _assert_hidden(stored_text(tmp_path))
    listing = cli("alerts", "--json", "--config", str(config))
    assert listing.exit_code == 0, listing.output
    errors = {d["channel"]: d["error"] for d in json.loads(listing.stdout)[0]["deliveries"]}
    assert "500" in errors["chat-500"] and "/hooks/***" in errors["chat-500"]
    assert "refused" in errors["chat-dead"].lower() and "refused" in errors["duty-email"].lower()
    for command in (["alerts"], ["deliveries"], ["sources"], ["check"]):
        result = cli(*command, "--config", str(config))
        assert result.exit_code == 0, result.output
        _assert_hidden(result.output)
    _assert_hidden(listing.output)


def test_apprise_debug_lines_asked_for_are_redacted(tmp_path: Path, site) -> None:  # noqa: ANN001
    config = _failing_channels(tmp_path, site)
    done = run_cli("run", "--once", "--config", str(config), env={"WARNING_APPRISE_LOG": "DEBUG"})
    assert done.code == PARTLY_FAILED, done.stderr  # every channel fails, by design
    assert "Mattermost webhook POST URL" in done.stderr and "/hooks/***" in done.stderr
    _assert_hidden(done.stdout + done.stderr)


def test_check_quotes_no_secret_it_rejects(cli) -> None:  # noqa: ANN001
    """The exact messages are in the fixture's expected.txt (tests/test_check_errors.py)."""
    config = DATA / "bad" / "check" / "secret_not_echoed" / "config.yaml"
    result = cli("check", "--config", str(config))
    assert result.exit_code == 2 and "at least 16 characters" in result.stderr
    assert "shortTok3n" not in result.output and "98765432123" not in result.output


@pytest.mark.parametrize(
    ("url", "hidden", "kept"),
    [
        ("mmost://chat.example.org/LiteralTok3n9x", ["LiteralTok3n9x"], "chat.example.org"),
        (
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7/#alerts",
            ["T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7"],
            "alerts",
        ),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", ["JHMHI8qBe7bk2ZwO5U711o3dV_js"], ""),
        ("tgram://123456789:AABBccddEEff00/98765", ["123456789:AABBccddEEff00"], "98765"),
        ("mailtos://duty:s%40fe%2Fpass@smtp.example.org", ["s@fe/pass", "s%40fe%2Fpass"], "duty"),
        ("json://relay.example.org/hook?token=q1w2e3r4t5", ["q1w2e3r4t5"], "relay.example.org"),
        (
            "unknownsvc://u:hunter22@h.example/0123456789abcdef0123",
            ["hunter22", "0123456789abcdef0123"],
            "h.example",
        ),
    ],
)
def test_redact_hides_the_secret_parts_apprise_declares(
    url: str, hidden: list[str], kept: str
) -> None:
    settings = Settings(channels={"c": ChannelSettings(url=url)})
    line = f"{url} failed; to {kept} with " + " ".join(f"part={secret}" for secret in hidden)
    redacted = settings.redact(line)
    assert url not in redacted and all(secret not in redacted for secret in hidden), redacted
    assert kept in redacted


def test_redactor_is_built_once_and_not_carried_into_a_copy() -> None:
    token = HttpSourceSettings(name="api", kind="http", token="ApiTok3n-0123456789")
    settings = Settings(channels={"c": ChannelSettings(url="mmost://h/LiteralTok3n9x")})
    assert settings.redactor is settings.redactor
    copy = settings.model_copy(update={"sources": [token], "channels": {}})
    assert copy.redact("LiteralTok3n9x ApiTok3n-0123456789") == "LiteralTok3n9x ***"
    line = "2026-01-01 INFO warning.pipeline: delivered alert 12 to c in 0.2 s " * 3
    started = time.perf_counter()
    for _ in range(20_000):
        settings.redact(line)
    assert time.perf_counter() - started < 2.0  # it runs on every log line
