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
