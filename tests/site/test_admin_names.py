"""Issue 13 §3: people by full name in Chinese order, no avatar service, Chinese throughout.

The browser walk of every role is tests/browser/test_admin_language_browser.py; here are the
rules underneath it, checked without a browser.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation
from factories import (
    DepartmentFactory,
    UserFactory,
    a_category,
    detachment_user,
    make_case,
    step,
)
from freezegun import freeze_time
from test_i18n import parse_po, translations

from rules.roles import Role
from snippets.people import display_name, full_name

pytestmark = pytest.mark.django_db

OVERRIDES = Path(settings.BASE_DIR) / "site" / "locale" / "zh_Hans" / "LC_MESSAGES"
SITE_PACKAGES = Path(importlib.import_module("wagtail").__file__).parent.parent


def wangwu(username: str = "wangwu", *roles: Role):
    return UserFactory(username=username, last_name="王", first_name="五", roles=list(roles))


def main_menu(html: str) -> list:
    """The arguments of the sidebar's main menu, as Wagtail passes them to its script."""
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    modules = json.loads(props.group(1))["modules"]
    return next(m for m in modules if m and m["_type"] == "wagtail.sidebar.MainMenuModule")["_args"]


def menu_labels(html: str) -> set[str]:
    """The texts of the sidebar's main menu (its items' names and labels, and their submenus')."""
    texts = set()

    def collect(value):
        if isinstance(value, str):
            texts.add(value)
        elif isinstance(value, list):
            for v in value:
                collect(v)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)

    collect(main_menu(html)[0])
    return texts


def test_issue13_a_person_is_named_family_name_first_without_a_space():
    user = wangwu()
    assert full_name(user) == "王五"
    assert user.get_full_name() == "王五"  # what Wagtail shows (lists, logs, history, choosers)
    assert str(user) == "王五"  # what Django shows (a snippet's listing, a form's choices)
    assert display_name(user) == "王五"
    # A name entered whole in one field; a name in Latin letters keeps its own order.
    assert UserFactory(username="ouyang", last_name="欧阳修").get_full_name() == "欧阳修"
    assert UserFactory(username="oy2", first_name="欧阳修").get_full_name() == "欧阳修"
    assert UserFactory(username="js", last_name="Smith", first_name="John").get_full_name() == (
        "John Smith"
    )
    # No name at all: the login name, never an empty label.
    nameless = UserFactory(username="nameless")
    assert nameless.get_full_name() == "" and display_name(nameless) == "nameless"
    assert str(nameless) == "nameless"


def test_issue13_dropdowns_list_and_sidebar_show_the_full_name(client):
    head = wangwu("wangwu", Role.DEPARTMENT_HEAD)
    dept = DepartmentFactory(name="大气环境管理科", code="air", head=head)
    admin = UserFactory(username="root", last_name="陈", first_name="管理")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)

    # The department's head picker (a dropdown) and the departments' list.
    form = client.get(f"/admin/snippets/snippets/department/edit/{dept.pk}/").content.decode()
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", form)
    assert "王五" in options and "wangwu" not in options and "五 王" not in options
    listing = client.get("/admin/snippets/snippets/department/").content.decode()
    assert "王五" in listing and "五 王" not in listing
    # Wagtail's user list.
    users = client.get("/admin/users/").content.decode()
    assert "王五" in users and "五 王" not in users
    # The account menu of the sidebar and the dashboard: 陈管理, not the given name alone.
    home = client.get("/admin/").content.decode()
    assert main_menu(home)[2]["name"] == "陈管理"
    assert "陈管理" in home  # the account summary


@freeze_time("2026-12-07 10:00:00+08:00")
def test_issue13_timeline_history_and_letters_name_the_person(client):
    zhidui = UserFactory(
        username="zhidui_w", last_name="王", first_name="五", roles=[Role.DETACHMENT]
    )
    case = make_case(received_on=dt.date(2026, 12, 7))
    case = step(case, "register", zhidui, kind="pollution", categories=[a_category()])
    client.force_login(zhidui)
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "王五" in timeline and "zhidui_w" not in timeline and "五 王" not in timeline
    # Wagtail's own history of the case and the site history report read the same log.
    history = client.get(f"/admin/cases/history/{case.pk}/").content.decode()
    assert "王五" in history and "五 王" not in history
    site_history = client.get("/admin/reports/site-history/").content.decode()
    assert "王五" in site_history and "五 王" not in site_history
    # A verification (whose 核查人 the reply letter's {核查情况} quotes) starts with the name.
    case = step(case, "accept", zhidui, accepted_on=dt.date(2026, 12, 7), notice_method="phone")
    dept = DepartmentFactory(name="大气环境管理科", code="air")
    case = step(case, "dispatch", zhidui, host_department=dept, basis="responsibility_table")
    handler = UserFactory(username="sun", last_name="孙", first_name="经办", roles=[Role.HANDLER])
    dept.staff.add(handler)
    client.force_login(handler)
    form = client.get(f"/admin/cases/{case.pk}/step/record_verification/").content.decode()
    assert re.search(r'name="checked_by"[^>]*value="孙经办"', form), form


