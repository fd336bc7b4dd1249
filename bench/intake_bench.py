"""Intake speed, end to end: feeds served by a local HTTP server -> fetch, extract, dedupe,
store (SQLite) -> score, events, alerts; and the dedupe cost per report as the store grows.

1. A feed server on 127.0.0.1 (its own process, so it does not share the pipeline's core)
   serves --feeds RSS 2.0 feeds holding --reports items in all. Items are summary-only and
   link to an HTML news page (nav, share bar, related links, footer around 3-5 paragraphs,
   about 4 KB of real sentences), so each rss source (full_text: auto) fetches and extracts
   every page. About 2% of the items are syndicated copies of others (same paragraphs plus
   a credit line, other URL and headline: stored, joined by near-duplicate look-up) and
   about 1% repeat another item's URL with tracking parameters (?utm_source=...: not
   stored again). Timed once each: `Service.poll` of every source (fetch + extract + dedupe
   + store) and `Service.score_pending` (score + events + alerts); reports/s per stage
   (poll and end to end count feed items, score counts stored reports), and the score rate
   of its first and last batch of 500 (it falls as the store fills).
2. Dedupe cost with --small (1,000) and --large (100,000) reports already stored (inserted
   straight into the `report` table, each with its own fingerprint and an event id, so the
   Service's near-duplicate index holds them all): ms per report, best of three passes of
   --batch (500) new reports each, a fifth of them syndicated copies of stored reports:
     knows       `Store.knows(source, url)` of a new item (what a poll asks before fetching;
                 asked of 100 per pass only, all stored rows are under that source)
     intake      `Service.intake` of a new report (fingerprint, hash/URL check, insert)
     duplicate   `Service.intake` of the same report again (fingerprint, found by hash)
     event_for   `EventFinder.event_for` (LSH look-up and add, event of the similar ones)
   and the ratio large/small (flat = about 1).
Prints a table, then one JSON line. With the defaults about 4.5 minutes on 2 cores (poll
~70 s, score_pending ~135 s, making the 100,000 stored rows ~30 s, the dedupe passes ~1 min).
score_pending slows as the store fills (escalation reads the recent reports about the same
country); --reports 4000 keeps the run to about 2 minutes.
Run: python bench/intake_bench.py [--reports 10000] [--feeds 20] [--large 100000]
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import math
import multiprocessing
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlmodel import Session, select  # noqa: E402

from warning.config import Settings  # noqa: E402
from warning.dedupe import canonical_url, fingerprint  # noqa: E402
from warning.models import Report  # noqa: E402
from warning.notify import Notifier  # noqa: E402
from warning.pipeline import Service, build_service  # noqa: E402
from warning.score import Assessment, Scorer  # noqa: E402
from warning.sources import Incoming  # noqa: E402
from warning.store import Store, content_hash  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from corpus import REPEAT, REPORT_BYTES, pick, sentences  # noqa: E402
from daemons import free_port  # noqa: E402

SYNDICATED_SHARE = 0.02
TRACKED_SHARE = 0.01
COPY_EVERY = 5  # in the dedupe passes, every fifth new report copies a stored one
SOURCE = "bench"  # the source the dedupe passes store under (the preloaded rows' too)
CHUNK = 5000
NOW = datetime.now(UTC)


def article(pool: list[str], rng: random.Random) -> list[str]:
    """3-5 paragraphs of random sentences, about REPORT_BYTES in all."""
    chosen = pick(pool, rng, REPORT_BYTES)
    count = rng.randint(3, 5)
    cuts = [round(len(chosen) * k / count) for k in range(count + 1)]
    return [" ".join(chosen[a:b]) for a, b in zip(cuts, cuts[1:], strict=False) if a < b]


def headline(paragraphs: list[str], number: int) -> str:
    return " ".join(paragraphs[0].split()[:9]).rstrip(".,;:") + f" ({number})"


# -- the feed server -------------------------------------------------------------------


def news_page(title: str, outlet: str, paragraphs: list[str], published: datetime) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)} | {e(outlet)}</title>
<meta property="article:published_time" content="{published.isoformat()}">
<link rel="stylesheet" href="/static/site.css"></head>
<body>
<header><div class="logo"><a href="/">{e(outlet)}</a></div>
<nav><ul><li><a href="/world">World</a></li><li><a href="/africa">Africa</a></li>
<li><a href="/middle-east">Middle East</a></li><li><a href="/business">Business</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav>
</header>
<main><article>
<h1>{e(title)}</h1>
<div class="byline">By Staff Correspondent, {e(outlet)} &middot;
<time datetime="{published.isoformat()}">{published:%d %B %Y}</time></div>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a>
<a href="#">Share by email</a> <a href="#">Copy link</a></div>
<div class="story-body">
{body}</div>
</article></main>
<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/news/related-1">Markets close higher as oil prices steady</a></li>
<li><a href="/news/related-2">Football: late goal settles the derby</a></li>
<li><a href="/news/related-3">Weather: a mild week ahead for most regions</a></li></ul></aside>
<footer><p>&copy; 2025 {e(outlet)}. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a>
<a href="/contact">Contact us</a> <a href="/cookies">Cookie settings</a></footer>
</body></html>""".encode()


