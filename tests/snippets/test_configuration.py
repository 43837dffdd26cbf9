"""Configuration administrators edit without code (A16.1, A14.4, A8.1, templates)."""

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from factories import (
    CategoryFactory,
    DepartmentFactory,
    UserFactory,
    a_category,
    detachment_user,
    make_case,
    step,
)

from petitions.models import Case, PetitionerMessage
from snippets.models import (
    MessageTemplate,
    OwnershipPlan,
    ReferralGuideEntry,
    ResponsibilityRule,
)
from snippets.templating import render

pytestmark = pytest.mark.django_db


def accepted_case(user, **extra) -> Case:
    case = step(
        make_case(**extra),
        "register",
        user,
        kind="pollution",
        categories=[CategoryFactory(code="water", name="水")],
    )
    return step(case, "accept", user, accepted_on=case.received_on, notice_method="phone")


def test_a16_1_dispatch_proposes_the_department_from_the_table_and_keeps_both(client):
    user = detachment_user()
    water = DepartmentFactory(name="水生态环境科")
    leader_choice = DepartmentFactory(name="执法支队")
    ResponsibilityRule.objects.create(
        kind="pollution", category=CategoryFactory(code="water"), department=water
    )
    case = accepted_case(user)
    client.force_login(user)
    form = client.get(f"/admin/cases/{case.pk}/step/dispatch/").content.decode()
    assert "建议由 <strong>水生态环境科</strong> 承办" in form
    case = step(
        case,
        "dispatch",
        user,
        host_department=leader_choice,
        basis="leader_instruction",
        leader_instruction="请支队牵头查处",
    )
    assert case.decision["proposed_department"] == "水生态环境科"
    assert case.decision["followed_proposal"] is False
    assert case.host_department == leader_choice


def test_a16_1_keywords_and_more_specific_rules_win():
    from snippets.responsibility import propose_rule

    general = DepartmentFactory(name="执法支队")
    eia = DepartmentFactory(name="环评科")
    ResponsibilityRule.objects.create(kind="pollution", department=general, sort_order=0)
    ResponsibilityRule.objects.create(
        kind="pollution", keywords="环评 排污许可", department=eia, sort_order=1
    )
    assert propose_rule(kind="pollution", category_ids=[], text="工厂无排污许可").department == eia
    assert propose_rule(kind="pollution", category_ids=[], text="夜间异味").department == general
    assert propose_rule(kind="consultation", category_ids=[], text="环评") is None


def test_a14_4_referral_takes_the_agency_from_the_guide_and_the_notice_prints_it(client):
    user = detachment_user()
    entry = ReferralGuideEntry.objects.create(
        matter="露天烧烤", keywords="烧烤", agency="九龙坡区城市管理局", contact="12319"
    )
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    case.description = "楼下露天烧烤油烟很大"
    case.save()
    client.force_login(user)
    form = client.get(f"/admin/cases/{case.pk}/step/refer/").content.decode()
    assert "露天烧烤 → 九龙坡区城市管理局" in form
    case = step(case, "refer", user, referral_entry=entry, guidance="请向城管部门反映。")
    assert case.decision["competent_agency"] == "九龙坡区城市管理局"
    notice = client.get(f"/admin/cases/{case.pk}/notice/referral/").content.decode()
    assert "九龙坡区城市管理局" in notice and "12319" in notice
    message = PetitionerMessage.objects.get(case=case, event="refer")
    assert "九龙坡区城市管理局" in message.body


def test_templates_are_edited_and_rendered_without_any_template_code(client):
    user = detachment_user()
    call_command("load_starter", stdout=io.StringIO())
    template = MessageTemplate.objects.get(key="acceptance")
    template.body = "{案件编号.__class__}"
    with pytest.raises(ValidationError):  # attribute access is no placeholder: refused
        template.full_clean()
    template.body = "{信访人姓名}您好：编号{案件编号}已受理。{{ settings.SECRET_KEY }} {% debug %}"
    template.full_clean()
    template.save()
    case = accepted_case(user)
    client.force_login(user)
    page = client.get(f"/admin/cases/{case.pk}/notice/acceptance/").content.decode()
    assert f"张三您好：编号{case.number}已受理。" in page
    assert "{% debug %}" in page and "{{ settings.SECRET_KEY }}" in page
    bad = MessageTemplate(key="reply_letter", title="答复", body="{不存在的占位符}")
    with pytest.raises(ValidationError):
        bad.full_clean()
    assert render("{案件编号}{今天}", {"案件编号": "X"}) == "X"


def test_template_preview_against_a_real_case(client, django_user_model):
    call_command("load_starter", stdout=io.StringIO())
    user = detachment_user()
    case = accepted_case(user)
    admin = django_user_model.objects.create_superuser("root2", "", "pw-123456")
    client.force_login(admin)
    template = MessageTemplate.objects.get(key="acceptance")
    url = f"/admin/snippets/snippets/messagetemplate/inspect/{template.pk}/"
    page = client.get(url, {"case": case.number}).content.decode()
    assert f"编号{case.number}" in page and "{案件编号}" in page
    assert "张*：" in page and "张三" not in page  # the preview masks the petitioner


def test_a8_1_a_plan_in_force_shows_the_owning_leader_and_needs_the_party_group_meeting(client):
    user = detachment_user()
    leader = UserFactory(username="baoan", first_name="王局长")
    case = make_case()
    plan = OwnershipPlan.objects.create(year=2026, title="2026年领导包案方案")
    plan.items.create(case=case, reason="backlog", leader=leader, department=DepartmentFactory())
    plan.save()
    client.force_login(user)
    assert "王局长" not in client.get("/admin/cases/").content.decode()  # a draft: not in force
    plan.status = OwnershipPlan.Status.IN_FORCE
    with pytest.raises(ValidationError) as refused:
        plan.full_clean()
    assert "党组会" in str(refused.value)
    plan.meeting_date, plan.minutes_number = dt.date(2026, 1, 20), "党组会纪要〔2026〕2号"
    plan.full_clean()
    plan.save()
    assert "王局长" in client.get("/admin/cases/").content.decode()
    assert "王局长" in client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    client.force_login(leader)  # the owning leader sees the case
    leader.groups.add(*user.groups.all())


def test_a17_1_the_handler_drafts_the_reply_from_the_template(client):
    user = detachment_user()
    dept = DepartmentFactory(name="大气科")
    MessageTemplate.objects.create(
        key="reply_draft", title="答复稿", body="经{承办科室}核查，案件{案件编号}："
    )
    case = accepted_case(user)
    case = step(case, "dispatch", user, host_department=dept, basis="responsibility_table")
    client.force_login(user)
    form = client.get(f"/admin/cases/{case.pk}/step/draft_reply/").content.decode()
    assert f"经大气科核查，案件{case.number}：" in form


def test_a26_1_configuration_is_saved_by_its_save_button_only(admin_client):
    """No background autosave on any configuration screen: the configuration has no drafts, so
    what is saved is in force (a half-entered holiday notice would recompute due dates), and a
    background save racing the 保存 button duplicated the notice (issue 11)."""
    from snippets.models import (
        CalendarCorrection,
        Category,
        Channel,
        Department,
        HolidayNotice,
    )

    for model in (HolidayNotice, CalendarCorrection, Channel, Department, Category):
        url = f"/admin/snippets/snippets/{model._meta.model_name}/add/"
        html = admin_client.get(url).content.decode()
        controllers = re.search(r'id="w-editor-form".*?data-controller="([^"]*)"', html, re.S)
        assert "w-unsaved" in controllers.group(1), url
        assert "w-autosave" not in controllers.group(1), url
