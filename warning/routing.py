"""Which channels get an alert: a routing tree matched against the alert's labels.

Alertmanager's rules, for NGO alerts: a route holds when all its matchers hold; its
children are tried in order and the first that holds takes the alert unless it says
`continue: true` (then the next siblings are tried too); a route none of whose children
holds takes the alert itself; the root holds for every alert. A child inherits every
option it does not set. Without a `routes:` tree in the config, each channel's
`min_severity` makes one route (the shorthand the config always had). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from warning.levels import Severity
from warning.timing import Timing

MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$')
UNESCAPE = re.compile(r"\\(.)")
SHORTHAND_FLOOR = Severity.high  # a channel's min_severity when it sets none

Labels = Mapping[str, tuple[str, ...]]  # a label may have several values (`signal`)


@dataclass(frozen=True, slots=True)
class Matcher:
    """`label="v"`, `label!="v"`, `label=~"re"` or `label!~"re"` (anchored at both ends)."""

    label: str
    op: str
    value: str
    pattern: re.Pattern[str] | None = None  # for =~ and !~

    @classmethod
    def parse(cls, text: str) -> Matcher:
        match = MATCHER.match(text)
        if not match:
            raise ValueError(
                f'not a matcher: {text!r} (write label="value", label!="value", '
                f'label=~"regex" or label!~"regex")'
            )
        label, op, quoted = match.groups()
        value = UNESCAPE.sub(r"\1", quoted)
        pattern = None
        if op in ("=~", "!~"):
            try:
                pattern = re.compile(value)
            except re.error as exc:
                raise ValueError(f"{text!r}: not a regular expression: {exc}") from None
        return cls(label, op, value, pattern)

    def holds(self, labels: Labels) -> bool:
        """A missing label counts as the empty string; `=` and `=~` hold when any of a
        label's values matches, `!=` and `!~` when none does."""
        values = labels.get(self.label) or ("",)
        if self.pattern is not None:
            found = any(self.pattern.fullmatch(v) for v in values)
        else:
            found = self.value in values
        return found if self.op in ("=", "=~") else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.label}{self.op}"{escaped}"'


@dataclass(frozen=True, slots=True)
class Options:
    """What a route does with the alerts it takes (inherited where a child sets nothing)."""

    channels: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ("event",)
    group_wait: float = 30.0
    group_interval: float = 300.0
    repeat_interval: float = 4 * 3600.0
    redact: str = "none"
    timing: Timing = Timing()  # quiet hours, digest, escalation, update thresholds


@dataclass(frozen=True, slots=True)
class Route:
    path: str  # "root", "root.routes[1].routes[0]": where it stands in the config
    matchers: tuple[Matcher, ...]
    options: Options
    carry_on: bool = False  # `continue: true`
    children: tuple[Route, ...] = ()

    def holds(self, labels: Labels) -> bool:
        return all(m.holds(labels) for m in self.matchers)

    def match(self, labels: Labels) -> list[Route]:
        """The routes that take an alert with these labels, in match order (this one
        holds: the caller checked, or it is the root)."""
        taken: list[Route] = []
        for child in self.children:
            if not child.holds(labels):
                continue
            taken.extend(child.match(labels))
            if not child.carry_on:
                break
        return taken or [self]

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Route]]:
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)

    def by_path(self) -> dict[str, Route]:
        return {route.path: route for _, route in self.walk()}


@dataclass(frozen=True, slots=True)
class Routed:
    """A channel an alert goes to: the first route that named it (its timing applies) and
    the redaction ("public" when any route naming it says so)."""

    route: Route
    redact: str


def channels_for(root: Route, labels: Labels) -> dict[str, Routed]:
    """Every channel of the routes that take the alert, in match order, each once."""
    found: dict[str, Routed] = {}
    for route in root.match(labels):
        for channel in route.options.channels:
            first = found.get(channel)
            if first is None:
                found[channel] = Routed(route, route.options.redact)
            elif route.options.redact == "public":
                found[channel] = Routed(first.route, "public")
    return found


def shorthand(floors: Mapping[str, Severity]) -> Route:
    """The tree the channels' `min_severity` make: one route per channel, all continuing;
    as before routes existed, an alert goes out at once and is not repeated."""
    children = tuple(
        Route(
            f"root.routes[{i}]",
            (Matcher.parse(f'severity=~"{at_or_above(floor)}"'),),
            Options(channels=(name,), group_wait=0.0, repeat_interval=0.0),
            carry_on=True,
        )
        for i, (name, floor) in enumerate(floors.items())
    )
    return Route("root", (), Options(), children=children)


def at_or_above(floor: Severity) -> str:
    """'high|critical' for high: the severities a channel with this floor wants."""
    return "|".join(s.value for s in Severity if s != Severity.none and s.at_least(floor))


def describe(route: Route, depth: int) -> str:
    """One line of `warning routes show`."""
    o = route.options
    head = "root" if depth == 0 else ", ".join(str(m) for m in route.matchers) or "(any)"
    parts = [
        "  " * depth + head,
        f"channels: {', '.join(o.channels) or '-'}",
        f"group_by: {', '.join(o.group_by)}",
        f"group_wait: {seconds(o.group_wait)}",
        f"group_interval: {seconds(o.group_interval)}",
        f"repeat_interval: {seconds(o.repeat_interval)}",
        f"redact: {o.redact}",
    ]
    parts += _timing_parts(o.timing)
    if route.carry_on:
        parts.append("continue")
    return "  ".join(parts)


def _timing_parts(timing: Timing) -> list[str]:
    """The time options a route sets beyond the defaults, for `warning routes show`."""
    parts = []
    if timing.notify_on_sources != Timing().notify_on_sources:
        parts.append(f"notify_on_sources: {', '.join(map(str, timing.notify_on_sources))}")
    if timing.quiet_hours is not None:
        q = timing.quiet_hours
        spans = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in q.spans)
        parts.append(f"quiet_hours: {spans} {q.timezone} ({len(q.weekdays)} day(s) a week)")
    if timing.break_quiet is not None:
        parts.append(f"break_quiet: {timing.break_quiet.value}")
    if timing.digest is not None:
        d = timing.digest
        parts.append(f"digest: every {seconds(d.every)} at {d.at:%H:%M} {d.timezone}")
    if timing.escalate is not None:
        e = timing.escalate
        parts.append(f"escalate: after {seconds(e.after)} to {', '.join(e.to)}")
    return parts


def seconds(value: float) -> str:
    """30 -> '30s', 300 -> '5m', 14400 -> '4h', 86400 -> '1d'."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value >= size and value % size == 0:
            return f"{int(value // size)}{unit}"
    return f"{value:g}s"
