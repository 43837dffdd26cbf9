"""统计报表: dashboards (A5.1), the quarterly report (A5.2), the bulletin (A20.2), the yearly
department evaluation (A21.1) and the due-soon and overdue list (A24.2)."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import (
    ChannelFactory,
    DepartmentFactory,
    UserFactory,
    a_category,
    detachment_user,
    direct_channel,
    issue_reply,
    make_case,
    step,
)
from freezegun import freeze_time
from openpyxl import load_workbook

from petitions.models import Deadline, Feedback, Reply, SpotCheck, Talk
from petitions.reports import charts
from petitions.reports.figures import department_rows, period_report
from petitions.reports.live import live_rows
from petitions.reports.periods import previous_quarter, quarter_bounds, quarter_of, year_bounds
from petitions.reports.records import grant_record_permissions
from petitions.reports.scope import report_scope
from rules.roles import Role

pytestmark = pytest.mark.django_db

TODAY = "2026-08-20 10:00:00+08:00"
Q2 = quarter_bounds(2026, 2)
Q3 = quarter_bounds(2026, 3)
PETITIONER_NAME, PETITIONER_PHONE = "张三", "13812340000"  # what make_case files


def _accepted(user, *, received, accepted=None, department=None, channel=None, handler=None, **kw):
    case = make_case(user=user, received_on=received, channel=channel, **kw)
    case = step(case, "register", user, kind="pollution", categories=[a_category()])
    if accepted is None:
        return case
    case = step(case, "accept", user, accepted_on=accepted, notice_method="phone")
    if department is None:
        return case
    return step(
        case,
        "dispatch",
        user,
        host_department=department,
        co_departments=[],
        basis="responsibility_table",
        handler=handler,
    )


def _due(case, *rules) -> dt.date:
    return Deadline.objects.get(case=case, rule__in=rules).due_on


def _reply(case, user, day):
    return issue_reply(case, "reply", user, replied_on=day, received_on=day)


@pytest.fixture
def world():
    """Two departments, two leaders, five cases across the second and third quarter of 2026.

    Q2: c1 (air, phone) replied on time and reviewed; c2 (air, letter) replied 3 days late;
        c3 (water, important) accepted 2 days late, replied on time.
    Q3: c4 (water) accepted, never replied: overdue since its reply limit; c5 only registered,
        its acceptance limit still ahead (due soon).
    """
    with freeze_time(TODAY):
        user = detachment_user()
        leader_a = UserFactory(
            username="leader_a", first_name="甲分管", roles=[Role.SUPERVISING_LEADER]
        )
        leader_b = UserFactory(
            username="leader_b", first_name="乙分管", roles=[Role.SUPERVISING_LEADER]
        )
        head_a = UserFactory(username="head_a", first_name="甲科长", roles=[Role.DEPARTMENT_HEAD])
        head_b = UserFactory(username="head_b", first_name="乙科长", roles=[Role.DEPARTMENT_HEAD])
        handler_b = UserFactory(username="handler_b", first_name="乙经办", roles=[Role.HANDLER])
        air = DepartmentFactory(
            code="air", name="大气环境管理科", head=head_a, supervising_leader=leader_a
        )
        water = DepartmentFactory(
            code="water", name="水生态环境科", head=head_b, supervising_leader=leader_b
        )
        water.staff.add(handler_b)
        phone = direct_channel()
        letter = ChannelFactory(code="letter", name="来信")

        c1 = _accepted(
            user, received=dt.date(2026, 4, 1), accepted=dt.date(2026, 4, 2), department=air
        )
        c1 = _reply(c1, user, dt.date(2026, 4, 10))
        c1 = step(c1, "request_review", user, requested_on=dt.date(2026, 4, 15), request="不满意")
        c1 = issue_reply(
            c1,
            "reply_review",
            user,
            replied_on=dt.date(2026, 4, 25),
            received_on=dt.date(2026, 4, 25),
        )
        c2 = _accepted(
            user,
            received=dt.date(2026, 4, 1),
            accepted=dt.date(2026, 4, 2),
            department=air,
            channel=letter,
        )
        late_day = _due(c2, "reply") + dt.timedelta(days=3)
        c2 = _reply(c2, user, late_day)
        c3 = _accepted(
            user,
            received=dt.date(2026, 5, 6),
            important={"important_leader_instruction": True},
        )
        c3 = step(
            c3,
            "accept",
            user,
            accepted_on=_due(c3, "acceptance_direct") + dt.timedelta(days=2),
            notice_method="phone",
        )
        c3 = step(
            c3,
            "dispatch",
            user,
            host_department=water,
            co_departments=[],
            basis="responsibility_table",
        )
        c3 = _reply(c3, user, c3.accepted_on + dt.timedelta(days=5))
        c4 = _accepted(
            user,
            received=dt.date(2026, 7, 1),
            accepted=dt.date(2026, 7, 2),
            department=water,
            handler=handler_b,
        )
        c5 = _accepted(user, received=dt.date(2026, 8, 19))

        replies = {r.case_id: r for r in Reply.objects.filter(stage="reply")}
        Feedback.objects.create(case=c1, reply=replies[c1.pk], rating=5)
        Feedback.objects.create(case=c2, reply=replies[c2.pk], rating=2)
        SpotCheck.objects.create(
            case=c2,
            department=air,
            checked_on=dt.date(2026, 5, 20),
            finding=SpotCheck.Finding.MINOR,
            checked_by=user,
        )
        Talk.objects.create(
            staff=head_a, department=air, held_on=dt.date(2026, 6, 1), reason="答复逾期"
        )
    return {
        "user": user,
        "air": air,
        "water": water,
        "head_a": head_a,
        "head_b": head_b,
        "leader_a": leader_a,
        "leader_b": leader_b,
        "handler_b": handler_b,
        "cases": [c1, c2, c3, c4, c5],
        "phone": phone,
    }


def _report(user, period, today=dt.date(2026, 8, 20)):
    return period_report(report_scope(user), period, today)


def _counts(rows):
    return {row.label: row.count for row in rows}


# --- A5.2 the quarterly report -------------------------------------------------------------


def test_a5_2_quarterly_figures_by_channel_department_outcome_and_on_time_rates(world):
    c1, c2, c3, c4, c5 = world["cases"]
    q2 = _report(world["user"], Q2)
    assert q2.counts.total == 3
    assert q2.counts.important == 1
    assert _counts(q2.counts.by_channel) == {"来电": 2, "来信": 1}
    assert _counts(q2.counts.by_department) == {"大气环境管理科": 2, "水生态环境科": 1}
    assert _counts(q2.counts.by_category) == {"大气": 3}
    assert _counts(q2.counts.by_outcome) == {"已答复": 2, "已复查答复": 1}
    assert _counts(q2.counts.by_kind) == {"环境污染扰民投诉": 3}
    # c3 accepted two days late; c2 replied three days late.
    assert (q2.on_time.acceptance.on_time, q2.on_time.acceptance.late) == (2, 1)
    assert (q2.on_time.reply.on_time, q2.on_time.reply.late) == (2, 1)
    assert q2.on_time.reply.percent == 66.7
    assert q2.on_time.overdue_cases == 2
    assert {i.number for i in q2.overdue} == {c2.number, c3.number}
    assert [i.number for i in q2.important] == [c3.number]
    assert q2.important[0].reasons == ["区领导批示办理"]
    assert (q2.reviews.review_requested, q2.reviews.review_replied) == (1, 1)
    assert q2.spot_checks.total == 1 and q2.spot_checks.with_problems == 1
    assert q2.talks == 1

    q3 = _report(world["user"], Q3)
    assert q3.counts.total == 2
    # c4: the reply limit passed on the 1st of August with no reply; c5's limit is still ahead.
    assert (q3.on_time.reply.on_time, q3.on_time.reply.late) == (0, 1)
    assert [(i.number, i.done_on) for i in q3.overdue] == [(c4.number, None)]
    # Both ratings were given in the third quarter.
    assert (q3.satisfaction.count, q3.satisfaction.average) == (2, 3.5)
    assert q3.reviews.review_requested == 0


def test_a5_2_report_counts_only_the_departments_a_head_may_see(world):
    scoped = _report(world["head_b"], Q2)
    assert scoped.counts.total == 1
    assert _counts(scoped.counts.by_department) == {"水生态环境科": 1}
    assert [r.name for r in scoped.departments] == ["水生态环境科"]
    assert scoped.talks == 0 and scoped.spot_checks.total == 0
    leader = period_report(report_scope(world["leader_a"]), Q2, dt.date(2026, 8, 20))
    assert leader.counts.total == 2


def test_a5_2_quarterly_page_has_charts_tables_and_a_workbook(client, world):
    client.force_login(world["user"])
    page = client.get("/admin/reports/quarterly/?year=2026&quarter=2")
    html = page.content.decode()
    assert page.status_code == 200
    assert "2026年第2季度" in html
    assert html.count('<svg class="report-chart" role="img"') >= 4
    assert 'class="bar"' in html
    assert PETITIONER_NAME not in html and PETITIONER_PHONE not in html

    response = client.get("/admin/reports/quarterly/?year=2026&quarter=2&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert {"概况", "按渠道", "按科室", "按期率", "逾期案件", "重要案件"} <= set(book.sheetnames)
    channels = {row[0]: row[1] for row in book["按渠道"].iter_rows(min_row=2, values_only=True)}
    assert channels == {"来电": 2, "来信": 1}
    rates = {row[0]: row[1:] for row in book["按期率"].iter_rows(min_row=2, values_only=True)}
    assert rates["答复"] == (2, 1, 66.7)
    overdue = [row[0] for row in book["逾期案件"].iter_rows(min_row=2, values_only=True)]
    assert sorted(overdue) == sorted([world["cases"][1].number, world["cases"][2].number])


def test_a5_2_printable_page_has_no_admin_chrome_and_no_petitioner(client, world):
    client.force_login(world["user"])
    screen = client.get("/admin/reports/quarterly/?year=2026&quarter=2").content.decode()
    printed = client.get("/admin/reports/quarterly/?year=2026&quarter=2&format=print")
    html = printed.content.decode()
    assert printed.status_code == 200
    assert "sidebar" in screen and "sidebar" not in html
    assert "@media print" in html
    assert world["cases"][1].number in html  # the late case is listed by number
    assert PETITIONER_NAME not in html and PETITIONER_PHONE not in html


def test_a5_2_a_wrong_quarter_is_refused_beside_the_field(client, world):
    client.force_login(world["user"])
    html = client.get("/admin/reports/quarterly/?year=2026&quarter=7").content.decode()
    assert 'id="report-summary"' not in html
    assert "选择一个有效的选项" in html  # Django's message, beside the quarter field


def test_a5_2_report_queries_do_not_grow_with_the_number_of_cases(client):
    with freeze_time(TODAY):
        user = detachment_user()
        department = DepartmentFactory(code="air", name="大气环境管理科")
        for i in range(5):
            _accepted(
                user,
                received=dt.date(2026, 7, 1 + i),
                accepted=dt.date(2026, 7, 2 + i),
                department=department,
            )
        client.force_login(user)
        url = "/admin/reports/quarterly/?year=2026&quarter=3"
        client.get(url)
        with CaptureQueriesContext(connection) as at_5:
            client.get(url)
        scope = report_scope(user)
        with CaptureQueriesContext(connection) as figures_5:
            period_report(scope, Q3, dt.date(2026, 8, 20))
        for i in range(45):
            _accepted(user, received=dt.date(2026, 7, 1 + i % 28), accepted=None)
        with CaptureQueriesContext(connection) as at_50:
            client.get(url)
        with CaptureQueriesContext(connection) as figures_50:
            report = period_report(scope, Q3, dt.date(2026, 8, 20))
    assert report.counts.total == 50
    assert len(at_5.captured_queries) == len(at_50.captured_queries)
    assert len(figures_5.captured_queries) == len(figures_50.captured_queries) <= 30


# --- A21.1 the yearly department evaluation ------------------------------------------------


def test_a21_1_yearly_evaluation_row_per_department(client, world):
    rows = {
        r.name: r
        for r in department_rows(
            report_scope(world["user"]), year_bounds(2026), dt.date(2026, 8, 20)
        )
    }
    air, water = rows["大气环境管理科"], rows["水生态环境科"]
    assert (air.volume, str(air.acceptance), str(air.reply)) == (2, "100.0%", "50.0%")
    assert (air.overdue_cases, air.review_requested) == (1, 1)
    assert (air.spot_checks.total, air.spot_checks.with_problems) == (1, 1)
    assert (air.satisfaction.count, air.satisfaction.average, air.talks) == (2, 3.5, 1)
    assert (water.volume, water.important, water.overdue_cases) == (2, 1, 2)
    assert (water.acceptance.on_time, water.acceptance.late) == (1, 1)

    client.force_login(world["user"])
    html = client.get("/admin/reports/yearly/?year=2026").content.decode()
    assert "大气环境管理科" in html and "50.0%" in html
    book = load_workbook(
        io.BytesIO(client.get("/admin/reports/yearly/?year=2026&format=xlsx").content)
    )
    table = {row[0]: row for row in book["科室考评"].iter_rows(min_row=2, values_only=True)}
    assert table["大气环境管理科"][1:6] == (2, 0, 100.0, 50.0, 1)
    printed = client.get("/admin/reports/yearly/?year=2026&format=print").content.decode()
    assert "水生态环境科" in printed and PETITIONER_NAME not in printed


def test_a21_1_reviews_overturned_count_in_the_yearly_evaluation(client, world):
    """A21.1: a review opinion that changes the reply counts as overturned; one upholding it not."""
    user = world["user"]
    c2 = world["cases"][1]  # air; c1 (air) was reviewed and upheld in the fixture
    replied = c2.replies.get(stage="reply").received_on
    with freeze_time(TODAY):
        c2 = step(c2, "request_review", user, requested_on=replied, request="不服")
        issue_reply(
            c2,
            "reply_review",
            user,
            replied_on=replied + dt.timedelta(days=5),
            received_on=replied + dt.timedelta(days=5),
            outcome="changed",
        )
    rows = {
        r.name: r
        for r in department_rows(report_scope(user), year_bounds(2026), dt.date(2026, 8, 20))
    }
    assert (rows["大气环境管理科"].review_requested, rows["大气环境管理科"].overturned) == (2, 1)
    assert rows["水生态环境科"].overturned == 0
    q2 = _report(user, Q2).reviews
    assert (q2.review_replied, q2.review_overturned, q2.re_review_overturned) == (2, 1, 0)

    client.force_login(user)
    html = client.get("/admin/reports/yearly/?year=2026").content.decode()
    assert "复查复核改变" in html
    book = load_workbook(
        io.BytesIO(client.get("/admin/reports/yearly/?year=2026&format=xlsx").content)
    )
    sheet = list(book["科室考评"].iter_rows(values_only=True))
    column = sheet[0].index("复查复核改变")
    table = {row[0]: row for row in sheet[1:]}
    assert (table["大气环境管理科"][column], table["水生态环境科"][column]) == (1, 0)
    quarterly = client.get("/admin/reports/quarterly/?year=2026&quarter=2").content.decode()
    assert "其中变更或撤销" in quarterly
    book = load_workbook(
        io.BytesIO(client.get("/admin/reports/quarterly/?year=2026&quarter=2&format=xlsx").content)
    )
    reviews = {row[0]: row for row in book["复查复核"].iter_rows(values_only=True)}
    assert reviews["复查"][reviews["事项"].index("其中变更或撤销")] == 1


def test_a21_1_office_records_spot_checks_discipline_records_talks_nothing_deleted(client, world):
    office = UserFactory(username="office", roles=[Role.OFFICE])
    discipline = UserFactory(username="jijian", roles=[Role.DISCIPLINE])
    grant_record_permissions()
    c2 = world["cases"][1]

    client.force_login(office)
    response = client.post(
        "/admin/spot-checks/new/",
        {"case_number": c2.number, "checked_on": "2026-08-01", "finding": "serious", "notes": "x"},
    )
    assert response.status_code == 302, response.context["form"].errors
    check = SpotCheck.objects.latest("id")
    assert check.department == world["air"]  # the host department by default
    assert check.checked_by == office
    bad = client.post(
        "/admin/spot-checks/new/",
        {"case_number": "NO-SUCH", "checked_on": "2026-08-01", "finding": "minor"},
    )
    assert "没有编号为 NO-SUCH 的案件" in bad.content.decode()
    assert client.get("/admin/talks/new/").status_code == 302  # no permission: sent away
    assert client.post(f"/admin/spot-checks/delete/{check.pk}/").status_code in {302, 403, 404}
    assert SpotCheck.objects.filter(pk=check.pk).exists()

    client.force_login(discipline)
    response = client.post(
        "/admin/talks/new/",
        {"staff": world["head_b"].pk, "held_on": "2026-08-02", "reason": "案件逾期"},
    )
    assert response.status_code == 302, response.context["form"].errors
    talk = Talk.objects.latest("id")
    assert talk.department == world["water"] and talk.recorded_by == discipline
    assert client.get("/admin/spot-checks/new/").status_code == 302


# --- A20.2 the bulletin --------------------------------------------------------------------


def test_a20_2_bulletin_lists_overdue_and_important_cases_without_the_petitioner(client, world):
    c1, c2, c3, c4, c5 = world["cases"]
    client.force_login(world["user"])
    with freeze_time(TODAY):
        response = client.get(
            "/admin/reports/bulletin/?start=2026-04-01&end=2026-08-20&format=print"
        )
    html = response.content.decode()
    assert response.status_code == 200
    for case in (c2, c3, c4):
        assert case.number in html
    assert "区领导批示办理" in html
    assert "信访工作通报" in html and "2026-04-01 — 2026-08-20" in html
    assert PETITIONER_NAME not in html and PETITIONER_PHONE not in html
    assert "sidebar" not in html
    refused = client.get("/admin/reports/bulletin/?start=2026-08-20&end=2026-04-01")
    assert "截止日期不能早于起始日期" in refused.content.decode()


# --- A5.1 dashboards and A24.2 the due list ------------------------------------------------


@freeze_time(TODAY)
def test_a5_1_dashboard_per_department_and_per_leader(client, world):
    scope = report_scope(world["user"])
    today = dt.date(2026, 8, 20)
    year = year_bounds(2026)
    by_department = {r.name: r for r in live_rows(scope, today, by="department", rates=year)}
    water = by_department["水生态环境科"]
    # c4 open and overdue; c3 replied (still open until closed) and important.
    assert (water.open, water.overdue, water.important) == (2, 1, 1)
    by_leader = {r.name: r for r in live_rows(scope, today, by="leader", rates=year)}
    assert by_leader["乙分管"].overdue == 1
    assert by_leader["甲分管"].open == 2 and by_leader["甲分管"].overdue == 0
    assert by_leader["甲分管"].reply.percent == 50.0
    unassigned = by_department["未交办"]
    assert (unassigned.open, unassigned.due_soon) == (1, 1)  # c5, acceptance due soon

    client.force_login(world["leader_b"])
    html = client.get("/admin/reports/dashboard/").content.decode()
    assert "水生态环境科" in html and "大气环境管理科" not in html
    assert 'class="bar"' in html
    client.force_login(world["user"])
    narrowed = client.get(f"/admin/reports/dashboard/?leader={world['leader_a'].pk}")
    assert world["cases"][3].number not in narrowed.content.decode()


@freeze_time(TODAY)
def test_a24_2_dashboard_lists_due_soon_and_overdue_cases_with_the_people_responsible(
    client, world
):
    c1, c2, c3, c4, c5 = world["cases"]
    client.force_login(world["user"])
    html = client.get("/admin/reports/dashboard/").content.decode()
    table = html[html.index('id="due-table"') :]
    assert c4.number in table and c5.number in table
    assert c1.number not in table
    row = table[table.index(c4.number) :].split("</tr>")[0]
    assert "已逾期" in row and "乙经办" in row and "乙科长" in row and "乙分管" in row
    row = table[table.index(c5.number) :].split("</tr>")[0]
    assert "支队" in row  # not yet dispatched: the detachment answers for it
    client.force_login(world["head_a"])
    assert c4.number not in client.get("/admin/reports/dashboard/").content.decode()


# --- charts --------------------------------------------------------------------------------


def test_a5_2_chart_is_accessible_svg_with_escaped_labels():
    svg = str(charts.bar_chart([("<b>科室</b>", 3), ("水", 0), ("土", None)], title="按科室"))
    assert svg.startswith('<svg class="report-chart" role="img"')
    assert "<title" in svg and 'aria-label="按科室' in svg
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert svg.count('class="bar"') == 1  # no bar for zero, none for “nothing due”
    empty = str(charts.bar_chart([], title="空"))
    assert "暂无数据" in empty and "<rect" not in empty


# --- demo data -----------------------------------------------------------------------------


def test_a5_2_demo_data_fills_this_and_the_previous_quarter_once(monkeypatch):
    from django.core.management import call_command
    from django.utils import timezone

    from petitions.models import Case

    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "starter-pass-1")
    call_command("load_starter", "--demo", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="admin")
    today = timezone.localdate()
    this = quarter_bounds(*quarter_of(today))
    last = quarter_bounds(*previous_quarter(*quarter_of(today)))
    for period in (this, last):
        report = _report(admin, period, today)
        assert report.counts.total >= 10
        assert len(report.counts.by_channel) >= 3
        assert len([r for r in report.counts.by_department if r.label != "未交办"]) >= 3
        assert report.on_time.reply.total > 0
    assert SpotCheck.objects.exists() and Talk.objects.exists() and Feedback.objects.exists()
    count = Case.objects.count()
    call_command("load_starter", "--demo", stdout=io.StringIO())
    assert Case.objects.count() == count
