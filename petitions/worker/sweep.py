"""What the worker does (第十八条、第二十条、第十条): reminders, supervision, alerts, closing.

Every function here is safe to run twice, or to be killed half-way and run again: each event is
recorded under a unique constraint (Alert per recipient and event, Supervision per deadline),
and work already done is marked so the next sweep skips it. A sweep touches only the rows that
are due (indexed queries on Deadline.status with remind_on / due_on), in bounded batches.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from petitions.worker.closing import close_expired
from petitions.worker.messages import deliver_messages, email_alerts
from petitions.worker.reminders import send_reminders, supervise_overdue

logger = logging.getLogger("petitions.sweep")


def run_sweep(*, today: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    """One pass of everything the worker does; returns what it did."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = {
        "supervised": supervise_overdue(today),
        "reminded": send_reminders(today),
        "closed": close_expired(today),
        "messages": deliver_messages(now),
    }
    result["emailed"] = email_alerts()
    return result
