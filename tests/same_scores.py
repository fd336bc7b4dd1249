"""Today's scores of a fixed corpus, kept as one line per text (tests/data/scores/golden.jsonl):
a faster scorer must give the same assessment, to the last digit, for the same rules and
examples. The corpus: every text of bench/data's labelled sets and the neutral articles.

After a deliberate change of the rules, the classifier examples or the scoring, write the
file again and read its diff: `python -m tests.same_scores --write`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "data" / "scores" / "golden.jsonl"


@dataclass(frozen=True)
class Scored:
    """What a text's assessment was: its digest (the whole `to_json`), and a readable part."""

    id: str
    digest: str
    severity: str
    signals: tuple[str, ...]
    place: str

    def line(self) -> str:
        return json.dumps(
            {"id": self.id, "digest": self.digest, "severity": self.severity,
             "signals": list(self.signals), "place": self.place},
            ensure_ascii=False,
        )  # fmt: skip


def corpus() -> list[tuple[str, str]]:
    """(id, text) of the fixed corpus, in a fixed order."""
    items = []
    for path in sorted((REPO / "bench" / "data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            items.append((f"{path.stem}/{item['id']}", item["text"]))
    for path in sorted((REPO / "tests" / "data" / "neutral").glob("*.txt")):
        items.append((f"neutral/{path.name}", path.read_text(encoding="utf-8")))
    return items


def scored(scorer, items: list[tuple[str, str]]) -> list[Scored]:  # noqa: ANN001
    assessments = scorer.score_many([text for _, text in items])
    return [_scored(key, a.to_json()) for (key, _), a in zip(items, assessments, strict=True)]


def _scored(key: str, found: dict) -> Scored:
    canonical = json.dumps(found, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:20]
    signals = tuple(s["name"] for s in found["signals"])
    return Scored(key, digest, found["severity"], signals, found["place"])


def read_golden(path: Path = GOLDEN) -> list[Scored]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [_from_json(json.loads(line)) for line in lines]


def _from_json(item: dict) -> Scored:
    return Scored(item["id"], item["digest"], item["severity"], tuple(item["signals"]),
                  item["place"])  # fmt: skip


def write_golden(rows: Iterable[Scored], path: Path = GOLDEN) -> None:
    path.write_text("".join(row.line() + "\n" for row in rows), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the golden file")
    args = parser.parse_args()
    from warning.config import Settings
    from warning.scorer_factory import build_scorer

    rows = scored(build_scorer(Settings()), corpus())
    if args.write:
        write_golden(rows)
        print(f"wrote {len(rows)} scores to {GOLDEN.relative_to(REPO)}")
    else:
        changed = [r.id for r, g in zip(rows, read_golden(), strict=True) if r != g]
        print(f"{len(rows)} texts, {len(changed)} scored otherwise than {GOLDEN.name}")


if __name__ == "__main__":
    main()
