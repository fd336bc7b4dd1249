"""Article extraction: trafilatura (`warning.extract.extract_html`) against naive tag stripping.

On the seed page (tests/data/pages/seed_page.html) and on N synthetic pages built from it
(its furniture blocks shuffled before, inside and after the article, under four templates:
semantic HTML5, div soup, table layout, and div soup with every class/id stripped), measures
  recall   share of the seed article's sentences found in the output,
  leaked   furniture lines (navigation, share bar, cookie banner, footer, ...) in the output,
  pages/s  one pass over the pages after a warm-up call, one core.
Prints a table, then one JSON line.  Run: python bench/extract_bench.py [--pages N]
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lxml.html

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from warning.extract import ExtractError, extract_html  # noqa: E402
from warning.text import split_sentences  # noqa: E402

SEED_PAGE = REPO / "tests" / "data" / "pages" / "seed_page.html"
FURNITURE = (
    "//div[@id='cookie-banner']",
    "//div[@class='top-strip']",
    "//nav",
    "//div[@class='user-menu']",
    "//div[contains(@class, 'ad-slot')]",
    "//div[@class='breadcrumb']",
    "//div[contains(@class, 'share-bar')]",
    "//div[@class='recommended-topics']",
    "//div[@class='toast']",
    "//div[@class='section-blurb']",
    "//section[@class='comments-teaser']",
    "//div[@class='subscribe-box']",
    "//div[@class='trending']",
    "//div[@class='related']",
    "//footer",
)
ATTRIBUTES = re.compile(
    r"""\s(?:class|id|role|aria-label|itemprop|itemscope|itemtype)(?:="[^"]*")?"""
)


@dataclass(frozen=True)
class Seed:
    head: str  # <head>...</head>
    heading: str  # the <h1> and byline
    body: tuple[str, ...]  # the article's paragraphs, headings and figures as HTML
    blocks: tuple[str, ...]  # furniture blocks as HTML
    sentences: tuple[str, ...]  # the article's sentences, whitespace-normalized
    furniture: tuple[str, ...]  # furniture lines that do not also occur in the article


def squash(text: str) -> str:
    return " ".join(text.split())


def outer(element: lxml.html.HtmlElement) -> str:
    return lxml.html.tostring(element, encoding="unicode", with_tail=False)


def load_seed() -> Seed:
    page = SEED_PAGE.read_text(encoding="utf-8")
    tree = lxml.html.fromstring(page)
    story = tree.xpath("//div[@class='story-body']")[0]
    paragraphs = [squash(e.text_content()) for e in story if e.tag in ("p", "h2")]
    article = "\n".join(paragraphs)
    blocks = [e for xpath in FURNITURE for e in tree.xpath(xpath)]
    lines = dict.fromkeys(squash(t) for e in blocks for t in e.itertext() if t.strip())
    return Seed(
        head=re.search(r"<head>.*</head>", page, re.DOTALL).group(0),
        heading=outer(tree.xpath("//h1")[0]) + outer(tree.xpath("//div[@class='byline']")[0]),
        body=tuple(outer(e) for e in story),
        blocks=tuple(outer(e) for e in blocks),
        sentences=tuple(s.text for p in paragraphs for s in split_sentences(p)),
        furniture=tuple(line for line in lines if not contains(article, line)),
    )


def contains(text: str, line: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(line)}(?!\w)", text) is not None


def synthetic(seed: Seed, rng: random.Random, template: int) -> str:
    blocks = list(seed.blocks)
    rng.shuffle(blocks)
    cut1, cut2 = sorted(rng.sample(range(len(blocks) + 1), 2))
    before, inside, after = blocks[:cut1], blocks[cut1:cut2], blocks[cut2:]
    body = list(seed.body)
    for block in inside:  # ads, share bars, related links between paragraphs
        body.insert(rng.randrange(1, len(body)), block)
    story = seed.heading + "".join(body)
    top, rest = "".join(before), "".join(after)
    if template == 0:
        page = f"<header>{top}</header><main><article>{story}</article></main><aside>{rest}</aside>"
    elif template == 1 or template == 3:
        page = (
            f'<div class="wrap"><div class="top">{top}</div><div class="col-md-8">'
            f'<div class="post"><div class="entry-content">{story}</div></div></div>'
            f'<div class="col-md-4">{rest}</div></div>'
        )
    else:
        page = (
            f'<table width="100%"><tr><td colspan="2">{top}</td></tr>'
            f'<tr><td width="70%">{story}</td><td valign="top">{rest}</td></tr></table>'
        )
    page = f"<!DOCTYPE html><html lang='en'>{seed.head}<body>{page}</body></html>"
    return ATTRIBUTES.sub("", page) if template == 3 else page


def trafilatura_text(page: bytes) -> str:
    try:
        return extract_html(page, "text/html; charset=utf-8").text
    except ExtractError:
        return ""


def regex_text(page: bytes) -> str:
    text = page.decode("utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "\n", text))


def lxml_text(page: bytes) -> str:
    return lxml.html.fromstring(page).body.text_content()


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "trafilatura (extract_html)": trafilatura_text,
    "naive: regex strip tags": regex_text,
    "naive: lxml text_content": lxml_text,
}


def measure(seed: Seed, pages: list[bytes], extractor: Callable[[bytes], str]) -> dict:
    extractor(pages[0])  # warm-up: imports, caches
    start = time.perf_counter()
    outputs = [extractor(page) for page in pages]
    elapsed = time.perf_counter() - start
    recall, leaked = [], []
    for output in outputs:
        flat = squash(output)
        recall.append(sum(s in flat for s in seed.sentences) / len(seed.sentences))
        leaked.append(sum(contains(output, line) for line in seed.furniture))
    return {
        "recall": round(sum(recall) / len(recall), 4),
        "leaked_lines_per_page": round(sum(leaked) / len(leaked), 2),
        "leaked_share": round(sum(leaked) / len(leaked) / len(seed.furniture), 4),
        "empty": sum(not o.strip() for o in outputs),
        "pages_per_s": round(len(pages) / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    seed = load_seed()
    rng = random.Random(7)
    sets = {
        "seed page": [SEED_PAGE.read_bytes()],
        f"{args.pages} synthetic": [
            synthetic(seed, rng, i % 4).encode() for i in range(args.pages)
        ],
    }
    print(
        f"{len(seed.sentences)} article sentences, {len(seed.furniture)} furniture lines, "
        f"{len(seed.blocks)} furniture blocks; 4 templates"
    )
    print(f"{'pages':<14} {'extractor':<28} {'recall':>7} {'leaked/page':>12} {'pages/s':>8}")
    results: dict[str, dict] = {}
    for set_name, pages in sets.items():
        for name, extractor in EXTRACTORS.items():
            row = measure(seed, pages, extractor)
            results.setdefault(set_name, {})[name] = row
            print(
                f"{set_name:<14} {name:<28} {row['recall']:>7.1%} "
                f"{row['leaked_lines_per_page']:>12.1f} {row['pages_per_s']:>8.1f}"
            )
    print(json.dumps({"bench": "extract", "furniture_lines": len(seed.furniture), **results}))


if __name__ == "__main__":
    main()
