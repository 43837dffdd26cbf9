"""The case's timeline (办理过程) reads the same on the case page and in Wagtail's own history
views: both go through the log formatters registered for the case's actions (A13.1)."""

import pytest
from factories import UserFactory, a_category, detachment_user, make_case, step

pytestmark = pytest.mark.django_db

STATE_CHANGE = "待登记 → 已登记"


def test_a13_1_case_page_and_wagtail_history_views_show_the_same_entry(client):
    clerk = detachment_user()
    case = make_case()
    step(case, "register", clerk, kind="pollution", categories=[a_category()], comment="电话核实")

    client.force_login(clerk)
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    history = client.get(f"/admin/cases/history/{case.pk}/").content.decode()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    site_history = client.get("/admin/reports/site-history/").content.decode()

    for html in (page, history, site_history):
        assert "收件并编号" in html  # the filing
        assert STATE_CHANGE in html  # the step, with its state change in words
        assert "电话核实" in html  # and its comment


def test_a13_1_a_step_by_the_rules_themselves_is_told_apart_in_every_view(client):
    """The worker's closing says 系统 in Wagtail's history too, not an empty user."""
    from wagtail.log_actions import log

    from petitions.cases.models import Case

    case = make_case()
    log(
        instance=case,
        action="petitions.close",
        data={"system": True, "from": "replied", "to": "closed", "fields": {"comment": "期满"}},
    )
    client.force_login(detachment_user())
    history = client.get(f"/admin/cases/history/{case.pk}/").content.decode()
    assert "系统" in history and "已答复 → 已办结" in history and "期满" in history
    assert Case.objects.filter(pk=case.pk).exists()