def rss_feed(outlet: str, base: str, items: list[dict]) -> bytes:
    e = html.escape
    entries = "".join(
        f"<item><title>{e(i['title'])}</title><link>{e(i['link'])}</link>"
        f'<guid isPermaLink="true">{e(i["link"])}</guid>'
        f"<pubDate>{format_datetime(i['published'])}</pubDate>"
        f"<description>{e(i['summary'])}</description></item>\n"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{e(outlet)}</title><link>{e(base)}/</link>"
        f"<description>News from {e(outlet)}</description>\n{entries}</channel></rss>"
    ).encode()


def site(count: int, feeds: int, port: int, pool: list[str]) -> tuple[dict[str, bytes], dict]:
    """Every page and feed by path, and what was planted: syndicated copies, tracked URLs."""
    rng = random.Random("site")
    base = f"http://127.0.0.1:{port}"
    items: list[dict] = []
    originals: list[dict] = []
    syndicated = tracked = 0
    pages: dict[str, bytes] = {}
    for number in range(count):
        published = NOW - timedelta(minutes=count - number)
        roll = rng.random()
        if originals and roll < TRACKED_SHARE:
            source = rng.choice(originals)
            tracked += 1
            items.append(
                {
                    **source,
                    "kind": "tracked",
                    "link": source["link"] + f"?utm_source=feed{number % 7}&utm_medium=rss",
                    "published": published,
                }
            )
            continue
        if originals and roll < TRACKED_SHARE + SYNDICATED_SHARE:
            source = rng.choice(originals)
            syndicated += 1
            credit = f"This story was first published by {source['outlet']}."
            paragraphs, kind = [*source["paragraphs"], credit], "syndicated"
        else:
            paragraphs, kind = article(pool, rng), "original"
        outlet = f"Bench Wire {number % feeds}"
        path = f"/news/{number}/{'copy' if kind == 'syndicated' else 'story'}"
        title = headline(paragraphs, number)
        pages[path] = news_page(title, outlet, paragraphs, published)
        summary = paragraphs[0][:240].rsplit(" ", 1)[0] + " ..."
        item = {
            "kind": kind,
            "link": base + path,
            "title": title,
            "summary": summary,
            "published": published,
            "outlet": outlet,
            "paragraphs": paragraphs,
        }
        items.append(item)
        if kind == "original":
            originals.append(item)
    rng.shuffle(items)
    per_feed = math.ceil(count / feeds)
    for k in range(feeds):
        chunk = items[k * per_feed : (k + 1) * per_feed]
        pages[f"/feeds/{k}.xml"] = rss_feed(f"Bench Wire {k}", base, chunk)
    page_bytes = [len(v) for p, v in pages.items() if p.startswith("/news/")]
    return pages, {
        "syndicated": syndicated,
        "tracked": tracked,
        "page_kb": sum(page_bytes) / len(page_bytes) / 1024,
        "article_chars": sum(len("\n\n".join(i["paragraphs"])) for i in items) / len(items),
    }


def serve(pages: dict[str, bytes], port: int, ready) -> None:  # noqa: ANN001 (an Event)
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes

        def do_GET(self) -> None:  # noqa: N802
            page = pages.get(self.path.split("?", 1)[0])
            self.send_response(200 if page is not None else 404)
            kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            body = page if page is not None else b"not found"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    ready.set()
    server.serve_forever()


