"""Seeded fuzzing of every input the service reads, through the real code: `warning score
--jsonl` lines (`score_lines`, what the command prints), folder files of every suffix the
folder source reads (a real folder polled by the service into SQLite), RSS, Atom, RSS 1.0
and ReliefWeb bodies (served by a local HTTP server, polled by the service), and the
shipped rule files, each cut to its first rule (the same fields, ten times faster to load),
mutated and loaded by the rule loader. Inputs are grown from good seeds by mutations that
broke parsers before or might: truncation, flipped and inserted bytes (NUL, invalid UTF-8,
BOMs, lone surrogates, line separators), other encodings, huge lines and fields, deep
nesting, wrong types, unknown keys, bad dates, entity and alias bombs, bad regexes, broken
indentation.

Each input is accepted, rejected with a clear error (the project's own: an error line
naming file:line for JSONL, `failed/NAME.error.txt` for a file, a poll or item problem for
a feed, `InputError` with `file:line:col` lines for rules), or a crash: any other exception,
an error text naming an exception type (the "maybe a bug" branch of `sources.base.reason`),
a logged traceback, a file left unfiled, a JSONL output line missing, or an input that
held the worker over --limit seconds (a hang). Prints per kind inputs, accepted, rejected,
crashes and the slowest input; --keep DIR saves the first crashes of each kind (the input
and what happened) to reproduce them.
Run: python bench/fuzz.py [--count 10000] [--seed 1] [--kinds jsonl,folder,feed,rules]
     [--limit 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from random import Random
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import sentences  # noqa: E402

from tests.conftest import DATA, Page, Site, site_server, write_config  # noqa: E402
from warning.config import load_settings  # noqa: E402
from warning.jsonl import score_lines  # noqa: E402
from warning.notify import Notifier  # noqa: E402
from warning.pipeline import Service  # noqa: E402
from warning.rules.pack import SHIPPED, load_pack  # noqa: E402
from warning.score import Scorer  # noqa: E402
from warning.store import Store  # noqa: E402
from warning.yamlio import InputError  # noqa: E402

KINDS = ("jsonl", "folder", "feed", "rules")
KEEP_PER_KIND = 5
# an exception's type named in an error text: the "unexpected, maybe a bug" branch
UNEXPECTED = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Exit|Interrupt)\b: ")
NASTY = (
    b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    b"\x1b[2J", b"\r", b"\r\n", b"\x85", "\u2028".encode(), "\u202e".encode(), b"\t", b"\x0c",
    b"&#xD800;", b"&#0;", b"&#x110000;", b"&#99999999999;", b"]]>", b"<![CDATA[", b"<!--",
    b"\\u0000", b"\\ud800", b'"', b"'", b"{", b"[", b"<", b">", b"&", b":", b"- ", b"%",
)  # fmt: skip
ENCODINGS = ("utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "shift_jis", "koi8-r")
BAD_DATES = (
    "0000-00-00", "2024-13-45T25:61:61Z", "Mon, 32 Foo 99999 99:99:99 +9999", "yesterday",
    "", "9" * 40, "-1", "1e999", "2024-02-30", "Tue, 02 Dec 2024 08:50:00 GMT\x00",
)  # fmt: skip


class Hang(BaseException):
    """An input held the worker past the limit (not an Exception: no `except Exception` in
    the code under test swallows it)."""


@dataclass(frozen=True)
class Case:
    kind: str
    name: str  # the file name (folder, rules), the source polled (feed), or "fuzz.jsonl"
    data: bytes
    how: str  # what the generator did
    content_type: str = ""  # feed: the Content-Type served


@dataclass(frozen=True)
class Verdict:
    outcome: str  # accepted | rejected | crash
    detail: str = ""


@dataclass
class Tally:
    kind: str
    inputs: int = 0
    accepted: int = 0
    rejected: int = 0
    crashes: int = 0
    hangs: int = 0
    slowest: float = 0.0
    kept: list[Path] = field(default_factory=list)

    def add(self, verdict: Verdict, seconds: float) -> None:
        self.inputs += 1
        self.slowest = max(self.slowest, seconds)
        if verdict.outcome == "accepted":
            self.accepted += 1
        elif verdict.outcome == "rejected":
            self.rejected += 1
        else:
            self.crashes += 1
            self.hangs += verdict.detail.startswith("hang")


# --- mutations shared by every kind -------------------------------------------------------


def mutate(rng: Random, data: bytes, rounds: int = 0) -> tuple[bytes, str]:
    """`data` after 1 to 3 byte-level mutations (or `rounds`), and what they were."""
    hows = []
    for _ in range(rounds or rng.randint(1, 3)):
        name, change = rng.choice(MUTATIONS)
        data = change(rng, data)
        hows.append(name)
    return data, "+".join(hows)


def _at(rng: Random, data: bytes) -> int:
    return rng.randint(0, len(data))


def _truncate(rng: Random, data: bytes) -> bytes:
    return data[: _at(rng, data)]


def _flip(rng: Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _insert(rng: Random, data: bytes) -> bytes:
    at = _at(rng, data)
    return data[:at] + rng.choice(NASTY) * rng.choice((1, 1, 3, 1000)) + data[at:]


def _repeat(rng: Random, data: bytes) -> bytes:
    at = _at(rng, data)
    chunk = data[at : at + rng.randint(1, 200)] or b"x"
    return data[:at] + chunk * rng.choice((2, 50, 2000)) + data[at:]


def _delete(rng: Random, data: bytes) -> bytes:
    at = _at(rng, data)
    return data[:at] + data[at + rng.randint(1, 400) :]


def _huge_line(rng: Random, data: bytes) -> bytes:
    at = _at(rng, data)
    return data[:at] + rng.choice((b"A", "é".encode(), b"word ", b"<b>")) * 60_000 + data[at:]


def _reencode(rng: Random, data: bytes) -> bytes:
    return data.decode("utf-8", "replace").encode(rng.choice(ENCODINGS), "replace")


def _binary(rng: Random, data: bytes) -> bytes:
    return rng.randbytes(rng.choice((1, 16, 3000)))


def _blank(rng: Random, data: bytes) -> bytes:
    return rng.choice((b"", b" ", b"\n\n", b"\x00" * 10, b"\xef\xbb\xbf"))


MUTATIONS: tuple[tuple[str, Callable[[Random, bytes], bytes]], ...] = (
    ("truncate", _truncate), ("flip", _flip), ("insert", _insert), ("insert", _insert),
    ("repeat", _repeat), ("delete", _delete), ("huge-line", _huge_line),
    ("reencode", _reencode), ("binary", _binary), ("blank", _blank),
)  # fmt: skip


def wrong_value(rng: Random, depth: int = 0) -> object:
    """A JSON value of a shape or type nobody expects."""
    choices: list[Callable[[], object]] = [
        lambda: None, lambda: True, lambda: -1, lambda: 10**rng.choice((3, 30, 400)),
        lambda: 1.5e308, lambda: "", lambda: " \t\n", lambda: "\x00", lambda: "\ud800",
        lambda: "\u2028\u0085\x1b[31m", lambda: "x" * rng.choice((10, 70_000)),
        lambda: [], lambda: {}, lambda: rng.choice(BAD_DATES),
    ]  # fmt: skip
    if depth < 3:
        choices += [
            lambda: [wrong_value(rng, depth + 1)],
            lambda: {rng.choice(("id", "text", "x", "")): wrong_value(rng, depth + 1)},
        ]
    return rng.choice(choices)()


ODD_NUMBERS = (
    "9" * 20, "9" * 309, "9" * 400, "1" + "0" * 5000, "1" + "0" * 300 + " million",
    "1.5e308 million", "1,000,000,000,000,000,000,000", "٣٠٠٠", "１２３", "²³", "½", "-5",
    "1e999", "tens of thousands of thousands", "twenty-five hundred", "Ⅻ", "000 000 000",
    "0", "3.", ",5", "1,5,5", "12 000 000 000 000 000 000 000 000 000 000 000",
)  # fmt: skip
ODD_TEXT = (
    "\u0301" * 50, "\u200d" * 100, "\u202e", "🙂" * 30, "?!" * 500, "besieged " * 5000,
    "word" * 20_000, "\t\f\v", "\x00", "\ud800", "{number}", "re:(a+)+$", "Ⅻ", "x\u2028y",
)  # fmt: skip


def nasty_text(rng: Random, pool: list[str]) -> str:
    """Report text the scorer might choke on: odd numbers where counts are read, odd
    characters and runs, among real sentences."""
    number, odd = rng.choice(ODD_NUMBERS), rng.choice(ODD_TEXT)
    lead = rng.choice((
        f"Around {number} residents of the town are besieged; {number} families fled.",
        f"{number} people were displaced. {odd}", f"Armed men killed {number} civilians {odd}",
        f"{odd} {number}",
    ))  # fmt: skip
    return " ".join([lead, *rng.sample(pool, rng.randint(0, 3))])


def deep(rng: Random) -> str:
    n = rng.choice((63, 65, 1000, 100_000))
    return rng.choice(("[" * n + "]" * n, '{"a":' * n + "1" + "}" * n, "[" * n))


def dumps(value: object) -> bytes:
    """JSON, text written raw: a lone surrogate becomes invalid UTF-8, on purpose."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


