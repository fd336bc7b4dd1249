"""Times as sources write them, made tz-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a time without a zone is taken as UTC (as SQLite gives back ours)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def moment_or_ago(value: str, now: datetime) -> datetime | None:
    """An ISO date or time, or a duration ("24h", "7d", "90m") meaning that long before
    `now`; None when it is neither."""
    from warning.config import parse_duration  # config imports nothing of this module

    moment = parse_iso(value)
    if moment is not None:
        return moment
    try:
        return now - timedelta(seconds=parse_duration(value))
    except (ValueError, OverflowError):
        return None


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 date or time ("Z" allowed) in UTC, or None if it is not one."""
    try:
        return as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved out by its zone
        return None
