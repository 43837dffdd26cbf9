"""The worker (A18.1, A20.1, A10.1, A24.2, X.2) with a controlled clock."""

import datetime as dt

import pytest
from factories import (
    DepartmentFactory,
    UserFactory,
    a_category,
    detachment_user,
    issue_reply,
    make_case,
    step,
)
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.models import Alert, Case, Deadline, PetitionerMessage, Supervision
from petitions.worker.sweep import run_sweep
from rules.roles import Role
from rules.states import State
from snippets.models import BureauLeadership

pytestmark = pytest.mark.django_db


def sweep_on(day: str) -> dict:
    with freeze_time(f"{day} 08:00:00+08:00"):
        return run_sweep()


def dispatched_case(accepted_on: dt.date, *, head=None, leader=None, handler=None):
    user = detachment_user()
    dept = DepartmentFactory(head=head, supervising_leader=leader)
    case = step(
        make_case(received_on=accepted_on),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", user, accepted_on=accepted_on, notice_method="phone")
    return step(
        case, "dispatch", user, host_department=dept, basis="responsibility_table", handler=handler
    )


def reminders(case: Case) -> list[tuple[str, str]]:
    return sorted(
        Alert.objects.filter(case=case, kind=Alert.Kind.REMINDER).values_list(
            "recipient__username", "key"
        )
    )


@freeze_time("2026-09-05 10:00:00+08:00")
def test_a18_1_reply_reminder_3_working_days_before_a_due_date_in_the_national_day_holiday():
    """Reply due 2026-10-05 (a holiday): 3 working days before is 09-28 (09-27 is a Sunday)."""
    head = UserFactory(username="kezhang")
    handler = UserFactory(username="jingbanren", roles=[Role.HANDLER])
    case = dispatched_case(dt.date(2026, 9, 5), head=head, handler=handler)
    reply = case.deadlines.get(rule="reply")
    assert (reply.due_on, reply.remind_on) == (dt.date(2026, 10, 5), dt.date(2026, 9, 28))
    sweep_on("2026-09-27")
    assert reminders(case) == []
    sweep_on("2026-09-28")
    assert reminders(case) == [
        ("jingbanren", f"reminder:{reply.pk}:{reply.due_on.isoformat()}"),
        ("kezhang", f"reminder:{reply.pk}:{reply.due_on.isoformat()}"),
    ]
    sweep_on("2026-09-29")
    assert len(reminders(case)) == 2


@freeze_time("2026-01-20 10:00:00+08:00")
def test_a18_1_reminder_before_a_due_date_in_the_spring_festival():
    """Reply due 2026-02-19 (春节): 3 working days back are 02-14 (Sat, worked), 02-13, 02-12."""
    head = UserFactory(username="kezhang2")
    case = dispatched_case(dt.date(2026, 1, 20), head=head)
    reply = case.deadlines.get(rule="reply")
    assert (reply.due_on, reply.remind_on) == (dt.date(2026, 2, 19), dt.date(2026, 2, 12))
    sweep_on("2026-02-11")
    assert reminders(case) == []
    sweep_on("2026-02-12")
    assert reminders(case) == [("kezhang2", f"reminder:{reply.pk}:{reply.due_on.isoformat()}")]


def test_a18_1_a24_2_overdue_gets_one_supervision_and_the_supervising_leader_is_alerted(
    client, mailoutbox
):
    leader = UserFactory(username="fenguanlingdao", email="leader@example.gov.cn")
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = dispatched_case(dt.date(2026, 3, 2), leader=leader)
    sweep_on("2026-04-01")  # the due date itself: not overdue yet
    assert not Supervision.objects.exists()
    result = sweep_on("2026-04-02")
    assert result["supervised"] == 1
    supervision = Supervision.objects.get()
    assert supervision.case == case and supervision.overdue_since == dt.date(2026, 4, 1)
    assert Alert.objects.filter(recipient=leader, kind=Alert.Kind.OVERDUE, case=case).count() == 1
    assert (
        ModelLogEntry.objects.filter(object_id=str(case.pk), action="petitions.supervise").count()
        == 1
    )
    assert [m.to for m in mailoutbox] == [["leader@example.gov.cn"]]
    assert case.number in mailoutbox[0].body
    assert sweep_on("2026-04-03")["supervised"] == 0
    assert Supervision.objects.count() == 1
    assert len(mailoutbox) == 1
    with freeze_time("2026-04-03 10:00:00+08:00"):
        client.force_login(detachment_user())
        page = client.get("/admin/cases/?due=overdue").content.decode()
    assert case.number in page


def test_a18_1_after_a_day_down_the_worker_supervises_and_sends_no_stale_reminder():
    """Worker down from before the reminder date until after the due date."""
    leader = UserFactory(username="lingdao3")
    head = UserFactory(username="kezhang3")
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = dispatched_case(dt.date(2026, 3, 2), head=head, leader=leader)
    sweep_on("2026-04-03")
    assert reminders(case) == []
    assert Supervision.objects.filter(case=case).count() == 1
    assert case.deadlines.get(rule="reply").reminded_at is not None


def _replied(received_on: dt.date) -> Case:
    user = detachment_user()
    with freeze_time(f"{received_on.isoformat()} 10:00:00+08:00"):
        case = dispatched_case(received_on)
        return issue_reply(
            case,
            "reply",
            user,
            reply_text="答复",
            replied_on=received_on,
            received_on=received_on,
            method="letter",
        )


def test_a20_1_a_replied_case_closes_by_itself_once_its_window_passes():
    case = _replied(dt.date(2026, 3, 10))  # window to 2026-04-09
    assert sweep_on("2026-04-09")["closed"] == 0
    assert sweep_on("2026-04-10")["closed"] == 1
    case.refresh_from_db()
    assert case.state == State.CLOSED
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="petitions.close")
    assert entry.user is None and entry.data["system"] is True
    assert "第二十条" in entry.data["fields"]["comment"]
    assert sweep_on("2026-04-11")["closed"] == 0
    assert (
        ModelLogEntry.objects.filter(object_id=str(case.pk), action="petitions.close").count() == 1
    )


