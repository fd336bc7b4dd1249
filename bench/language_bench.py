"""Language detection: function words on the shared tokens (warning/language.py) against
py3langid alone, on every text we have: the neutral and example reports, the classifier
examples, the labelled development sets in bench/data/, and, when present, the shared
disaster messages (English `message` and source-language `original`).

Prints, per corpus, how many texts the function words decided, how often that decision
agrees with py3langid, and microseconds per text for each way, side by side: ours one text
at a time (`detect`), ours on runs of BATCH texts as the daemon scores them (`detect_many`:
py3langid's scoring step done once for the run), and py3langid's own `classify` per text.
Run: python bench/language_bench.py [--shared PATH_TO_train.csv] [--show N]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import py3langid  # noqa: E402

from warning import language  # noqa: E402
from warning.text import split_sentences, tokenize  # noqa: E402

BATCH = 200  # texts per run, about what the daemon scores at once on 1 KB reports
SHARED = REPO.parent / "shared" / "data" / "disaster-messages" / "train.csv"


def corpora(shared: Path) -> dict[str, list[str]]:
    found = {
        "reports": [
            p.read_text()
            for folder in ("tests/data/neutral", "examples/inbox")
            for p in sorted((REPO / folder).glob("*.txt"))
        ],
        "classifier examples": [
            line
            for p in sorted((REPO / "classifiers").glob("*.txt"))
            for line in p.read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ],
        "dev sets": [
            json.loads(line)["text"]
            for p in sorted((REPO / "bench" / "data").glob("*.jsonl"))
            for line in p.read_text().splitlines()
        ],
    }
    if shared.is_file():
        with shared.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        found["disaster messages"] = [r["message"] for r in rows]
        found["disaster originals"] = [r["original"] for r in rows if r["original"].strip()]
    return found


def py3langid_alone(text: str) -> str:
    sample = text[: language.LANGUAGE_SAMPLE].strip()
    found = py3langid.classify(sample)[0] if sample else "und"
    return language.READ_AS.get(found, found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--show", type=int, default=0, help="print N disagreements per corpus")
    args = parser.parse_args()
    print(
        f"{'corpus':<20}{'texts':>7}{'decided':>9}{'agree':>8}{'µs ours':>10}"
        f"{'µs batched':>12}{'µs py3langid':>14}"
    )
    language.detect((), "warm up: py3langid loads its model on first use")
    for name, texts in corpora(args.shared).items():
        words = [tokenize(t, split_sentences(t)).words for t in texts]
        start = time.perf_counter()
        ours = [language.detect(w, t) for w, t in zip(words, texts, strict=True)]
        ours_us = (time.perf_counter() - start) / len(texts) * 1e6
        start = time.perf_counter()
        pairs = list(zip(words, texts, strict=True))
        batched = [
            found
            for i in range(0, len(pairs), BATCH)
            for found in language.detect_many(pairs[i : i + BATCH])
        ]
        batched_us = (time.perf_counter() - start) / len(texts) * 1e6
        assert batched == ours, "detect_many must find what detect finds"
        start = time.perf_counter()
        theirs = [py3langid_alone(t) for t in texts]
        theirs_us = (time.perf_counter() - start) / len(texts) * 1e6
        decided = [i for i, w in enumerate(words) if language.decided(w) is not None]
        agree = sum(ours[i] == theirs[i] for i in decided)
        print(
            f"{name:<20}{len(texts):>7}{len(decided) / len(texts):>9.1%}"
            f"{agree / max(len(decided), 1):>8.1%}{ours_us:>10.0f}{batched_us:>12.0f}"
            f"{theirs_us:>14.0f}"
        )
        for i in [i for i in decided if ours[i] != theirs[i]][: args.show]:
            print(f"    ours {ours[i]} py3langid {theirs[i]}: {texts[i][:100]!r}")
    print(f"(py3langid {py3langid.__version__ if hasattr(py3langid, '__version__') else ''})")


if __name__ == "__main__":
    main()