# --- score --jsonl ----------------------------------------------------------------------


def jsonl_case(rng: Random, pool: list[str]) -> Case:
    lines, hows = [], []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        line, how = _jsonl_line(rng, pool)
        lines.append(line)
        hows.append(how)
    raw = rng.choice((b"\n", b"\r\n", b"\n\n")).join(lines)
    if rng.random() < 0.3:
        raw, how = mutate(rng, raw, rounds=1)
        hows.append(how)
    return Case("jsonl", "fuzz.jsonl", raw, ",".join(hows))


def _jsonl_line(rng: Random, pool: list[str]) -> tuple[bytes, str]:
    nasty = rng.random() < 0.4
    text = nasty_text(rng, pool) if nasty else " ".join(rng.sample(pool, 3))
    good = {"id": f"r{rng.randrange(10**6)}", "text": text}
    if rng.random() < 0.3:
        good["title"] = rng.choice(pool)[:80]
    pick = rng.randrange(6)
    if pick == 0:
        return dumps(good), "nasty-text" if nasty else "good"
    if pick == 1:
        good[rng.choice(("id", "text", "title"))] = wrong_value(rng)
        return dumps(good), "wrong-type"
    if pick == 2:
        return deep(rng).encode(), "deep"
    if pick == 3:
        good[rng.choice(("extra", "", "text\x00"))] = wrong_value(rng)
        return dumps(good), "unknown-key"
    if pick == 4:
        return dumps(wrong_value(rng)), "not-an-object"
    broken = rng.choice(('{"id": 1, "text": "a",}', '{"text": "\\x"}', "{'text': 'a'}",
                         '{"text": NaN}', '{"text": "a"} trailing', '{"text": "a" /* c */}',
                         '{"text": "a", "text": 5}', '{"text": "\\ud800"}'))  # fmt: skip
    return broken.encode(), "bad-json"


