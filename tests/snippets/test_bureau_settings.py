"""Any bureau by configuration alone: 本局信息 and 本局办理选项 in the admin (A13.1, A18.1,
A26.1, X.1), and the pickers and public pages that follow them."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from factories import (
    ChannelFactory,
    DepartmentFactory,
    UserFactory,
    a_category,
    detachment_user,
    file_online,
    make_case,
    step,
)
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.models import Case, Deadline, PetitionerMessage
from rules.roles import Role
from snippets import bureau
from snippets.models import (
    BureauProfile,
    BureauRules,
    CalendarCorrection,
    MessageTemplate,
    ReferralGuideEntry,
)
from snippets.people import display_name

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]

YUZHONG = {
    "name": "重庆市渝中区生态环境局",
    "name_en": "Yuzhong District Ecology and Environment Bureau, Chongqing",
    "short_name": "渝中区生态环境局",
    "number_prefix": "YZXF",
    "phone": "023-63890000",
    "address": "渝中区中山三路131号",
    "office_hours": "工作日 9:00–17:00",
    "letter_signature": "重庆市渝中区生态环境局（印）",
    "regulation_title": "《重庆市渝中区生态环境局环境信访工作管理办法》",
}


def admin_user():
    return UserFactory(username="sysadmin", is_superuser=True, is_staff=True)


def setting_url(model) -> str:
    row = model.load()
    return f"/admin/settings/snippets/{model._meta.model_name}/{row.pk}/"


def form_data(model, **changes) -> dict:
    """What the admin's form posts: every field's current value, with `changes`."""
    row = model.load()
    data = {}
    for field in model._meta.concrete_fields:
        if field.name in {"id"}:
            continue
        value = getattr(row, field.name)
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
        else:
            data[field.name] = value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


def save_setting(client, model, **changes):
    response = client.post(setting_url(model), form_data(model, **changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def become_yuzhong(client) -> None:
    client.force_login(admin_user())
    save_setting(client, BureauProfile, **YUZHONG)
    client.logout()


# --- 本局信息 ------------------------------------------------------------------------------


def test_x_1_the_public_site_receipt_and_sms_show_the_bureau_of_the_settings(client):
    become_yuzhong(client)
    case, _code = file_online(client)
    status = client.get("/xinfang/status/").content.decode()
    assert "· 重庆市渝中区生态环境局</title>" in status
    assert '<p class="org">重庆市渝中区生态环境局</p>' in status
    assert "九龙坡" not in status
    assert "023-63890000" in status and "渝中区中山三路131号" in status
    assert "拨打本局信访电话 023-63890000，本局重新签发" in status
    assert case.number.startswith("YZXF-")
    message = PetitionerMessage.objects.get(case=case, event="filed_online")
    assert message.body.startswith("【重庆市渝中区生态环境局】")
    assert case.number in message.body


def test_x_1_the_receipt_names_the_bureau_its_phone_and_the_new_number(client):
    become_yuzhong(client)
    from petitions.intake.filing import new_submission_token

    ChannelFactory(code="website", name="网站")
    token = new_submission_token()
    response = client.post(
        "/xinfang/file/",
        {
            "kind": "pollution",
            "place": "解放碑步行街",
            "description": "夜间施工噪声扰民。",
            "name": "王小明",
            "phone": "13700001111",
            "privacy_consent": "on",
            "submission_token": token,
        },
        follow=True,
    )
    html = response.content.decode()
    case = Case.objects.get()
    assert case.number == f"YZXF-{case.year}-000001"
    assert case.number in html
    assert re.search(r'id="receipt-bureau"[^>]*>重庆市渝中区生态环境局<', html)
    assert 'id="receipt-phone">023-63890000<' in html
    assert "九龙坡" not in html


def test_x_1_the_english_site_shows_the_english_name(client):
    become_yuzhong(client)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/xinfang/status/").content.decode()
    assert "Yuzhong District Ecology and Environment Bureau, Chongqing</title>" in html
    assert "Jiulongpo" not in html


def test_a24_1_notices_are_signed_and_filled_from_the_settings(client):
    become_yuzhong(client)
    clerk = detachment_user()
    case = make_case()
    case = step(case, "register", clerk, kind="pollution", categories=[a_category()])
    case = step(case, "accept", clerk, accepted_on=case.received_on, notice_method="phone")
    MessageTemplate.objects.create(
        key="acceptance",
        title="受理告知书",
        body="{局名称}受理。电话{局电话}，地址{局地址}，{接待时间}。依据{管理办法}。",
    )
    client.force_login(clerk)
    html = client.get(f"/admin/cases/{case.pk}/notice/acceptance/").content.decode()
    assert "重庆市渝中区生态环境局受理。电话023-63890000，地址渝中区中山三路131号" in html
    assert "依据《重庆市渝中区生态环境局环境信访工作管理办法》" in html
    assert '<p class="sign">重庆市渝中区生态环境局（印）<br>' in html
    assert "九龙坡" not in html


def test_the_environment_variables_are_only_starter_values(settings):
    settings.PETITIONS_BUREAU_NAME = "某某区生态环境局"
    settings.PETITIONS_NUMBER_PREFIX = "MMXF"
    settings.PETITIONS_MOVE_NATURAL_DUE_OFF_HOLIDAYS = True
    profile, rules = BureauProfile.load(), BureauRules.load()  # a fresh install's first read
    assert (profile.name, profile.number_prefix) == ("某某区生态环境局", "MMXF")
    assert rules.move_natural_due_off_holidays is True
    settings.PETITIONS_BUREAU_NAME = "改了环境变量"
    bureau.clear_cache()
    assert bureau.bureau_profile().name == "某某区生态环境局"  # the saved row wins


# --- Case numbers (A13.1) ------------------------------------------------------------------


def test_a13_1_a_new_prefix_applies_to_new_numbers_only_and_numbers_never_collide(client):
    day = dt.date(2026, 3, 2)
    first = make_case(received_on=day)
    client.force_login(admin_user())
    save_setting(client, BureauProfile, number_prefix="YZXF")
    second = make_case(received_on=day)
    save_setting(client, BureauProfile, number_prefix="JLPXF")  # and back to the old prefix
    third = make_case(received_on=day)
    first.refresh_from_db()
    assert [first.number, second.number, third.number] == [
        "JLPXF-2026-000001",
        "YZXF-2026-000002",
        "JLPXF-2026-000003",
    ]
    changes = [
        (c["old"], c["new"])
        for e in ModelLogEntry.objects.filter(action="snippets.setting_changed").order_by("pk")
        for c in e.data["changes"]
    ]
    assert changes == [("JLPXF", "YZXF"), ("YZXF", "JLPXF")]


def test_a13_1_the_prefix_is_checked_and_the_format_shown_with_an_example(client):
    make_case(received_on=dt.date.today())
    client.force_login(admin_user())
    html = client.get(setting_url(BureauProfile)).content.decode()
    year = dt.date.today().year
    assert f"JLPXF-{year}-000002" in html  # the next number, before anything is saved
    assert 'id="number-example"' in html
    response = client.post(
        setting_url(BureauProfile), form_data(BureauProfile, number_prefix="YZ-X")
    )
    assert response.status_code == 200
    assert "编号前缀须为2至12个大写英文字母或数字" in response.content.decode()
    assert BureauProfile.load().number_prefix == "JLPXF"
    save_setting(client, BureauProfile, number_prefix="yzxf")
    assert BureauProfile.load().number_prefix == "YZXF"


# --- 本局办理选项 (A18.1, A26.1) ------------------------------------------------------------


def reply_deadline(case: Case) -> Deadline:
    return case.deadlines.get(rule="reply")


def accepted_on(day: dt.date) -> Case:
    clerk = detachment_user()
    case = make_case(received_on=day)
    case = step(case, "register", clerk, kind="pollution", categories=[a_category()])
    return step(case, "accept", clerk, accepted_on=day, notice_method="phone")


@freeze_time("2026-04-20")
def test_a26_1_moving_natural_days_is_a_setting_in_force_for_deadlines_opened_after_it(client):
    # 2026-04-04 + 30 days = 2026-05-04, 劳动节 holiday (2026-05-01..05): stays there by default.
    before = accepted_on(dt.date(2026, 4, 4))
    assert reply_deadline(before).due_on == dt.date(2026, 5, 4)
    client.force_login(admin_user())
    save_setting(client, BureauRules, move_natural_due_off_holidays=True)
    after = accepted_on(dt.date(2026, 4, 4))
    assert reply_deadline(after).due_on == dt.date(2026, 5, 6)
    assert reply_deadline(before).due_on == dt.date(2026, 5, 4)  # opened before: unchanged
    entry = ModelLogEntry.objects.get(action="snippets.setting_changed")
    assert entry.data["changes"] == [
        {
            "field": "move_natural_due_off_holidays",
            "label": "自然日期限届满日遇节假日顺延至下一个工作日",
            "old": "否",
            "new": "是",
        }
    ]
    # A later calendar correction recomputes `before` under the choice it was opened with.
    CalendarCorrection.objects.create(
        date=dt.date(2026, 4, 30), is_working_day=False, name="测试", source="测试"
    )
    assert reply_deadline(before).due_on == dt.date(2026, 5, 4)


@freeze_time("2026-04-20")
def test_a26_1_the_administrator_may_recompute_the_open_deadlines_with_the_new_choice(client):
    before = accepted_on(dt.date(2026, 4, 4))
    client.force_login(admin_user())
    with django_capture_on_commit():
        save_setting(
            client,
            BureauRules,
            move_natural_due_off_holidays=True,
            recompute_open_deadlines=True,
        )
    assert reply_deadline(before).due_on == dt.date(2026, 5, 6)
    timeline = ModelLogEntry.objects.filter(action="petitions.deadline_recomputed").get()
    assert "本局办理选项已修改" in timeline.data["fields"]["comment"]


def django_capture_on_commit():
    """The settings view saves in a transaction; the test's own one never commits."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


