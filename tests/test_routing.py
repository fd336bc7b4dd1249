"""The routing tree (warning/routing.py): `warning routes test|show` on the issue's tree and a
deeper one, config errors with file:line, and alerts delivered where the routes say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SEED, write_config
from warning.cli import app
from warning.config import Settings
from warning.decide import AlertPolicy, channels_owed
from warning.labels import AddedLabels, alert_labels
from warning.levels import Severity
from warning.routing import Matcher, shorthand

CHANNELS = """channels:
  duty-email: {url: "json://127.0.0.1:9/duty"}
  sudan-desk: {url: "json://127.0.0.1:9/sudan"}
  digital-rights: {url: "json://127.0.0.1:9/rights"}
  on-call-sms: {url: "json://127.0.0.1:9/sms"}
  sahel-desk: {url: "json://127.0.0.1:9/sahel"}
  protection: {url: "json://127.0.0.1:9/protection"}
  wide-chat: {url: "json://127.0.0.1:9/wide"}
"""

ISSUE_TREE = """routes:                       # the root: where everything not matched below goes
  channels: [duty-email]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['country=~"SD|SS"', 'severity=~"high|critical"']
      channels: [sudan-desk]
      continue: true
    - matchers: ['signal="comms_blackout"']
      channels: [digital-rights]
      redact: public
      routes:
        - matchers: ['severity="critical"']
          channels: [digital-rights, on-call-sms]
"""

# Three levels: inheritance of channels and timings, != and !~, continue at depth.
DEEP_TREE = """routes:
  channels: [duty-email]
  repeat_interval: 2h
  routes:
    - matchers: ['country=~"ML|BF|NE"']
      channels: [sahel-desk]
      group_wait: 1m
      routes:
        - matchers: ['signal="mass_atrocity_risk"', 'source!="rumours"']
          continue: true
          routes:
            - matchers: ['severity="critical"']
              channels: [sahel-desk, on-call-sms]
        - matchers: ['cause!~"hazard|unknown"', 'signal=~"displacement|siege"']
          channels: [protection]
    - matchers: ['severity!~"none|low|medium"', 'language!="ar"']
      channels: [wide-chat]
      redact: public