def jsonl_verdict(scorer: Scorer, case: Case) -> Verdict:
    expected = [n for n, line in enumerate(case.data.split(b"\n"), 1) if line.strip()]
    lines = list(score_lines(scorer, case.data, case.name))
    if len(lines) != len(expected):
        return Verdict("crash", f"{len(expected)} input lines, {len(lines)} output lines")
    errors = 0
    for number, line in zip(expected, lines, strict=True):
        line.encode("utf-8")  # raises on a lone surrogate: invalid output
        result = json.loads(line)
        if "error" not in result:
            continue
        errors += 1
        error = result["error"]
        if not error.startswith(f"{case.name}:{number}: ") or "scoring failed" in error:
            return Verdict("crash", f"line {number}: {error}")
    return Verdict("rejected" if errors else "accepted")


# --- folder files -----------------------------------------------------------------------


def folder_seeds(pool: list[str]) -> dict[str, list[bytes]]:
    """Good files of every suffix the folder source reads."""
    text = " ".join(pool[:12])
    report = {"title": "Field note", "text": text, "url": "http://127.0.0.1/r",
              "source": "NGO", "published": "2024-12-02T08:50:00Z"}  # fmt: skip
    page = (DATA / "pages" / "seed_page.html").read_bytes()
    latin = (DATA / "pages" / "seed_page_latin1.html").read_bytes()
    seed = (DATA / "seed_syria_2024.txt").read_bytes()
    texts = [text.encode(), "\n\n".join(pool[40:60]).encode(), seed]
    pages = [page, latin, f"<html><body><p>{text}</p></body></html>".encode()]
    jsons = [dumps(report), dumps([report, {**report, "title": "Two"}])]
    seeds = {".txt": texts, ".text": texts, ".html": pages, ".htm": pages, ".json": jsons,
             ".eml": _emails(text)}  # fmt: skip
    return seeds


