"""领导接访 (第七条): receptions and the monthly check (A7.1), group visits (A7.2), district
leaders' public receptions (A7.3)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from factories import (
    DepartmentFactory,
    a_category,
    aware,
    detachment_user,
    duty_team,
    leadership_members,
    make_case,
    person,
    step,
)
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.cases.filing import Filing, PetitionerData
from petitions.cases.models import Alert, Deadline, Supervision
from petitions.office import duty, receptions
from petitions.office.common import Refused
from petitions.office.models import DistrictReception, DutyShift, LeaderReception
from petitions.office.sweep import run_office_sweep
from petitions.worker.sweep import run_sweep
from rules.roles import Role
from snippets.models import Channel

pytestmark = pytest.mark.django_db

Kind = LeaderReception.Kind


def office_clerk():
    return person("bangongshi", "周办公", Role.OFFICE)


def members():
    head = person("juzhang", "赵局长", Role.BUREAU_HEAD)
    deputy = person("fuju_a", "钱副局长", Role.SUPERVISING_LEADER)
    deputy_b = person("fuju_b", "孙副局长", Role.SUPERVISING_LEADER)
    leadership_members(head, deputy, deputy_b)
    return head, deputy, deputy_b


def receive(leader, day: dt.date, kind=Kind.REGULAR, user=None):
    return receptions.record_reception(
        receptions.ReceptionData(
            leader=leader, received_on=day, place="局信访接待室", kind=kind, visitor_count=2
        ),
        user=user or office_clerk(),
    )


# --- A7.1 -------------------------------------------------------------------------------------


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a7_1_the_monthly_check_lists_exactly_the_members_below_one():
    head, deputy, deputy_b = members()
    not_a_member = person("kezhang", "李科长", Role.DEPARTMENT_HEAD)
    receive(head, dt.date(2026, 11, 3))
    receive(deputy, dt.date(2026, 10, 30))  # last month: does not count for November
    receive(deputy_b, dt.date(2026, 11, 5), kind=Kind.LETTERS)  # reading letters is no reception
    receive(not_a_member, dt.date(2026, 11, 6))
    below = receptions.members_below(2026, 11)
    assert {(r.name, r.receptions) for r in below} == {("钱副局长", 0), ("孙副局长", 0)}
    receive(deputy_b, dt.date(2026, 11, 12), kind=Kind.VISIT_DOWN)
    assert [r.name for r in receptions.members_below(2026, 11)] == ["钱副局长"]
    assert {r.name for r in receptions.members_below(2026, 10)} == {"赵局长", "孙副局长"}


def test_a7_1_the_office_is_alerted_in_the_last_5_working_days_of_a_month_once_per_member():
    head, deputy, _b = members()
    office = office_clerk()
    with freeze_time("2026-11-02 10:00:00+08:00"):
        receive(head, dt.date(2026, 11, 2))
    # November 2026 ends on Monday the 30th: its last 5 working days are 24–30.
    assert receptions.alert_window_starts(2026, 11) == dt.date(2026, 11, 24)
    with freeze_time("2026-11-23 10:00:00+08:00"):
        assert run_office_sweep()["reception_alerts"] == 0
    with freeze_time("2026-11-24 10:00:00+08:00"):
        assert run_office_sweep()["reception_alerts"] == 2
    alerts = Alert.objects.filter(kind=Alert.Kind.RECEPTION, recipient=office)
    assert sorted(a.message.split(" ")[1] for a in alerts) == ["孙副局长", "钱副局长"]
    assert "还剩 5 个工作日" in alerts.first().message
    assert alerts.first().link.endswith("?month=2026-11")
    with freeze_time("2026-11-25 10:00:00+08:00"):
        assert run_office_sweep()["reception_alerts"] == 0
        receive(deputy, dt.date(2026, 11, 25))
    with freeze_time("2026-12-01 10:00:00+08:00"):  # a new month: nobody is late yet
        assert run_office_sweep()["reception_alerts"] == 0


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a7_1_a_reception_records_its_visitors_and_files_new_cases_through_the_filing_service():
    head, _d, _b = members()
    Channel.objects.create(code="visit", name="来访", source=Channel.Source.DIRECT)
    existing = make_case(received_on=dt.date(2026, 11, 18))
    reception = receptions.record_reception(
        receptions.ReceptionData(
            leader=head,
            received_on=dt.date(2026, 11, 20),
            place="谢家湾街道",
            kind=Kind.VISIT_DOWN,
            visitor_count=6,
            matters="反映餐馆油烟。",
        ),
        user=office_clerk(),
        cases=[existing],
    )
    case = receptions.file_from_reception(
        reception,
        user=office_clerk(),
        place="谢家湾正街8号",
        description="餐馆油烟直排。",
        petitioners=[PetitionerData(name="刘群众", phone="13700000001")],
    )
    assert case.channel.code == "visit" and case.number
    assert set(reception.cases.all()) == {existing, case}
    assert ModelLogEntry.objects.filter(
        action="office.reception_case", object_id=str(case.pk)
    ).exists()
    with pytest.raises(Refused, match="不能晚于今天"):
        receive(head, dt.date(2026, 11, 21))
    with pytest.raises(Refused):
        receive(head, dt.date(2026, 11, 20), user=person("jb", "经办", Role.HANDLER))


@freeze_time("2026-12-15 10:00:00+08:00")
def test_a7_1_the_check_is_on_the_leaders_dashboard_and_in_the_quarterly_report(client):
    head, deputy, _b = members()
    receive(head, dt.date(2026, 10, 9))
    receive(head, dt.date(2026, 11, 9))
    receive(deputy, dt.date(2026, 11, 10))
    client.force_login(head)
    page = client.get("/admin/reports/quarterly/?year=2026&quarter=4").content.decode()
    section = page[page.index('id="reception-check-heading"') :]
    assert "2026年10月：2 名班子成员未达到" in section
    assert "2026年11月：1 名班子成员未达到" in section
    assert "2026年12月：3 名班子成员未达到" in section
    printed = client.get("/admin/reports/quarterly/?year=2026&quarter=4&format=print")
    assert "2026年11月：1 名班子成员未达到" in printed.content.decode()
    board = client.get("/admin/reports/dashboard/").content.decode()
    assert "2026年12月：3 名班子成员未达到" in board
    assert "2026年11月" not in board


# --- A7.2 -------------------------------------------------------------------------------------


def _group_case(received_on: dt.date):
    return make_case(received_on=received_on, is_group_visit=True, visitor_count=25)


@freeze_time("2026-12-07 15:00:00+08:00")
def test_a7_2_a_group_visit_is_handled_by_the_business_leader_with_the_days_duty_leader_as_b_role():
    head, deputy, deputy_b = members()
    team = duty_team()
    zhidui = detachment_user()
    dept = DepartmentFactory(name="大气环境管理科", code="air", supervising_leader=deputy)
    kezhang = person("kezhang_air", "冯科长", Role.DEPARTMENT_HEAD)
    dept.head = kezhang
    dept.save()
    case = _group_case(dt.date(2026, 12, 7))
    data = receptions.GroupVisitData(
        visited_at=aware(dt.date(2026, 12, 7), 10),
        handling_leader=deputy,
        department=dept,
        detachment_participants=[zhidui],
        department_participants=[kezhang],
    )
    with pytest.raises(Refused, match="没有排定值班领导"):
        receptions.record_group_visit(case, data, user=zhidui)
    duty.save_shift(
        duty.ShiftPlan(
            DutyShift.Kind.REGULAR,
            aware(dt.date(2026, 12, 7), 8) + dt.timedelta(minutes=30),
            aware(dt.date(2026, 12, 8), 8) + dt.timedelta(minutes=30),
            [team["zhang"], team["li"], team["wang"]],
            leader=deputy_b,
        ),
        user=zhidui,
    )
    visit = receptions.record_group_visit(case, data, user=zhidui)
    assert (visit.handling_leader, visit.b_role_leader) == (deputy, deputy_b)
    assert list(visit.department_participants.all()) == [kezhang]
    assert set(
        Alert.objects.filter(key=f"group_visit:{visit.pk}").values_list("recipient", flat=True)
    ) == {deputy.pk, deputy_b.pk}
    entry = ModelLogEntry.objects.get(
        action="office.group_visit", object_id=str(case.pk), content_type__model="case"
    )
    assert "孙副局长 为B角" in entry.data["fields"]["comment"]
    # Registered and dispatched like any case.
    case = step(case, "register", zhidui, kind="pollution", categories=[a_category()])
    case = step(case, "accept", zhidui, accepted_on=dt.date(2026, 12, 7), notice_method="phone")
    case = step(case, "dispatch", zhidui, host_department=dept, basis="responsibility_table")
    assert case.host_department == dept
    with pytest.raises(Refused, match="已记录"):
        receptions.record_group_visit(case, data, user=zhidui)


@freeze_time("2026-12-07 15:00:00+08:00")
def test_a7_2_only_a_case_marked_as_a_group_visit_has_one():
    members()
    zhidui = detachment_user()
    case = make_case(received_on=dt.date(2026, 12, 7))
    with pytest.raises(Refused, match="未登记为集体访"):
        receptions.record_group_visit(
            case,
            receptions.GroupVisitData(
                aware(dt.date(2026, 12, 7), 10), zhidui, DepartmentFactory(), [zhidui], [zhidui]
            ),
            user=zhidui,
        )


# --- A7.3 -------------------------------------------------------------------------------------


def district_setup():
    head, deputy, _b = members()
    Channel.objects.create(
        code="leader_reception", name="区领导接访", source=Channel.Source.LEADER_RECEPTION
    )
    kezhang = person("kezhang_water", "冯科长", Role.DEPARTMENT_HEAD)
    staff = person("keyuan_water", "卫科员", Role.HANDLER)
    dept = DepartmentFactory(name="水生态环境科", code="water", supervising_leader=deputy)
    dept.head = kezhang
    dept.save()
    dept.staff.add(staff)
    return deputy, dept, kezhang, staff


def notice_of(deputy, dept, received_on: dt.date) -> receptions.DistrictNotice:
    return receptions.DistrictNotice(
        notice_received_on=received_on - dt.timedelta(days=3),
        received_on=received_on,
        place="区信访接待中心",
        district_leader="区长 某某",
        district_leader_unit="区政府",
        supervising_leader=deputy,
        host_department=dept,
        notice_number="九龙坡信访〔2026〕12号",
    )


def a_filing():
    return Filing(
        channel=receptions.leader_reception_channel(),
        received_at=aware(dt.date(2026, 10, 12)),
        place="九龙坡区某小区",
        description="小区旁河道黑臭。",
        petitioners=[PetitionerData(name="韩信访", phone="13600000002")],
    )


def test_a7_3_the_completion_report_is_due_1_month_after_the_reception_reminded_and_supervised():
    deputy, dept, kezhang, staff = district_setup()
    office = office_clerk()
    zhidui = detachment_user()
    with freeze_time("2026-10-12 10:00:00+08:00"):
        reception = receptions.record_district_notice(
            notice_of(deputy, dept, dt.date(2026, 10, 15)), user=office, filing=a_filing()
        )
    case = reception.case
    deadline = case.deadlines.get(rule="district_reception_report")
    assert (deadline.start_on, deadline.due_on) == (dt.date(2026, 10, 15), dt.date(2026, 11, 15))
    assert (
        deadline.calculation["unit"] == "months" and deadline.calculation["basis"] == "第七条第二款"
    )
    # The supervising leader and the department heard of it at once.
    told = set(
        Alert.objects.filter(key=f"district:{reception.pk}:notice").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"fuju_a", "kezhang_water", "keyuan_water"}
    # The case is registered and dispatched to the host department like any other.
    with freeze_time("2026-10-13 10:00:00+08:00"):
        case = step(case, "register", zhidui, kind="pollution", categories=[a_category()])
        case = step(
            case, "accept", zhidui, accepted_on=dt.date(2026, 10, 13), notice_method="phone"
        )
        case = step(case, "dispatch", zhidui, host_department=dept, basis="responsibility_table")
    # The worker reminds the host department 3 working days before …
    with freeze_time("2026-11-11 08:00:00+08:00"):
        run_sweep()
    reminder = Alert.objects.get(
        kind=Alert.Kind.REMINDER, case=case, key__startswith=f"reminder:{deadline.pk}:"
    )
    assert reminder.recipient == kezhang and "办结情况报告" in reminder.message
    assert deadline.remind_on == dt.date(2026, 11, 11)
    # … and supervises it once it has passed unmet.
    with freeze_time("2026-11-16 08:00:00+08:00"):
        run_sweep()
    supervision = Supervision.objects.get(deadline=deadline)
    assert supervision.overdue_since == dt.date(2026, 11, 15)
    assert Alert.objects.filter(case=case, kind=Alert.Kind.OVERDUE, recipient=deputy).exists()


def test_a7_3_each_step_in_order_with_its_date_and_the_document_leaves_out_the_petitioner(client):
    deputy, dept, kezhang, staff = district_setup()
    office = office_clerk()
    with freeze_time("2026-10-12 10:00:00+08:00"):
        reception = receptions.record_district_notice(
            notice_of(deputy, dept, dt.date(2026, 10, 15)), user=office, filing=a_filing()
        )
    with freeze_time("2026-11-05 10:00:00+08:00"):
        with pytest.raises(Refused, match="进度"):
            receptions.approve_report(reception, user=office)
        with pytest.raises(Refused, match="承办科室"):
            receptions.submit_report(reception, text="已整治。", user=office)
        reception = receptions.submit_report(reception, text="河道已清淤。", user=staff)
        deadline = reception.case.deadlines.get(rule="district_reception_report")
        assert deadline.status == Deadline.Status.MET
        reception = receptions.return_report(reception, comment="请补充监测数据。", user=office)
        # The clock still runs from the reception: a new open deadline with the same due date.
        reopened = reception.case.deadlines.get(
            rule="district_reception_report", status=Deadline.Status.OPEN
        )
        assert reopened.due_on == dt.date(2026, 11, 15)
        reception = receptions.submit_report(
            reception, text="河道已清淤，水质监测达标。", user=kezhang
        )
        reception = receptions.approve_report(reception, user=office)
    with freeze_time("2026-11-06 10:00:00+08:00"):
        with pytest.raises(Refused, match="进度"):
            receptions.record_document(
                reception,
                document_number="九龙坡环函〔2026〕88号",
                sent_on=dt.date(2026, 11, 6),
                copied_on=dt.date(2026, 11, 6),
                user=office,
            )
        reception = receptions.record_petitioner_reply(
            reception, replied_on=dt.date(2026, 11, 6), user=kezhang
        )
        reception = receptions.record_document(
            reception,
            document_number="九龙坡环函〔2026〕88号",
            sent_on=dt.date(2026, 11, 6),
            copied_on=dt.date(2026, 11, 6),
            user=office,
        )
    assert reception.status == DistrictReception.Status.DOCUMENT_SENT
    steps = {str(s["label"]): s for s in receptions.district_steps(reception)}
    assert steps["承办科室提交办结情况报告"]["due"] == dt.date(2026, 11, 15)
    assert steps["承办科室提交办结情况报告"]["done"] == dt.date(2026, 11, 5)
    assert steps["抄报区信访办"]["done"] == dt.date(2026, 11, 6)
    assert steps["正式文件报送区领导所在单位办公室"]["done"] == dt.date(2026, 11, 6)
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(reception.case_id), content_type__model="case")
        .filter(action__startswith="office.district")
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == [
        "office.district_notice",
        "office.district_report",
        "office.district_report_returned",
        "office.district_report",
        "office.district_report_approved",
        "office.district_petitioner_replied",
        "office.district_document_sent",
    ]
    title, body = receptions.document_text(reception)
    assert body.startswith("区政府办公室：")
    assert "2026年10月15日，区长 某某公开接访" in body and "水质监测达标" in body
    assert "韩信访" not in body and "13600000002" not in body
    client.force_login(office)
    page = client.get(f"/admin/office/district/{reception.pk}/document/")
    assert page.status_code == 200 and "韩信访" not in page.content.decode()
    assert ModelLogEntry.objects.filter(action="office.district_document_printed").count() == 1


def test_a7_3_only_the_office_records_the_notice_and_an_existing_case_can_be_linked():
    deputy, dept, kezhang, _staff = district_setup()
    case = make_case(received_on=dt.date(2026, 10, 10))
    with freeze_time("2026-10-12 10:00:00+08:00"):
        with pytest.raises(Refused, match="办公室"):
            receptions.record_district_notice(
                notice_of(deputy, dept, dt.date(2026, 10, 15)), user=kezhang, case=case
            )
        reception = receptions.record_district_notice(
            notice_of(deputy, dept, dt.date(2026, 10, 15)), user=office_clerk(), case=case
        )
        assert reception.case == case
        with pytest.raises(Refused, match="已登记为区领导公开接访事项"):
            receptions.record_district_notice(
                notice_of(deputy, dept, dt.date(2026, 10, 15)), user=office_clerk(), case=case
            )
    assert re.match(r"JLPXF", case.number)
    assert timezone.localdate() is not None
