"""Spot checks (抽查, 第二十二条, A22.1): a random sample of handled cases drawn with a recorded
seed (re-run, the same cases); what was read and the phone follow-up; the findings sent back to
the department, which answers on the record; a serious finding reported to the supervising
leader and then the bureau head, each step dated; the results in the yearly evaluation."""

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

from petitions.models import Alert, Case, SpotCheck, SpotCheckDraw
from petitions.reports import spot_checks
from petitions.reports.figures import department_rows
from petitions.reports.periods import year_bounds
from petitions.reports.records import grant_record_permissions
from petitions.reports.scope import report_scope
from rules.roles import Role
from snippets.models import BureauLeadership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TODAY = dt.date(2026, 9, 1)


@pytest.fixture
def frozen():
    with freeze_time("2026-09-01 10:00:00+08:00"):
        yield


@pytest.fixture
def world():
    """大气科 with 12 replied cases and 1 still open, 水科 with 3 replied cases."""
    clerk = detachment_user()
    office = UserFactory(username="bangong", first_name="周主任", roles=[Role.OFFICE])
    head = UserFactory(username="kezhang", first_name="陈科长", roles=[Role.DEPARTMENT_HEAD])
    staff = UserFactory(username="jingban", first_name="王五", roles=[Role.HANDLER])
    leader = UserFactory(username="fenguan", first_name="李分管", roles=[Role.SUPERVISING_LEADER])
    bureau_head = UserFactory(username="juzhang", first_name="赵局长", roles=[Role.BUREAU_HEAD])
    grant_record_permissions()  # after the factories made the groups, as the starter does
    leadership = BureauLeadership.load()
    leadership.bureau_head = bureau_head
    leadership.save()
    air = DepartmentFactory(code="air", name="大气科", head=head, supervising_leader=leader)
    air.staff.add(staff)
    water = DepartmentFactory(code="water", name="水科")
    cases = {"air": [], "water": []}
    for key, dept, n in (("air", air, 12), ("water", water, 3)):
        for i in range(n):
            case = make_case(received_on=dt.date(2026, 5, 4))
            case = step(case, "register", clerk, kind="pollution", categories=[a_category()])
            case = step(
                case, "accept", clerk, accepted_on=dt.date(2026, 5, 4), notice_method="phone"
            )
            case = step(case, "dispatch", clerk, host_department=dept, basis="responsibility_table")
            day = dt.date(2026, 5, 20) + dt.timedelta(days=i)
            cases[key].append(issue_reply(case, "reply", clerk, replied_on=day, received_on=day))
    open_case = make_case(received_on=dt.date(2026, 6, 1))
    return {
        "clerk": clerk,
        "office": office,
        "head": head,
        "staff": staff,
        "leader": leader,
        "bureau_head": bureau_head,
        "air": air,
        "water": water,
        "cases": cases,
        "open": open_case,
    }


def draw_air(world, **kw):
    params = {
        "user": world["office"],
        "department": world["air"],
        "start": dt.date(2026, 5, 1),
        "end": dt.date(2026, 8, 31),
        "share": 25,
        **kw,
    }
    return spot_checks.draw(**params)


def numbers(record: SpotCheckDraw) -> list[str]:
    return sorted(record.cases.values_list("number", flat=True))


def test_a22_1_a_spot_checks_draw_re_runs_to_the_same_cases_from_its_seed(world):
    record = draw_air(world, seed="20260901")
    drawn = numbers(record)
    assert len(drawn) == 3  # 25% of 12
    assert set(drawn) <= {c.number for c in world["cases"]["air"]}
    assert record.population_size == 12 and record.seed == "20260901"
    # Re-run from the record, and drawn again by anyone with the same parameters and seed.
    again = spot_checks.rerun(record, world["clerk"])
    assert again.same_population and again.same_cases and again.numbers == drawn
    assert numbers(draw_air(world, seed="20260901")) == drawn
    # The method is the documented one: the smallest SHA-256 of "seed:number".
    import hashlib

    by_rank = sorted(
        (c.number for c in world["cases"]["air"]),
        key=lambda n: hashlib.sha256(f"20260901:{n}".encode()).hexdigest(),
    )
    assert drawn == sorted(by_rank[:3])
    # Another seed draws other cases (for these 12 cases and these two seeds).
    assert numbers(draw_air(world, seed="7")) != drawn
    entry = ModelLogEntry.objects.get(object_id=str(record.pk), action="petitions.spot_check_draw")
    assert entry.data["seed"] == "20260901" and entry.data["cases"] == drawn


