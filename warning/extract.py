"""Fetched bytes -> clean article text: charset decoding, then trafilatura for the article.

`decode` turns bytes into text (BOM, declared charset, <meta> charset, UTF-8, a guess, and at
last UTF-8 with replacement), refusing binary content. `extract_html` keeps only the article:
title, paragraphs separated by blank lines (a line break ends a sentence downstream), and the
publication time in UTC. Every fallback taken is written down in `problems`.
"""

from __future__ import annotations

import codecs
import html as htmllib
import re
from dataclasses import dataclass
from datetime import datetime

import charset_normalizer
import lxml.html
import trafilatura
from trafilatura.settings import Document

from warning.times import parse_iso

# UTF-32-LE before UTF-16-LE: its BOM starts with UTF-16-LE's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)  # fmt: skip
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF-", "PDF document"), (b"PK\x03\x04", "zip archive"), (b"\x1f\x8b", "gzip data"),
)  # fmt: skip
# Browsers (WHATWG Encoding) read these labels as windows-1252, and so do real pages.
AS_WINDOWS_1252 = frozenset({"iso8859-1", "ascii"})
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")  # Cc except \t \n \f \r
MAX_CONTROL_SHARE = 0.01
META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
SNIFF_BYTES = 4096
HTML_START = (b"<html", b"<!doctype html")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
DECLARED_DATE = re.compile(
    r"""(?:article:published_time["'][^>]*?content\s*=|"datePublished"\s*:)\s*["']([^"']*)""",
    re.IGNORECASE,
)
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
BLOCK_TAGS = frozenset((
    "p", "div", "br", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre",
    "blockquote", "section", "article", "header", "footer", "ul", "ol", "table", "figure",
))  # fmt: skip
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # lxml refuses these in text
TAG_OR_CUT_TAG = re.compile(r"<[^>]*>|<[\w!/?][^>]*$")  # a tag, or one cut off at the end
NOT_UTF8 = "not valid UTF-8; undecodable bytes replaced with U+FFFD"
TABLE_LAYOUT = "article text read from inside a table (a table layout?)"
# tags in a page ('<'), past which its whole text is read instead of its article: trafilatura
# takes about 0.1 ms a tag (a few seconds here), and a 5 MB page of tags took minutes
MAX_TAGS = 50_000


class ExtractError(ValueError):
    """The bytes hold no usable text: binary content, or no article in the page."""


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str  # the Python codec name the text was decoded with, e.g. "utf-8", "cp1252"
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    title: str
    text: str  # one paragraph per line, paragraphs separated by a blank line
    published: datetime | None  # tz-aware UTC
    charset: str
    problems: tuple[str, ...] = ()


def decode(raw: bytes, declared: str = "") -> Decoded:
    """Text of `raw`; `declared` is a Content-Type header or a bare charset name."""
    for magic, kind in MAGIC:
        if raw.startswith(magic):
            raise ExtractError(f"binary content ({kind})")
    bom = _decode_bom(raw)
    if bom is None and b"\x00" in raw:
        raise ExtractError("binary content (NUL bytes)")
    decoded = bom or _decode_without_bom(raw, declared)
    _refuse_control(decoded.text)
    return decoded


def looks_like_html(raw: bytes, content_type: str = "") -> bool:
    """True for an HTML media type, or `<html` / `<!doctype html` near the start."""
    if content_type.split(";", 1)[0].strip().lower() in HTML_TYPES:
        return True
    start = raw[:1024].lower()
    return any(marker in start for marker in HTML_START)


def extract_html(raw: bytes, declared_charset: str = "", url: str = "") -> Article:
    """The article in an HTML page: title, paragraphs, publication time (UTC)."""
    decoded = decode(raw, declared_charset)
    page = XML_DECLARATION.sub("", decoded.text, count=1)  # lxml refuses it in a str
    document, problems = _find_article(page, url)
    text = _paragraphs(document.text or "") if document is not None else ""
    if not text:
        raise ExtractError("no article text found")
    published, date_problems = _published(document.date, page)
    title = _one_line(document.title or "") or _html_title(page) or text.split("\n", 1)[0]
    problems = decoded.problems + problems + date_problems
    return Article(title, text, published, decoded.charset, problems)


