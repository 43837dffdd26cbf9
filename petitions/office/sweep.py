"""What the worker does for the working systems, on its own schedule (petitions.office_sweep):
flag the calls a shift left undone, and alert the office about leaders still at zero
receptions in the last 5 working days of a month. Safe to run twice: each flag is set once
(DutyCall.flagged_at) and each alert is unique per recipient and event."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from petitions.office.duty import flag_unhandled_calls
from petitions.office.receptions import alert_members_at_zero


def run_office_sweep(*, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "duty_calls_flagged": flag_unhandled_calls(now),
        "reception_alerts": alert_members_at_zero(timezone.localdate(now)),
    }
