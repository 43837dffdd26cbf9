"""第十八条: a reminder before every staff deadline, and supervision (督办) once it has passed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from petitions.cases.models import Alert, Deadline, Supervision
from petitions.worker.alerts import create_alerts, responsible_for, supervising_leader_of


def send_reminders(today: dt.date) -> int:
    """A reminder 3 working days before each staff deadline, once, while it is still ahead.

    A deadline already past when the worker comes back gets supervision, not a reminder.
    """
    created = 0
    while True:
        batch = list(
            Deadline.objects.filter(
                status=Deadline.Status.OPEN,
                is_window=False,
                reminded_at__isnull=True,
                remind_on__lte=today,
            )
            .select_related("case__host_department__head", "case__handler")
            .order_by("remind_on", "id")[: settings.PETITIONS_SWEEP_BATCH]
        )
        if not batch:
            return created
        for deadline in batch:
            with transaction.atomic():
                if deadline.due_on >= today:
                    created += create_alerts(
                        deadline.case,
                        responsible_for(deadline.case),
                        Alert.Kind.REMINDER,
                        # Per due date: a deadline moved by a calendar correction is reminded anew.
                        f"reminder:{deadline.pk}:{deadline.due_on.isoformat()}",
                        _(
                            "案件 %(number)s 的“%(label)s”将于 %(due)s 到期，请及时办理（第十八条）。"
                        )
                        % {
                            "number": deadline.case.number,
                            "label": deadline.label,
                            "due": deadline.due_on.isoformat(),
                        },
                    )
                Deadline.objects.filter(pk=deadline.pk).update(reminded_at=timezone.now())


def supervise_overdue(today: dt.date) -> int:
    """Each staff deadline passed unmet gets one supervision record (督办) and leader alert."""
    created = 0
    while True:
        batch = list(
            Deadline.objects.filter(
                status=Deadline.Status.OPEN,
                is_window=False,
                due_on__lt=today,
                supervision__isnull=True,
            )
            .select_related("case__host_department__supervising_leader", "case__supervising_leader")
            .order_by("due_on", "id")[: settings.PETITIONS_SWEEP_BATCH]
        )
        if not batch:
            return created
        for deadline in batch:
            case = deadline.case
            with transaction.atomic():
                supervision, new = Supervision.objects.get_or_create(
                    deadline=deadline, defaults={"case": case, "overdue_since": deadline.due_on}
                )
                if not new:
                    continue
                created += 1
                message = _(
                    "案件 %(number)s 的“%(label)s”已于 %(due)s 到期未办理，已督办（第十八条）。"
                ) % {"number": case.number, "label": deadline.label, "due": deadline.due_on}
                create_alerts(
                    case,
                    [supervising_leader_of(case), *responsible_for(case)],
                    Alert.Kind.OVERDUE,
                    f"overdue:{deadline.pk}",
                    message,
                )
                log(
                    instance=case,
                    action="petitions.supervise",
                    data={"system": True, "fields": {"comment": message}},
                )
