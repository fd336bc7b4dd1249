"""Events on multi-outlet coverage: one alert per happening, copies never counted as
independent sources, no unrelated story alerted.

Replays bench/data/events.jsonl (10 happenings told by 3 to 5 outlets, 1 or 2 of them
wire copies, and 15 unrelated stories of the same week; see bench/data/README.md) in
publication order through the real service (SQLite in a temporary folder, the shipped
rules and classifier, no channels), then prints per happening: the versions that raised
or joined an alert, how many alerts they are spread over (target 1), the alert's sources
against the independent versions that joined it (copies counted as sources: target 0),
and the unrelated stories that alerted or joined a happening's alert (target 0).
Run: python bench/events_bench.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlmodel import Session, select  # noqa: E402

from warning.config import Settings  # noqa: E402
from warning.models import Alert, Report  # noqa: E402
from warning.notify import Notifier  # noqa: E402
from warning.pipeline import Service, build_scorer  # noqa: E402
from warning.sources.base import Incoming  # noqa: E402
from warning.store import Store  # noqa: E402

EVENTS = REPO / "bench" / "data" / "events.jsonl"


def replay(folder: Path) -> tuple[list[dict], dict[str, Report], dict[int, Alert]]:
    items = [json.loads(line) for line in EVENTS.read_text().splitlines() if line.strip()]
    items.sort(key=lambda i: i["published"])
    settings = Settings(database={"url": f"sqlite:///{folder / 'events.db'}"})
    service = Service(
        settings, Store(settings.database.url), build_scorer(settings), Notifier(settings)
    )
    for item in items:  # one at a time, as they would arrive
        published = datetime.fromisoformat(item["published"].replace("Z", "+00:00"))
        incoming = Incoming(item["id"], item["title"], item["text"], published=published,
                            outlet=item["outlet"])  # fmt: skip
        service.intake("bench", [incoming])
        service.score_pending()
    with Session(service.store.engine) as session:
        reports = {r.ref: r for r in session.exec(select(Report))}
        alerts = {  # the alert that speaks for each event (merged ones speak no more)
            a.event_id: a
            for a in session.exec(select(Alert))
            if a.event_id is not None and a.merged_into is None
        }
    return items, reports, alerts


def figures(items: list[dict], reports: dict[str, Report], alerts: dict[int, Alert]) -> dict:
    by_happening: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_happening[item["happening"] or ""].append(item)
    happenings = {}
    for name, versions in sorted(by_happening.items()):
        if not name:
            continue
        events = {reports[v["id"]].event_id for v in versions} - {None}
        alerted = [alerts[e] for e in events if e in alerts]
        independent = {
            e: sum(1 for v in versions if reports[v["id"]].event_id == e and not v["copy_of"])
            for e in events
        }
        happenings[name] = {
            "versions": len(versions),
            "copies": sum(1 for v in versions if v["copy_of"]),
            "joined": sum(1 for v in versions if reports[v["id"]].event_id is not None),
            "alerts": len(alerted),
            "sources": [a.sources for a in alerted],
            "copies_counted": sum(max(a.sources - independent[a.event_id], 0) for a in alerted),
        }
    happening_events = {
        reports[v["id"]].event_id for name, vs in by_happening.items() if name for v in vs
    }
    unrelated = by_happening.get("", [])
    wrongly = [
        u["id"] for u in unrelated if reports[u["id"]].event_id in (happening_events - {None})
    ]
    alerted = [u["id"] for u in unrelated if reports[u["id"]].event_id in alerts]
    return {
        "happenings": happenings,
        "alerts_per_happening": sum(h["alerts"] for h in happenings.values()) / len(happenings),
        "happenings_with_one_alert": sum(h["alerts"] == 1 for h in happenings.values()),
        "copies_counted_as_sources": sum(h["copies_counted"] for h in happenings.values()),
        "copies": sum(h["copies"] for h in happenings.values()),
        "unrelated": len(unrelated),
        "unrelated_alerted": alerted,
        "unrelated_joined_a_happening": wrongly,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = figures(*replay(Path(folder)))
    print(f"{'happening':<32}{'versions':>9}{'copies':>7}{'joined':>7}{'alerts':>7}"
          f"{'sources':>10}{'copies counted':>15}")  # fmt: skip
    for name, h in result["happenings"].items():
        sources = ",".join(map(str, h["sources"])) or "-"
        print(f"{name:<32}{h['versions']:>9}{h['copies']:>7}{h['joined']:>7}{h['alerts']:>7}"
              f"{sources:>10}{h['copies_counted']:>15}")  # fmt: skip
    print(
        f"alerts per happening {result['alerts_per_happening']:.2f} (target 1); "
        f"{result['happenings_with_one_alert']} of {len(result['happenings'])} happenings in one "
        f"alert; copies counted as sources {result['copies_counted_as_sources']} of "
        f"{result['copies']} (target 0); unrelated stories alerted "
        f"{len(result['unrelated_alerted'])} of {result['unrelated']}, joined a happening "
        f"{len(result['unrelated_joined_a_happening'])} (target 0)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
