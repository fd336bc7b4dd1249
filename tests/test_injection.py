"""Report text cannot ping a channel, disguise a link or inject markup: one table of payloads,
each put in an alert's title, place, why, quote and URL, sent through Apprise to a real
server per format (Slack and Mattermost webhooks on 127.0.0.1, email through a real SMTP
server), asserting on what arrived."""

from __future__ import annotations

import email
import email.policy
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from apprise.plugins.slack import NotifySlack
from markdown_it import MarkdownIt

from warning.config import ChannelSettings, Settings
from warning.escape import dialect_of, link_target
from warning.models import Alert
from warning.notify import Notifier

# (id, payload, host of the one link it may become: None when it must not be a link)
PAYLOADS = [
    ("slack-channel", "<!channel> all hands", None),
    ("slack-here", "<!here>", None),
    ("slack-everyone", "<!everyone>", None),
    ("slack-user", "<@U123>", None),
    ("slack-disguised-link", "<https://evil.example|Official UN notice>", None),
    ("at-here", "@here evacuate now", None),
    ("at-all", "@all", None),
    ("at-channel", "@channel", None),
    ("at-everyone", "@everyone", None),
    ("markdown-link", "[click](https://evil.example)", None),
    ("markdown-image", "![x](https://evil.example/x.png)", None),
    ("autolink", "<http://evil.example>", None),
    ("raw-html", '<img src="x" onerror="alert(1)">', None),
    ("javascript-url", "javascript:alert(1)", None),
    ("data-url", "data:text/html,<script>alert(1)</script>", None),
    ("paren-second-link", "https://ok.example/a)[second](https://evil.example/)", "ok.example"),
    ("href-breakout", 'https://ok.example/"><script>alert(1)</script>', "ok.example"),
    ("plain-web-url", "https://reliefweb.int/report/sudan?a=1&b=(2)", "reliefweb.int"),
]
IDS = [row[0] for row in PAYLOADS]
LIVE_MENTION = re.compile(r"@(here|all|channel|everyone|U123)\b|<[!@#]")
SLACK_HOOK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7/"
ACTIVE_TAGS = {"script", "img", "iframe", "object", "embed", "svg", "style", "form", "meta"}


def _alert(payload: str) -> Alert:
    hit = {"quote": f"Witnesses said {payload} on Tuesday.", "rule": "siege.population-besieged"}
    signal = {
        "name": "siege",
        "score": 0.9,
        "rules": 0.8,
        "classifier": 0.7,
        "indicators": ["13.8"],
        "hits": [hit],
    }
    return Alert(
        id=7,
        report_id=1,
        severity="critical",
        place=f"Aleppo {payload}",
        title=f"Report {payload}",
        url=payload,
        signals="siege",
        assessment=json.dumps({"why": f"besieged {payload}", "signals": [signal]}),
    )


def _send(url: str, payload: str, body_format: str | None = None) -> None:
    channel = ChannelSettings(url=url, min_severity="low", format=body_format)
    reason = Notifier(Settings(channels={"chan": channel})).send("chan", _alert(payload))
    assert reason == ""


def _assert_link_hosts(targets: list[str], host: str | None) -> None:
    """The report's own link (when it is a web URL) and no other, over http(s)."""
    assert len(targets) == (1 if host else 0), targets
    for target in targets:
        parts = urlsplit(target)
        assert parts.scheme in {"http", "https"} and parts.hostname == host, target


def _markdown_active(text: str) -> tuple[list[str], list[str]]:
    """(link targets, images and raw HTML) a CommonMark renderer makes of `text`."""
    links: list[str] = []
    active: list[str] = []

    def walk(tokens: list) -> None:
        for token in tokens:
            if token.type == "link_open":
                links.append(str(token.attrGet("href")))
            elif token.type in {"image", "html_inline", "html_block"}:
                active.append(token.content or token.type)
            walk(token.children or [])

    walk(MarkdownIt("commonmark").parse(text))
    return links, active


@pytest.fixture
def slack_hook(http_server, monkeypatch):  # noqa: ANN001, ANN201
    """Apprise's real Slack plugin, posting its webhook JSON to the local server instead of
    hooks.slack.com (its webhook base URL is a class attribute)."""
    monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{http_server.port}/services")
    return http_server


@pytest.mark.parametrize(("name", "payload", "host"), PAYLOADS, ids=IDS)
def test_slack_gets_no_live_mention_or_foreign_link(slack_hook, name, payload, host) -> None:  # noqa: ANN001
    _send(SLACK_HOOK, payload)
    ((path, sent),) = slack_hook.posts
    assert path == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
    attachment = sent["attachments"][0]
    for text in (attachment["title"], attachment["text"]):
        assert not LIVE_MENTION.search(text), text
    anchors = re.findall(r"<([^<>|]*)(?:\|([^<>]*))?>", attachment["text"])
    _assert_link_hosts([target for target, _ in anchors], host)
    assert all(label == target for target, label in anchors)  # what you read is where you go
    assert "Witnesses said" in attachment["text"] and "Report" in attachment["text"]