def count_rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        counts["report_chars"] = round(
            db.execute("SELECT avg(length(text)) FROM report").fetchone()[0] or 0
        )
    return counts


TABLES = ("report", "alert", "event")


def end_to_end(args: argparse.Namespace, folder: Path, pool: list[str]) -> dict:
    port = free_port()
    pages, planted = site(args.reports, args.feeds, port, pool)
    fork = multiprocessing.get_context("fork")
    ready = fork.Event()
    server = fork.Process(target=serve, args=(pages, port, ready), daemon=True)
    server.start()
    ready.wait(10)
    try:
        db = folder / "intake.db"
        settings = Settings.model_validate(
            {
                "database": {"url": f"sqlite:///{db}"},
                "sources": [
                    {
                        "name": f"feed{k}",
                        "kind": "rss",
                        "url": f"http://127.0.0.1:{port}/feeds/{k}.xml",
                        "every": "5m",
                        "full_text": "auto",
                    }
                    for k in range(args.feeds)
                ],
                "channels": {},
            }
        )
        service = build_service(settings)
        start = time.perf_counter()
        outcomes = [service.poll(name) for name in service.sources]
        poll_s = time.perf_counter() - start
        batches = batch_clock(service.store)
        start = time.perf_counter()
        service.score_pending()
        score_s = time.perf_counter() - start
        service.store.close()
    finally:
        server.terminate()
        server.join(5)
    counts = count_rows(db)
    new = sum(o.new for o in outcomes)
    duplicates = sum(o.duplicates for o in outcomes)
    errors = sum(len(o.errors) for o in outcomes)
    return {
        "items": args.reports,
        "feeds": args.feeds,
        "planted": planted,
        "new": new,
        "duplicates_at_store": duplicates,
        "skipped_as_known": args.reports - new - duplicates,
        "errors": errors,
        "counts": counts,
        "poll_s": poll_s,
        "score_s": score_s,
        "scorer": service.scorer,
        "score_batches": [(n, b - a) for (a, n), (b, _) in zip(batches, batches[1:], strict=False)],
    }


def batch_clock(store: Store) -> list[tuple[float, int]]:
    """(time, size) of each batch `score_pending` takes from `store` (on this instance)."""
    clock: list[tuple[float, int]] = []
    take = store.unscored_reports

    def timed_take(limit: int = 500) -> list[Report]:
        batch = take(limit)
        clock.append((time.perf_counter(), len(batch)))
        return batch

    store.unscored_reports = timed_take
    return clock


# -- dedupe cost as the store grows ------------------------------------------------------


def stored_chunk(job: tuple[list[str], int, str]) -> list[tuple[str, str, bytes]]:
    """(text, content hash, fingerprint bytes) of `count` generated reports (in a worker)."""
    pool, count, seed = job
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        text = "\n\n".join(article(pool, rng))
        rows.append((text, content_hash(text), fingerprint(text).to_bytes()))
    return rows


def preload_rows(pool: list[str], count: int, workers: int) -> list[tuple[str, str, bytes]]:
    jobs = [(pool, min(CHUNK, count - s), f"stored-{s}") for s in range(0, count, CHUNK)]
    with multiprocessing.get_context("fork").Pool(workers) as processes:
        rows = [row for chunk in processes.map(stored_chunk, jobs) for row in chunk]
    seen: set[str] = set()
    unique = [r for r in rows if not (r[1] in seen or seen.add(r[1]))]
    return unique