@freeze_time("2026-04-20")
def test_a18_1_the_reminder_lead_time_is_a_setting(client):
    client.force_login(admin_user())
    save_setting(client, BureauRules, reminder_working_days=5)
    case = accepted_on(dt.date(2026, 4, 20))
    deadline = reply_deadline(case)  # 2026-05-20, a Wednesday
    assert deadline.due_on == dt.date(2026, 5, 20)
    assert deadline.remind_on == dt.date(2026, 5, 13)  # 5 working days before
    assert deadline.calculation["reminder_working_days"] == 5
    response = client.post(
        setting_url(BureauRules), form_data(BureauRules, reminder_working_days=0)
    )
    assert "确保该值大于或等于1" in response.content.decode()


def test_a14_6_the_duplicate_look_back_is_a_setting_with_its_basis(client):
    client.force_login(admin_user())
    html = client.get(setting_url(BureauRules)).content.decode()
    assert "第十四条" in html and "第十八条" in html and "第二十六条" in html
    save_setting(client, BureauRules, duplicate_lookback_days=180)
    assert bureau.bureau_rules().duplicate_lookback_days == 180


# --- The due-date calculator (A26.1) --------------------------------------------------------


def test_a26_1_the_calendar_page_computes_a_due_date_with_its_explanation(client):
    client.force_login(admin_user())
    url = "/admin/holiday-calendar/"
    page = client.get(url, {"start": "2026-09-30", "count": "3", "unit": "working_days"})
    html = page.content.decode()
    assert "期限届满日为 2026-10-10" in html
    assert "2026-10-01 法定节假日：国庆节" in html
    CalendarCorrection.objects.create(
        date=dt.date(2026, 10, 10), is_working_day=False, name="测试休息", source="测试"
    )
    html = client.get(url, {"start": "2026-09-30", "count": "3", "unit": "working_days"})
    assert "期限届满日为 2026-10-12" in html.content.decode()
    html = client.get(url, {"start": "2026-04-04", "count": "30", "unit": "days"}).content.decode()
    assert "期限届满日为 2026-05-04" in html
    html = client.get(
        url, {"start": "2026-04-04", "count": "30", "unit": "days", "move_off_holiday": "on"}
    ).content.decode()
    assert "期限届满日为 2026-05-06" in html and "已顺延至下一个工作日" in html
    bad = client.get(url, {"start": "2026-02-30", "count": "x", "unit": "days"})
    assert bad.status_code == 200 and "期限届满日为" not in bad.content.decode()


