"""A year's holiday notice as the administrator types it (A26.1, issue 13): a holiday of several
days is one row with its first and last day; a notice that leaves out a statutory holiday of
《全国年节及纪念日放假办法》 is refused, naming it, unless the administrator confirms it."""

import datetime as dt

import pytest

from rules import calendar
from snippets.models import HolidayNotice

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/snippets/snippets/holidaynotice/add/"
SOURCE = "国办发明电〔2026〕9号（测试）"

#: The 2027 notice, written as the State Council writes it: one row per holiday.
ROWS_2027 = [
    ("2027-01-01", "", False, "元旦"),
    ("2027-02-05", "2027-02-11", False, "春节"),
    ("2027-02-14", "", True, "调休上班"),
    ("2027-04-05", "", False, "清明节"),
    ("2027-05-01", "2027-05-05", False, "劳动节"),
    ("2027-06-09", "", False, "端午节"),
    ("2027-09-15", "", False, "中秋节"),
    ("2027-10-01", "2027-10-07", False, "国庆节"),
]


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(admin)
    return client


def notice_data(rows, **extra) -> dict:
    data = {
        "year": "2027",
        "source": SOURCE,
        "published_on": "",
        "days-TOTAL_FORMS": str(len(rows)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, (first, last, working, name) in enumerate(rows):
        data.update(
            {
                f"days-{i}-date": first,
                f"days-{i}-end_date": last,
                f"days-{i}-name": name,
                f"days-{i}-id": "",
                f"days-{i}-DELETE": "",
            }
        )
        if working:
            data[f"days-{i}-is_working_day"] = "on"
    data.update(extra)
    return data


def test_a26_1_a_holiday_of_several_days_is_one_row_and_the_calendar_counts_each_day(
    admin_client,
):
    response = admin_client.post(ADD_URL, notice_data(ROWS_2027))
    assert response.status_code == 302, response.content.decode()[:3000]
    notice = HolidayNotice.objects.get(year=2027)
    assert notice.days.count() == len(ROWS_2027)
    assert calendar.year_source(2027) == calendar.SOURCE_NOTICE
    for day in (dt.date(2027, 2, 5), dt.date(2027, 2, 11), dt.date(2027, 10, 7)):
        assert not calendar.is_working_day(day), day
    assert calendar.is_working_day(dt.date(2027, 2, 14))  # a Sunday, 调休上班
    assert calendar.is_working_day(dt.date(2027, 2, 12))  # the day after the range
    # The 节假日日历 lists no statutory holiday as missing.
    page = admin_client.get("/admin/holiday-calendar/").content.decode()
    assert 'id="year-2027"' in page and "该通知未列出这些法定节日" not in page
    assert notice.days.get(name="春节").dates()[-1] == dt.date(2027, 2, 11)


def test_a26_1_a_notice_without_a_statutory_holiday_is_refused_naming_it_then_confirmed(
    admin_client,
):
    rows = [r for r in ROWS_2027 if r[3] not in ("清明节", "国庆节")]
    response = admin_client.post(ADD_URL, notice_data(rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "本通知没有把这些法定节假日列为放假：清明节（4月5日）、国庆节（10月1日、10月2日、10月3日）"
        in html
    )
    assert html.count("本通知没有把这些法定节假日列为放假") == 1
    assert not HolidayNotice.objects.exists()
    assert calendar.year_source(2027) == calendar.SOURCE_PROVISIONAL

    confirmed = admin_client.post(ADD_URL, notice_data(rows, confirm_missing_holidays="on"))
    assert confirmed.status_code == 302
    assert HolidayNotice.objects.get(year=2027).days.count() == len(rows)


def test_a26_1_a_day_listed_twice_or_a_range_ending_before_it_starts_is_refused(admin_client):
    rows = [*ROWS_2027, ("2027-02-10", "2027-02-12", False, "春节（重复）")]
    html = admin_client.post(ADD_URL, notice_data(rows)).content.decode()
    assert "这些日期在两行中都出现了，请只保留一行：2月10日、2月11日。" in html
    backwards = [("2027-01-01", "", False, "元旦"), ("2027-02-11", "2027-02-05", False, "春节")]
    html = admin_client.post(
        ADD_URL, notice_data(backwards, confirm_missing_holidays="on")
    ).content.decode()
    assert "结束日期不能早于开始日期。" in html
    other_year = [*ROWS_2027, ("2027-12-31", "2028-01-01", False, "元旦")]
    html = admin_client.post(ADD_URL, notice_data(other_year)).content.decode()
    assert "一行不能跨年" in html or "不在 2027 年内" in html
    assert not HolidayNotice.objects.exists()
