"""YAML in, plain data out, with every node's line kept for error messages.

`load_yaml(path)` returns a `Located` document: the data (dicts, lists,
scalars) and a map from key path to (line, column), both 1-based. Safe by construction:
PyYAML's SafeLoader builds no objects, and a file over MAX_BYTES, a value nested deeper
than MAX_DEPTH or aliases expanding past MAX_NODES values is refused with its line. `validate`
turns pydantic errors into `file:line:column: message` lines, with a
suggestion for misspelt keys.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

Path_ = tuple[str | int, ...]
# Limits no real rule pack or configuration comes near (the shipped pack's largest file,
# displacement.yaml, is 125 KB); past them a file is
# refused, not read.
MAX_BYTES = 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 40
Model = TypeVar("Model", bound=BaseModel)
# libyaml's parser when PyYAML has it: about 10x faster on the rule pack, and the same nodes
# and marks as the pure-Python one, which parses again what libyaml refused (its messages
# say what was expected where; libyaml's are terser).
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputError(Exception):
    """Bad input with a place: one message per problem, each `file:line:col: text`."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass(frozen=True)
class Located:
    path: Path
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Path_) -> str:
        """`file:line:col` of the deepest node on `loc` that the file has."""
        for end in range(len(loc), -1, -1):
            mark = self.marks.get(tuple(loc[:end]))
            if mark:
                return f"{self.path}:{mark[0]}:{mark[1]}"
        return f"{self.path}:1:1"


