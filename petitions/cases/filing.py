"""Filing a petition (收件登记): from any channel it gets its number and its first deadlines at once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import get_active_log_context
from wagtail.models import ModelLogEntry

from petitions.cases.bulk_rows import insert_instances, insert_rows
from petitions.cases.deadlines import deadline_values, sync_reply_deadline
from petitions.cases.duplicates import index_case, index_new_cases
from petitions.cases.models import (
    Attachment,
    Case,
    Deadline,
    Petitioner,
)
from petitions.cases.numbering import reserve_numbers
from petitions.cases.search import index_cases
from petitions.cases.signals import case_flags_saved
from rules import calendar
from rules.deadlines import RuleKey
from snippets.bureau import Choices, bureau_rules
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


def file_case(filing: Filing, *, user=None, savepoint: bool = True) -> Case:
    """Enter a petition: it gets its number at once, from any channel, so no intake can vanish.

    The acceptance limit starts from the day of receipt (第十五条): 3 working days for a direct
    petition, 5 for a superior-assigned or transferred one (plus its 5-day objection limit).
    One petition is a batch of one: there is one way to file a case (`file_cases`).
    """
    return file_cases([filing], user=user, savepoint=savepoint)[0]


def file_cases(
    filings: Sequence[Filing],
    *,
    user=None,
    prefetch_petitioners: bool = True,
    savepoint: bool = True,
) -> list[Case]:
    """Enter petitions in one batch (批量登记), in one transaction: all are filed, or none.

    Each case gets what `file_case` gives one: its number (in the order given, numbers reserved
    as a block per year), its petitioners, categories and attachments, its first deadlines
    (computed in memory with the channel's limits and the bureau's choices, read once), the
    nearest one on the case, and one audit entry. Rows go in with one INSERT per table (split
    only where the database limits a statement's parameters), so statements do not grow with
    the batch.

    Each case comes back with its petitioners as if prefetched (the receipt and the first
    message to the petitioner read them); a caller that keeps only the cases' ids (an import)
    passes ``prefetch_petitioners=False``.

    Within a caller's transaction the batch is a savepoint, so a caller may catch a failure and
    go on; a caller whose transaction ends with any failure passes ``savepoint=False`` and saves
    the savepoint's two statements.
    """
    if not filings:
        return []
    created_by = user if user is not None and user.is_authenticated else None
    now = timezone.now()
    # Records are kept in the bureau's language, whatever language the visitor reads.
    with (
        transaction.atomic(savepoint=savepoint),
        translation.override(settings.LANGUAGE_CODE),
    ):
        received = [filing.received_at or now for filing in filings]
        received_on = [timezone.localtime(at).date() for at in received]
        numbers = _numbers_for(received_on)
        choices = bureau_rules()
        overrides: dict[int, Mapping[str, tuple[int, str]]] = {}
        # The deadlines counted per channel, rule and day: a batch's cases share their days.
        memos: dict[int, dict[tuple, DeadlineValues]] = {}
        cases: list[Case] = []
        deadlines_of: list[list[DeadlineValues]] = []
        for filing, at, day, (number, _serial) in zip(
            filings, received, received_on, numbers, strict=True
        ):
            case = _new_case(filing, number=number, received_at=at, created_by=created_by)
            channel_limits = overrides.get(filing.channel.pk)
            if channel_limits is None:
                channel_limits = overrides[filing.channel.pk] = filing.channel.rule_overrides()
            memo = memos.setdefault(filing.channel.pk, {})
            deadlines = _first_deadlines(filing, day, channel_limits, choices, memo)
            nearest = _nearest_due(deadlines)
            case.next_due_on = nearest["due_on"] if nearest else None
            case.next_due_label = nearest["label"] if nearest else ""
            cases.append(case)
            deadlines_of.append(deadlines)
        _insert_cases(cases, now)
        # No post_save for rows inserted in bulk: the ledger's search index is written here.
        index_cases(cases)
        petitioners = _insert_related(
            cases, filings, deadlines_of, now, prefetch_petitioners=prefetch_petitioners
        )
        index_new_cases(cases, petitioners)
        _log_filed(cases, filings, user=user)
        for case in cases:
            case_flags_saved.send(sender=Case, case=case)
    return cases


def _numbers_for(received_on: Sequence[dt.date]) -> list[tuple[str, int]]:
    """One number per filing, in order, from one block per year of receipt."""
    counts = Counter(day.year for day in received_on)
    # Years locked in order, so two batches spanning the same years cannot deadlock.
    blocks = {year: iter(reserve_numbers(year, counts[year])) for year in sorted(counts)}
    return [next(blocks[day.year]) for day in received_on]


def _new_case(filing: Filing, *, number: str, received_at: dt.datetime, created_by) -> Case:
    received_on = timezone.localtime(received_at).date()
    return Case(
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
        created_by=created_by,
        **{
            k: bool(v)
            for k, v in filing.important.items()
            if k in Case.IMPORTANT_FLAGS + Case.ESCALATION_FLAGS
        },
    )


#: A new deadline's fields that differ from their defaults, by name (`deadline_values`).
DeadlineValues = Mapping[str, Any]


def _first_deadlines(
    filing: Filing,
    received_on: dt.date,
    overrides: Mapping[str, tuple[int, str]],
    choices: Choices,
    memo: dict[tuple, DeadlineValues],
) -> list[DeadlineValues]:
    """The deadlines a new case starts with (第十五条, and the source channel's own limit), as
    the values `build_deadline` gives its deadline: a batch writes them as rows.

    `memo` holds what was counted for the channel's earlier cases of the batch (a rule from a
    day, a given limit): counted once, the values are shared, never changed in place."""
    keys: list[str] = []
    if filing.channel.is_superior_assigned:
        keys = [RuleKey.ACCEPTANCE_ASSIGNED, RuleKey.OBJECTION_ASSIGNED]
    elif not filing.contact_unclear:
        keys = [RuleKey.ACCEPTANCE_DIRECT]
    deadlines = []
    for key in keys:
        values = memo.get((key, received_on))
        if values is None:
            values = memo[key, received_on] = deadline_values(key, received_on, overrides, choices)
        deadlines.append(values)
    if filing.source_deadline:
        given = (RuleKey.SOURCE_DEADLINE, received_on, filing.source_deadline)
        values = memo.get(given)
        if values is None:
            values = memo[given] = _source_deadline_values(received_on, filing.source_deadline)
        deadlines.append(values)
    return deadlines


def _nearest_due(deadlines: Sequence[DeadlineValues]) -> DeadlineValues | None:
    """The nearest staff deadline of a new case (all open), the first of equals: what
    `nearest_due` finds among the deadlines."""
    candidates = [
        (values["due_on"], n, values)
        for n, values in enumerate(deadlines)
        if not values.get("is_window", False)
    ]
    return min(candidates, key=lambda t: (t[0], t[1]))[2] if candidates else None


def _source_deadline_values(received_on: dt.date, due_on: dt.date) -> DeadlineValues:
    """The source channel's own limit (办结时限), as the channel gave it."""
    return {
        "rule": RuleKey.SOURCE_DEADLINE,
        "label": _("来源渠道办理期限"),
        "start_on": received_on,
        "due_on": due_on,
        "remind_on": max(received_on, calendar.add_working_days(due_on, -3)),
        "provisional": calendar.is_provisional(due_on),
        "calculation": {"rule": RuleKey.SOURCE_DEADLINE, "given_by_channel": True},
    }


def _insert_cases(cases: Sequence[Case], now: dt.datetime) -> None:
    """The cases, one INSERT (split only at the parameter limit); each gets its id."""
    for case in cases:
        # What the fields' pre_save gives a new row (auto_now_add, auto_now).
        case.created_at = case.updated_at = now
    insert_instances(cases, returning_ids=True)


def _insert_related(
    cases: Sequence[Case],
    filings: Sequence[Filing],
    deadlines_of: Sequence[list[DeadlineValues]],
    now: dt.datetime,
    *,
    prefetch_petitioners: bool = True,
) -> dict[int, list[Petitioner]]:
    """Categories, petitioners, attachments and deadlines of saved cases: one INSERT each.

    Returns each case's petitioners by the case's id."""
    links: list[tuple[int, int]] = []
    petitioners: list[Petitioner] = []
    attachments: list[Attachment] = []
    # A deadline's row: its values, else the field's default (as a new Deadline has them).
    deadline_fields = [f for f in Deadline._meta.concrete_fields if not f.primary_key]
    defaults = {f.name: f.get_default() for f in deadline_fields}
    defaults["created_at"] = now  # auto_now_add
    names = [f.name for f in deadline_fields]
    deadlines: list[list[Any]] = []
    for case, filing, case_deadlines in zip(cases, filings, deadlines_of, strict=True):
        # Each category once, as `categories.set` would.
        links += [(case.pk, pk) for pk in dict.fromkeys(c.pk for c in filing.categories)]
        petitioners += [Petitioner(case=case, **p.__dict__) for p in filing.petitioners]
        attachments += [
            Attachment(
                case=case,
                file=upload,
                original_name=upload.name[:255],
                content_type=upload.checked_content_type,
                size=upload.size,
                uploaded_by=case.created_by,
            )
            for upload in filing.attachments
        ]
        defaults["case"] = case.pk
        deadlines += [
            [values.get(name, defaults[name]) for name in names] for values in case_deadlines
        ]
    insert_rows(Case.categories.through, ["case", "category"], links)
    # With their ids: the receipt and the first message to the petitioner read them below.
    insert_instances(petitioners, returning_ids=True)
    # The petitioners each case was filed with, as if prefetched: the receipt and the first
    # message to the petitioner need not read them back.
    by_case: dict[int, list[Petitioner]] = {}
    for petitioner in petitioners:
        by_case.setdefault(petitioner.case_id, []).append(petitioner)
    # One queryset a case: only for the callers that read them.
    for case in cases if prefetch_petitioners else ():
        known = case.petitioners.all()
        known._result_cache = by_case.get(case.pk, [])
        setattr(known, "_prefetch_done", True)  # noqa: B010 - Django's own prefetch marker
        setattr(case, "_prefetched_objects_cache", {"petitioners": known})  # noqa: B010
    if attachments:
        # Through the ORM: each file field's pre_save stores its upload.
        Attachment.objects.bulk_create(attachments)
    insert_rows(Deadline, names, deadlines)
    return by_case


#: The columns of an audit entry, all that `wagtail.log_actions.log` writes.
_LOG_FIELDS = (
    "content_type",
    "object_id",
    "label",
    "action",
    "data",
    "timestamp",
    "uuid",
    "user",
    "revision",
    "content_changed",
    "deleted",
)


def _log_filed(cases: Sequence[Case], filings: Sequence[Filing], *, user=None) -> None:
    """One audit entry per case, as `wagtail.log_actions.log` writes it, in one INSERT."""
    context = get_active_log_context()
    # As `wagtail.log_actions.log` does; an anonymous visitor is no one (the public site).
    user = (user if user is not None and user.is_authenticated else None) or context.user
    content_type = ContentType.objects.get_for_model(Case, for_concrete_model=False)
    timestamp = timezone.now()
    user_id = user.pk if user is not None else None
    insert_rows(
        ModelLogEntry,
        _LOG_FIELDS,
        (
            (
                content_type.pk,
                str(case.pk),
                str(case),
                "petitions.file",
                {"channel": filing.channel.name, "number": case.number},
                timestamp,
                context.uuid,
                user_id,
                None,
                False,
                False,
            )
            for case, filing in zip(cases, filings, strict=True)
        ),
    )


def save_case_corrections(case: Case, *, user=None) -> None:
    """After the intake record is corrected (更正登记信息): an important-case flag set or
    cleared changes the reply limit, and the leaders hear of a case that became important; a
    corrected place or description is compared anew for duplicates."""
    sync_reply_deadline(case, user=user)
    index_case(case)
    case_flags_saved.send(sender=Case, case=case)