def sql_time(moment: datetime) -> str:
    """A time as SQLAlchemy writes it to SQLite (UTC, no zone)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def preload(path: Path, rows: list[tuple[str, str, bytes]]) -> None:
    """Rows 1..len(rows) into the `report` table Store made: scored, each its own event."""
    received = sql_time(NOW - timedelta(days=1))
    records = []
    for number, (text, digest, blob) in enumerate(rows, 1):
        url = f"https://stored.example.org/news/{number}/story"
        records.append(
            (
                number, SOURCE, url, url, f"Stored report {number}", text, digest, received,
                received, "en", "", "", "", received, "Stored Wire", canonical_url(url), blob,
                number,
            )
        )  # fmt: skip
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO report (id, source, ref, url, title, text, content_hash, received_at,"
            " scored_at, language, signals, country, towns, published_at, outlet,"
            " canonical_url, fingerprint, event_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            records,
        )
    db.close()


def new_batches(
    pool: list[str], stored: list[tuple[str, str, bytes]], size: int, batch: int
) -> list[list[Incoming]]:
    """REPEAT batches of new reports; every COPY_EVERY-th copies a distinct stored one."""
    rng = random.Random(f"new-{size}")
    copied = iter(rng.sample(range(size), REPEAT * math.ceil(batch / COPY_EVERY)))
    credit = "\n\nThis story was first published by Stored Wire."
    batches = []
    for pass_number in range(REPEAT):
        items = []
        for k in range(batch):
            if k % COPY_EVERY == 0:
                text = stored[next(copied)][0] + credit
            else:
                text = "\n\n".join(article(pool, rng))
            url = f"https://new.example.org/{size}/{pass_number}/{k}?utm_source=rss"
            items.append(Incoming(url, f"New report {pass_number}-{k}", text, url, NOW, "New Wire"))
        batches.append(items)
    return batches


def timed(func, *args) -> float:  # noqa: ANN001, ANN002
    """Seconds `func(*args)` takes."""
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def one_pass(service: Service, batch: list[Incoming], assessment: Assessment) -> dict:
    """ms per report of each dedupe step over `batch`, and how many event_for joined."""
    store, size = service.store, len(batch)
    asked = batch[:KNOWS_SAMPLE]
    knows = timed(lambda: [store.knows(SOURCE, item.ref) for item in asked])
    outcome: list = []
    intake = timed(lambda: outcome.extend(service.intake(SOURCE, batch)))
    assert not any(s.duplicate for s in outcome), "a new report was taken as a duplicate"
    again: list = []
    duplicate = timed(lambda: again.extend(service.intake(SOURCE, batch)))
    assert all(s.duplicate for s in again), "a stored report was stored again"
    ids = [s.report_id for s in outcome]
    with Session(store.engine, expire_on_commit=False) as session:
        reports = list(session.exec(select(Report).where(Report.id.in_(ids))))
    found: list = []
    event_for = timed(
        lambda: found.extend(service.events.event_for(r, assessment) for r in reports)
    )
    return {
        "knows": knows * 1000 / len(asked),
        "intake": intake * 1000 / size,
        "duplicate": duplicate * 1000 / size,
        "event_for": event_for * 1000 / size,
        "joined": sum(joining.event is not None for joining in found) / size,
    }


KNOWS_SAMPLE = 100  # knows is asked of the first 100 of each batch
STEPS = ("knows", "intake", "duplicate", "event_for")


def dedupe_cost(
    args: argparse.Namespace, folder: Path, pool: list[str], rows: list, scorer: Scorer
) -> dict:
    assessment = scorer.score((REPO / "tests" / "data" / "seed_syria_2024.txt").read_text())
    assert assessment.signals, "the seed fires no signal: event_for would do nothing"
    results = {}
    for size in (args.small, args.large):
        path = folder / f"dedupe-{size}.db"
        settings = Settings.model_validate(
            {"database": {"url": f"sqlite:///{path}"}, "sources": [], "channels": {}}
        )
        Store(settings.database.url).close()
        start = time.perf_counter()
        preload(path, rows[:size])
        insert_s = time.perf_counter() - start
        start = time.perf_counter()
        service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
        build_s = time.perf_counter() - start
        indexed = len(service.events.index)
        warm = "\n\n".join(article(pool, random.Random(f"warm-up-{size}")))
        service.intake(SOURCE, [Incoming("warm-up", "Warm-up", warm)])
        passes = [
            one_pass(service, b, assessment) for b in new_batches(pool, rows, size, args.batch)
        ]
        service.store.close()
        results[size] = {
            **{step: min(p[step] for p in passes) for step in STEPS},
            "joined": sum(p["joined"] for p in passes) / len(passes),
            "indexed": indexed,
            "insert_s": insert_s,
            "build_s": build_s,
        }
        path.unlink()
    return results


def show_end_to_end(e2e: dict) -> dict:
    """Print the end-to-end table; its figures for the JSON line."""
    counts, planted = e2e["counts"], e2e["planted"]
    both = e2e["poll_s"] + e2e["score_s"]
    rates = {
        "poll": e2e["items"] / e2e["poll_s"],
        "score": counts["report"] / e2e["score_s"],
        "end_to_end": e2e["items"] / both,
    }
    timed_batches = [(n, t) for n, t in e2e["score_batches"] if n]
    first, last = timed_batches[0], timed_batches[-1]
    batch_rates = {"first_batch": first[0] / first[1], "last_batch": last[0] / last[1]}
    print(
        f"{e2e['items']} feed items in {e2e['feeds']} RSS 2.0 feeds, summary only (pages "
        f"{planted['page_kb']:.1f} KB, articles {planted['article_chars']:.0f} chars); planted: "
        f"{planted['syndicated']} syndicated copies, {planted['tracked']} tracked-URL repeats"
    )
    print(
        f"stored {counts['report']} reports ({counts['report_chars']} chars on average), "
        f"{counts['event']} events, {counts['alert']} alerts; repeats: "
        f"{e2e['skipped_as_known']} skipped as known, {e2e['duplicates_at_store']} found by the "
        f"store; {e2e['errors']} source errors"
    )
    rows = (
        ("poll every source (fetch+extract+dedupe+store)", e2e["poll_s"], rates["poll"]),
        ("score_pending (score+events+alerts)", e2e["score_s"], rates["score"]),
        ("end to end", both, rates["end_to_end"]),
    )
    print(f"{'stage':<48} {'seconds':>8} {'reports/s':>10}")
    for label, seconds, per_second in rows:
        print(f"{label:<48} {seconds:>8.1f} {per_second:>10.1f}")
    print(
        f"score_pending by batch of {first[0]}: {batch_rates['first_batch']:.1f} reports/s for "
        f"the first, {batch_rates['last_batch']:.1f} for the last ({len(timed_batches)} batches)"
    )
    return {
        "reports": e2e["items"],
        "feeds": e2e["feeds"],
        "stored": counts["report"],
        "events": counts["event"],
        "alerts": counts["alert"],
        "syndicated": planted["syndicated"],
        "tracked_repeats": planted["tracked"],
        "source_errors": e2e["errors"],
        "seconds": {"poll": round(e2e["poll_s"], 2), "score": round(e2e["score_s"], 2)},
        "reports_per_s": {k: round(v, 1) for k, v in rates.items()},
        "score_reports_per_s": {k: round(v, 1) for k, v in batch_rates.items()},
    }


def show_dedupe(args: argparse.Namespace, dedupe: dict, preload_s: float) -> dict:
    """Print the dedupe table; its figures for the JSON line."""
    small, large = dedupe[args.small], dedupe[args.large]
    print(
        f"dedupe, ms/report: best of {REPEAT} passes of {args.batch} new reports (1 in "
        f"{COPY_EVERY} a copy of a stored one); {args.large} stored rows made in {preload_s:.0f}s"
    )
    print(f"{'step':<12} {f'{args.small} stored':>14} {f'{args.large} stored':>16} {'ratio':>7}")
    ratios = {}
    for step in STEPS:
        ratios[step] = large[step] / small[step]
        print(f"{step:<12} {small[step]:>14.3f} {large[step]:>16.3f} {ratios[step]:>7.2f}")
    print(
        f"near-duplicate index at start: {small['indexed']} / {large['indexed']} reports, "
        f"built in {small['build_s']:.2f}s / {large['build_s']:.2f}s; event_for joined a "
        f"stored event for {small['joined']:.0%} / {large['joined']:.0%} of the new reports"
    )
    return {
        "dedupe_ms_per_report": {
            str(size): {step: round(dedupe[size][step], 4) for step in STEPS}
            for size in (args.small, args.large)
        },
        "dedupe_ratio": {k: round(v, 2) for k, v in ratios.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # one ALERT line per alert would drown the table
    began = time.perf_counter()
    pool = sentences()
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
        folder = Path(tmp)
        e2e = end_to_end(args, folder, pool)
        figures = show_end_to_end(e2e)
        sys.stdout.flush()
        start = time.perf_counter()
        rows = preload_rows(pool, args.large, args.workers)
        preload_s = time.perf_counter() - start
        dedupe = dedupe_cost(args, folder, pool, rows, e2e["scorer"])
    figures |= show_dedupe(args, dedupe, preload_s)
    total_s = time.perf_counter() - began
    print(f"total {total_s:.0f}s")
    print(json.dumps({"bench": "intake", **figures, "total_s": round(total_s, 1)}))


if __name__ == "__main__":
    main()
