"""Labelled sets for measuring: JSONL (`{"id", "text", "labels": {"siege": 1, ...}}`) or CSV
(a text column and 0/1 columns mapped to signals), read into typed items; and the fixed
split of every set into `tune` and `holdout` by a hash of each item's id.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warning.jsonio import JsonError, loads
from warning.yamlio import InputError

HOLDOUT_SHARE = 30  # percent of items, chosen by a hash of their id, kept for holdout


@dataclass(frozen=True, slots=True)
class LabelledItem:
    id: str
    text: str
    positives: frozenset[str]  # the evaluated signals labelled 1
    line: int  # where it stands in its file (1-based; a CSV's header is line 1)


@dataclass(frozen=True)
class LabelledSet:
    name: str
    signals: tuple[str, ...]  # the signals it labels, each item for every one
    items: tuple[LabelledItem, ...]

    def only(self, split: str | None) -> LabelledSet:
        """The items of one split ('tune' or 'holdout'), or all for None."""
        if split is None:
            return self
        kept = tuple(i for i in self.items if split_of(i.id) == split)
        return LabelledSet(f"{self.name} ({split})", self.signals, kept)


def split_of(item_id: str) -> str:
    """'holdout' for HOLDOUT_SHARE percent of ids, 'tune' for the rest; fixed for ever."""
    bucket = int.from_bytes(hashlib.sha256(item_id.encode()).digest()[:4], "big") % 100
    return "holdout" if bucket < HOLDOUT_SHARE else "tune"


def read_labelled(
    path: Path,
    form: str | None = None,
    mapping: dict[str, str] | None = None,
    text_column: str | None = None,
    skip: Sequence[tuple[str, str]] = (),
) -> LabelledSet:
    """The labelled set in `path` (form from the suffix unless given). For CSV, `mapping`
    names the 0/1 column for each signal; rows whose `skip` column holds the value given
    are left out (`related=2`). Every mistake is an InputError naming file and line."""
    form = form or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([f"{path}: not UTF-8 (byte {exc.start})"]) from None
    if form == "csv":
        if not mapping:
            raise InputError([f"{path}: a CSV needs --map COLUMN=SIGNAL for each signal"])
        return _read_csv(path, text, mapping, text_column, skip)
    if form != "jsonl":
        raise InputError([f"{path}: unknown format {form!r} (jsonl or csv)"])
    return _read_jsonl(path, text, mapping)


def _read_jsonl(path: Path, text: str, mapping: dict[str, str] | None) -> LabelledSet:
    rows: list[tuple[int, str, str, dict[str, Any]]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            rows.append((number, *_jsonl_item(path, number, line)))
    if not rows:
        raise InputError([f"{path}: no labelled items"])
    named = sorted({name for *_, labels in rows for name in labels})
    rename = mapping or {name: name for name in named}
    signals = tuple(sorted(set(rename.values())))
    items = []
    for number, ident, body, labels in rows:
        positives = set()
        for column, signal in rename.items():
            if column not in labels:
                raise InputError([f"{path}:{number}: labels has no {column!r} (others do)"])
            if _flag(labels[column], f"{path}:{number}: labels.{column}"):
                positives.add(signal)
        items.append(LabelledItem(ident, body, frozenset(positives), number))
    return LabelledSet(path.name, signals, tuple(items))


def _jsonl_item(path: Path, number: int, line: str) -> tuple[str, str, dict[str, Any]]:
    where = f"{path}:{number}"
    try:
        item = loads(line)
    except JsonError as exc:
        raise InputError([f"{where}: {exc}"]) from None
    if not isinstance(item, dict):
        raise InputError([f"{where}: expected an object with id, text and labels"])
    text, labels = item.get("text"), item.get("labels")
    if not isinstance(text, str) or not text.strip():
        raise InputError([f"{where}: 'text' must be a non-empty string"])
    if not isinstance(labels, dict) or not labels:
        raise InputError([f"{where}: 'labels' must be an object of signal: 0 or 1"])
    ident = item.get("id")
    return (str(ident) if ident is not None else f"line {number}"), text, labels


def _read_csv(
    path: Path,
    text: str,
    mapping: dict[str, str],
    text_column: str | None,
    skip: Sequence[tuple[str, str]],
) -> LabelledSet:
    reader = csv.DictReader(io.StringIO(text, newline=""))  # quoted fields may hold newlines
    columns = reader.fieldnames or []
    column = text_column or next((c for c in ("text", "message") if c in columns), "text")
    wanted = [column, *mapping, *(name for name, _ in skip)]
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise InputError(
            [f"{path}: no column {', '.join(map(repr, missing))} (columns: {', '.join(columns)})"]
        )
    items = []
    for row in reader:
        number = reader.line_num
        if any(row[name] == value for name, value in skip) or not (row[column] or "").strip():
            continue
        positives = frozenset(
            signal
            for name, signal in mapping.items()
            if _flag(row[name], f"{path}:{number}: column {name!r}")
        )
        ident = row.get("id") or f"line {number}"
        items.append(LabelledItem(ident, row[column], positives, number))
    if not items:
        raise InputError([f"{path}: no labelled items"])
    return LabelledSet(path.name, tuple(sorted(set(mapping.values()))), tuple(items))


def _flag(value: object, where: str) -> bool:
    if value in (0, 1, "0", "1") and not isinstance(value, float):
        return value in (1, "1")
    raise InputError([f"{where} is {value!r}, not 0 or 1"])
