"""第十八条: a reminder before every staff deadline, and supervision (督办) once it has passed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.cases.bulk_rows import insert_new
from petitions.cases.models import Alert, Deadline, Supervision
from petitions.cases.transitions import log_set_wise
from petitions.worker.alerts import Recipients, create_alerts_set_wise


def deadlines_to_remind(today: dt.date) -> QuerySet[Deadline]:
    """Staff deadlines whose reminder date has come and that were not reminded: the partial
    index `deadline_to_remind_by_status` holds exactly these, so an idle sweep reads nothing."""
    return Deadline.objects.filter(
        status=Deadline.Status.OPEN,
        is_window=False,
        reminded_at__isnull=True,
        remind_on__lte=today,
    )


def send_reminders(today: dt.date) -> int:
    """A reminder 3 working days before each staff deadline, once, while it is still ahead.

    A deadline already past when the worker comes back gets supervision, not a reminder. A batch
    at a time, each in a fixed number of statements (issue 14).
    """
    created = 0
    while True:
        batch = list(
            deadlines_to_remind(today)
            .select_related("case__host_department__head", "case__handler")
            .order_by("remind_on", "id")[: settings.PETITIONS_SWEEP_BATCH]
        )
        if not batch:
            return created
        recipients = Recipients()
        with transaction.atomic():
            created += create_alerts_set_wise(
                [
                    (
                        deadline.case,
                        recipients.responsible_for(deadline.case),
                        # Per due date: a deadline moved by a calendar correction is reminded
                        # anew.
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
                    for deadline in batch
                    if deadline.due_on >= today
                ],
                Alert.Kind.REMINDER,
            )
            Deadline.objects.filter(pk__in=[d.pk for d in batch]).update(reminded_at=timezone.now())


def supervise_overdue(today: dt.date) -> int:
    """Each staff deadline passed unmet gets one supervision record (督办) and leader alert.

    A batch at a time, each in a fixed number of statements (issue 14), each supervision still
    in its case's timeline (an audit entry per case, inserted together).
    """
    created = 0
    while True:
        batch = list(
            Deadline.objects.filter(
                status=Deadline.Status.OPEN,
                is_window=False,
                due_on__lt=today,
                supervision__isnull=True,
            )
            .select_related(
                "case__host_department__supervising_leader",
                "case__host_department__head",
                "case__supervising_leader",
                "case__handler",
            )
            .order_by("due_on", "id")[: settings.PETITIONS_SWEEP_BATCH]
        )
        if not batch:
            return created
        recipients = Recipients()
        with transaction.atomic():
            # Taken by a sweep running at the same time: skipped, as get_or_create did.
            taken = set(
                Supervision.objects.filter(deadline__in=batch).values_list("deadline_id", flat=True)
            )
            new = [deadline for deadline in batch if deadline.pk not in taken]
            insert_new(
                Supervision,
                [{"deadline": d.pk, "case": d.case_id, "overdue_since": d.due_on} for d in new],
                ignore_conflicts=True,
            )
            created += len(new)
            messages = {
                deadline.pk: _(
                    "案件 %(number)s 的“%(label)s”已于 %(due)s 到期未办理，已督办（第十八条）。"
                )
                % {
                    "number": deadline.case.number,
                    "label": deadline.label,
                    "due": deadline.due_on,
                }
                for deadline in new
            }
            create_alerts_set_wise(
                [
                    (
                        d.case,
                        [
                            recipients.supervising_leader_of(d.case),
                            *recipients.responsible_for(d.case),
                        ],
                        f"overdue:{d.pk}",
                        messages[d.pk],
                    )
                    for d in new
                ],
                Alert.Kind.OVERDUE,
            )
            log_set_wise(
                [(d.case, {"system": True, "fields": {"comment": messages[d.pk]}}) for d in new],
                "petitions.supervise",
            )
