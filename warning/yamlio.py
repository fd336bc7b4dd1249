"""YAML in, plain data out, with every node's line kept for error messages.

`load_yaml(path)` returns a `Located` document: the data (dicts, lists,
scalars) and a map from key path to (line, column), both 1-based. `validate`
turns pydantic errors into `file:line:column: message` lines, with a
suggestion for misspelt keys.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Path_ = tuple[str | int, ...]
Model = TypeVar("Model", bound=BaseModel)


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

    def walk(self, node: yaml.Node, here: Path_) -> Any:
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

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise yaml.MarkedYAMLError(
                problem="a key must be a plain value", problem_mark=node.start_mark
            )
        return self.loader.construct_object(node, deep=True)


def parse_yaml(text: str, path: Path) -> Located:
    """Parse `text` (read from `path`); raise InputError naming the line on bad YAML."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        walker = _Walker()
        data = walker.walk(node, ()) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}:1:1"
        raise InputError([f"{where}: YAML syntax error: {exc.problem or exc.context}"]) from exc
    except yaml.YAMLError as exc:
        raise InputError([f"{path}:1:1: YAML error: {exc}"]) from exc
    return Located(path, data, walker.marks)


def load_yaml(path: Path) -> Located:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([f"{path}:1:1: cannot read: {exc}"]) from exc
    return parse_yaml(text, path)


def _message(error: dict[str, Any], model: type[BaseModel], loc: Path_) -> str:
    if error["type"] == "extra_forbidden" and loc:
        key = str(loc[-1])
        known = _known_fields(model, loc[:-1])
        hint = difflib.get_close_matches(key, known, n=1)
        suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown field '{key}'{suffix}"
    if error["type"] == "missing" and loc:
        return f"missing field '{loc[-1]}'"
    where = ".".join(str(part) for part in loc)
    return f"{where}: {error['msg']}" if where else error["msg"]


def _known_fields(model: type[BaseModel], loc: Path_) -> list[str]:
    """Field names (and aliases) of the model that sits at `loc`, best effort."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            current = _inner_model(current)
            if isinstance(part, int):
                continue
        info = current.model_fields.get(part) if isinstance(current, type) else None
        if info is None:
            return []
        current = _inner_model(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def validate(doc: Located, model: type[Model], context: dict[str, Any] | None = None) -> Model:
    """Validate `doc.data` as `model`; raise InputError with one `file:line:col` line per error."""
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
            messages.append(f"{doc.where(loc)}: {_message(error, model, loc)}")
        raise InputError(messages) from exc


def _is_union_tag(part: Any) -> bool:
    """Pydantic puts union member names like 'AnyCondition' into locations; drop them."""
    return isinstance(part, str) and part[:1].isupper()
