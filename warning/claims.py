"""Several instances on one database: each names itself, and holds what it works on by a
lease that runs out if it dies (a source's poll, a batch of reports to score; deliveries
have their own, in the outbox). A restarted instance lets go of its own old claims first,
so it never waits for itself."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

POLL_LEASE = timedelta(minutes=10)  # a poll is bounded well below this (fetch timeouts)
SCORING_LEASE = timedelta(minutes=10)  # a batch of SCORING_BATCH reports takes seconds
SCORING_BATCH = 50  # small enough that another instance finds work too


def instance_name() -> str:
    """This instance's name: WARNING_INSTANCE, else the host's name. Two instances running at
    once need two names (a compose service's containers have their own host names)."""
    return os.environ.get("WARNING_INSTANCE", "").strip() or socket.gethostname()