class _Walker:
    """Builds plain data from a composed node tree, noting where each node starts."""

    def __init__(self) -> None:
        self.loader = yaml.SafeLoader("")
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.nodes = 0

    def walk(self, node: yaml.Node, here: Path_) -> Any:
        self._bound(node, here)
        self.marks.setdefault(here, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.scalar(key_node)
                if key in out:
                    raise yaml.MarkedYAMLError(
                        problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark
                    )
                mark = key_node.start_mark
                self.marks[(*here, key)] = (mark.line + 1, mark.column + 1)
                out[key] = self.walk(value_node, (*here, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(child, (*here, i)) for i, child in enumerate(node.value)]
        return self.scalar(node)

    def _bound(self, node: yaml.Node, here: Path_) -> None:
        """Refuse what would expand without bound: an alias repeats its anchor's whole
        value, so nine lines of aliases of aliases can stand for a billion values."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _refused(node, f"more than {MAX_NODES:,} values once aliases are expanded")
        if len(here) > MAX_DEPTH:
            raise _refused(node, f"nested more than {MAX_DEPTH} levels deep")

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise yaml.MarkedYAMLError(
                problem="a key must be a plain value", problem_mark=node.start_mark
            )
        return self.loader.construct_object(node, deep=True)


def parse_yaml(text: str, path: Path) -> Located:
    """Parse `text` (read from `path`); raise InputError naming the line on bad YAML."""
    try:
        node = _compose(text)
        walker = _Walker()
        data = walker.walk(node, ()) if node is not None else None
    except _Refused as exc:
        mark = exc.problem_mark
        raise InputError([f"{path}:{mark.line + 1}:{mark.column + 1}: {exc.problem}"]) from None
    except yaml.MarkedYAMLError as exc:
        raise InputError([_syntax_message(exc, path)]) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML refuses; it says only its offset
        where = _line_and_column(text, exc.position)
        why = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        raise InputError([f"{path}:{where}: YAML error: {why}"]) from exc
    except yaml.YAMLError as exc:
        raise InputError([f"{path}:1:1: YAML error: {exc}"]) from exc
    except RecursionError:  # the parser itself recurses on nesting
        raise InputError([f"{path}:1:1: not read: nested too deeply"]) from None
    return Located(path, data, walker.marks)


def _line_and_column(text: str | bytes, offset: int) -> str:
    """`line:column` (1-based; lines end at "\\n") of the character or byte at `offset`."""
    newline = "\n" if isinstance(text, str) else b"\n"
    line_start = text.rfind(newline, 0, offset) + 1
    return f"{text.count(newline, 0, offset) + 1}:{offset - line_start + 1}"


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_FAST)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML over a limit."""


def _refused(node: yaml.Node, why: str) -> _Refused:
    return _Refused(problem=f"not read: {why}", problem_mark=node.start_mark)


def _syntax_message(exc: yaml.MarkedYAMLError, path: Path) -> str:
    """`file:line:col: YAML syntax error: <problem> (<context> at line N)`."""
    mark = exc.problem_mark or exc.context_mark
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}:1:1"
    message = f"{where}: YAML syntax error: {exc.problem or exc.context}"
    if exc.context and exc.problem and exc.context_mark:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return message


def load_yaml(path: Path) -> Located:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError([f"{path}:1:1: not read: {size:,} bytes (at most {MAX_BYTES:,})"])
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError([f"{path}:1:1: cannot read: {exc}"]) from exc
    except UnicodeDecodeError:  # its offset is within a chunk read: find the byte again
        raise InputError([_not_utf8(path)]) from None
    return parse_yaml(text, path)


def _not_utf8(path: Path) -> str:
    """`file:line:column: cannot read: not UTF-8 (byte 0xff: why)`, at the first bad byte
    (the column counts bytes)."""
    try:
        raw = path.read_bytes()
        raw.decode("utf-8")
    except OSError as exc:
        return f"{path}:1:1: cannot read: {exc}"
    except UnicodeDecodeError as exc:
        where = _line_and_column(raw, exc.start)
        return f"{path}:{where}: cannot read: not UTF-8 (byte 0x{raw[exc.start]:02x}: {exc.reason})"
    return f"{path}:1:1: cannot read: not UTF-8"


def _message(error: dict[str, Any], model: type[BaseModel], loc: Path_) -> str:
    if error["type"] == "extra_forbidden" and loc:
        key = str(loc[-1])
        hint = difflib.get_close_matches(key, sorted(_fields_at(model, loc[:-1])), n=1)
        suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown field '{key}'{suffix}"
    if error["type"] == "missing" and loc:
        return f"missing field '{loc[-1]}'"
    where = ".".join(str(part) for part in loc)
    text = f"{where}: {error['msg']}" if where else error["msg"]
    value = error.get("input")
    echo = error["type"] != "value_error" and not _is_secret(model, loc)
    if isinstance(value, str | int | float | bool) and echo:
        text += f" (got {value!r})"
    return text


def _is_secret(model: type[BaseModel], loc: Path_) -> bool:
    """Whether the field at `loc` is declared `repr=False`: a secret, whose value no message
    may quote (nor a near miss of it: a too-short token is still most of a token)."""
    fields = [m.model_fields.get(loc[-1]) for m in _models_at(model, loc[:-1])] if loc else []
    return any(field is not None and field.repr is False for field in fields)


def _fields_at(model: type[BaseModel], loc: Path_) -> set[str]:
    """Names of the fields the model allows at `loc` (all members of a union)."""
    return {name for m in _models_at(model, loc) for name in m.model_fields}


def _models_at(model: type[BaseModel], loc: Path_) -> list[type[BaseModel]]:
    """The models that may hold the value at `loc` (all members of a union)."""
    current: list[Any] = [model]
    for part in loc:
        current = [step for annotation in current for step in _step(annotation, part)]
    return [m for a in current for m in _flatten(a) if _is_model(m)]


def _step(annotation: Any, part: str | int) -> list[Any]:
    steps = []
    for member in _flatten(annotation):
        origin = get_origin(member)
        if _is_model(member) and part in member.model_fields:
            steps.append(member.model_fields[part].annotation)
        elif origin in (list, tuple, set, frozenset):
            steps.append(get_args(member)[0])
        elif origin is dict:
            steps.append(get_args(member)[1])
    return steps


def _flatten(annotation: Any) -> list[Any]:
    """Union members and Annotated's inner type, recursively."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _flatten(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return [m for arg in get_args(annotation) for m in _flatten(arg)]
    return [annotation]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _data_loc(data: Any, loc: Path_) -> Path_:
    """`loc` as a path through the data: pydantic's union tags dropped, a last unknown key kept."""
    kept: list[str | int] = []
    for i, part in enumerate(loc):
        if _has(data, part):
            data = data[part]
        elif i < len(loc) - 1:
            continue
        kept.append(part)
    return tuple(kept)


def _has(data: Any, part: str | int) -> bool:
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def validate(doc: Located, model: type[Model], context: dict[str, Any] | None = None) -> Model:
    """Validate `doc.data` as `model`; raise InputError with one `file:line:col` line per error."""
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            loc = _data_loc(doc.data, tuple(error["loc"]))
            messages.append(f"{doc.where(loc)}: {_message(error, model, loc)}")
        raise InputError(messages) from exc
