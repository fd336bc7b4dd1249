"""Do-no-harm redaction (issue 10, item 6): a route with `redact: public` gets messages
without the people the quotes name, exact towns, coordinates or the report's link; the
country and region stay; the stored alert and the internal channel keep everything."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import write_config
from warning.cli import app
from warning.donoharm import public
from warning.models import Alert, Report
from warning.routing import Matcher, Options, Route, channels_for

TEXT = (
    "Gunmen killed 11 villagers in Tawila, North Darfur, on Sunday and abducted community "
    "leader Ibrahim Adam Yahya, witnesses said. Hundreds of families fled toward El Fasher "
    "and a camp at 13.62, 25.35 as the attackers burned homes."
)
PERSON, TOWNS = "Ibrahim Adam Yahya", ("Tawila", "El Fasher")


def _alert(scorer) -> tuple[Alert, Report]:  # noqa: ANN001
    scored = scorer.score(TEXT)
    alert = Alert(
        id=1, report_id=1, severity=scored.severity.value, place=scored.place,
        title="Tawila: gunmen kill 11 and abduct Ibrahim Adam Yahya", url="https://example.org/t",
        signals=",".join(s.name for s in scored.signals), assessment=json.dumps(scored.to_json()),
    )  # fmt: skip
    report = Report(id=1, source="partners", ref="tawila.txt", url="https://example.org/t",
                    text=TEXT, content_hash="h")  # fmt: skip
    return alert, report


def test_public_leaves_out_people_towns_coordinates_and_links(scorer) -> None:  # noqa: ANN001
    alert, report = _alert(scorer)
    shown, source = public(alert, report)
    seen = json.dumps([shown.title, shown.place, shown.url, shown.assessment, source.url,
                       source.ref], ensure_ascii=False)  # fmt: skip
    for withheld in (PERSON, *TOWNS, "13.62", "example.org", "tawila.txt"):
        assert withheld not in seen, withheld
    assert shown.place == "Sudan (North Darfur)"
    quotes = [h["quote"] for s in json.loads(shown.assessment)["signals"] for h in s["hits"]]
    assert any("in [town], North Darfur" in q and "leader [name]," in q for q in quotes)
    assert any("a camp at [coordinates] as the attackers" in q for q in quotes)
    # the stored alert keeps everything
    assert PERSON in alert.title and "Tawila" in alert.assessment and alert.url


def test_a_channel_gets_public_when_any_route_naming_it_says_so() -> None:
    wide = Route("root.routes[0]", (Matcher.parse('severity="high"'),),
                 Options(channels=("wide", "duty"), redact="public"), carry_on=True)  # fmt: skip
    duty = Route("root.routes[1]", (), Options(channels=("duty", "desk")))
    root = Route("root", (), Options(), children=(wide, duty))
    labels = {"severity": ("high",)}
    redactions = {name: routed.redact for name, routed in channels_for(root, labels).items()}
    assert redactions == {"wide": "public", "duty": "public", "desk": "none"}
    low = channels_for(root, {"severity": ("low",)})
    assert {name: routed.redact for name, routed in low.items()} == {"duty": "none", "desk": "none"}
    assert low["duty"].route is duty  # the first route naming a channel sets its timing


def test_the_public_route_message_and_the_internal_one(
    tmp_path: Path,
    smtp_server,  # noqa: ANN001
    http_server,  # noqa: ANN001
) -> None:
    channels = {"duty": {"url": smtp_server.url()}, "wide": {"url": http_server.mattermost_url()}}
    routes = {
        "channels": ["duty"],
        "routes": [
            {"matchers": ['country="SD"'], "channels": ["wide"], "redact": "public",
             "continue": True},
            {"matchers": ['country="SD"'], "channels": ["duty"]},
        ],
    }  # fmt: skip
    config = write_config(tmp_path, channels, routes=routes)
    (tmp_path / "inbox" / "tawila.txt").write_text(TEXT)
    result = CliRunner().invoke(app, ["run", "--once", "--config", str(config)])
    assert result.exit_code == 0, result.output
    (alert,) = json.loads(CliRunner().invoke(app, ["alerts", "--json", "-c", str(config)]).output)
    assert {d["channel"]: d["status"] for d in alert["deliveries"]} == {
        "duty": "sent",
        "wide": "sent",
    }
    ((_, post),) = http_server.posts
    wide = post["text"].replace("\\", "")  # Markdown escapes the brackets
    internal = (
        email.message_from_bytes(
            smtp_server.mailbox.messages[0].content, policy=email.policy.default
        )
        .get_body(("plain",))
        .get_content()
    )
    for withheld in (PERSON, *TOWNS, "13.62", "tawila.txt"):
        assert withheld not in wide, withheld
        assert withheld in internal, withheld
    assert "Sudan" in wide and "North Darfur" in wide and "[name]" in wide
    assert "Tawila" in alert["assessment"]["signals"][0]["hits"][0]["quote"]  # stored whole
