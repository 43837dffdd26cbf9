"""Contact details unclear (联系方式不清, 第十五条, A15.1): no acceptance clock runs while the
petitioner cannot be reached; the case waits on the dashboard, with how long it has waited,
until a step records the contact and its date, which starts the 3-working-day clock."""

import datetime as dt

import pytest
from factories import UserFactory, a_category, detachment_user, make_case, step
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.cases.filing import Filing, file_case
from petitions.models import Case
from rules.roles import Role
from rules.transitions import TransitionRefused

pytestmark = pytest.mark.django_db


def unclear_case(user, *, received_on=dt.date(2026, 3, 2)) -> Case:
    from factories import aware, direct_channel

    return file_case(
        Filing(
            channel=direct_channel(),
            received_at=aware(received_on),
            place="九龙坡区黄桷坪",
            description="深夜有人焚烧垃圾，来电未留号码",
            contact_unclear=True,
        ),
        user=user,
    )


def dashboard(client) -> str:
    return client.get("/admin/").content.decode()


def test_a15_1_a_contact_unclear_case_starts_its_clock_when_the_contact_is_recorded(client):
    user = detachment_user()
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = unclear_case(user)
    assert not case.deadlines.exists() and case.next_due_on is None
    client.force_login(user)

    with freeze_time("2026-03-12 10:00:00+08:00"):
        page = dashboard(client)
        assert "待补录联系方式（1）" in page
        assert case.number in page and "2026-03-02 收到，已等待 10 天" in page
        # The step is offered on the case page of a case whose contact is unclear.
        detail = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
        assert 'data-step="record_contact"' in detail
        form = client.get(f"/admin/cases/{case.pk}/step/record_contact/").content.decode()
        assert 'name="known_on"' in form and 'name="known_on" value=' not in form  # no default
        bad = client.post(
            f"/admin/cases/{case.pk}/step/record_contact/",
            {"phone": "12345", "known_on": "2026-03-11"},
        )
        assert bad.status_code == 200 and "请输入有效的电话号码" in bad.content.decode()
        response = client.post(
            f"/admin/cases/{case.pk}/step/record_contact/",
            {"name": "赵大爷", "phone": "13900002222", "known_on": "2026-03-11"},
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert not case.contact_unclear
        assert list(case.petitioners.values_list("name", "phone")) == [("赵大爷", "13900002222")]
        acceptance = case.deadlines.get(rule="acceptance_direct")
        # 3 working days from the day the contact became known (第十五条).
        assert acceptance.start_on == dt.date(2026, 3, 11)
        assert acceptance.due_on == dt.date(2026, 3, 16)
        assert case.next_due_on == dt.date(2026, 3, 16)
        assert case.decision["contact_known_on"] == "2026-03-11"
        page = dashboard(client)
        assert "待补录联系方式（0）" in page and case.number not in page.split("待补录联系方式")[1]
        # The identity stays out of the audit log (A6.1).
        entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="petitions.record_contact")
        assert entry.data["fields"]["phone"] == "139****2222"
        assert entry.data["fields"]["name"] == "赵**"
        detail = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
        assert 'data-step="record_contact"' not in detail


def test_a15_1_the_contact_cannot_be_known_before_the_petition_came_in():
    user = detachment_user()
    with freeze_time("2026-03-05 10:00:00+08:00"):
        case = unclear_case(user, received_on=dt.date(2026, 3, 4))
        with pytest.raises(TransitionRefused) as refused:
            step(case, "record_contact", user, phone="13900002222", known_on=dt.date(2026, 3, 3))
    assert "不能早于收到信访事项的日期" in refused.value.message
    case.refresh_from_db()
    assert case.contact_unclear and not case.deadlines.exists()


def test_a15_1_every_case_waiting_for_contact_is_listed_longest_first_within_scope(client):
    user = detachment_user()
    with freeze_time("2026-03-02 10:00:00+08:00"):
        older = unclear_case(user, received_on=dt.date(2026, 2, 20))
        newer = unclear_case(user, received_on=dt.date(2026, 3, 1))
        clear = make_case(received_on=dt.date(2026, 2, 25))
        voided = step(unclear_case(user), "void", user, reason="误登记")
    client.force_login(user)
    with freeze_time("2026-03-02 10:00:00+08:00"):
        section = dashboard(client).split('id="awaiting-contact"')[1]
    assert "待补录联系方式（2）" in section
    assert section.index(older.number) < section.index(newer.number)
    assert "已等待 10 天" in section and "已等待 1 天" in section
    assert clear.number not in section and voided.number not in section
    # A handler of a department outside the case sees neither the case nor the list.
    handler = UserFactory(username="jingban_x", roles=[Role.HANDLER])
    client.force_login(handler)
    with freeze_time("2026-03-02 10:00:00+08:00"):
        page = dashboard(client)
    assert older.number not in page and 'id="awaiting-contact"' not in page


def test_a15_1_a_case_registered_before_the_contact_is_known_gets_its_clock_on_recording():
    user = detachment_user()
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = unclear_case(user)
        case = step(case, "register", user, kind="pollution", categories=[a_category()])
    with freeze_time("2026-03-20 10:00:00+08:00"):
        case = step(
            case, "record_contact", user, phone="023-68781234", known_on=dt.date(2026, 3, 20)
        )
    assert case.deadlines.get(rule="acceptance_direct").due_on == dt.date(2026, 3, 25)
    assert case.petitioners.get().phone == "023-68781234"