# --- Pickers ------------------------------------------------------------------------------


def test_a2_1_people_are_named_family_name_first():
    assert display_name(UserFactory(username="wangwu", last_name="王", first_name="五")) == "王五"
    assert display_name(UserFactory(username="zl", first_name="赵六")) == "赵六"
    assert display_name(UserFactory(username="loginonly")) == "loginonly"
    assert display_name(None) == ""


def test_a2_1_department_pickers_offer_the_role_group_by_full_name(client):
    UserFactory(username="zhangzh", last_name="张", first_name="主任", roles=[Role.DEPARTMENT_HEAD])
    UserFactory(username="qiandq", last_name="钱", first_name="多钱", roles=[Role.DUTY])
    UserFactory(username="lifg", last_name="李", first_name="分管", roles=[Role.SUPERVISING_LEADER])
    UserFactory(username="sunjb", last_name="孙", first_name="经办", roles=[Role.HANDLER])
    client.force_login(admin_user())
    html = client.get("/admin/snippets/snippets/department/add/").content.decode()
    head = re.search(r'<select name="head".*?</select>', html, re.S).group(0)
    assert ">张主任<" in head and "钱多钱" not in head and "zhangzh" not in head
    leader = re.search(r'<select name="supervising_leader".*?</select>', html, re.S).group(0)
    assert ">李分管<" in leader and "张主任" not in leader
    staff = re.search(r'name="staff".*?</(select|div)>', html, re.S).group(0)
    assert "孙经办" in staff and "钱多钱" not in staff


