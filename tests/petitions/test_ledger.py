"""The ledger (台账) and the case page in the Wagtail admin (A13.1, A24.2, A6.1)."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import (
    CategoryFactory,
    a_category,
    detachment_user,
    make_case,
    step,
    superior_channel,
)
from freezegun import freeze_time

from petitions.models import Case, Petitioner
from rules.states import State

pytestmark = pytest.mark.django_db


def _clone_cases(template: Case, count: int) -> None:
    """Bulk copies of a filed case: the ledger must not care how many rows there are."""
    start = Case.objects.count() + 1
    clones = []
    for i in range(count):
        clone = Case.objects.get(pk=template.pk)
        clone.pk = None
        clone.number = f"BULK-{start + i:06d}"
        clones.append(clone)
    created = Case.objects.bulk_create(clones)
    Petitioner.objects.bulk_create(
        [Petitioner(case=c, name="李四", phone="13900001111") for c in created]
    )
    through = Case.categories.through
    category = template.categories.first()
    through.objects.bulk_create([through(case_id=c.pk, category_id=category.pk) for c in created])


def _ledger_queries(client, url="/admin/cases/") -> int:
    # Warm first: the bureau's rules and the calendar are cached for 60 s per process, and
    # filling the ledger may take longer than that on a busy machine.
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_a13_1_ledger_uses_the_same_number_of_queries_at_10_and_1000_cases(client):
    user = detachment_user()
    client.force_login(user)
    template = make_case(categories=[CategoryFactory(name="大气")])
    _clone_cases(template, 9)
    client.get("/admin/cases/")  # warm per-process caches (content types, calendar)
    at_10 = _ledger_queries(client)
    _clone_cases(template, 990)
    at_1000 = _ledger_queries(client)
    assert Case.objects.count() == 1000
    assert at_10 == at_1000
    filtered = "/admin/cases/?due=soon&state=received&q=异味"
    assert _ledger_queries(client, filtered) == _ledger_queries(client, filtered)


@freeze_time("2026-10-09 10:00:00+08:00")
def test_a24_2_ledger_marks_overdue_and_due_soon_and_filters_them(client):
    """A24.2: due-soon and overdue cases are always listed, with working days left."""
    user = detachment_user()
    client.force_login(user)
    overdue = make_case(received_on=dt.date(2026, 9, 25))  # due 09-30
    soon = make_case(received_on=dt.date(2026, 10, 9))  # due 10-13: 3 working days left
    later = make_case(
        channel=superior_channel(),
        source_ticket_number="12345-77",
        received_on=dt.date(2026, 10, 9),
        source_deadline=dt.date(2026, 11, 30),
    )
    page = client.get("/admin/cases/").content.decode()
    assert overdue.number in page and soon.number in page
    assert "已逾期" in page and "剩3个工作日" in page
    overdue_page = client.get("/admin/cases/?due=overdue").content.decode()
    assert overdue.number in overdue_page and soon.number not in overdue_page
    soon_page = client.get("/admin/cases/?due=soon").content.decode()
    assert soon.number in soon_page and overdue.number not in soon_page
    assert later.number not in soon_page
    by_ticket = client.get("/admin/cases/?q=12345-77").content.decode()
    assert later.number in by_ticket and soon.number not in by_ticket


def test_a6_1_ledger_export_masks_the_petitioner(client):
    user = detachment_user()
    client.force_login(user)
    case = make_case()
    response = client.get("/admin/cases/?export=csv")
    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content).decode("utf-8-sig")
        if response.streaming
        else (response.content.decode("utf-8-sig"))
    )
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "编号"
    row = next(r for r in rows if r[0] == case.number)
    assert "张*" in row and "138****0000" in row
    assert "13812340000" not in body and "张三" not in body


def test_a13_1_case_page_shows_number_due_dates_with_calculation_timeline_and_steps(client):
    user = detachment_user()
    client.force_login(user)
    case = make_case(received_on=dt.date(2026, 9, 30))
    case = step(case, "register", user, kind="pollution", categories=[a_category()])
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert case.number in page
    assert "2026-10-10" in page  # acceptance due, over the National Day holiday
    assert "第十五条第一款" in page and "个工作日" in page
    assert "登记" in page and "收件并编号" in page  # the timeline
    assert f"/admin/cases/{case.pk}/step/accept/" in page
    assert f"/admin/cases/{case.pk}/step/reply/" not in page  # not possible in this state
    assert "13812340000" not in page and "138****0000" in page


def test_a6_1_revealing_the_identity_is_logged(client):
    from wagtail.models import ModelLogEntry

    user = detachment_user()
    client.force_login(user)
    case = make_case()
    assert client.get(f"/admin/cases/{case.pk}/reveal/").status_code == 404  # POST only
    client.post(f"/admin/cases/{case.pk}/reveal/")
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert "13812340000" in page
    assert (
        ModelLogEntry.objects.filter(
            object_id=str(case.pk), action="petitions.reveal_identity", user=user
        ).count()
        == 1
    )


def test_a24_1_a_refused_step_in_the_admin_says_why_and_changes_nothing(client):
    user = detachment_user()
    client.force_login(user)
    case = make_case()
    response = client.post(
        f"/admin/cases/{case.pk}/step/accept/",
        {"accepted_on": "2026-01-01", "notice_method": "phone"},
    )
    assert response.status_code == 200
    assert "待登记" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.RECEIVED


def test_a15_1_register_a_phoned_in_petition_in_the_admin(client):
    """A15.1, A13.1: the intake form numbers the case and opens its acceptance limit."""
    from factories import direct_channel

    user = detachment_user()
    client.force_login(user)
    channel = direct_channel()
    response = client.post(
        "/admin/cases/new/",
        {
            "channel": channel.pk,
            "received_at": "",
            "petitioner_name": "王五",
            "petitioner_phone": "13800001234",
            "place": "九龙坡区石坪桥",
            "description": "工厂夜间排放黑烟",
            "kind": "pollution",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/cases/inspect/{case.pk}/"
    assert case.deadlines.filter(rule="acceptance_direct").exists()
    assert case.petitioners.get().phone == "13800001234"


def test_a14_2_intake_refuses_bad_input_in_chinese_and_creates_nothing(client):
    from factories import direct_channel

    client.force_login(detachment_user())
    response = client.post(
        "/admin/cases/new/",
        {
            "channel": direct_channel().pk,
            "petitioner_phone": "12",
            "anonymous": "on",
            "kind": "consultation",
            "place": "",
            "description": "",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "请输入有效的电话号码" in text
    assert "只有检举、揭发、控告环境违法行为的可以匿名" in text
    assert Case.objects.count() == 0
