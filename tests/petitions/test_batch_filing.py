"""The batch filing service (issue 14): one way to file a case, one case or many at once.

`file_cases` reserves the numbers as a block, computes the deadlines in memory and inserts the
rows and audit entries in bulk; `file_case` is a batch of one. For the same input both give the
same numbers (in sequence), deadlines, petitioners, categories and audit entries.
"""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from factories import (
    CategoryFactory,
    ChannelFactory,
    a_photo,
    aware,
    detachment_user,
    direct_channel,
    superior_channel,
)
from wagtail.models import ModelLogEntry

from petitions.cases.deadlines import refresh_next_due
from petitions.cases.filing import Filing, PetitionerData, file_case, file_cases
from petitions.models import Attachment, Case, CaseNumberSequence, Deadline
from snippets.models import Channel, ChannelDeadline

pytestmark = pytest.mark.django_db


class _RollBack(Exception):
    """Undo the single-path filings, numbers included, to file the same input again."""


def _filings() -> list[Filing]:
    """A mixed input: two years, direct and superior channels, a channel with its own limit,
    contact unclear, a source deadline, categories, several petitioners, important flags."""
    air = CategoryFactory(code="air", name="大气")
    noise = CategoryFactory(code="noise", name="噪声")
    own_limits = ChannelFactory(code="mayor_mail", name="区长信箱", source=Channel.Source.DIRECT)
    ChannelDeadline.objects.create(
        channel=own_limits, rule="acceptance_direct", length=2, unit="working_days"
    )
    direct, superior = direct_channel(), superior_channel()
    someone = PetitionerData(name="张三", phone="13812340000", address="杨家坪正街1号")
    return [
        Filing(
            channel=direct,
            place="谢家湾正街3号",
            description="夜间异味",
            received_at=aware(dt.date(2025, 12, 31), 16),
            categories=[air, noise, air],
            petitioners=[someone],
        ),
        Filing(
            channel=superior,
            place="石坪桥",
            description="工地噪声",
            received_at=aware(dt.date(2026, 1, 2)),
            source_ticket_number="12345-1",
            source_deadline=dt.date(2026, 1, 12),
            petitioners=[someone, PetitionerData(name="李四", is_representative=True)],
            important={"important_joint": True, "not_a_flag": True},
        ),
        Filing(
            channel=direct,
            place="黄桷坪",
            description="污水直排",
            received_at=aware(dt.date(2025, 12, 30)),
            contact_unclear=True,
        ),
        Filing(
            channel=own_limits,
            place="西彭镇",
            description="粉尘",
            received_at=aware(dt.date(2026, 1, 5)),
            kind="pollution",
            categories=[noise],
            anonymous=True,
            is_group_visit=True,
            visitor_count=6,
        ),
        Filing(
            channel=direct,
            place="九龙镇",
            description="烧垃圾",
            received_at=aware(dt.date(2026, 1, 5), 10),
            source_deadline=dt.date(2026, 1, 7),
        ),
    ]


def _record(cases: list[Case]) -> list[dict]:
    """All a filing leaves in the database, as comparable values (no ids, no timestamps)."""
    rows = []
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("id"):
        entries = ModelLogEntry.objects.filter(
            content_type__model="case", object_id=str(case.pk)
        ).order_by("id")
        rows.append(
            {
                "number": case.number,
                "year": case.year,
                "state": case.state,
                "channel": case.channel_id,
                "received_at": case.received_at,
                "important_joint": case.important_joint,
                "contact_unclear": case.contact_unclear,
                "next_due": (case.next_due_on, case.next_due_label),
                "created_by": case.created_by_id,
                "categories": sorted(case.categories.values_list("code", flat=True)),
                "petitioners": list(
                    case.petitioners.order_by("id").values_list(
                        "name", "phone", "address", "is_representative"
                    )
                ),
                "deadlines": list(
                    case.deadlines.order_by("id").values_list(
                        "rule",
                        "label",
                        "is_window",
                        "start_on",
                        "length",
                        "unit",
                        "due_on",
                        "remind_on",
                        "provisional",
                        "calculation",
                        "status",
                    )
                ),
                "audit": list(entries.values_list("action", "label", "data", "user_id")),
            }
        )
    return rows