def test_a20_1_a_review_reply_without_a_re_review_request_closes_and_a_re_review_reply_closes():
    user = detachment_user()
    case = _replied(dt.date(2026, 3, 10))
    with freeze_time("2026-03-20 10:00:00+08:00"):
        case = step(case, "request_review", user, requested_on=dt.date(2026, 3, 20), request="复查")
        case = issue_reply(
            case,
            "reply_review",
            user,
            reply_text="维持",
            replied_on=dt.date(2026, 3, 20),
            received_on=dt.date(2026, 3, 20),
            method="letter",
        )
    assert sweep_on("2026-04-19")["closed"] == 0  # re-review window to 04-19
    assert sweep_on("2026-04-20")["closed"] == 1
    other = _replied(dt.date(2026, 3, 10))
    with freeze_time("2026-03-20 10:00:00+08:00"):
        other = step(
            other, "request_review", user, requested_on=dt.date(2026, 3, 20), request="复查"
        )
        other = issue_reply(
            other,
            "reply_review",
            user,
            reply_text="维持",
            replied_on=dt.date(2026, 3, 20),
            received_on=dt.date(2026, 3, 20),
            method="letter",
        )
        other = step(
            other, "request_re_review", user, requested_on=dt.date(2026, 3, 20), request="复核"
        )
        other = issue_reply(
            other,
            "reply_re_review",
            user,
            reply_text="维持",
            replied_on=dt.date(2026, 3, 20),
            received_on=dt.date(2026, 3, 20),
            method="letter",
        )
    assert sweep_on("2026-03-21")["closed"] == 1
    other.refresh_from_db()
    assert other.state == State.CLOSED


def test_a10_1_flagging_a_case_important_alerts_the_leaders_at_once():
    petition_leader = UserFactory(username="xinfang_lingdao")
    bureau_head = UserFactory(username="juzhang")
    leadership = BureauLeadership.load()
    leadership.petition_leader, leadership.bureau_head = petition_leader, bureau_head
    leadership.save()
    case = make_case(important={"important_joint": True})
    assert list(Alert.objects.filter(case=case).values_list("recipient__username", "kind")) == [
        ("xinfang_lingdao", "important")
    ]
    severe = make_case(important={"important_extreme": True, "important_severe": True})
    assert set(Alert.objects.filter(case=severe).values_list("recipient__username", "kind")) == {
        ("xinfang_lingdao", "important"),
        ("juzhang", "severe"),
    }


