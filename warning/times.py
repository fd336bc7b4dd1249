"""Times as sources write them, made tz-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a time without a zone is taken as UTC (as SQLite gives back ours)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 date or time ("Z" allowed) in UTC, or None if it is not one."""
    try:
        return as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved out by its zone
        return None
