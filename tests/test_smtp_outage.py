"""A real SMTP server down for 10 minutes of injected time while alerts are raised (the
fast part of bench/smtp_down.py, same mechanism, three alerts): each failure is recorded,
logged, counted and shown, the chat channel is not held back, every email arrives once
after the server is back, and the channel's password shows nowhere."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bench.smtp_down import smtp_outage


def test_three_alerts_across_a_ten_minute_smtp_outage(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    counts = smtp_outage(tmp_path, scorer, alerts=3, down=timedelta(minutes=10))
    assert counts.alerts == 3
    # the shipped policy tries at 0, 60, 180 and 420 s within the 10 minutes: 4 failures each
    assert counts.failed_attempts == counts.logged_failures == counts.metric_failed == 12
    assert counts.metric_owed == 3  # /metrics: the emails still owed, the chat messages sent
    assert counts.shown_failing == 3  # `warning deliveries`: each email delivery `failed`
    (error,) = counts.errors
    assert "Connection refused" in error and "127.0.0.1" in error
    assert counts.chat_while_down == 3  # the other channel went out at once
    assert (counts.received, counts.twice, counts.lost) == (3, 0, 0)
    assert counts.last_after == timedelta(seconds=300)  # the next try, 900 s after the first
    assert counts.password_in_url and counts.password_shown == 0