def test_batch_and_single_filing_give_the_same_numbers_deadlines_and_audit_entries():
    filings = _filings()
    user = detachment_user()
    with pytest.raises(_RollBack), transaction.atomic():
        singles = [file_case(filing, user=user) for filing in filings]
        one_by_one = _record(singles)
        raise _RollBack
    assert Case.objects.count() == 0

    batch = file_cases(filings, user=user)

    assert _record(batch) == one_by_one
    # Numbers in the order given, one gapless sequence a year.
    assert [c.number.split("-", 1)[1] for c in batch] == [
        "2025-000001",
        "2026-000001",
        "2025-000002",
        "2026-000002",
        "2026-000003",
    ]
    assert dict(CaseNumberSequence.objects.values_list("year", "last")) == {2025: 2, 2026: 3}
    # The deadlines are the rules': the channel's own 2 working days, none when the contact is
    # unclear, 5 days and the objection window for an assigned case, the source's own limit.
    rules = {c.number: list(c.deadlines.values_list("rule", "length")) for c in batch}
    assert rules[batch[0].number] == [("acceptance_direct", 3)]
    assert rules[batch[1].number] == [
        ("acceptance_assigned", 5),
        ("objection_assigned", 5),
        ("source_deadline", None),
    ]
    assert rules[batch[2].number] == []
    assert rules[batch[3].number] == [("acceptance_direct", 2)]
    # The nearest deadline kept on the case is the one the database query finds.
    for case in Case.objects.filter(pk__in=[c.pk for c in batch]):
        kept = (case.next_due_on, case.next_due_label)
        refresh_next_due(case)
        assert (case.next_due_on, case.next_due_label) == kept
    assert batch[4].next_due_label == "来源渠道办理期限"
    # One audit entry per case, by the person who filed it.
    assert ModelLogEntry.objects.filter(action="petitions.file", user=user).count() == 5


def test_a_batch_costs_a_fixed_number_of_statements():
    """Rows go in one INSERT per table: 20 cases cost what 4 do (none of them important: the
    leaders' alerts of an important case are the worker's, per case). SQLite takes at most 999
    parameters a statement, so Django splits larger batches, still a fixed number per rows."""
    filings = [filing for filing in _filings() if not filing.important]
    file_cases(filings)  # the sequences, the bureau's settings, the calendar: made, cached

    def statements(batch: list[Filing]) -> int:
        with CaptureQueriesContext(connection) as queries:
            file_cases(batch)
        return len(queries)

    small = statements(filings[:4])
    assert statements(filings[:4] * 5) == small
    assert Case.objects.count() == 28


def test_a_batch_files_all_or_nothing():
    """A bad row rolls the whole batch back, numbers included."""
    good, *_ = _filings()
    bad = Filing(channel=good.channel, place="x", description="y", visitor_count=-1)
    with pytest.raises(IntegrityError):
        file_cases([good, good, bad])
    assert Case.objects.count() == 0 and Deadline.objects.count() == 0
    assert not CaseNumberSequence.objects.filter(last__gt=0).exists()
    assert file_cases([]) == []


def test_attachments_of_a_batch_belong_to_their_own_case():
    channel = direct_channel()
    user = detachment_user()
    first, second = file_cases(
        [
            Filing(channel=channel, place="a", description="b", attachments=[a_photo("一.png")]),
            Filing(channel=channel, place="c", description="d", attachments=[a_photo("二.png")]),
        ],
        user=user,
    )
    assert list(first.attachments.values_list("original_name", "uploaded_by")) == [
        ("一.png", user.pk)
    ]
    assert list(second.attachments.values_list("original_name", "uploaded_by")) == [
        ("二.png", user.pk)
    ]
    stored = Attachment.objects.get(case=second)
    assert stored.file.name.startswith(f"cases/{second.year}/{second.pk}/")
    assert stored.file.read().startswith(b"\x89PNG")