def _emails(text: str) -> list[bytes]:
    plain = EmailMessage()
    plain["Subject"], plain["From"] = "Field report", "field@example.org"
    plain["Date"] = "Mon, 02 Dec 2024 08:50:00 +0000"
    plain.set_content(text)
    both = EmailMessage()
    both["Subject"] = "Situation report"
    both.set_content(text)
    both.add_alternative(f"<html><body><p>{text}</p></body></html>", subtype="html")
    coded = EmailMessage()
    coded.set_content(text, charset="utf-8", cte="base64")
    return [plain.as_bytes(), both.as_bytes(), coded.as_bytes()]


def folder_case(rng: Random, seeds: dict[str, list[bytes]], number: int, pool: list[str]) -> Case:
    suffix = rng.choice(sorted(seeds))
    data, how = rng.choice(seeds[suffix]), "seed"
    if suffix == ".json" and rng.random() < 0.4:
        data, how = _json_report(rng), "json-shape"
    elif suffix == ".eml" and rng.random() < 0.4:
        data, how = _email_shape(rng, data), "eml-shape"
    elif suffix in (".html", ".htm") and rng.random() < 0.4:
        data, how = _html_shape(rng, nasty_text(rng, pool)), "html-shape"
    elif rng.random() < 0.2:
        data, how = nasty_text(rng, pool).encode("utf-8", "surrogatepass"), "nasty-text"
    if how == "seed" or rng.random() < 0.3:
        data, more = mutate(rng, data)
        how += "+" + more
    shown = suffix.upper() if rng.random() < 0.1 else suffix
    odd = rng.choice(("", "", "", " x", "é", "\n2024 ERROR forged", "\x1b[2J"))
    return Case("folder", f"f{number}{odd}{shown}", data, how)


def _json_report(rng: Random) -> bytes:
    report: dict[str, object] = {"text": "Families fled the town after the shelling."}
    for key in rng.sample(("title", "text", "url", "source", "published", "other"), 2):
        report[key] = wrong_value(rng)
    shape = rng.choice((report, [report] * rng.choice((1, 500)), [report, 5], deep(rng)))
    return shape.encode() if isinstance(shape, str) else dumps(shape)


def _html_shape(rng: Random, text: str) -> bytes:
    """A page built to trip the extractor: deep nesting, odd dates and charsets, tags left
    open, an XML declaration, a table layout."""
    n = rng.choice((50, 3000, 100_000))
    date = rng.choice(BAD_DATES)
    page = rng.choice((
        "<div>" * n + f"<p>{text}</p>" + "</div>" * n,
        f"<html><head><meta property='article:published_time' content='{date}'>"
        f"<title>{text[:50] * rng.choice((1, 5000))}</title></head><body><article><p>{text}"
        "</p></article></body></html>",
        f"<script type='application/ld+json'>{{\"datePublished\": \"{date}\"}}</script>"
        f"<p>{text}</p>",
        f"<meta charset='{rng.choice(('utf-99', '', 'x' * 300, 'utf-16'))}'><p>{text}</p>",
        f"<?xml version='1.0' encoding='utf-16'?><html><body><p>{text}</p></body></html>",
        f"<table><tr><td><p>{text}</p></td></tr></table>" * rng.choice((1, 500)),
        f"<html><body><p>{text}<script>var a = '", f"<p>{text}</p><!-- open comment",
        f"<svg><p>{text}</p></svg><math>{text}", f"<p>{text}</p>" + "<br>" * n,
    ))  # fmt: skip
    return page.encode("utf-8", "surrogatepass")


def _email_shape(rng: Random, data: bytes) -> bytes:
    headers = rng.choice((
        b"Content-Type: text/plain; charset=utf-99\n", b"Content-Type: text/html; charset=\n",
        b"Content-Transfer-Encoding: base64\n", b"Content-Transfer-Encoding: quoted-printable\n",
        b"Content-Type: multipart/mixed\n", b"Content-Type: multipart/mixed; boundary=\"\"\n",
        b"Date: " + rng.choice(BAD_DATES).encode() + b"\n", b"Subject: =?utf-8?b?////?=\n",
        b"Subject: =?x-unknown?q?=FF?=\n", b"From: <<<@@@>>>\n", b"Content-Type: message/rfc822\n",
    ))  # fmt: skip
    return headers + data


def folder_verdict(service: Service, inbox: Path, case: Case, log: TracebackLog) -> Verdict:
    path = inbox / case.name
    path.write_bytes(case.data)
    try:
        outcome = service.poll("inbox", force=True)
        reasons = [p.read_text("utf-8") for p in (inbox / "failed").glob("*.error.txt")]
        filed = not path.exists()
    finally:  # even after a hang: the next input is read alone
        _empty(inbox)
    problem = log.take() or _unexpected(outcome.errors + reasons)
    if problem:
        return Verdict("crash", problem)
    if not filed:
        return Verdict("crash", f"left in the folder: {outcome.errors}")
    return Verdict("rejected" if reasons else "accepted", "; ".join(reasons))


