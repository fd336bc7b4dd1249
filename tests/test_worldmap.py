"""The offline world map (issue 11, item 4): the vendored world-atlas shapes as SVG paths."""

from __future__ import annotations

import re

from warning.web.worldmap import WIDTH, shapes

POINT = re.compile(r"([ML])(-?[\d.]+),(-?[\d.]+)")


def test_countries_are_drawn_keyed_by_alpha2_without_lines_across_the_world() -> None:
    drawn = {s.code: s for s in shapes() if s.code}
    assert len(drawn) > 160 and {"SD", "SS", "MM", "ET", "SY", "UA", "RU", "FJ"} <= set(drawn)
    assert "AQ" not in drawn  # Antarctica is left out

    # Sudan lies east of Chad: its leftmost point is right of Chad's
    def xs(code: str) -> list[float]:
        return [float(x) for _, x, _ in POINT.findall(drawn[code].path)]

    assert min(xs("SD")) > min(xs("TD"))
    for shape in drawn.values():
        previous = None
        for command, x, _ in POINT.findall(shape.path):
            if command == "L" and previous is not None:
                assert abs(float(x) - previous) <= WIDTH / 2, shape.name
            previous = float(x)