def test_issue13_the_user_form_asks_family_name_then_given_name(client):
    admin = UserFactory(username="root")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    form = client.get("/admin/users/new/").content.decode()
    family, given = form.index('for="id_last_name"'), form.index('for="id_first_name"')
    assert family < given < form.index('for="id_email"')
    assert re.search(r'for="id_last_name"[^>]*>\s*姓', form)
    assert re.search(r'for="id_first_name"[^>]*>\s*名', form)
    assert "Letters, digits" not in form and "First Name" not in form

    response = client.post(
        "/admin/users/new/",
        {
            "username": "ouyang",
            "email": "ouyang@example.cn",
            "last_name": "欧阳",
            "first_name": "修",
            "password1": "Qiantang-2026!",
            "password2": "Qiantang-2026!",
            "groups": [],
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert "欧阳修" in client.get("/admin/users/").content.decode()


def test_issue13_no_avatar_service_is_called(client):
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None
    admin = UserFactory(username="root", email="root@example.cn")
    admin.is_superuser = True
    admin.save()
    wangwu_ = wangwu()
    wangwu_.email = "wangwu@example.cn"
    wangwu_.save()
    client.force_login(admin)
    for path in ("/admin/", "/admin/users/", "/admin/account/", "/admin/reports/site-history/"):
        html = client.get(path).content.decode()
        assert "gravatar" not in html.lower(), path


def test_issue13_wagtails_english_default_groups_are_gone():
    assert not Group.objects.filter(name__in=["Editors", "Moderators"]).exists()


def test_issue13_a_default_group_someone_belongs_to_is_kept():
    migration = importlib.import_module(
        "petition_site.migrations.0002_remove_wagtail_default_groups"
    )
    kept = Group.objects.create(name="Editors")
    wangwu().groups.add(kept)
    Group.objects.create(name="Moderators")
    migration.remove_default_groups(apps, None)
    assert list(Group.objects.filter(name__in=["Editors", "Moderators"])) == [kept]


def test_issue13_menus_keep_wagtails_help_and_reports_away(client):
    client.force_login(detachment_user())
    home = client.get("/admin/").content.decode()
    labels = menu_labels(home)
    assert "帮助" not in labels and "报告" not in labels and "统计报表" in labels
    assert "keyboard-shortcuts-trigger" not in home and "editor guide" not in home
    assert "Search all pages" not in home and "搜索案件" in home
    admin = UserFactory(username="root")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    home = client.get("/admin/").content.decode()
    labels = menu_labels(home)
    assert "网站报告" in labels and "报告" not in labels and "帮助" not in labels
    assert "搜索所有页面" in home


def test_issue13_yes_no_columns_say_yes_and_no_in_chinese(client):
    admin = UserFactory(username="root")
    admin.is_superuser = True
    admin.save()
    DepartmentFactory(name="大气环境管理科", code="air")
    client.force_login(admin)
    listing = client.get("/admin/snippets/snippets/department/").content.decode()
    assert "是" in listing and ">True<" not in listing and "True" not in listing
    # Wagtail's own yes/no columns (the users' 有效) title their icon 是 or 否.
    users = client.get("/admin/users/").content.decode()
    assert re.search(r'w-sr-only">\s*是\s*</span>', users) and "True" not in users


def test_issue13_the_override_catalogue_is_complete_compiled_and_still_wagtails():
    """Every entry translated, the .mo matches the .po, and each msgid is one Wagtail or Django
    still has (an upgrade that drops a string leaves no dead entry unnoticed)."""
    assert settings.LOCALE_PATHS[0] == Path(settings.BASE_DIR) / "locale"
    assert OVERRIDES.parent.parent in settings.LOCALE_PATHS[1:]
    upstream = set()
    for po in [
        *SITE_PACKAGES.glob("wagtail/**/locale/en/LC_MESSAGES/*.po"),
        *SITE_PACKAGES.glob("django/**/locale/en/LC_MESSAGES/*.po"),
    ]:
        upstream |= {(e.get("msgctxt"), e["msgid"]) for e in parse_po(po)}
    for name in ("django.po", "djangojs.po"):
        entries = [e for e in parse_po(OVERRIDES / name) if e["msgid"]]
        assert len(entries) > 10
        for e in entries:
            assert (e.get("msgctxt"), e["msgid"]) in upstream, e["msgid"]
            assert all(translations(e)) and "fuzzy" not in e["flags"], e["msgid"]
            assert set(re.findall(r"%\(\w+\)\w", translations(e)[0])) <= set(
                re.findall(r"%\(\w+\)\w", e["msgid"] + e.get("msgid_plural", ""))
            ), e["msgid"]
    with translation.override("zh-hans"):
        for e in parse_po(OVERRIDES / "django.po"):
            if e["msgid"] and "msgid_plural" not in e and "msgctxt" not in e:
                assert translation.gettext(e["msgid"]) == e["msgstr"], (
                    f"{e['msgid']!r}: django.mo is stale (msgfmt, see the .po's header)"
                )
        assert translation.gettext("Search all pages…") == "搜索所有页面…"
        assert translation.gettext("New: %(model_name)s") == "新建：%(model_name)s"