def _empty(inbox: Path) -> None:
    for path in inbox.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _unexpected(texts: list[str]) -> str:
    return next((t for t in texts if UNEXPECTED.search(t)), "")


# --- feeds ------------------------------------------------------------------------------

RSS_ITEM = (
    "<item><title>{title}</title><link>http://127.0.0.1/{n}</link><guid>g{n}</guid>"
    "<pubDate>{date}</pubDate><description>{text}</description></item>"
)
ATOM_ENTRY = (
    "<entry><title>{title}</title><link href='http://127.0.0.1/{n}'/><id>urn:{n}</id>"
    "<updated>{date}</updated><content type='html'>{text}</content></entry>"
)
RDF_ITEM = (
    "<item rdf:about='http://127.0.0.1/{n}'><title>{title}</title><link>http://127.0.0.1/{n}"
    "</link><dc:date>{date}</dc:date><description>{text}</description></item>"
)
SHELLS = {
    "rss": ("<?xml version='1.0' encoding='utf-8'?>{doctype}<rss version='2.0'><channel>"
            "<title>Feed</title>{items}</channel></rss>", RSS_ITEM),
    "atom": ("<?xml version='1.0'?>{doctype}<feed xmlns='http://www.w3.org/2005/Atom'>"
             "<title>Feed</title>{items}</feed>", ATOM_ENTRY),
    "rdf": ("<?xml version='1.0'?>{doctype}<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf"
            "-syntax-ns#' xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements"
            "/1.1/'><channel rdf:about='x'><title>Feed</title></channel>{items}</rdf:RDF>",
            RDF_ITEM),
}  # fmt: skip
DOCTYPES = (
    "", "",
    "<!DOCTYPE r [<!ENTITY a 'lol'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
    "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'><!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'>"
    "<!ENTITY e '&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;'><!ENTITY f '&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;'>]>",
    "<!DOCTYPE r [<!ENTITY x SYSTEM 'http://127.0.0.1:9/x'>]>",
    "<!DOCTYPE r [<!ENTITY % p SYSTEM 'http://127.0.0.1:9/p'> %p;]>",
)  # fmt: skip
CONTENT_TYPES = (
    "application/rss+xml", "application/atom+xml", "text/xml; charset=iso-8859-1", "text/html",
    "", "application/json", "text/xml; charset=bogus-99", "text/xml; charset=utf-16",
)  # fmt: skip
BOMBS = ("&f;", "&x;", "&a;")


def feed_case(rng: Random, pool: list[str]) -> Case:
    if rng.random() < 0.25:
        data, how = _reliefweb_body(rng, pool)
        if rng.random() < 0.3:
            data, more = mutate(rng, data, rounds=1)
            how += "+" + more
        return Case("feed", "rw", data, how, "application/json")
    shape = rng.choice(sorted(SHELLS))
    shell, item = SHELLS[shape]
    doctype = rng.choice(DOCTYPES)
    items = "".join(
        item.format(n=n, **_item_fields(rng, pool, doctype)) for n in range(rng.randint(0, 4))
    )
    data = shell.format(doctype=doctype, items=items).encode("utf-8", "surrogatepass")
    how = shape + (" doctype" if doctype else "")
    if rng.random() < 0.5:
        data, more = mutate(rng, data)
        how += "+" + more
    return Case("feed", "feed", data, how, rng.choice(CONTENT_TYPES))


def _item_fields(rng: Random, pool: list[str], doctype: str) -> dict[str, str]:
    text = nasty_text(rng, pool) if rng.random() < 0.2 else " ".join(rng.sample(pool, 2))
    fields = {"title": rng.choice(pool)[:80], "text": escape(text),
              "date": "Mon, 02 Dec 2024 08:50:00 GMT"}  # fmt: skip
    key = rng.choice(("title", "text", "date", "none"))
    if key == "date":
        fields["date"] = rng.choice(BAD_DATES)
    elif key != "none":
        fields[key] = rng.choice((
            "", "x" * 200_000, "&lt;script&gt;alert(1)&lt;/script&gt;", "<![CDATA[<p>a</p>]]>",
            "&#xD800;&#0;&#x110000;", "\x00\x1b\ud800", "<b><i>unclosed", "&nbsp;&bogus;",
            rng.choice(BOMBS) if doctype else "&amp;",
        ))  # fmt: skip
    return fields


