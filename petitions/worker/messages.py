"""X.2: messages to petitioners, sent and retried by the worker; alerts e-mailed to staff."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.cases.models import Alert, PetitionerMessage
from petitions.cases.notices import OUTBOX_PURPOSE
from petitions.cases.sealing import unseal
from petitions.worker.alerts import _detachment, create_alerts
from petitions.worker.senders import get_sender

MAX_MESSAGE_ATTEMPTS = 8


logger = logging.getLogger("petitions.sweep")


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
            .order_by("next_attempt_at", "id")[: settings.PETITIONS_SWEEP_BATCH]
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
            legacy_code = ""
            if message.redact:
                text = unseal(message.redact, OUTBOX_PURPOSE)
                if text is None:  # queued before sealing: `redact` is the code itself
                    legacy_code = message.redact
                else:
                    message.body = text
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
                body=message.body.replace(legacy_code, "*" * len(legacy_code))
                if legacy_code
                else F("body"),
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
        .order_by("id")[: settings.PETITIONS_SWEEP_BATCH]
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
            except Exception:
                logger.exception("alert %s not e-mailed", alert.pk)
    return sent