@pytest.mark.parametrize(("name", "payload", "host"), PAYLOADS, ids=IDS)
def test_mattermost_gets_no_live_mention_or_foreign_link(http_server, name, payload, host) -> None:  # noqa: ANN001
    _send(http_server.mattermost_url(), payload)
    ((path, sent),) = http_server.posts
    assert path == "/hooks/hooktoken"
    assert not LIVE_MENTION.search(sent["text"]), sent["text"]
    links, active = _markdown_active(sent["text"])
    assert active == []
    _assert_link_hosts(links, host)


@pytest.mark.parametrize(("name", "payload", "host"), PAYLOADS, ids=IDS)
def test_markdown_webhook_renders_no_foreign_link_image_or_html(
    http_server, name, payload, host
) -> None:  # noqa: ANN001
    """Any other chat service: Apprise's generic JSON webhook carrying our Markdown."""
    _send(f"json://127.0.0.1:{http_server.port}/?format=markdown", payload, "markdown")
    ((_, sent),) = http_server.posts
    text = f"{sent['title']}\n\n{sent['message']}"
    assert not LIVE_MENTION.search(text), text
    links, active = _markdown_active(text)
    assert active == []
    _assert_link_hosts(links, host)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("body_format", ["email", "markdown"])
@pytest.mark.parametrize(("name", "payload", "host"), PAYLOADS, ids=IDS)
def test_email_html_has_only_web_hrefs_and_no_injected_element(
    smtp_server,  # noqa: ANN001
    body_format: str,
    name: str,
    payload: str,
    host: str | None,
) -> None:
    """The HTML part as a mail client parses it: our template, or Apprise's Markdown->HTML."""
    _send(smtp_server.url(), payload, body_format)
    (envelope,) = smtp_server.mailbox.messages
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    parser = _Elements()
    parser.feed(message.get_body(("html",)).get_content())
    tags = [tag for tag, _ in parser.tags]
    assert not ACTIVE_TAGS & set(tags), tags
    assert not any(key.startswith("on") for _, attrs in parser.tags for key in attrs)
    hrefs = [attrs.get("href") or "" for tag, attrs in parser.tags if tag == "a"]
    _assert_link_hosts(hrefs, host)
    assert str(message["Subject"]).startswith("[CRITICAL] Aleppo")


@pytest.mark.parametrize("hook", ["mattermost", "slack"])
@pytest.mark.parametrize(("name", "payload", "host"), PAYLOADS, ids=IDS)
def test_plain_text_to_chat_pings_nobody_and_links_nothing(
    slack_hook,  # noqa: ANN001
    hook: str,
    name: str,
    payload: str,
    host: str | None,
) -> None:
    url = slack_hook.mattermost_url() if hook == "mattermost" else SLACK_HOOK
    _send(url, payload, "text")
    ((_, sent),) = slack_hook.posts
    if hook == "mattermost":  # renders Markdown in every message: sent escaped as Markdown
        assert not LIVE_MENTION.search(sent["text"]), sent["text"]
        links, active = _markdown_active(sent["text"])
        assert active == []
        _assert_link_hosts(links, host)
    else:  # Slack speaks <url|label> anchors, not Markdown
        text = sent["attachments"][0]["text"]
        assert not LIVE_MENTION.search(text) and not re.search(r"<[^<>]*>", text), text


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://reliefweb.int/report/x", "https://reliefweb.int/report/x"),
        ("HTTP://example.org/a b", "http://example.org/a%20b"),
        ("https://example.org/(x)<y>", "https://example.org/%28x%29%3Cy%3E"),
        ("https://example.org/q?a=1&b='2'", "https://example.org/q?a=1&b=%272%27"),
        ("https://example.org/\nSource: https://evil.example", None),
        ("https://evil.example\\@good.org/", None),
        ("https://example.org:99999/", None),
        ("https:///no-host", None),
        ("ftp://example.org/file", None),
        ("file:///etc/passwd", None),
        ("javascript:alert(1)", None),
        ("data:text/html,hi", None),
        ("//example.org/no-scheme", None),
    ],
)
def test_link_target_only_for_well_formed_web_urls(url: str, target: str | None) -> None:
    assert link_target(url) == target


def test_dialect_follows_the_url_scheme() -> None:
    assert dialect_of("mailtos://u:p@smtp.example.org").name == "email"
    assert dialect_of("slack://a/b/c").name == "slack"
    assert dialect_of("MMOSTS://host/token").name == "mattermost"
    assert dialect_of("somenewservice://x").mentions  # unknown: treated as chat
    assert ChannelSettings(url="mailto://h").body_format == "email"
    assert ChannelSettings(url="discord://a/b").body_format == "markdown"
