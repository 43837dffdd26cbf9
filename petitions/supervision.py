"""What the worker does (第十八条、第二十条、第十条): reminders, supervision, alerts, closing.

Every function here is safe to run twice, or to be killed half-way and run again: each event is
recorded under a unique constraint (Alert per recipient and event, Supervision per deadline),
and work already done is marked so the next sweep skips it. A sweep touches only the rows that
are due (indexed queries on Deadline.status with remind_on / due_on), in bounded batches.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from rules.roles import ROLE_GROUP_NAMES, Role
from rules.states import State
from rules.transitions import TransitionRefused
from snippets.models import BureauLeadership

from .models import Alert, Case, Deadline, PetitionerMessage, Supervision
from .senders import get_sender

logger = logging.getLogger("petitions.sweep")
User = get_user_model()


def _batch() -> int:
    return settings.PETITIONS_SWEEP_BATCH


def _detachment() -> list:
    return list(User.objects.filter(groups__name=ROLE_GROUP_NAMES[Role.DETACHMENT], is_active=True))


def _unique(users: Iterable) -> list:
    seen, result = set(), []
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result


def responsible_for(case: Case) -> list:
    """Who is reminded of a case's deadline: its handler and the host department's head.

    Before dispatch nobody in a department holds the case yet: the detachment does (第十三条).
    """
    if case.host_department_id is None:
        return _unique(_detachment())
    return _unique([case.handler, case.host_department.head]) or _unique(_detachment())


def supervising_leader_of(case: Case):
    if case.supervising_leader is not None:
        return case.supervising_leader
    if case.host_department_id and case.host_department.supervising_leader:
        return case.host_department.supervising_leader
    return BureauLeadership.load().petition_leader


def create_alerts(case: Case, recipients: Iterable, kind: str, key: str, message: str) -> int:
    """Create each alert at most once: the unique (recipient, key) pair absorbs repeats."""
    rows = [
        Alert(recipient=user, case=case, kind=kind, key=key, message=message)
        for user in _unique(recipients)
    ]
    before = Alert.objects.filter(key=key, case=case).count()
    Alert.objects.bulk_create(rows, ignore_conflicts=True)
    return Alert.objects.filter(key=key, case=case).count() - before


# --- 第十条: important cases -----------------------------------------------------------------


def notify_important(case: Case) -> int:
    """Tell the leaders of an important case at once (A10.1); repeated calls tell nobody twice."""
    if not case.is_important and not case.important_social_impact:
        return 0
    leaders = BureauLeadership.load()
    created = 0
    reasons = "；".join(case.important_reasons) or _("可能造成重大社会影响")
    if case.is_important:
        created += create_alerts(
            case,
            [leaders.petition_leader, supervising_leader_of(case)],
            Alert.Kind.IMPORTANT,
            f"important:{case.pk}",
            _("重要信访案件 %(number)s：%(reasons)s（第十条）。")
            % {"number": case.number, "reasons": reasons},
        )
    if case.important_severe:
        created += create_alerts(
            case,
            [leaders.bureau_head],
            Alert.Kind.SEVERE,
            f"severe:{case.pk}",
            _("情节严重的重要信访案件 %(number)s，请主要负责人阅示（第十条）。")
            % {"number": case.number},
        )
    if case.important_social_impact:
        created += create_alerts(
            case,
            [leaders.petition_leader, leaders.bureau_head, *_detachment()],
            Alert.Kind.SOCIAL_IMPACT,
            f"social_impact:{case.pk}",
            _(
                "案件 %(number)s 可能造成重大社会影响，应及时报告区政府、区信访办，"
                "并在案件页面“记录向区政府、区信访办报告”（第十条）。"
            )
            % {"number": case.number},
        )
    return created


# --- 第十八条: reminders and supervision -----------------------------------------------------


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
            .order_by("remind_on", "id")[: _batch()]
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
            .order_by("due_on", "id")[: _batch()]
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


# --- 第二十条: closing by itself ------------------------------------------------------------


def close_expired(today: dt.date) -> int:
    """Close every case whose objection window ended without a request (A20.1)."""
    from .services import perform_transition

    closed = 0
    refused: set[int] = set()  # not closable now: never let them hide the cases behind them
    window_rule = {
        "objection_window": State.REPLIED,
        "re_review_request_window": State.REVIEW_REPLIED,
    }
    while True:
        ids = list(
            Deadline.objects.filter(
                status=Deadline.Status.OPEN,
                rule__in=list(window_rule),
                due_on__lt=today,
                case__state__in=list(window_rule.values()),
            )
            .exclude(case_id__in=refused)
            .order_by("due_on", "id")
            .values_list("case_id", "due_on")[: _batch()]
        )
        ids += [
            (pk, None)
            for pk in Case.objects.filter(state=State.RE_REVIEW_REPLIED)
            .exclude(pk__in=refused)
            .values_list("pk", flat=True)[: _batch()]
        ]
        if not ids:
            return closed
        # Every id is closed or set aside below, so the loop always moves on and ends.
        for case_id, due in ids:
            case = Case.objects.get(pk=case_id)
            if due is None:
                reason = _(
                    "复核意见已答复，信访人不得再以同一事实和理由投诉（第十九条第三款），系统办结。"
                )
            else:
                reason = _(
                    "信访人收到答复后30日内未提出异议（期满日 %(due)s），视为办结（第二十条），系统办结。"
                ) % {"due": due.isoformat()}
            try:
                perform_transition(
                    case, "close", system=True, data={"comment": reason}, today=today
                )
            except TransitionRefused:
                logger.info("case %s not closed: %s", case.number, case.state)
                refused.add(case_id)
                continue
            closed += 1


# --- X.2: messages to petitioners -----------------------------------------------------------

MAX_MESSAGE_ATTEMPTS = 8


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(5 * 2 ** (attempts - 1), 24 * 60))


def deliver_messages(now: dt.datetime) -> int:
    """Send waiting messages; a failure waits and is retried, never blocking the case."""
    sender = get_sender()
    sent = 0
    while True:
        batch = list(
            PetitionerMessage.objects.filter(
                status__in=[PetitionerMessage.Status.PENDING, PetitionerMessage.Status.FAILED],
                next_attempt_at__lte=now,
                attempts__lt=MAX_MESSAGE_ATTEMPTS,
            )
            .select_related("case")
            .order_by("next_attempt_at", "id")[: _batch()]
        )
        if not batch:
            return sent
        for message in batch:
            attempts = message.attempts + 1
            # Claim it first: a worker killed mid-send leaves it for the next try, not a loop.
            claimed = PetitionerMessage.objects.filter(
                pk=message.pk, attempts=message.attempts
            ).update(attempts=F("attempts") + 1, next_attempt_at=now + _backoff(attempts))
            if not claimed:
                continue
            try:
                sender.send(message)
            except Exception as exc:  # noqa: BLE001 - any gateway failure is retried later
                PetitionerMessage.objects.filter(pk=message.pk).update(
                    status=PetitionerMessage.Status.FAILED, last_error=str(exc)[:1000]
                )
                if attempts >= MAX_MESSAGE_ATTEMPTS:
                    create_alerts(
                        message.case,
                        _detachment(),
                        Alert.Kind.MESSAGE_FAILED,
                        f"message_failed:{message.pk}",
                        _("案件 %(number)s 的信访人通知多次发送失败，请电话联系信访人。")
                        % {"number": message.case.number},
                    )
                continue
            PetitionerMessage.objects.filter(pk=message.pk).update(
                status=PetitionerMessage.Status.SENT,
                sent_at=now,
                last_error="",
                # Sent: the query code has reached the petitioner and leaves our records.
                body=message.body.replace(message.redact, "*" * len(message.redact))
                if message.redact
                else message.body,
                redact="",
            )
            sent += 1


def email_alerts() -> int:
    """E-mail each new alert once to staff who have an address."""
    if not settings.PETITIONS_ALERT_EMAILS:
        return 0
    sent = 0
    pending = (
        Alert.objects.filter(emailed_at__isnull=True, recipient__email__gt="")
        .select_related("recipient")
        .order_by("id")[: _batch()]
    )
    for alert in pending:
        if Alert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        ):
            try:
                send_mail(
                    f"[环境信访] {alert.get_kind_display()}",
                    alert.message,
                    None,
                    [alert.recipient.email],
                )
                sent += 1
            except Exception:  # noqa: BLE001 - the alert stays visible in the admin
                logger.exception("alert %s not e-mailed", alert.pk)
    return sent


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