def _reliefweb_body(rng: Random, pool: list[str]) -> tuple[bytes, str]:
    items: list[object] = []
    for n in range(rng.randint(0, 4)):
        fields: dict[str, object] = {
            "title": rng.choice(pool)[:80], "body": " ".join(pool[n : n + 3]),
            "url": f"http://127.0.0.1/{n}", "date": {"created": "2024-12-02T08:50:00+00:00"},
            "source": [{"name": "OCHA"}],
        }  # fmt: skip
        if rng.random() < 0.6:
            fields[rng.choice(sorted(fields) + ["url_alias"])] = wrong_value(rng)
        items.append({"id": n, "fields": fields} if rng.random() < 0.9 else wrong_value(rng))
    body = rng.choice(({"data": items}, {"data": items, "count": "x"}, {"data": wrong_value(rng)},
                       items, {"error": "x"}))  # fmt: skip
    return dumps(body), "reliefweb"


def feed_verdict(service: Service, site: Site, case: Case, log: TracebackLog) -> Verdict:
    path = "/feed" if case.name == "feed" else "/rw"
    site.pages[path] = Page(case.data, headers={"Content-Type": case.content_type})
    outcome = service.poll(case.name, force=True)
    problem = log.take() or _unexpected(outcome.errors)
    if problem:
        return Verdict("crash", problem)
    if outcome.new or outcome.duplicates or not outcome.errors:
        return Verdict("accepted")
    return Verdict("rejected", outcome.errors[-1])


# --- rule files -------------------------------------------------------------------------

ITEM_START = re.compile(r"^  - id: ", re.MULTILINE)
WRONG_YAML = (
    "[]", "{}", "null", "~", "-1", "0", "1e999", "99999999999999999999999999999999", "yes",
    "!!binary aGVsbG8=", "!!python/object:os.system", "*undefined", "&a [*a, *a]",
    "'re:(('", "'re:(?<x'", "'re:\\'", "'re:(a+)+$'", "'re:[z-a]'", "'re:'", '"\\ud800"',
    '"\\x00"', "2024-01-01", "'{number}'", "''", "' '", "[[[[[[[[]]]]]]]]", "!!set {a, b}",
    "x" * 100_000, "[" * 200 + "]" * 200, "'*'", "'**'", "{number}", "- a", "|", ">-",
)  # fmt: skip


def rule_seeds() -> dict[str, str]:
    """The shipped rule files, each cut before its second rule or context entry."""
    seeds = {}
    for path in sorted(SHIPPED.glob("*.yaml")):
        text = path.read_text("utf-8")
        starts = [m.start() for m in ITEM_START.finditer(text)]
        seeds[path.name] = text[: starts[1]] if len(starts) > 1 else text
    return seeds


def rules_case(rng: Random, seeds: dict[str, str]) -> Case:
    name = rng.choice(sorted(seeds))
    lines = seeds[name].splitlines(keepends=True)
    hows = []
    for _ in range(rng.randint(1, 3)):
        how, change = rng.choice(LINE_MUTATIONS)
        lines = change(rng, lines) or [""]
        hows.append(how)
    data = "".join(lines).encode("utf-8", "surrogatepass")
    if rng.random() < 0.2:
        data, more = mutate(rng, data, rounds=1)
        hows.append(more)
    return Case("rules", name, data, "+".join(hows))


def _line(rng: Random, lines: list[str]) -> int:
    return rng.randrange(len(lines)) if lines else 0


def _indent(rng: Random, lines: list[str]) -> list[str]:
    n = _line(rng, lines)
    shift = rng.choice((" ", "  ", "\t", " " * 7))
    if lines and rng.random() < 0.5 and lines[n].startswith(shift):
        return lines[:n] + [lines[n][len(shift) :]] + lines[n + 1 :]
    return lines[:n] + [shift + line for line in lines[n : n + 1]] + lines[n + 1 :]


def _wrong_scalar(rng: Random, lines: list[str]) -> list[str]:
    keyed = [n for n, line in enumerate(lines) if re.match(r"^\s*-?\s*[\w.]+:\s", line)]
    if not keyed:
        return lines
    n = rng.choice(keyed)
    key = lines[n].split(":", 1)[0]
    return lines[:n] + [f"{key}: {rng.choice(WRONG_YAML)}\n"] + lines[n + 1 :]


