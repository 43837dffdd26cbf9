"""Due dates on cases: which rule, from which day, over which holidays (A15, A17, A19, A20, A26)."""

import datetime as dt

import pytest
from factories import (
    ChannelFactory,
    DepartmentFactory,
    a_category,
    detachment_user,
    issue_reply,
    make_case,
    step,
    superior_channel,
)
from freezegun import freeze_time

from petitions.models import Deadline
from rules.states import State
from rules.transitions import TransitionRefused
from snippets.models import (
    BureauRules,
    CalendarCorrection,
    Channel,
    ChannelDeadline,
    HolidayNotice,
)

pytestmark = pytest.mark.django_db


def open_deadline(case, rule) -> Deadline:
    return case.deadlines.get(rule=rule, status=Deadline.Status.OPEN)


def test_a15_1_direct_petition_acceptance_due_in_3_working_days_across_national_day():
    """A15.1: received 2026-09-30: 10-08, 10-09 and 10-10 (a Saturday worked, 调休) → 2026-10-10."""
    case = make_case(received_on=dt.date(2026, 9, 30))
    deadline = open_deadline(case, "acceptance_direct")
    assert deadline.due_on == dt.date(2026, 10, 10)
    assert case.next_due_on == dt.date(2026, 10, 10)
    skipped = [d for d, _reason in deadline.calculation["skipped"]]
    assert skipped == [f"2026-10-0{d}" for d in range(1, 8)]
    assert any("国庆" in reason for _d, reason in deadline.calculation["skipped"])
    assert deadline.provisional is False


def test_a15_1_clock_does_not_run_while_contact_details_are_unclear():
    case = make_case(received_on=dt.date(2026, 3, 2), contact_unclear=True)
    assert not case.deadlines.filter(rule="acceptance_direct").exists()


def test_a15_2_superior_assigned_acceptance_and_objection_due_in_5_working_days_over_spring_festival():
    """A15.2: a 12345 ticket received 2026-02-12 (Thu): 02-13, 02-14 (Sat, worked), 02-24, 02-25, 02-26."""
    case = make_case(
        channel=superior_channel(), source_ticket_number="12345-1", received_on=dt.date(2026, 2, 12)
    )
    assert open_deadline(case, "acceptance_assigned").due_on == dt.date(2026, 2, 26)
    assert open_deadline(case, "objection_assigned").due_on == dt.date(2026, 2, 26)


