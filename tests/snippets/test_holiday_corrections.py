"""Holiday corrections entered through the admin recompute open due dates (A26.1).

An administrator enters a year's State Council notice or a single-day correction; once the
change is committed every open deadline it changes is recomputed and the case's timeline
says so. The 节假日日历 page shows where each year's calendar comes from, loudly 暂定 for a
year nobody has entered yet.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse
from factories import make_case, superior_channel
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.cases.recompute import affected_filter, recompute_open_deadlines
from petitions.models import Case, Deadline
from petitions.wagtail_hooks import register_holiday_calendar_menu_item
from snippets.models import CalendarCorrection, HolidayNotice

pytestmark = pytest.mark.django_db

NOTICE_SOURCE = "国办发明电〔2026〕7号（测试）"
TODAY = "2026-11-29 10:00:00"
RECOMPUTED = "petitions.deadline_recomputed"


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(admin)
    return client


def deadline_of(case, rule) -> Deadline:
    return case.deadlines.get(rule=rule, status=Deadline.Status.OPEN)


def recompute_entries(case):
    return ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case),
        object_id=str(case.pk),
        action=RECOMPUTED,
    ).order_by("id")


def ours(callbacks):
    """The recompute callbacks among those captured (Wagtail may queue others)."""
    return [cb for cb in callbacks if hasattr(cb, "_holiday_recompute_pending")]


def notice_form_data(add_page: str) -> dict:
    """The 2027 notice as the add form posts it: 春节 02-05..02-12 off, 02-13 (Sat) worked."""
    names = set(re.findall(r'name="([^"]+)"', add_page))
    # The inline formset of the notice's days, as modelcluster names it.
    for name in (
        "year",
        "source",
        "published_on",
        "days-TOTAL_FORMS",
        "days-INITIAL_FORMS",
        "days-MIN_NUM_FORMS",
        "days-MAX_NUM_FORMS",
        "days-__prefix__-date",
        "days-__prefix__-name",
        "days-__prefix__-is_working_day",
        "days-__prefix__-id",
        "days-__prefix__-DELETE",
    ):
        assert name in names, name
    days = [(dt.date(2027, 2, d), "春节", False) for d in range(5, 13)]
    days.append((dt.date(2027, 2, 13), "调休上班", True))
    data = {
        "year": "2027",
        "source": NOTICE_SOURCE,
        "published_on": "2026-11-20",
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
        # Only 春节 is entered here: the administrator confirms the other statutory holidays are
        # left out (test_holiday_notice_ranges shows the refusal without it).
        "confirm_missing_holidays": "on",
    }
    for i, (date, name, working) in enumerate(days):
        data[f"days-{i}-date"] = date.isoformat()
        data[f"days-{i}-name"] = name
        data[f"days-{i}-id"] = ""
        if working:
            data[f"days-{i}-is_working_day"] = "on"
    return data


def enter_2027_notice(client, capture) -> list:
    add_url = reverse("wagtailsnippets_snippets_holidaynotice:add")
    page = client.get(add_url)
    assert page.status_code == 200
    data = notice_form_data(page.content.decode())
    with capture(execute=True) as callbacks:
        response = client.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    notice = HolidayNotice.objects.get(year=2027)
    assert notice.days.count() == 9
    return callbacks


@freeze_time(TODAY)
def test_a26_1_entering_the_2027_notice_in_the_admin_recomputes_open_deadlines(
    admin_client, django_capture_on_commit_callbacks
):
    case = make_case(received_on=dt.date(2027, 2, 4))
    before = deadline_of(case, "acceptance_direct")
    # Provisional: 除夕 02-05 to 初三 02-08 off; 3 working days → 02-09, 02-10, 02-11.
    assert (before.due_on, before.provisional) == (dt.date(2027, 2, 11), True)
    assert case.next_due_on == dt.date(2027, 2, 11)
    # A case of a year the library knows, untouched by the 2027 notice.
    old = make_case(received_on=dt.date(2026, 3, 2))
    old_deadline = deadline_of(old, "acceptance_direct")

    callbacks = enter_2027_notice(admin_client, django_capture_on_commit_callbacks)

    # The notice and its nine days in one transaction: one recomputation, after the days.
    assert len(ours(callbacks)) == 1
    after = deadline_of(case, "acceptance_direct")
    assert after.pk == before.pk
    # 02-05..02-12 off, 02-13 (Sat) worked: 02-13, 02-15, 02-16.
    assert after.due_on == dt.date(2027, 2, 16)
    assert after.provisional is False
    assert after.calculation["due"] == "2027-02-16"
    assert after.calculation["provisional"] is False
    assert after.remind_on == dt.date(2027, 2, 4)  # 3 working days back, not before the start
    case.refresh_from_db()
    assert case.next_due_on == dt.date(2027, 2, 16)

    entries = list(recompute_entries(case))
    assert len(entries) == 1
    data = entries[0].data
    assert data["system"] is True
    assert data["old_due"] == "2027-02-11"
    assert data["new_due"] == "2027-02-16"
    assert data["label"] == before.label
    assert data["rule"] == "acceptance_direct"
    assert NOTICE_SOURCE in data["source"]
    assert data["old_provisional"] is True and data["provisional"] is False

    # The case's timeline (the case page) shows the recomputation.
    page = admin_client.get(reverse("cases:inspect", args=[case.pk])).content.decode()
    assert f'data-action="{RECOMPUTED}"' in page
    assert "2027-02-16" in page

    assert deadline_of(old, "acceptance_direct").due_on == old_deadline.due_on
    assert not recompute_entries(old).exists()


@freeze_time(TODAY)
def test_a26_1_a_channel_given_due_date_stays_but_is_no_longer_provisional(
    admin_client, django_capture_on_commit_callbacks
):
    case = make_case(
        channel=superior_channel(),
        source_ticket_number="12345-2027",
        received_on=dt.date(2027, 2, 4),
        source_deadline=dt.date(2027, 2, 22),
    )
    given = deadline_of(case, "source_deadline")
    assert given.provisional is True

    enter_2027_notice(admin_client, django_capture_on_commit_callbacks)

    given.refresh_from_db()
    assert given.due_on == dt.date(2027, 2, 22)
    assert given.provisional is False
    # The assigned acceptance limit: 5 working days → 02-13, 02-15, 02-16, 02-17, 02-18.
    assert deadline_of(case, "acceptance_assigned").due_on == dt.date(2027, 2, 18)
    assert deadline_of(case, "acceptance_assigned").provisional is False


@freeze_time(TODAY)
def test_a26_1_a_single_day_correction_in_the_admin_recomputes_and_resends_the_reminder(
    admin_client, django_capture_on_commit_callbacks
):
    case = make_case(received_on=dt.date(2026, 12, 21))
    before = deadline_of(case, "acceptance_direct")
    assert before.due_on == dt.date(2026, 12, 24)  # 12-22, 12-23, 12-24
    Deadline.objects.filter(pk=before.pk).update(
        reminded_at=dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
    )

    add_url = reverse("wagtailsnippets_snippets_calendarcorrection:add")
    assert admin_client.get(add_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            add_url,
            {
                "date": "2026-12-23",
                "name": "临时放假",
                "source": "区政府通知（测试）",
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(ours(callbacks)) == 1
    assert CalendarCorrection.objects.filter(date=dt.date(2026, 12, 23)).exists()

    after = deadline_of(case, "acceptance_direct")
    assert after.due_on == dt.date(2026, 12, 25)
    assert any("区政府通知（测试）" in reason for _d, reason in after.calculation["skipped"])
    assert after.reminded_at is None  # the reminder goes out again, for the new date
    case.refresh_from_db()
    assert case.next_due_on == dt.date(2026, 12, 25)
    (entry,) = recompute_entries(case)
    assert entry.data["old_due"] == "2026-12-24"
    assert entry.data["new_due"] == "2026-12-25"
    assert entry.data["source"] == "区政府通知（测试）"
    assert entry.data["system"] is True

    # Deleting the correction puts the due date back, again in the timeline.
    correction = CalendarCorrection.objects.get(date=dt.date(2026, 12, 23))
    delete_url = reverse("wagtailsnippets_snippets_calendarcorrection:delete", args=[correction.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(delete_url)
    assert response.status_code == 302
    assert not CalendarCorrection.objects.exists(), response["Location"]
    assert deadline_of(case, "acceptance_direct").due_on == dt.date(2026, 12, 24)
    assert recompute_entries(case).count() == 2


def test_a26_1_recompute_filters_deadlines_by_year_in_the_database():
    in_2027 = make_case(received_on=dt.date(2027, 3, 1))
    across = make_case(received_on=dt.date(2026, 12, 30))  # due 2027-01-05, counting 2027 days
    in_2025 = make_case(received_on=dt.date(2025, 3, 3))
    ids = set(Deadline.objects.filter(affected_filter({2027})).values_list("case_id", flat=True))
    assert ids == {in_2027.pk, across.pk}
    assert not Deadline.objects.filter(affected_filter(set())).exists()
    # Nothing changed in the calendar: nothing recomputed, nothing logged.
    assert recompute_open_deadlines({2025, 2026, 2027}) == 0
    assert recompute_open_deadlines() == 0
    assert not recompute_entries(in_2025).exists()


@freeze_time(TODAY)
def test_a26_1_coverage_page_shows_library_provisional_and_notice_years(
    admin_client, django_capture_on_commit_callbacks
):
    make_case(received_on=dt.date(2027, 2, 4))
    url = reverse("holiday_calendar")
    assert url == "/admin/holiday-calendar/"

    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    row_2026 = re.search(r'<tr id="year-2026".*?</tr>', html, re.S).group(0)
    row_2027 = re.search(r'<tr id="year-2027".*?</tr>', html, re.S).group(0)
    assert 'data-source="library"' in row_2026 and "chinese-calendar 库" in row_2026
    assert 'data-source="provisional"' in row_2027 and "暂定" in row_2027
    assert "期限都是暂定的" in row_2027
    assert reverse("wagtailsnippets_snippets_holidaynotice:add") in row_2027
    # One open deadline due in 2027, provisional.
    assert re.findall(r"<td>(?:<strong[^>]*>)?(\d+)", row_2027)[-2:] == ["1", "1"]
    assert 'id="provisional-warning"' in html
    assert re.search(r'<tr id="year-2024"', html) and re.search(r'<tr id="year-2028"', html)
    assert "year-2004" not in html
    assert 'id="year-2004"' in admin_client.get(url + "?all=1").content.decode()

    enter_2027_notice(admin_client, django_capture_on_commit_callbacks)
    CalendarCorrection.objects.create(
        date=dt.date(2027, 4, 30), name="临时放假", source="区政府通知（测试）"
    )

    html = admin_client.get(url).content.decode()
    row_2027 = re.search(r'<tr id="year-2027".*?</tr>', html, re.S).group(0)
    assert 'data-source="notice"' in row_2027
    assert f"国务院通知（{NOTICE_SOURCE}）" in row_2027
    assert "暂定" not in row_2027
    assert "2027-04-30" in row_2027 and "区政府通知（测试）" in row_2027
    assert re.findall(r"<td>(?:<strong[^>]*>)?(\d+)", row_2027)[-2:] == ["1", "0"]


def test_a26_1_coverage_page_needs_the_permission(client, django_user_model):
    url = reverse("holiday_calendar")
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]

    staff = django_user_model.objects.create_user("clerk", password="pw-123456")
    group = Group.objects.create(name="后台用户（测试）")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    staff.groups.add(group)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    menu_item = register_holiday_calendar_menu_item()
    request = RequestFactory().get("/admin/")
    request.user = staff
    assert not menu_item.is_shown(request)

    group.permissions.add(
        Permission.objects.get(content_type__app_label="snippets", codename="view_holidaynotice")
    )
    staff = django_user_model.objects.get(pk=staff.pk)  # drop the cached permissions
    client.force_login(staff)
    assert client.get(url).status_code == 200
    request.user = staff
    assert menu_item.is_shown(request)


@pytest.mark.django_db(transaction=True)
def test_a26_1_recompute_runs_once_after_a_real_commit_and_at_once_in_autocommit():
    from django.db import transaction

    case = make_case(received_on=dt.date(2027, 2, 4))
    assert deadline_of(case, "acceptance_direct").due_on == dt.date(2027, 2, 11)

    with transaction.atomic():
        notice = HolidayNotice.objects.create(year=2027, source=NOTICE_SOURCE)
        for day in range(5, 13):
            notice.days.create(date=dt.date(2027, 2, day), name="春节")
        notice.days.create(date=dt.date(2027, 2, 13), name="调休上班", is_working_day=True)
        notice.save()  # modelcluster writes the days with the notice
        # Not yet committed: nothing recomputed.
        assert deadline_of(case, "acceptance_direct").due_on == dt.date(2027, 2, 11)
    assert deadline_of(case, "acceptance_direct").due_on == dt.date(2027, 2, 16)
    assert recompute_entries(case).count() == 1

    # Autocommit (no transaction): the correction recomputes as soon as it is saved.
    CalendarCorrection.objects.create(
        date=dt.date(2027, 2, 15), name="临时放假", source="区政府通知（测试）"
    )
    assert deadline_of(case, "acceptance_direct").due_on == dt.date(2027, 2, 17)
    assert recompute_entries(case).count() == 2


def test_a26_1_a_notice_missing_statutory_holidays_is_flagged_on_the_calendar_page(
    client, django_user_model
):
    notice = HolidayNotice.objects.create(year=2027, source="部分录入（测试）")
    notice.days.create(date=dt.date(2027, 2, 5), name="春节")
    notice.save()
    client.force_login(django_user_model.objects.create_superuser("cal_admin", "", "pw-123456"))
    page = client.get("/admin/holiday-calendar/").content.decode()
    assert "该通知未列出这些法定节日" in page
    assert "国庆" in page and "元旦" in page
