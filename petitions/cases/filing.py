"""Filing a petition (收件登记): from any channel it gets its number and its first deadlines at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from petitions.cases.deadlines import open_deadline, refresh_next_due, sync_reply_deadline
from petitions.cases.duplicates import index_case
from petitions.cases.models import (
    Attachment,
    Case,
    Deadline,
    Petitioner,
)
from petitions.cases.numbering import issue_number
from petitions.cases.signals import case_flags_saved
from rules import calendar
from rules.deadlines import RuleKey
from snippets.models import Category, Channel


@dataclass
class PetitionerData:
    name: str = ""
    phone: str = ""
    id_number: str = ""
    address: str = ""
    is_representative: bool = False


@dataclass
class Filing:
    """Everything known about a petition when it enters the system."""

    channel: Channel
    place: str
    description: str
    received_at: dt.datetime | None = None
    kind: str = ""
    categories: Sequence[Category] = ()
    petitioners: Sequence[PetitionerData] = ()
    anonymous: bool = False
    contact_unclear: bool = False
    is_group_visit: bool = False
    visitor_count: int | None = None
    reported_party: str = ""
    demands: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    source_ticket_number: str = ""
    source_deadline: dt.date | None = None
    important: Mapping[str, bool] = field(default_factory=dict)
    #: Uploaded files already checked by content (see validators.attachment_content_type).
    attachments: Sequence = ()


def file_case(filing: Filing, *, user=None) -> Case:
    """Enter a petition: it gets its number at once, from any channel, so no intake can vanish.

    The acceptance limit starts from the day of receipt (第十五条): 3 working days for a direct
    petition, 5 for a superior-assigned or transferred one (plus its 5-day objection limit).
    """
    received_at = filing.received_at or timezone.now()
    received_on = timezone.localtime(received_at).date()
    # Records are kept in the bureau's language, whatever language the visitor reads.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        number, _seq = issue_number(received_on.year)
        case = Case(
            number=number,
            year=received_on.year,
            channel=filing.channel,
            kind=filing.kind,
            received_at=received_at,
            anonymous=filing.anonymous,
            contact_unclear=filing.contact_unclear,
            is_group_visit=filing.is_group_visit,
            visitor_count=filing.visitor_count,
            place=filing.place,
            latitude=filing.latitude,
            longitude=filing.longitude,
            reported_party=filing.reported_party,
            description=filing.description,
            demands=filing.demands,
            source_ticket_number=filing.source_ticket_number,
            source_deadline=filing.source_deadline,
            created_by=user if user is not None and user.is_authenticated else None,
            **{
                k: bool(v)
                for k, v in filing.important.items()
                if k in Case.IMPORTANT_FLAGS + Case.ESCALATION_FLAGS
            },
        )
        case.save()
        if filing.categories:
            case.categories.set(filing.categories)
        for p in filing.petitioners:
            Petitioner.objects.create(case=case, **p.__dict__)
        index_case(case)
        for upload in filing.attachments:
            Attachment.objects.create(
                case=case,
                file=upload,
                original_name=upload.name[:255],
                content_type=upload.checked_content_type,
                size=upload.size,
                uploaded_by=case.created_by,
            )
        if filing.channel.is_superior_assigned:
            open_deadline(case, RuleKey.ACCEPTANCE_ASSIGNED, received_on)
            open_deadline(case, RuleKey.OBJECTION_ASSIGNED, received_on)
        elif not filing.contact_unclear:
            open_deadline(case, RuleKey.ACCEPTANCE_DIRECT, received_on)
        if filing.source_deadline:
            Deadline.objects.create(
                case=case,
                rule=RuleKey.SOURCE_DEADLINE,
                label=_("来源渠道办理期限"),
                start_on=received_on,
                due_on=filing.source_deadline,
                remind_on=max(received_on, calendar.add_working_days(filing.source_deadline, -3)),
                provisional=calendar.is_provisional(filing.source_deadline),
                calculation={"rule": RuleKey.SOURCE_DEADLINE, "given_by_channel": True},
            )
        refresh_next_due(case)
        case.save(update_fields=["next_due_on", "next_due_label"])
        log(
            instance=case,
            action="petitions.file",
            user=user,
            data={"channel": filing.channel.name, "number": number},
        )
        case_flags_saved.send(sender=Case, case=case)
    return case


def save_case_corrections(case: Case, *, user=None) -> None:
    """After the intake record is corrected (更正登记信息): an important-case flag set or
    cleared changes the reply limit, and the leaders hear of a case that became important; a
    corrected place or description is compared anew for duplicates."""
    sync_reply_deadline(case, user=user)
    index_case(case)
    case_flags_saved.send(sender=Case, case=case)