def test_a17_2_reply_due_30_days_or_15_for_an_important_case_and_a_flag_recomputes_it():
    user = detachment_user()
    case = step(
        make_case(received_on=dt.date(2026, 4, 1)),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", user, accepted_on=dt.date(2026, 4, 1), notice_method="phone")
    assert open_deadline(case, "reply").due_on == dt.date(2026, 5, 1)  # natural days, not moved
    important = step(
        step(
            make_case(received_on=dt.date(2026, 4, 1), important={"important_joint": True}),
            "register",
            user,
            kind="pollution",
            categories=[a_category()],
        ),
        "accept",
        user,
        accepted_on=dt.date(2026, 4, 1),
        notice_method="phone",
    )
    assert open_deadline(important, "reply_important").due_on == dt.date(2026, 4, 16)

    from petitions.cases.deadlines import sync_reply_deadline

    case.important_leader_instruction = True
    case.save()
    sync_reply_deadline(case, user=user)
    assert open_deadline(case, "reply_important").due_on == dt.date(2026, 4, 16)
    assert case.deadlines.get(rule="reply").status == Deadline.Status.CANCELLED


def test_a17_2_a_natural_day_due_date_moves_off_a_holiday_only_when_the_setting_says_so():
    user = detachment_user()
    choices = BureauRules.load()  # 设置 › 本局办理选项
    choices.move_natural_due_off_holidays = True
    choices.save()
    case = step(
        make_case(received_on=dt.date(2026, 4, 1)),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", user, accepted_on=dt.date(2026, 4, 1), notice_method="phone")
    deadline = open_deadline(case, "reply")
    assert deadline.due_on == dt.date(2026, 5, 6)  # 05-01..05-05 is the Labour Day holiday
    assert deadline.calculation["moved_off_holiday"] is True


def test_a17_2_a_channel_sets_its_own_reply_limit():
    """A17.2: 第十七条第三款 — the source channel's own limit overrides the default."""
    user = detachment_user()
    channel = ChannelFactory(code="mailbox", name="政府信箱", source=Channel.Source.SUPERIOR)
    ChannelDeadline.objects.create(channel=channel, rule="reply", length=10, unit="working_days")
    case = make_case(channel=channel, source_ticket_number="XX-1", received_on=dt.date(2026, 9, 28))
    case = step(case, "register", user, kind="superior", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=dt.date(2026, 9, 28), notice_method="written")
    deadline = open_deadline(case, "reply")
    # 10 working days after 09-28: 09-29, 09-30, 10-08, 10-09, 10-10 (Sat, worked), 10-12 … 10-16
    assert deadline.due_on == dt.date(2026, 10, 16)
    assert (deadline.length, deadline.unit) == (10, "working_days")


@freeze_time("2026-06-10 10:00:00+08:00")
def test_a19_1_review_request_only_within_30_days_of_receiving_the_reply():
    user = detachment_user()
    dept = DepartmentFactory()
    case = step(
        make_case(received_on=dt.date(2026, 4, 1)),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", user, accepted_on=dt.date(2026, 4, 1), notice_method="phone")
    case = step(case, "dispatch", user, host_department=dept, basis="responsibility_table")
    case = issue_reply(
        case,
        "reply",
        user,
        reply_text="答复",
        replied_on=dt.date(2026, 4, 20),
        received_on=dt.date(2026, 4, 22),
        method="letter",
    )
    assert open_deadline(case, "review_request_window").due_on == dt.date(2026, 5, 22)
    with pytest.raises(TransitionRefused) as refused:
        step(case, "request_review", user, requested_on=dt.date(2026, 5, 23), request="复查")
    assert "第十九条" in refused.value.message and "2026-05-22" in refused.value.message
    case = step(case, "request_review", user, requested_on=dt.date(2026, 5, 22), request="复查")
    assert open_deadline(case, "review_opinion").due_on == dt.date(2026, 6, 21)


@freeze_time("2026-08-10 10:00:00+08:00")
def test_a19_2_a19_3_re_review_window_and_nothing_after_a_re_review():
    user = detachment_user()
    dept = DepartmentFactory()
    case = step(
        make_case(received_on=dt.date(2026, 4, 1)),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", user, accepted_on=dt.date(2026, 4, 1), notice_method="phone")
    case = step(case, "dispatch", user, host_department=dept, basis="responsibility_table")
    d = dt.date(2026, 4, 10)
    case = issue_reply(
        case, "reply", user, reply_text="答复", replied_on=d, received_on=d, method="letter"
    )
    case = step(case, "request_review", user, requested_on=d, request="复查")
    case = issue_reply(
        case,
        "reply_review",
        user,
        reply_text="复查",
        replied_on=dt.date(2026, 5, 1),
        received_on=dt.date(2026, 5, 2),
        method="letter",
    )
    assert open_deadline(case, "re_review_request_window").due_on == dt.date(2026, 6, 1)
    with pytest.raises(TransitionRefused):
        step(case, "request_re_review", user, requested_on=dt.date(2026, 6, 2), request="复核")
    case = step(case, "request_re_review", user, requested_on=dt.date(2026, 6, 1), request="复核")
    assert open_deadline(case, "re_review_opinion").due_on == dt.date(2026, 7, 1)
    case = issue_reply(
        case,
        "reply_re_review",
        user,
        reply_text="复核",
        replied_on=dt.date(2026, 6, 20),
        received_on=dt.date(2026, 6, 20),
        method="letter",
    )
    # A19.3: after a re-review no further request is possible; the case may close at once.
    from rules.transitions import TRANSITIONS

    assert not [
        n
        for n, t in TRANSITIONS.items()
        if State.RE_REVIEW_REPLIED in t.sources and n.startswith("request")
    ]
    case = step(case, "close", user)
    assert case.state == State.CLOSED


def test_a20_1_a_replied_case_closes_only_after_its_30_day_objection_window():
    user = detachment_user()
    dept = DepartmentFactory()
    with freeze_time("2026-03-10 10:00:00+08:00"):
        case = step(
            make_case(received_on=dt.date(2026, 3, 2)),
            "register",
            user,
            kind="pollution",
            categories=[a_category()],
        )
        case = step(case, "accept", user, accepted_on=dt.date(2026, 3, 2), notice_method="phone")
        case = step(case, "dispatch", user, host_department=dept, basis="responsibility_table")
        case = issue_reply(
            case,
            "reply",
            user,
            reply_text="答复",
            replied_on=dt.date(2026, 3, 10),
            received_on=dt.date(2026, 3, 10),
            method="letter",
        )
    with freeze_time("2026-04-09 10:00:00+08:00"):  # the 30th day: still inside the window
        with pytest.raises(TransitionRefused) as refused:
            step(case, "close", user)
        assert "第二十条" in refused.value.message and "2026-04-09" in refused.value.message
    with freeze_time("2026-04-10 10:00:00+08:00"):
        case = step(case, "close", user)
        assert case.state == State.CLOSED
        assert case.deadlines.get(rule="objection_window").status == Deadline.Status.LAPSED


def test_a26_1_a_due_date_in_2027_is_provisional_until_the_notice_is_entered():
    """A26.1: chinese-calendar stops at 2026; an administrator's 2027 notice takes effect at once."""
    case = make_case(received_on=dt.date(2027, 2, 4))
    deadline = open_deadline(case, "acceptance_direct")
    # Provisional: 除夕 02-05 to 初三 02-08 are holidays; 3 working days → 02-09, 02-10, 02-11.
    assert deadline.due_on == dt.date(2027, 2, 11)
    assert deadline.provisional is True

    notice = HolidayNotice.objects.create(year=2027, source="国办发明电〔2026〕7号（测试）")
    for day in range(5, 13):
        notice.days.create(date=dt.date(2027, 2, day), name="春节")
    notice.days.create(date=dt.date(2027, 2, 13), name="调休上班", is_working_day=True)
    notice.save()
    later = make_case(received_on=dt.date(2027, 2, 4))
    deadline = open_deadline(later, "acceptance_direct")
    # 02-05..02-12 off, 02-13 (Sat) worked: 02-13, 02-15, 02-16.
    assert deadline.due_on == dt.date(2027, 2, 16)
    assert deadline.provisional is False


def test_a26_1_a_single_day_correction_takes_precedence():
    CalendarCorrection.objects.create(
        date=dt.date(2026, 12, 31),
        is_working_day=False,
        name="临时放假",
        source="区政府通知（测试）",
    )
    case = make_case(received_on=dt.date(2026, 12, 29))
    deadline = open_deadline(case, "acceptance_direct")
    assert any("区政府通知（测试）" in reason for _d, reason in deadline.calculation["skipped"])