def test_a16_1_the_responsibility_table_offers_enabled_departments_only(client):
    DepartmentFactory(name="在用科室")
    DepartmentFactory(name="停用科室", active=False)
    client.force_login(admin_user())
    html = client.get("/admin/snippets/snippets/responsibilityrule/add/").content.decode()
    assert "在用科室" in html and "停用科室" not in html


def test_a16_1_dispatch_offers_handlers_by_full_name_and_enabled_departments(client):
    clerk = detachment_user()
    UserFactory(username="sunjb", last_name="孙", first_name="经办", roles=[Role.HANDLER])
    UserFactory(username="qiandq", last_name="钱", first_name="多钱", roles=[Role.DUTY])
    DepartmentFactory(name="在用科室")
    DepartmentFactory(name="停用科室", active=False)
    case = make_case()
    case = step(case, "register", clerk, kind="pollution", categories=[a_category()])
    case = step(case, "accept", clerk, accepted_on=case.received_on, notice_method="phone")
    client.force_login(clerk)
    html = client.get(f"/admin/cases/{case.pk}/step/dispatch/").content.decode()
    handler = re.search(r'<select name="handler".*?</select>', html, re.S).group(0)
    assert ">孙经办<" in handler and "钱多钱" not in handler and "sunjb" not in handler
    assert "在用科室" in html and "停用科室" not in html


def test_a4_1_bureau_leaders_are_picked_from_their_groups(client):
    UserFactory(username="juzhang", last_name="赵", first_name="局长", roles=[Role.BUREAU_HEAD])
    UserFactory(username="qiandq", last_name="钱", first_name="多钱", roles=[Role.DUTY])
    client.force_login(admin_user())
    html = client.get("/admin/settings/snippets/bureauleadership/").content.decode()
    if "<select" not in html:  # the settings menu redirects to the row
        html = client.get("/admin/settings/snippets/bureauleadership/", follow=True)
        html = html.content.decode()
    head = re.search(r'<select name="bureau_head".*?</select>', html, re.S).group(0)
    assert ">赵局长<" in head and "钱多钱" not in head


# --- Starter data and the public site -------------------------------------------------------


def test_a14_4_unconfirmed_referral_rows_are_not_shown_to_the_public(client):
    from factories import website_channel

    website_channel()
    ReferralGuideEntry.objects.create(
        matter="露天烧烤", keywords="烧烤", agency="九龙坡区城市管理局", confirmed=False
    )
    ReferralGuideEntry.objects.create(
        matter="机动车尾气", keywords="尾气", agency="区公安分局", confirmed=True
    )
    suggestions = client.get("/xinfang/referral-suggestions/", {"q": "烧烤和尾气"}).json()
    assert [e["agency"] for e in suggestions["entries"]] == ["区公安分局"]
    guidance = client.get("/api/guidance/").json()
    assert [e["agency"] for e in guidance["referral_guide"]] == ["区公安分局"]


def test_no_template_or_rule_names_jiulongpo_outside_starter_data():
    starter = {
        REPO / "site/management/commands/load_starter.py",
        REPO / "petitions/reports/demo.py",
        REPO / "site/settings/base.py",  # the environment's starter values
    }
    found = []
    for folder in ("templates", "rules", "snippets", "petitions", "site"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".js", ".txt"} or path in starter:
                continue
            if "migrations" in path.parts:
                continue
            if "九龙坡" in path.read_text(encoding="utf-8"):
                found.append(str(path.relative_to(REPO)))
    assert found == []


def test_the_message_template_page_lists_its_placeholders(client):
    client.force_login(admin_user())
    html = client.get("/admin/snippets/snippets/messagetemplate/add/").content.decode()
    assert 'id="placeholder-list"' in html
    for name in ("{案件编号}", "{局名称}", "{局电话}", "{落款}"):
        assert name in html


def test_the_decline_form_names_no_particular_court():
    from rules.transitions import TRANSITIONS

    texts = [str(f.help_text) for f in TRANSITIONS["decline"].fields]
    assert any("有管辖权的人民法院" in t for t in texts)
    assert not any("九龙坡" in t for t in texts)