def _bad_term(rng: Random, lines: list[str]) -> list[str]:
    listed = [n for n, line in enumerate(lines) if "[" in line and "]" in line]
    if not listed:
        return lines
    n = rng.choice(listed)
    at = lines[n].index("[") + 1
    term = rng.choice(WRONG_YAML) + ", "
    return lines[:n] + [lines[n][:at] + term + lines[n][at:]] + lines[n + 1 :]


def _unknown_key(rng: Random, lines: list[str]) -> list[str]:
    n = _line(rng, lines)
    indent = re.match(r"^\s*", lines[n]).group() if lines else ""
    return lines[:n] + [f"{indent}bogus_{rng.randrange(9)}: {rng.choice(WRONG_YAML)}\n"] + lines[n:]


def _alias_bomb(rng: Random, lines: list[str]) -> list[str]:
    bomb = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    for i in range(1, rng.randint(3, 9)):
        bomb.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n")
    return bomb + lines


def _shuffle(rng: Random, lines: list[str]) -> list[str]:
    n, m = _line(rng, lines), _line(rng, lines)
    out = list(lines)
    if out:
        out[n], out[m] = out[m], out[n]
    return out


def _drop(rng: Random, lines: list[str]) -> list[str]:
    n = _line(rng, lines)
    return lines[:n] + lines[n + rng.choice((1, 1, 5)) :]


def _documents(rng: Random, lines: list[str]) -> list[str]:
    return rng.choice((["---\n"] + lines + ["---\n", "x: 1\n"], ["- a\n"] + lines, ["7\n"]))


LINE_MUTATIONS: tuple[tuple[str, Callable[[Random, list[str]], list[str]]], ...] = (
    ("indent", _indent), ("indent", _indent), ("wrong-scalar", _wrong_scalar),
    ("wrong-scalar", _wrong_scalar), ("bad-term", _bad_term), ("unknown-key", _unknown_key),
    ("alias-bomb", _alias_bomb), ("swap-lines", _shuffle), ("drop-lines", _drop),
    ("documents", _documents),
)  # fmt: skip


def rules_verdict(folder: Path, seeds: dict[str, str], case: Case) -> Verdict:
    path = folder / case.name
    path.write_bytes(case.data)
    try:
        load_pack(folder)
    except InputError as exc:
        unclear = [m for m in exc.messages if not _names_a_place(m, folder)]
        if unclear:
            return Verdict("crash", f"unclear: {unclear[0][:300]}")
        return Verdict("rejected", exc.messages[0])
    finally:
        path.write_text(seeds[case.name], "utf-8")
    return Verdict("accepted")


def _names_a_place(message: str, folder: Path) -> bool:
    """`FILE:LINE[:COL]: why` for a file in `folder`, or `FOLDER: why`; one line."""
    place = rf"{re.escape(str(folder))}(?:/[^/:\n]+\.yaml:\d+(?::\d+)?)?: \S"
    return re.match(place, message) is not None and "\n" not in message


# --- running ----------------------------------------------------------------------------


