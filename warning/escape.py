"""Report text made harmless for the channel that shows it.

Whoever gets an article into a feed writes the title, the quotes and the URL an alert
carries. Before a template sees them, each such string is neutralised for the body format
(HTML, Markdown, plain text) and for the channel's dialect, so that no report can ping a
workspace (`<!channel>`, `<@U1>`, `@here`), disguise a link (`<https://evil|UN notice>`,
`[x](y)`, `![x](y)`, `<http://...>`), inject markup, or link to anything but a web page.

- Mentions (every chat dialect): a zero-width space after `@` and after a `<` that opens
  `<!…>`, `<@…>` or `<#…>`; the text reads the same and pings nobody.
- Markdown: `\\ [ ] < >` are backslash-escaped, so no link, image, autolink or HTML can
  form. Apprise turns that CommonMark into Slack's mrkdwn and maps `\\<`, `\\>` and `&`
  to `&lt;`, `&gt;` and `&amp;` (Slack's documented escaping), so Slack gets them inert.
- HTML: Jinja's autoescape. Plain text: one line, control and bidi characters dropped;
  escaped as Markdown too for a service that renders Markdown in any message (Mattermost).
- A URL is a link only when it is a well-formed http(s) URL; its target is percent-encoded
  wherever it could end or leave a link (spaces, quotes, brackets, parentheses, `<>`) and
  shown as the label, so what you read is where you go. Any other URL is plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote, urlsplit, urlunsplit

from markupsafe import Markup, escape

ZWSP = "\u200b"
MENTION = re.compile(r"(?<=@)(?=\w)|(?<=<)(?=[!@#])")
MARKDOWN_SPECIAL = re.compile(r"([\\\[\]<>])")
UNSEEN = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SPACES = re.compile(r"\s+")
BREAKS = re.compile(r"[^\S ]")  # whitespace other than a space: never inside a link
NETLOC = re.compile(r"[^\s\"'<>\\^`{|}()]+")
TARGET_SAFE = "/:@!$&*+,;=%?#~"  # with letters, digits and -._: kept as written in a target
WEB_SCHEMES = {"http", "https"}


@dataclass(frozen=True)
class Dialect:
    """What a channel's service makes of text: the body format it gets unless the channel
    says otherwise, whether `@name` and `<!…>` mentions ping people, and whether it renders
    Markdown even in a message sent as plain text (Mattermost, Discord, ... do; Apprise
    escapes plain text for Slack itself)."""

    name: str
    body_format: str  # email | markdown | text
    mentions: bool = True
    always_markdown: bool = True


EMAIL = Dialect("email", "email", mentions=False, always_markdown=False)
CHAT = Dialect("chat", "markdown")  # any service not in the table below: the strictest
DIALECTS = {
    "mailto": EMAIL,
    "mailtos": EMAIL,
    "slack": Dialect("slack", "markdown", always_markdown=False),
    "mmost": Dialect("mattermost", "markdown"),
    "mmosts": Dialect("mattermost", "markdown"),
    "discord": Dialect("discord", "markdown"),
    "msteams": Dialect("teams", "markdown"),
    "tgram": Dialect("telegram", "markdown"),
    "rocket": Dialect("rocketchat", "markdown"),
    "rockets": Dialect("rocketchat", "markdown"),
    "matrix": Dialect("matrix", "markdown"),
    "matrixs": Dialect("matrix", "markdown"),
    "zulip": Dialect("zulip", "markdown"),
}


def dialect_of(url: str) -> Dialect:
    """The dialect of an Apprise URL, from its scheme; an unknown one is treated as chat."""
    return DIALECTS.get(url.split(":", 1)[0].strip().lower(), CHAT)


def one_line(value: str, dialect: Dialect) -> str:
    """`value` on one line, without invisible controls, its mentions broken in chat."""
    value = SPACES.sub(" ", UNSEEN.sub("", value)).strip()
    return MENTION.sub(ZWSP, value) if dialect.mentions else value


def link_target(url: str) -> str | None:
    """`url` percent-encoded for a link when it is a well-formed http(s) URL, else None."""
    url = url.strip()
    if UNSEEN.search(url) or BREAKS.search(url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return None
    if not NETLOC.fullmatch(parts.netloc):
        return None
    path, query, fragment = (quote(p, safe=TARGET_SAFE) for p in parts[2:])
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, query, fragment))


@dataclass(frozen=True)
class PlainText:
    """Plain text: nothing is markup, but chat services still see mentions."""

    dialect: Dialect

    def text(self, value: str) -> str:
        return one_line(value, self.dialect)

    def link(self, url: str) -> str:
        return self.text(link_target(url) or url)


@dataclass(frozen=True)
class MarkdownText(PlainText):
    """CommonMark (Apprise converts it for Slack, Discord, Telegram, ...)."""

    def text(self, value: str) -> str:
        return MARKDOWN_SPECIAL.sub(r"\\\1", one_line(value, self.dialect))

    def link(self, url: str) -> str:
        target = link_target(url)
        return f"[{self.text(target)}]({target})" if target else self.text(url)


@dataclass(frozen=True)
class HtmlText(PlainText):
    """HTML: text stays a str for the template's autoescape; a link is built as Markup."""

    anchor: ClassVar[Markup] = Markup('<a href="{0}">{1}</a>')

    def link(self, url: str) -> Markup:
        target = link_target(url)
        return self.anchor.format(target, self.text(target)) if target else escape(self.text(url))


NEUTRALISERS: dict[str, type[PlainText]] = {
    "email": HtmlText,
    "markdown": MarkdownText,
    "text": PlainText,
}


def neutraliser(body_format: str, dialect: Dialect) -> PlainText:
    """What makes report text safe in `body_format` on a channel speaking `dialect` (plain
    text to a service that renders Markdown anyway is escaped as Markdown)."""
    if body_format == "text" and dialect.always_markdown:
        body_format = "markdown"
    return NEUTRALISERS[body_format](dialect)