def text_to_score(raw: bytes, name: str = "") -> str:
    """The text of a file given to `warning score`: an HTML page's article as the folder
    source stores it (a page with no article: its text without markup), else the decoded
    text. ExtractError for binary content."""
    if name.lower().endswith((".html", ".htm")) or looks_like_html(raw):
        try:
            return extract_html(raw).text
        except ExtractError:
            return plain_text(decode(raw).text)
    return decode(raw).text


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment (a feed summary, an API body) or of plain text: tags and
    scripts dropped, entities decoded, one paragraph (block element or line) per blank-line
    block."""
    fragment = NOT_XML.sub("", fragment).encode("utf-8", "replace").decode("utf-8")
    if "<" not in fragment:
        return _paragraphs(htmllib.unescape(fragment))
    try:
        return _paragraphs(_markup_text(fragment))
    except Exception:  # by design: lxml refuses some fragments in its own ways (an
        # AssertionError "too many bodies" for '<!DOCTYPE><HEAD><C'); any refusal falls back
        # to the fragment with its tags stripped, never to an error
        return _paragraphs(htmllib.unescape(TAG_OR_CUT_TAG.sub(" ", fragment)))


def _markup_text(fragment: str) -> str:
    tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for dropped in tree.xpath("//script|//style|//noscript|//template"):
        dropped.drop_tree()
    for element in tree.iter():
        element.text, element.tail = _spaces(element.text), _spaces(element.tail)
        if isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    return tree.text_content()


def charset_of(declared: str) -> str:
    """The charset in a Content-Type value ("text/html; charset=X") or the bare name given."""
    for param in declared.split(";"):
        key, sep, value = param.partition("=")
        if sep and key.strip().lower() == "charset":
            return value.strip().strip("\"'")
    bare = declared.strip()
    return "" if "/" in bare or "=" in bare else bare


def _refuse_control(text: str) -> None:
    controls = len(CONTROL.findall(text))
    if controls and controls > MAX_CONTROL_SHARE * len(text):
        raise ExtractError(f"binary content ({controls} control characters in {len(text)})")


def _decode_bom(raw: bytes) -> Decoded | None:
    for bom, codec in BOMS:
        if raw.startswith(bom):
            body = raw[len(bom) :]
            try:
                return Decoded(body.decode(codec), codec)
            except UnicodeDecodeError:
                text = body.decode(codec, errors="replace")
                return Decoded(text, codec, (f"invalid {codec} after its BOM; bytes replaced",))
    return None


def _decode_without_bom(raw: bytes, declared: str) -> Decoded:
    """Declared charset, <meta> charset, UTF-8, a guess; UTF-8 with U+FFFD when the bytes
    were said to be UTF-8 or mostly are (a guess would garble the whole text)."""
    problems: list[str] = []
    said_utf8 = False
    for label, where in ((charset_of(declared), "Content-Type"), (_meta_charset(raw), "<meta>")):
        codec = _codec(label, from_meta=where == "<meta>") if label else None
        text = _strict(raw, codec) if codec else None
        if text is not None:
            return Decoded(text, codec or "", tuple(problems))
        said_utf8 = said_utf8 or codec == "utf-8"
        if label and codec != "utf-8":
            why = "unknown charset" if codec is None else "charset that does not fit the bytes"
            problems.append(f"{why} {label[:40]!r} in {where}; ignored")
    text = _strict(raw, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", tuple(problems))
    guess = None if said_utf8 or _mostly_utf8(raw) else _guess(raw)
    if guess is not None:
        problems.append(f"no usable charset declared and not UTF-8; guessed {guess[1]}")
        return Decoded(*guess, tuple(problems))
    problems.append(NOT_UTF8)
    return Decoded(raw.decode("utf-8", errors="replace"), "utf-8", tuple(problems))


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError, TypeError):
        return None


def _mostly_utf8(raw: bytes) -> bool:
    """More well-formed multi-byte UTF-8 characters than malformed bytes."""
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    return sum(ord(ch) > 127 for ch in text) - bad > bad


def _guess(raw: bytes) -> tuple[str, str] | None:
    """charset_normalizer's best guess, UTF-16/32 excepted (no BOM and no NUL bytes)."""
    for match in charset_normalizer.from_bytes(raw):
        codec = _codec(match.encoding)
        if codec and not codec.startswith(("utf-16", "utf-32")):
            return str(match), codec
    return None


def _codec(label: str, from_meta: bool = False) -> str | None:
    """The Python codec for a charset label, None if unknown or not a text encoding."""
    try:
        info = codecs.lookup(label.strip())
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    if from_meta and info.name.startswith("utf-16"):
        return "utf-8"  # a <meta> we could read as ASCII is not UTF-16 (WHATWG)
    return "cp1252" if info.name in AS_WINDOWS_1252 else info.name


def _meta_charset(raw: bytes) -> str:
    match = META_CHARSET.search(raw[:SNIFF_BYTES])
    return match.group(1).decode("ascii", errors="replace") if match else ""


def _find_article(page: str, url: str) -> tuple[Document | None, tuple[str, ...]]:
    """trafilatura without tables; again with them when a table layout holds the article;
    a page of over MAX_TAGS tags: its whole text, markup dropped."""
    if not page.strip():
        return None, ()
    tags = page.count("<")
    if tags > MAX_TAGS:
        whole = f"a page of {tags:,} tags (over {MAX_TAGS:,}): its whole text read, not its article"
        return Document(text=plain_text(page)), (whole,)
    document = _trafilatura(page, url, tables=False)
    if (document is None or not document.text) and "<table" in page.lower():
        return _trafilatura(page, url, tables=True), (TABLE_LAYOUT,)
    return document, ()


def _trafilatura(page: str, url: str, tables: bool) -> Document | None:
    dates = {"original_date": True, "extensive_search": True, "outputformat": DATE_FORMAT}
    try:
        return trafilatura.bare_extraction(
            page, url=url or None, include_comments=False, include_tables=tables,
            favor_precision=True, with_metadata=True, date_extraction_params=dates,
        )  # fmt: skip
    except Exception as err:  # by design: trafilatura and lxml refuse pages in their own
        # ways (ValueError, RecursionError, lxml's errors, an AssertionError); each is this
        # page's problem, said as one, never an exception out of a source
        raise ExtractError(f"no article text found (HTML not parsed: {err})") from err


def _paragraphs(text: str) -> str:
    lines = (_one_line(line) for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _spaces(text: str | None) -> str | None:
    """HTML whitespace: any run of it is one space."""
    return re.sub(r"\s+", " ", text) if text else text


def _html_title(page: str) -> str:
    match = TITLE.search(page)
    return _one_line(htmllib.unescape(match.group(1))) if match else ""


def _published(found: str | None, page: str) -> tuple[datetime | None, tuple[str, ...]]:
    """The publication time in UTC (a date alone is midnight UTC), with any problem."""
    if not found:
        declared = DECLARED_DATE.search(page)
        if declared and declared.group(1).strip():
            return None, (f"unparseable publication date {declared.group(1)[:60]!r}",)
        return None, ()
    when = parse_iso(found)
    if when is None:
        return None, (f"unparseable publication date {found[:60]!r}",)
    return when, ()
