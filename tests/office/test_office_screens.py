"""The working systems' screens in the admin, as each role sees them (A7.x, A9.1, A11.1, A12.x,
A23.1): every page renders in Chinese, forms post to the services, refusals come back."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from factories import (
    DepartmentFactory,
    a_category,
    detachment_user,
    direct_channel,
    duty_team,
    leadership_members,
    make_case,
    person,
    step,
)
from freezegun import freeze_time

from petitions.office import duty, mediation, receptions, rewards
from petitions.office.models import DutyCall, DutyShift, LeaderReception
from rules.roles import Role
from snippets.models import Channel

pytestmark = pytest.mark.django_db


def ok(response) -> str:
    assert response.status_code == 200, response.get("Location")
    return response.content.decode()


def refused(response) -> bool:
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


def at(day: str, time: str = "08:30") -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day} {time}"))


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a12_1_the_week_screen_refuses_a_day_with_one_enforcement_officer_and_shows_gaps(client):
    team = duty_team()
    office = person("bangongshi", "周办公", Role.OFFICE)
    client.force_login(office)
    page = ok(client.get("/admin/office/duty/roster/?week=2026-12-09"))
    assert "2026-12-07 起的一周" in page and "以下时段无人值班" in page
    assert "张执法" in page and "zhifa_zhang" not in page  # people by full name
    data = {"week": "2026-12-07"}
    for i in range(7):
        day = dt.date(2026, 12, 7) + dt.timedelta(days=i)
        prefix = f"d{day:%Y%m%d}"
        data[f"{prefix}-enforcement"] = (
            [team["zhang"].pk] if i == 2 else [team["zhang"].pk, team["li"].pk]
        )
        data[f"{prefix}-monitoring"] = [team["wang"].pk]
    response = client.post("/admin/office/duty/roster/", data)
    page = ok(response)
    assert "本周排班未保存" in page
    assert "执法人员只有1名，至少需要2名" in page
    assert DutyShift.objects.count() == 0
    data["d20261209-enforcement"] = [team["zhang"].pk, team["zhao"].pk]
    response = client.post("/admin/office/duty/roster/", data)
    assert response.status_code == 302
    assert DutyShift.objects.count() == 7
    page = ok(client.get("/admin/office/duty/roster/?week=2026-12-07"))
    assert "本周24小时均有人值班" in page
    # A handler may look at the roster but not save it.
    client.force_login(person("jb", "孙经办", Role.HANDLER))
    assert refused(client.get("/admin/office/duty/roster/"))


@freeze_time("2026-12-07 23:30:00+08:00")
def test_a12_2_the_shift_screen_logs_calls_marks_open_ones_and_hands_one_over(client):
    direct_channel()
    team = duty_team()
    shift = duty.save_shift(
        duty.ShiftPlan(
            DutyShift.Kind.REGULAR,
            at("2026-12-07"),
            at("2026-12-08"),
            [team["zhang"], team["li"], team["wang"]],
        ),
        user=detachment_user(),
    )
    client.force_login(team["zhang"].user)
    url = f"/admin/office/duty/shifts/{shift.pk}/"
    ok(client.get(url))
    call = {
        "action": "call",
        "call-received_at": "2026-12-07 23:05",
        "call-caller_phone": "13912345678",
        "call-place": "九龙坡区谢家湾",
        "call-demand": "工地夜间打桩。",
        "call-construction_noise": "on",
    }
    assert client.post(url, call).status_code == 302
    urgent = DutyCall.objects.get()
    assert urgent.urgent
    page = ok(client.get(url))
    assert "未现场核实、未回复来电人" in page
    response = client.post(
        url,
        {
            "action": "callback",
            "call": urgent.pk,
            f"callback-{urgent.pk}-at": "2026-12-07 22:00",
            f"callback-{urgent.pk}-notes": "已告知",
        },
    )
    assert "回复时间不能早于来电时间" in ok(response)
    assert (
        client.post(
            url,
            {
                "action": "callback",
                "call": urgent.pk,
                f"callback-{urgent.pk}-at": "2026-12-07 23:25",
                f"callback-{urgent.pk}-notes": "已告知来电人正在处置。",
            },
        ).status_code
        == 302
    )
    call.update({"call-received_at": "2026-12-07 23:10", "call-construction_noise": ""})
    call["call-demand"] = "河道有异味。"
    client.post(url, call)
    other = DutyCall.objects.exclude(pk=urgent.pk).get()
    response = client.post(url, {"action": "handover", "call": other.pk}, follow=True)
    page = ok(response)
    other.refresh_from_db()
    assert other.case is not None and f"已转支队登记，案件编号 {other.case.number}" in page
    case_page = ok(client.get(f"/admin/cases/inspect/{other.case.pk}/"))
    assert "值班来电（2026-12-07 23:10）" in case_page
    # The home page panel of the duty officer.
    home = ok(client.get("/admin/"))
    assert "我的值班" in home and "未现场核实" in home
    # Someone else on duty but not on this shift may not log its calls.
    client.force_login(person("zhiban_other", "吴值班", Role.DUTY))
    assert client.post(url, call).status_code == 404


@freeze_time("2026-12-15 10:00:00+08:00")
def test_a7_1_the_reception_screens_record_a_reception_and_show_the_monthly_check(client):
    head = person("juzhang", "赵局长", Role.BUREAU_HEAD)
    deputy = person("fuju", "钱副局长", Role.SUPERVISING_LEADER)
    leadership_members(head, deputy)
    office = person("bangongshi", "周办公", Role.OFFICE)
    client.force_login(office)
    page = ok(client.get("/admin/office/receptions/?month=2026-12"))
    assert page.count('class="reception-below"') == 2
    response = client.post(
        "/admin/office/receptions/add/",
        {
            "action": "reception",
            "reception-leader": head.pk,
            "reception-received_on": "2026-12-15",
            "reception-kind": "regular",
            "reception-place": "局信访接待室",
            "reception-visitor_count": "3",
            "reception-case_numbers": "JLPXF-0000-000000",
        },
    )
    assert "没有这些编号的案件" in ok(response)
    response = client.post(
        "/admin/office/receptions/add/",
        {
            "action": "reception",
            "reception-leader": head.pk,
            "reception-received_on": "2026-12-15",
            "reception-kind": "regular",
            "reception-place": "局信访接待室",
            "reception-visitor_count": "3",
        },
    )
    reception = LeaderReception.objects.get()
    assert response["Location"] == f"/admin/office/receptions/{reception.pk}/"
    page = ok(client.get("/admin/office/receptions/?month=2026-12"))
    assert page.count('class="reception-below"') == 1
    assert re.search(r'data-member="钱副局长" class="reception-below"', page)
    Channel.objects.create(code="visit", name="来访", source=Channel.Source.DIRECT)
    response = client.post(
        f"/admin/office/receptions/{reception.pk}/",
        {
            "action": "file",
            "file-petitioner_name": "刘群众",
            "file-petitioner_phone": "13700000001",
            "file-place": "谢家湾正街",
            "file-description": "餐馆油烟。",
        },
    )
    assert reception.cases.count() == 1
    assert response["Location"] == f"/admin/cases/inspect/{reception.cases.get().pk}/"
    home = ok(client.get("/admin/"))
    assert "未达到接访次数的班子成员" in home and "钱副局长" in home


@freeze_time("2026-12-07 10:00:00+08:00")
def test_every_working_system_screen_renders_for_its_users(client):
    zhidui = detachment_user()
    office = person("bangongshi", "周办公", Role.OFFICE)
    head = person("juzhang", "赵局长", Role.BUREAU_HEAD)
    discipline = person("jijian", "吴纪检", Role.DISCIPLINE)
    admin = person("guanli", "钱管理", Role.ADMINISTRATOR)
    leadership_members(head)
    Channel.objects.create(
        code="leader_reception", name="区领导接访", source=Channel.Source.LEADER_RECEPTION
    )
    dept = DepartmentFactory(name="法规与标准科", code="law", supervising_leader=head)
    case = step(
        make_case(received_on=dt.date(2026, 12, 1), is_group_visit=True, visitor_count=30),
        "register",
        zhidui,
        kind="violation_report",
        categories=[a_category()],
    )
    case = step(case, "accept", zhidui, accepted_on=dt.date(2026, 12, 1), notice_method="phone")
    case = step(case, "dispatch", zhidui, host_department=dept, basis="responsibility_table")
    reward = rewards.apply(case, applied_on=dt.date(2026, 12, 7), user=zhidui)
    rewards.check_eligibility(reward, eligible=True, reason="", amount=Decimal("800"), user=zhidui)
    m = mediation.propose(
        case,
        dispute_kind="penalty",
        department=dept,
        parties=[mediation.PartyData("张三", "申请人"), mediation.PartyData("某公司", "被申请人")],
        user=zhidui,
    )
    district = receptions.record_district_notice(
        receptions.DistrictNotice(
            dt.date(2026, 12, 1),
            dt.date(2026, 12, 3),
            "区信访接待中心",
            "区长 某某",
            "区政府",
            head,
            dept,
        ),
        user=office,
        case=case,
    )
    pages = {
        zhidui: [
            "/admin/office/duty/",
            "/admin/office/duty/roster/",
            "/admin/office/duty/extra-shift/",
            "/admin/office/receptions/",
            f"/admin/office/cases/{case.pk}/group-visit/",
            "/admin/office/district/",
            f"/admin/office/district/{district.pk}/",
            "/admin/office/rewards/",
            f"/admin/office/rewards/{reward.pk}/",
            "/admin/office/mediations/",
            f"/admin/office/mediations/{m.pk}/",
            f"/admin/office/cases/{case.pk}/mediation/",
            "/admin/office/accountability/",
            "/admin/office/accountability/referrals/add/",
            f"/admin/cases/inspect/{case.pk}/",
        ],
        office: [
            "/admin/office/receptions/add/",
            "/admin/office/district/add/",
            "/admin/office/accountability/self-examinations/add/",
            "/admin/",
        ],
        head: [f"/admin/office/rewards/{reward.pk}/", "/admin/reports/dashboard/"],
        discipline: ["/admin/office/accountability/"],
        admin: ["/admin/office/duty/officers/"],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            page = ok(client.get(url))
            assert "Traceback" not in page
    client.force_login(head)
    assert "审批同意" in ok(client.get(f"/admin/office/rewards/{reward.pk}/"))
    client.force_login(zhidui)
    case_page = ok(client.get(f"/admin/cases/inspect/{case.pk}/"))
    assert "工作制度记录" in case_page and "记录集访接访" in case_page
    assert "有奖举报" in case_page and "区领导公开接访" in case_page
    # The menu (the sidebar's data) shows each screen to those who use it.
    sidebar = ok(client.get("/admin/cases/"))
    assert "/admin/office/duty/roster/" in sidebar and "/admin/office/rewards/" in sidebar
    assert "/admin/office/duty/officers/" in sidebar  # the detachment plans the roster
    client.force_login(person("jb", "孙经办", Role.HANDLER))
    sidebar = ok(client.get("/admin/cases/"))
    assert "/admin/office/accountability/" not in sidebar
    assert "/admin/office/duty/roster/" not in sidebar
