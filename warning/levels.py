"""Severity levels, ordered: none < low < medium < high < critical."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_RANKS = {level: rank for rank, level in enumerate(Severity)}