class TracebackLog(logging.Handler):
    """Keeps the first logged traceback (a `log.exception`: the code met what it did not
    expect); every other record is dropped (the bad inputs make many warnings)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and not self.found:
            self.found = f"logged: {record.getMessage()}: " + "".join(
                traceback.format_exception(*record.exc_info)
            )

    def take(self) -> str:
        found, self.found = self.found, ""
        return found


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Hang raised in this (the main) thread after `seconds`, and every second after (one
    raised inside a `__del__` is only printed)."""

    def expired(signum: int, frame: object) -> None:
        raise Hang(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Targets:
    """The real code each kind of input goes through, set up once."""

    scorer: Scorer
    service: Service
    inbox: Path
    site: Site
    rules: Path
    log: TracebackLog
    pool: list[str] = field(default_factory=sentences)
    rule_seeds: dict[str, str] = field(default_factory=rule_seeds)
    folder_seeds: dict[str, list[bytes]] = field(init=False)

    def __post_init__(self) -> None:
        self.folder_seeds = folder_seeds(self.pool)

    def case(self, kind: str, rng: Random, number: int) -> Case:
        if kind == "jsonl":
            return jsonl_case(rng, self.pool)
        if kind == "folder":
            return folder_case(rng, self.folder_seeds, number, self.pool)
        if kind == "feed":
            return feed_case(rng, self.pool)
        return rules_case(rng, self.rule_seeds)

    def verdict(self, case: Case) -> Verdict:
        if case.kind == "jsonl":
            return jsonl_verdict(self.scorer, case)
        if case.kind == "folder":
            return folder_verdict(self.service, self.inbox, case, self.log)
        if case.kind == "feed":
            return feed_verdict(self.service, self.site, case, self.log)
        return rules_verdict(self.rules, self.rule_seeds, case)


@contextlib.contextmanager
def targets(scorer: Scorer) -> Iterator[Targets]:
    """A service over a real folder, feed and ReliefWeb sources on a local HTTP server and a
    SQLite file, and a copy of the cut rule pack, in a temporary folder."""
    log = TracebackLog()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    root.handlers[:] = [log]
    root.setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder, site_server() as site:
        work = Path(folder)
        settings = load_settings(write_config(work, sources=_sources(site)))
        service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
        made = Targets(scorer, service, work / "inbox", site, work / "rules", log)
        made.rules.mkdir()
        for name, text in made.rule_seeds.items():
            (made.rules / name).write_text(text, "utf-8")
        try:
            yield made
        finally:
            root.handlers[:], _ = saved
            root.setLevel(saved[1])


def _sources(site: Site) -> list[dict[str, object]]:
    return [
        {"name": "inbox", "kind": "folder", "path": "inbox"},
        {"name": "feed", "kind": "rss", "url": site.url("/feed"), "full_text": "never"},
        {"name": "rw", "kind": "reliefweb", "url": site.url("/rw"), "appname": "fuzz"},
    ]


def fuzz(made: Targets, kind: str, count: int, seed: int, limit: float, keep: Path | None) -> Tally:
    """`count` inputs of `kind` from `seed`, each through the real code; their tally."""
    rng, tally = Random(f"{kind}:{seed}"), Tally(kind)
    for number in range(count):
        case = made.case(kind, rng, number)
        started = time.perf_counter()
        verdict = _judged(made, case, limit)
        seconds = time.perf_counter() - started
        if seconds > limit and verdict.outcome != "crash":
            verdict = Verdict("crash", f"hang: {seconds:.1f} s, then {verdict.outcome}")
        tally.add(verdict, seconds)
        if verdict.outcome == "crash" and keep is not None and len(tally.kept) < KEEP_PER_KIND:
            tally.kept.append(save(keep, case, verdict, number))
    return tally


def _judged(made: Targets, case: Case, limit: float) -> Verdict:
    try:
        with time_limit(limit):
            return made.verdict(case)
    except Hang as exc:
        made.log.take()
        return Verdict("crash", f"hang: {exc}")
    except Exception as exc:  # the crash the fuzzer looks for
        made.log.take()
        return Verdict("crash", "".join(traceback.format_exception(exc)))


def save(keep: Path, case: Case, verdict: Verdict, number: int) -> Path:
    """The input as the code read it, and beside it what the generator did and what
    happened."""
    keep.mkdir(parents=True, exist_ok=True)
    suffix = {"jsonl": ".jsonl", "feed": f".{case.name}"}.get(case.kind, Path(case.name).suffix)
    path = keep / f"{case.kind}-{number}{suffix}"
    path.write_bytes(case.data)
    about = f"name: {case.name!r}\nhow: {case.how}\ncontent-type: {case.content_type}\n\n"
    path.with_name(path.name + ".txt").write_text(about + verdict.detail, "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs in all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--limit", type=float, default=10.0, help="seconds per input")
    parser.add_argument("--keep", type=Path, help="save the first crashes of each kind here")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    from warning.config import Settings
    from warning.pipeline import build_scorer

    with targets(build_scorer(Settings())) as made:
        print(f"{'kind':8} {'inputs':>7} {'accepted':>9} {'rejected':>9} {'crashes':>8} "
              f"{'hangs':>6} {'slowest':>8} {'seconds':>8}")  # fmt: skip
        for n, kind in enumerate(kinds):
            share = args.count // len(kinds) + (n < args.count % len(kinds))
            started = time.perf_counter()
            tally = fuzz(made, kind, share, args.seed, args.limit, args.keep)
            print_tally(tally, time.perf_counter() - started)


def print_tally(t: Tally, seconds: float) -> None:
    print(
        f"{t.kind:8} {t.inputs:7} {t.accepted:9} {t.rejected:9} {t.crashes:8} {t.hangs:6} "
        f"{t.slowest:7.2f}s {seconds:7.1f}s",
        flush=True,
    )
    for path in t.kept:
        print(f"  kept {path}")


if __name__ == "__main__":
    main()