def test_a22_1_the_draw_takes_handled_cases_by_department_period_and_count(world):
    everything = spot_checks.draw(
        user=world["office"],
        department=None,
        start=dt.date(2026, 5, 1),
        end=dt.date(2026, 8, 31),
        count=100,
    )
    handled = {c.number for cs in world["cases"].values() for c in cs}
    assert set(numbers(everything)) == handled  # not the case still open
    assert world["open"].number not in numbers(everything)
    early = spot_checks.draw(
        user=world["office"],
        department=world["water"],
        start=dt.date(2026, 5, 20),
        end=dt.date(2026, 5, 21),
        count=5,
    )
    assert numbers(early) == sorted(c.number for c in world["cases"]["water"][:2])
    assert len(everything.seed) == 8  # generated when none is given
    with pytest.raises(spot_checks.SpotCheckRefused):
        spot_checks.draw(
            user=world["office"],
            department=world["air"],
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 1, 31),
            count=3,
        )


def test_a22_1_the_office_draws_and_records_in_the_admin(world, client):
    client.force_login(world["office"])
    page = client.get("/admin/spot-checks/draws/")
    assert page.status_code == 200 and "随机抽取" in page.content.decode()
    response = client.post(
        "/admin/spot-checks/draws/",
        {
            "department": world["air"].pk,
            "period_start": "2026-05-01",
            "period_end": "2026-08-31",
            "count": "2",
            "seed": "abc",
        },
    )
    record = SpotCheckDraw.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/admin/spot-checks/draws/{record.pk}/"
    )
    detail = client.get(response["Location"]).content.decode()
    assert "abc" in detail and "得到的案件与本次抽样相同" in detail
    first = numbers(record)[0]
    assert first in detail and f"?draw={record.pk}&amp;case={first}" in detail
    # The check of a drawn case: what was read and the phone follow-up.
    response = client.post(
        f"/admin/spot-checks/new/?draw={record.pk}&case={first}",
        {
            "case_number": first,
            "checked_on": "2026-08-31",
            "materials_read": "登记表、核查记录、答复意见书",
            "follow_up_on": "2026-08-30",
            "follow_up_reached": "reached",
            "petitioner_satisfied": "dissatisfied",
            "petitioner_said": "异味仍然存在",
            "finding": "serious",
            "notes": "核查不到位",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    check = SpotCheck.objects.get()
    assert check.draw == record and check.department == world["air"]
    assert check.checked_by == world["office"]
    assert (check.follow_up_reached, check.petitioner_satisfied) == ("reached", "dissatisfied")
    assert response["Location"] == f"/admin/spot-checks/{check.pk}/"
    # A follow-up that did not get through records no answer from the petitioner.
    bad = client.post(
        "/admin/spot-checks/new/",
        {
            "case_number": first,
            "checked_on": "2026-08-31",
            "follow_up_on": "2026-08-30",
            "follow_up_reached": "unreached",
            "petitioner_satisfied": "satisfied",
            "finding": "compliant",
        },
    )
    assert "只有回访电话接通" in bad.content.decode()
    # Someone outside the office and the detachment draws nothing.
    client.force_login(world["staff"])
    assert client.get("/admin/spot-checks/draws/").status_code in {302, 403}


def _serious_check(world) -> SpotCheck:
    case = world["cases"]["air"][0]
    return SpotCheck.objects.create(
        case=case,
        department=world["air"],
        checked_on=dt.date(2026, 8, 25),
        finding=SpotCheck.Finding.SERIOUS,
        notes="答复未说明监测结果",
        checked_by=world["office"],
    )


def test_a22_1_findings_go_back_to_the_department_which_answers_on_the_record(world, client):
    check = _serious_check(world)
    url = f"/admin/spot-checks/{check.pk}/"
    # Not sent yet: the department does not see it.
    client.force_login(world["head"])
    assert client.get(url).status_code in {302, 403}
    client.force_login(world["office"])
    page = client.get(url).content.decode()
    assert "反馈承办科室" in page
    refused = client.post(url, {"step": "feedback", "on": "2026-08-24"})
    assert "不能早于上一步（2026-08-25）" in refused.content.decode()
    assert client.post(url, {"step": "feedback", "on": "2026-08-26"}).status_code == 302
    check.refresh_from_db()
    assert (
        check.feedback_sent_on == dt.date(2026, 8, 26) and check.feedback_sent_by == world["office"]
    )
    alert = Alert.objects.get(recipient=world["head"], kind="spot_check")
    assert alert.link == url and "存在严重问题" in alert.message
    # The office cannot answer for the department; the department's staff can.
    with pytest.raises(spot_checks.SpotCheckRefused):
        spot_checks.answer(check, user=world["office"], text="x", on=TODAY, today=TODAY)
    client.force_login(world["staff"])
    page = client.get(url).content.decode()
    assert "答复抽查结果" in page and "答复未说明监测结果" in page
    response = client.post(
        url, {"step": "answer", "on": "2026-08-28", "text": "已补充监测数据并重新答复信访人。"}
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.department_response == "已补充监测数据并重新答复信访人。"
    assert (check.responded_on, check.responded_by) == (dt.date(2026, 8, 28), world["staff"])
    assert (
        client.post(url, {"step": "answer", "on": "2026-08-29", "text": "再答"}).status_code == 404
    )
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(check.pk)).values_list("action", flat=True)
    )
    assert "petitions.spot_check_feedback" in actions and "petitions.spot_check_answer" in actions


def test_a22_1_a_serious_finding_goes_to_the_leader_and_then_the_bureau_head(world, client):
    check = _serious_check(world)
    office = world["office"]
    with pytest.raises(spot_checks.SpotCheckRefused) as refused:
        spot_checks.report_to_leader(check, user=office, on=TODAY, today=TODAY)
    assert "反馈承办科室" in refused.value.message
    spot_checks.send_findings(check, user=office, on=dt.date(2026, 8, 26), today=TODAY)
    with pytest.raises(spot_checks.SpotCheckRefused) as refused:
        spot_checks.report_to_head(check, user=office, on=TODAY, today=TODAY)
    assert "逐级报告" in refused.value.message
    spot_checks.report_to_leader(check, user=office, on=dt.date(2026, 8, 27), today=TODAY)
    with pytest.raises(spot_checks.SpotCheckRefused):  # not before the leader heard of it
        spot_checks.report_to_head(check, user=office, on=dt.date(2026, 8, 26), today=TODAY)
    spot_checks.report_to_head(check, user=office, on=dt.date(2026, 8, 28), today=TODAY)
    check.refresh_from_db()
    assert (check.leader_reported_on, check.leader_reported_to) == (
        dt.date(2026, 8, 27),
        world["leader"],
    )
    assert (check.head_reported_on, check.head_reported_to) == (
        dt.date(2026, 8, 28),
        world["bureau_head"],
    )
    for user in (world["leader"], world["bureau_head"]):
        assert Alert.objects.filter(recipient=user, kind="spot_check").exists()
        client.force_login(user)
        response = client.get(f"/admin/spot-checks/{check.pk}/")
        assert response.status_code == 200, (response.status_code, response.get("Location"))
        page = response.content.decode()
        assert (
            "2026-08-27" in page and "2026-08-28" in page and "李分管" in page and "赵局长" in page
        )


def test_a22_1_only_a_serious_finding_is_reported_up(world):
    check = _serious_check(world)
    check.finding = SpotCheck.Finding.MINOR
    check.save()
    spot_checks.send_findings(check, user=world["office"], on=TODAY, today=TODAY)
    with pytest.raises(spot_checks.SpotCheckRefused) as refused:
        spot_checks.report_to_leader(check, user=world["office"], on=TODAY, today=TODAY)
    assert "存在严重问题" in refused.value.message and "第二十二条" in refused.value.message


def test_a22_1_a21_1_spot_check_results_count_in_the_yearly_evaluation(world):
    record = draw_air(world, share=None, count=2, seed="1")
    for number, finding in zip(numbers(record), ["serious", "compliant"], strict=True):
        SpotCheck.objects.create(
            case=Case.objects.get(number=number),
            department=world["air"],
            draw=record,
            checked_on=dt.date(2026, 8, 31),
            finding=finding,
            checked_by=world["office"],
        )
    rows = {
        r.name: r for r in department_rows(report_scope(world["clerk"]), year_bounds(2026), TODAY)
    }
    assert rows["大气科"].spot_checks.total == 2
    assert rows["大气科"].spot_checks.with_problems == 1
    assert rows["水科"].spot_checks.total == 0