"""


def run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["routes", *args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def issue_tree(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CHANNELS + ISSUE_TREE)
    return path


@pytest.fixture
def deep_tree(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CHANNELS + DEEP_TREE)
    return path


@pytest.mark.parametrize(
    ("labels", "lines"),
    [
        # Sudan, high: the first child matches and continues; the second does not hold: only
        # the first child's channel (the root takes nothing once a child matched)
        (["country=SD", "severity=high", "signal=siege"], ["sudan-desk"]),
        # continue: Sudan and a blackout: both children, in order
        (
            ["country=SS", "severity=high", "signal=comms_blackout"],
            ["sudan-desk", "digital-rights"],
        ),
        # nesting: a critical blackout goes to the grandchild, not its parent
        (
            ["country=KE", "severity=critical", "signal=comms_blackout"],
            ["digital-rights,on-call-sms"],
        ),
        # the multi-valued signal: = holds when any value matches
        (
            ["country=SD", "severity=critical", "signal=siege", "signal=comms_blackout"],
            ["sudan-desk", "digital-rights,on-call-sms"],
        ),
        # =~ is anchored: "SDN" is not "SD"
        (["country=SDN", "severity=high", "signal=siege"], ["duty-email"]),
        # no match: the root takes it
        (["country=ML", "severity=low", "signal=siege"], ["duty-email"]),
        # a missing label is the empty string: no country, no Sudan route
        (["severity=critical", "signal=siege"], ["duty-email"]),
    ],
)
def test_issue_tree(issue_tree: Path, labels: list[str], lines: list[str]) -> None:
    assert run(issue_tree, "test", *labels).splitlines() == lines


@pytest.mark.parametrize(
    ("labels", "lines"),
    [
        # a Sahel atrocity: the child continues, then protection's sibling does not hold
        # (cause hazard): the grandchild is not critical, so the child takes it with the
        # channels it inherits from its parent
        (
            ["country=ML", "signal=mass_atrocity_risk", "severity=high", "cause=hazard"],
            ["sahel-desk"],
        ),
        # continue at depth 2, then the next sibling (cause conflict, displacement) too
        (
            [
                "country=BF",
                "signal=mass_atrocity_risk",
                "signal=displacement",
                "severity=critical",
                "cause=conflict",
            ],
            ["sahel-desk,on-call-sms", "protection"],
        ),
        # != : from the "rumours" source the atrocity route does not hold
        (
            ["country=NE", "signal=mass_atrocity_risk", "source=rumours", "severity=critical"],
            ["sahel-desk"],
        ),
        # !~ on a missing cause ("" is not hazard|unknown): the protection route holds
        (["country=ML", "signal=siege", "severity=medium"], ["protection"]),
        # !~ holds for none of the values: cause unknown keeps protection out
        (["country=ML", "signal=displacement", "cause=unknown", "severity=low"], ["sahel-desk"]),
        # outside the Sahel: the wide chat for high and critical, unless in Arabic
        (["country=SY", "severity=high", "language=en"], ["wide-chat"]),
        (["country=SY", "severity=high", "language=ar"], ["duty-email"]),
        (["country=SY", "severity=medium", "language=en"], ["duty-email"]),
    ],
)
def test_deep_tree(deep_tree: Path, labels: list[str], lines: list[str]) -> None:
    assert run(deep_tree, "test", *labels).splitlines() == lines


def test_json_shows_paths_and_inherited_options(deep_tree: Path) -> None:
    labels = ["country=BF", "signal=mass_atrocity_risk", "signal=siege", "severity=critical"]
    routes = json.loads(run(deep_tree, "test", "--json", *labels))
    assert routes == [
        {
            "channels": ["sahel-desk", "on-call-sms"],
            "path": "root.routes[0].routes[0].routes[0]",
            "group_by": ["event"],
            "group_wait": 60.0,  # from its grandparent
            "group_interval": 300.0,  # the default
            "repeat_interval": 7200.0,  # from the root
            "redact": "none",
        },
        {
            "channels": ["protection"],
            "path": "root.routes[0].routes[1]",
            "group_by": ["event"],
            "group_wait": 60.0,
            "group_interval": 300.0,
            "repeat_interval": 7200.0,
            "redact": "none",
        },
    ]
    wide = json.loads(run(deep_tree, "test", "--json", "severity=critical"))
    assert [(r["path"], r["redact"]) for r in wide] == [("root.routes[1]", "public")]


def test_show_prints_the_tree_indented(issue_tree: Path) -> None:
    lines = run(issue_tree, "show").splitlines()
    assert [line.split("  channels:")[0] for line in lines] == [
        "root",
        '  country=~"SD|SS", severity=~"high|critical"',
        '  signal="comms_blackout"',
        '    severity="critical"',
    ]
    assert "channels: digital-rights, on-call-sms" in lines[3]
    assert lines[3].endswith("redact: public")  # inherited from its parent
    assert lines[1].endswith("continue")


def test_min_severity_alone_makes_one_route_per_channel(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        'channels:\n  duty: {url: "json://127.0.0.1:9/a", min_severity: medium}\n'
        '  wide: {url: "json://127.0.0.1:9/b", min_severity: critical}\n'
        '  default: {url: "json://127.0.0.1:9/c"}\n'
    )
    assert run(config, "test", "severity=critical").splitlines() == ["duty", "wide", "default"]
    assert run(config, "test", "severity=high").splitlines() == ["duty", "default"]
    assert run(config, "test", "severity=medium").splitlines() == ["duty"]
    assert run(config, "test", "severity=low").splitlines() == [""]  # the root: no channel
    tree = shorthand({"a": Severity.high})
    assert str(tree.children[0].matchers[0]) == 'severity=~"high|critical"'


@pytest.mark.parametrize(
    ("tree", "where", "says"),
    [
        (
            "routes:\n  routes:\n    - matchers: ['country=SD']\n",
            ":11:",  # the line of the bad matcher
            "not a matcher: 'country=SD'",
        ),
        ("routes:\n  routes:\n    - matchers: ['country=~\"(SD\"']\n", ":11:", "not a regular"),
        ("routes:\n  channels: [duty-mail]\n", ":10:", "no channel named 'duty-mail'"),
        ("routes:\n  routes:\n    - {matchers: [], continu: true}\n", ":11:", "continu"),
        ("routes:\n  group_wait: soon\n", ":10:", "not a duration"),
    ],
)
def test_a_bad_tree_is_refused_with_file_and_line(
    tmp_path: Path, tree: str, where: str, says: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CHANNELS + tree)
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 2
    assert f"config.yaml{where}" in result.output and says in result.output, result.output


def test_matcher_semantics() -> None:
    labels = {"signal": ("siege", "displacement"), "country": ("SD",)}
    assert Matcher.parse('signal="siege"').holds(labels)
    assert not Matcher.parse('signal!="siege"').holds(labels)
    assert Matcher.parse('signal!~"comms.*"').holds(labels)
    assert not Matcher.parse('signal=~"disp"').holds(labels)  # anchored at both ends
    assert Matcher.parse('town=""').holds(labels)  # missing is the empty string
    assert Matcher.parse(r'title="say \"no\""').value == 'say "no"'


def test_alerts_go_where_the_routes_say_and_carry_their_labels(
    tmp_path: Path,
    http_server,  # noqa: ANN001
) -> None:
    """The seed (critical, Syria) from a source labelled team=levant-desk: routed by labels
    to one channel, not to another team's; `alerts --json` shows the labels the routes
    matched."""
    channels = {
        "levant": {"url": http_server.mattermost_url("levant")},
        "sahel": {"url": http_server.mattermost_url("sahel")},
    }
    config = write_config(
        tmp_path,
        channels,
        routes={
            "routes": [
                {"matchers": ['team="sahel-desk"'], "channels": ["sahel"]},
                {"matchers": ['team="levant-desk"', 'country="SY"'], "channels": ["levant"]},
            ]
        },
    )
    data = json.loads(config.read_text())
    data["sources"][0]["labels"] = {"team": "levant-desk"}
    config.write_text(json.dumps(data))
    (tmp_path / "inbox" / "seed.txt").write_bytes(SEED.read_bytes())
    result = CliRunner().invoke(app, ["run", "--once", "--config", str(config)])
    assert result.exit_code == 0, result.output
    alerts = json.loads(
        CliRunner().invoke(app, ["alerts", "--json", "--config", str(config)]).output
    )
    assert len(alerts) == 1
    labels = alerts[0]["labels"]
    assert labels["team"] == ["levant-desk"] and labels["country"] == ["SY"]
    assert labels["severity"] == ["critical"] and labels["source"] == ["inbox"]
    assert "comms_blackout" in labels["signal"] and labels["language"] == ["en"]
    assert [d["channel"] for d in alerts[0]["deliveries"]] == ["levant"]
    assert [path for path, _ in http_server.posts] == ["/hooks/levant"]


def test_settings_route_tree_without_channels_is_empty() -> None:
    assert Settings().route_tree.match({"severity": ("critical",)})[0].options.channels == ()


def test_a_channel_min_severity_holds_back_what_the_routes_give_it() -> None:
    settings = Settings.model_validate(
        {
            "channels": {
                "duty": {"url": "json://127.0.0.1:9/a"},
                "sms": {"url": "json://127.0.0.1:9/b", "min_severity": "critical"},
            },
            "routes": {"channels": ["duty", "sms"]},
        }
    )
    policy = AlertPolicy(Severity.low, settings.route_tree, settings.channel_floors, AddedLabels())
    assert list(channels_owed({"severity": ("high",)}, policy, set())) == ["duty"]
    assert list(channels_owed({"severity": ("critical",)}, policy, set())) == ["duty", "sms"]
    assert list(channels_owed({"severity": ("critical",)}, policy, {"duty"})) == ["sms"]


def test_labels_of_an_assessment_with_source_and_rule_file_labels() -> None:
    assessment = {
        "country": "SD",
        "language": "ar",
        "main": {"regions": ["North Darfur"], "towns": ["El Fasher"]},
        "signals": [
            {"name": "siege", "cause": ""},
            {"name": "displacement", "cause": "conflict"},
        ],
    }
    added = AddedLabels(
        by_source={"partners": (("team", "sudan-desk"), ("severity", "low"))},
        by_signal={"displacement": (("desk", "protection"),), "siege": (("desk", "access"),)},
    )
    labels = alert_labels(assessment, "high", "partners", added)
    assert labels == {
        "team": ("sudan-desk",),
        "severity": ("high",),  # a built-in name wins over a source's label
        "desk": ("access", "protection"),
        "signal": ("siege", "displacement"),
        "cause": ("conflict",),
        "country": ("SD",),
        "region": ("North Darfur",),
        "town": ("El Fasher",),
        "source": ("partners",),
        "language": ("ar",),
    }


def test_check_names_each_channel_url_apprise_cannot_read(tmp_path: Path) -> None:
    """A typo in the scheme and a URL missing a field: `warning check` says which channel,
    where, and why, without quoting the URL's secrets, and sends nothing."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "channels:\n"
        '  duty-email: {url: "mailtoo://alerts:hunter2secret@127.0.0.1:9?to=duty@example.org"}\n'
        '  chat: {url: "slack://${ONE_SLACK_TOKEN}"}\n'
        '  fine: {url: "json://127.0.0.1:9/x"}\n'
    )
    result = CliRunner().invoke(
        app, ["check", "--config", str(config)], env={"ONE_SLACK_TOKEN": "xoxbsecretvalue"}
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].endswith(
        "config.yaml:2:16: channels.duty-email.url: unknown scheme 'mailtoo': not an Apprise URL"
        " (e.g. mailto://, mailtos://, slack://, mmost://, json://)"
    )
    assert "config.yaml:3:10: channels.chat.url: Apprise cannot read this slack:// URL" in lines[1]
    assert len(lines) == 2 and "fine" not in result.output
    assert "hunter2secret" not in result.output and "xoxbsecretvalue" not in result.output


def test_read_only_commands_work_without_the_delivery_secrets(tmp_path: Path) -> None:
    """`alerts`, `sources`, `routes` and `deliveries` send nothing: an unset ${NAME} in a
    channel URL is no error for them; `check` and `run` still need it."""
    config = write_config(
        tmp_path,
        {"duty": {"url": "mailtos://alerts:${UNSET_SMTP_PASSWORD}@127.0.0.1:9?to=a@example.org"}},
    )
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade", "--config", str(config)]).exit_code == 0
    for command in (["alerts"], ["sources"], ["routes", "test", "severity=high"], ["deliveries"]):
        result = runner.invoke(app, [*command, "--config", str(config)])
        assert result.exit_code == 0, (command, result.output)
    assert (
        runner.invoke(app, ["routes", "test", "severity=high", "--config", str(config)]).output
        == "duty\n"
    )
    for command in (["check"], ["run", "--once"]):
        result = runner.invoke(app, [*command, "--config", str(config)])
        assert result.exit_code == 2
        assert "environment variable UNSET_SMTP_PASSWORD is not set" in result.output