def test_a10_1_business_leader_is_alerted_when_an_important_flag_is_set_later(client):
    business_leader = UserFactory(username="yewu_lingdao")
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = dispatched_case(dt.date(2026, 3, 2), leader=business_leader)
    assert not Alert.objects.filter(case=case).exists()
    client.force_login(UserFactory(username="admin2", is_superuser=True, is_staff=True))
    data = {
        "place": case.place,
        "description": case.description,
        "reported_party": "",
        "demands": "",
        "source_ticket_number": "",
        "important_cross_district": "on",
    }
    response = client.post(f"/admin/cases/edit/{case.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Alert.objects.filter(case=case, recipient=business_leader, kind="important").count() == 1
    case.refresh_from_db()
    assert case.deadlines.get(rule="reply_important", status="open").due_on == dt.date(2026, 3, 17)
    client.post(f"/admin/cases/edit/{case.pk}/", data)
    assert Alert.objects.filter(case=case, kind="important").count() == 1


def test_a10_1_a_case_of_possible_major_social_impact_asks_for_its_report_to_be_recorded():
    user = detachment_user()
    case = make_case(important={"important_social_impact": True})
    alert = Alert.objects.get(case=case, recipient=user, kind="social_impact")
    assert "区政府、区信访办" in alert.message
    step(
        case,
        "record_impact_report",
        user,
        reported_to="区政府办公室、区信访办",
        reported_on=case.received_on,
        report_content="已电话报告并报送书面材料",
    )
    case.refresh_from_db()
    assert case.decision["reported_to"] == "区政府办公室、区信访办"


class FlakyGateway:
    """The outside world: an SMS gateway that fails until told otherwise."""

    fail = True
    sent: list = []

    def send(self, message):
        if FlakyGateway.fail:
            raise ConnectionError("gateway down")
        FlakyGateway.sent.append((message.to, message.body))


def test_x_2_a_failed_message_never_blocks_the_case_and_is_retried(settings):
    settings.PETITIONS_MESSAGE_SENDER = "test_worker.FlakyGateway"
    FlakyGateway.fail, FlakyGateway.sent = True, []
    user = detachment_user()
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = step(
            make_case(received_on=dt.date(2026, 3, 2)),
            "register",
            user,
            kind="pollution",
            categories=[a_category()],
        )
        case = step(case, "accept", user, accepted_on=dt.date(2026, 3, 2), notice_method="sms")
        assert case.state == State.ACCEPTED
        run_sweep()
    message = PetitionerMessage.objects.get(case=case, event="accept")
    assert (message.status, message.attempts) == ("failed", 1)
    assert "gateway down" in message.last_error
    FlakyGateway.fail = False
    with freeze_time("2026-03-02 10:01:00+08:00"):
        run_sweep()  # too early for the retry
    assert FlakyGateway.sent == []
    with freeze_time("2026-03-02 10:10:00+08:00"):
        run_sweep()
    message.refresh_from_db()
    assert message.status == "sent"
    assert FlakyGateway.sent == [("13812340000", message.body)]
    assert case.number in message.body


def test_a24_2_dashboard_panel_shows_my_overdue_cases_and_my_alerts(client):
    leader = UserFactory(username="lingdao9", roles=[Role.SUPERVISING_LEADER])
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = dispatched_case(dt.date(2026, 3, 2), leader=leader)
    sweep_on("2026-04-02")
    client.force_login(leader)
    with freeze_time("2026-04-02 10:00:00+08:00"):
        page = client.get("/admin/").content.decode()
        assert case.number in page and "逾期" in page
        alerts = client.get("/admin/alerts/").content.decode()
    assert "已督办" in alerts
    alert = Alert.objects.get(recipient=leader)
    client.post(f"/admin/alerts/{alert.pk}/read/")
    alert.refresh_from_db()
    assert alert.read_at is not None
    other = UserFactory(username="other9", roles=[Role.HANDLER])
    client.force_login(other)
    assert client.post(f"/admin/alerts/{alert.pk}/read/").status_code == 404
    assert Deadline.objects.filter(case=case, rule="reply").get().status == "open"
