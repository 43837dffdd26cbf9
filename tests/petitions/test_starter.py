"""The starter configuration (A14.1, A2.1) and the demo data: idempotent, every state present."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from petitions.models import Case
from rules.roles import ROLE_GROUP_NAMES
from rules.states import State
from snippets.models import Category, Channel, Department

pytestmark = pytest.mark.django_db


def test_a14_1_starter_configuration_has_every_channel_and_is_idempotent(monkeypatch):
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "starter-pass-1")
    call_command("load_starter", stdout=io.StringIO())
    counts = (Channel.objects.count(), Department.objects.count(), Category.objects.count())
    call_command("load_starter", stdout=io.StringIO())
    assert (Channel.objects.count(), Department.objects.count(), Category.objects.count()) == counts
    names = set(Channel.objects.values_list("name", flat=True))
    assert {
        "网站",
        "来信",
        "来电",
        "传真",
        "来访",
        "12345市民热线",
        "互联网+督查",
        "政府信箱",
        "市长公开电话",
        "区领导接访",
    } <= names
    assert Channel.objects.get(name="12345市民热线").is_superior_assigned
    assert not Channel.objects.get(name="来访").is_superior_assigned
    assert set(Category.objects.values_list("name", flat=True)) == {
        "大气",
        "水",
        "噪声",
        "固体废物",
        "土壤",
        "辐射",
        "生态",
        "其他",
    }
    assert set(ROLE_GROUP_NAMES.values()) <= set(Group.objects.values_list("name", flat=True))
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("starter-pass-1")


def test_a13_1_demo_data_has_a_case_in_every_state_and_is_created_once(monkeypatch):
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "starter-pass-1")
    call_command("load_starter", "--demo", stdout=io.StringIO())
    states = set(Case.objects.values_list("state", flat=True))
    assert states == {s.value for s in State}
    count = Case.objects.count()
    call_command("load_starter", "--demo", stdout=io.StringIO())
    assert Case.objects.count() == count


def test_a14_1_a_channel_added_by_an_administrator_is_offered_at_intake(client):
    """A14.1: channels are configuration, not code."""
    from factories import detachment_user

    Channel.objects.create(name="环保微信公众号", code="wechat", source=Channel.Source.DIRECT)
    client.force_login(detachment_user())
    assert "环保微信公众号" in client.get("/admin/cases/new/").content.decode()


def test_a2_1_the_demo_has_a_login_for_every_role_printed_with_its_role_and_full_name(
    monkeypatch, client
):
    """bin/run --demo prints what load_starter --demo lists: every role can be tried at once."""
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "starter-pass-1")
    out = io.StringIO()
    call_command("load_starter", "--demo", stdout=out)
    printed = out.getvalue().split("演示账号（密码与管理员相同）：")[1]
    rows = [line.split("\t") for line in printed.strip().splitlines()]
    by_role = {}
    for role, username, name in ((r.strip(), u.strip(), n.strip()) for r, u, n in rows):
        by_role.setdefault(role, []).append((username, name))
    assert set(by_role) == set(ROLE_GROUP_NAMES.values())
    assert ("zhidui", "陈建国") in by_role["支队"]
    assert ("jingban", "刘芳") in by_role["科室经办人"]
    User = get_user_model()
    for logins in by_role.values():
        for username, name in logins:
            user = User.objects.get(username=username)
            # A full Chinese name, family name first; never the login name.
            assert user.last_name and name == f"{user.last_name}{user.first_name}"
            assert user.check_password("starter-pass-1")
    # The handler works in the air department, under its head and leader; the bureau's leaders.
    air = Department.objects.get(code="air")
    assert air.staff.filter(username="jingban").exists()
    assert (air.head.username, air.supervising_leader.username) == ("kezhang", "fenguan")
    # Each demo login's role lets it into the admin.
    for username in ("zhidui", "jingban", "zhiban", "jijian"):
        client.force_login(User.objects.get(username=username))
        assert client.get("/admin/").status_code == 200
    # Printed again on the next run, with the same people.
    again = io.StringIO()
    call_command("load_starter", "--demo", stdout=again)
    assert again.getvalue().split("演示账号（密码与管理员相同）：")[1] == printed
