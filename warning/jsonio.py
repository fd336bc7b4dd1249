"""JSON from outside (dropped files, JSONL lines, POSTed bodies), read with bounds.

`loads` never raises anything but `JsonError`, whose message says what is wrong: invalid
JSON (with line and column) or nesting deeper than MAX_DEPTH. A number longer than
MAX_NUMBER_CHARS characters, or not finite (NaN, Infinity, 1e999), is never converted:
it is refused too, or, with `mark_bad_numbers`, decoded as a `BadNumber` so that the caller
can name the item and field that hold it. Lone surrogate escapes ("\\ud800") are left for
`warning.text.valid_text` to replace where text is stored or printed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64  # deeper nesting is refused before the parser recurses
# No report field is a number, and an id needs few digits: a longer number is refused
# before int() spends time on it (CPython's own limit, 4,300 digits, is a bare ValueError).
MAX_NUMBER_CHARS = 100
BRACKETS = re.compile(r'[\[{\]}]|"(?:[^"\\]|\\.)*"')


class JsonError(ValueError):
    """Input that is not bounded JSON; str() says why and where."""


@dataclass(frozen=True)
class BadNumber:
    """Stands for a JSON number that was not converted; `why` says what it was."""

    why: str


def loads(text: str, mark_bad_numbers: bool = False) -> Any:
    _check_depth(text)
    number = _marked if mark_bad_numbers else _refused
    try:
        return json.loads(
            text,
            parse_int=number(_integer),
            parse_float=number(_decimal),
            parse_constant=number(_constant),
        )
    except JsonError:
        raise
    except json.JSONDecodeError as exc:
        raise JsonError(f"not JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise JsonError(f"not JSON: {type(exc).__name__}: {str(exc)[:200]}") from None


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH (strings skipped), in one linear scan."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in BRACKETS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise JsonError(f"not JSON we accept: nested more than {MAX_DEPTH} levels deep")
        elif token in ("]", "}"):
            depth -= 1


Number = int | float | BadNumber
Parse = Callable[[str], Number]


def _marked(parse: Parse) -> Parse:
    return parse


def _refused(parse: Parse) -> Parse:
    def strict(text: str) -> Number:
        value = parse(text)
        if isinstance(value, BadNumber):
            raise JsonError(f"not JSON we accept: {value.why}")
        return value

    return strict


def _integer(text: str) -> int | BadNumber:
    if len(text) > MAX_NUMBER_CHARS:
        return BadNumber(f"integer of {len(text.lstrip('-'))} digits")
    return int(text)


def _decimal(text: str) -> float | BadNumber:
    if len(text) > MAX_NUMBER_CHARS:
        return BadNumber(f"number of {len(text)} characters")
    value = float(text)
    return value if math.isfinite(value) else BadNumber(f"number out of range ({text})")


def _constant(name: str) -> BadNumber:
    return BadNumber(f"{name} is not a JSON number")
