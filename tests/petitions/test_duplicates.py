"""Likely duplicates at registration (第十四条, A14.6) and across cases after a re-review
(第十九条第三款, A19.3): found, shown, linked with one clock, declined citing the earlier case."""

import datetime as dt

import pytest
from django.urls import reverse
from factories import (
    DepartmentFactory,
    UserFactory,
    a_category,
    aware,
    detachment_user,
    direct_channel,
    issue_reply,
    step,
)
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.cases.duplicates import find_duplicates
from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.models import Case, Deadline
from rules.roles import Role
from rules.states import State
from rules.transitions import TransitionRefused
from snippets.bureau import clear_cache
from snippets.models import BureauRules

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)
EARLIER_TEXT = (
    "重庆鑫达机械厂每天夜间切割钢材，噪音很大，一直持续到凌晨两点，严重影响附近居民休息。"
)
NEAR_TEXT = "鑫达机械厂晚上切割钢材噪音太大，持续到凌晨两点，附近居民没法休息。"
PLACE = "九龙坡区杨家坪西郊路18号"


def petitioner(name: str, phone: str, id_number: str = "") -> list[PetitionerData]:
    return [PetitionerData(name=name, phone=phone, id_number=id_number)]


def file(received_on: dt.date, *, description: str, place: str = PLACE, people=()) -> Case:
    """File a petition through the real intake service (make_case's text is fixed)."""
    return file_case(
        Filing(
            channel=direct_channel(),
            received_at=aware(received_on),
            place=place,
            description=description,
            petitioners=list(people),
        )
    )


def accepted(case: Case, user) -> Case:
    case = step(case, "register", user, kind="pollution", categories=[a_category()])
    return step(case, "accept", user, accepted_on=case.received_on, notice_method="phone")


def actions(case: Case) -> list[str]:
    return list(
        ModelLogEntry.objects.filter(object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def open_deadlines(case: Case) -> list[tuple[str, dt.date]]:
    return sorted(case.deadlines.filter(status=Deadline.Status.OPEN).values_list("rule", "due_on"))


@pytest.fixture
def clerk():
    return detachment_user()


@pytest.fixture
def scene(clerk):
    """An accepted case, an unrelated one, and a new petition: same phone, similar text."""
    with freeze_time("2026-11-02 09:00:00+08:00"):
        earlier = accepted(
            file(
                dt.date(2026, 11, 2),
                description=EARLIER_TEXT,
                people=petitioner("王建国", "13912345678"),
            ),
            clerk,
        )
        unrelated = accepted(
            file(
                dt.date(2026, 11, 2),
                description="石桥铺某小区地下车库排风口异味，希望物业整改。",
                place="九龙坡区石桥铺科园一路3号",
                people=petitioner("赵敏", "13698765432"),
            ),
            clerk,
        )
    with freeze_time("2026-11-20 10:00:00+08:00"):
        new = file(TODAY, description=NEAR_TEXT, people=petitioner("王建国", "139 1234 5678"))
    return {"earlier": earlier, "unrelated": unrelated, "new": new}


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a14_6_near_duplicate_found_and_shown_at_registration(client, clerk, scene):
    """A14.6: same phone (typed with spaces) and similar text: shown on the registration form
    with its state and why; the unrelated case is not."""
    found = find_duplicates(scene["new"])
    assert [d.case for d in found] == [scene["earlier"]]
    assert found[0].same_phone and found[0].similar_text and found[0].same_place

    client.force_login(clerk)
    page = client.get(reverse("cases:transition", args=[scene["new"].pk, "register"]))
    html = page.content.decode()
    assert 'id="duplicates-table"' in html
    row = html.split(f'data-duplicate="{scene["earlier"].number}"', 1)[1].split("</tr>", 1)[0]
    assert "已受理" in row
    assert "同一电话、同一地点、内容相似" in row
    assert "王*" in row and "139****5678" in row  # masked until revealed on that case (A6.1)
    assert "王建国" not in row
    assert scene["unrelated"].number not in html


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a14_6_similar_text_from_another_petitioner_is_found(clerk, scene):
    """A neighbour's petition on the same matter: no shared phone, the text alone finds it."""
    neighbour = file(
        TODAY,
        description="西郊路鑫达机械厂夜间切割钢材噪音扰民，持续到凌晨两点。",
        place="杨家坪西郊路18号附近",
        people=petitioner("李秀英", "13511112222"),
    )
    found = {d.case: d for d in find_duplicates(neighbour)}
    assert scene["earlier"] in found
    assert not found[scene["earlier"]].same_phone
    assert found[scene["earlier"]].similar_text
    assert scene["unrelated"] not in found


def test_a14_6_look_back_is_the_bureaus_choice(clerk):
    """本局办理选项: a case received before the look-back is not offered; a longer one finds it."""
    with freeze_time("2026-01-05 09:00:00+08:00"):
        old = accepted(
            file(
                dt.date(2026, 1, 5),
                description=EARLIER_TEXT,
                people=petitioner("王建国", "13912345678"),
            ),
            clerk,
        )
    with freeze_time("2026-11-20 10:00:00+08:00"):
        new = file(TODAY, description=NEAR_TEXT, people=petitioner("王建国", "13912345678"))
        rules = BureauRules.load()
        rules.duplicate_lookback_days = 180
        rules.save()
        clear_cache()
        assert find_duplicates(new) == []
        rules.duplicate_lookback_days = 365
        rules.save()
        clear_cache()
        assert [d.case for d in find_duplicates(new)] == [old]


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a14_6_linking_keeps_one_clock_and_updates_both_timelines(client, clerk, scene):
    """并入在办案件: the new petition opens no acceptance or reply deadline of its own, its
    petitioner joins the earlier case, and both timelines say so."""
    earlier, new = scene["earlier"], scene["new"]
    # A second petitioner, not yet on the earlier case.
    new.petitioners.create(name="李秀英", phone="13511112222")
    before = open_deadlines(earlier)
    assert [rule for rule, _ in before] == ["reply"]

    client.force_login(clerk)
    url = reverse("cases:transition", args=[new.pk, "link_duplicate"])
    form = client.get(url, {"earlier": earlier.number})
    assert f'value="{earlier.number}"' in form.content.decode()
    response = client.post(url, {"earlier_case": earlier.number, "reason": "同一噪音问题"})
    assert response.status_code == 302

    new.refresh_from_db()
    assert new.state == State.NOT_ACCEPTED
    assert new.decision["earlier_case"] == earlier.number and new.decision["linked"] is True
    assert open_deadlines(new) == []  # no second clock: no acceptance, no reply deadline
    assert not new.deadlines.filter(rule__in=["reply", "reply_important"]).exists()
    assert open_deadlines(earlier) == before  # the earlier case's clock is unchanged
    # 王建国 is already on the earlier case (same phone); 李秀英 joins it.
    assert sorted(earlier.petitioners.values_list("name", flat=True)) == ["李秀英", "王建国"]
    assert actions(new)[-1] == "petitions.link_duplicate"
    assert actions(earlier)[-1] == "petitions.duplicate_joined"

    earlier_page = client.get(reverse("cases:inspect", args=[earlier.pk])).content.decode()
    timeline = earlier_page.split('id="timeline"', 1)[1]
    assert "同一信访事项的信访件并入本案" in timeline
    assert f"并入的信访件：{new.number}" in timeline
    assert "新增信访人：李**" in timeline
    new_page = client.get(reverse("cases:inspect", args=[new.pk])).content.decode()
    assert f"先前案件：{earlier.number}" in new_page.split('id="timeline"', 1)[1]
    assert "已并入在办案件（第十四条）" in new_page


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a14_6_decline_as_repeat_cites_the_earlier_case(client, clerk, scene):
    earlier, new = scene["earlier"], scene["new"]
    new = step(new, "register", clerk, kind="pollution", categories=[a_category()])
    with pytest.raises(TransitionRefused, match="须填写先前案件的编号"):
        step(new, "decline", clerk, reason_kind="duplicate", reason="重复")
    with pytest.raises(TransitionRefused, match="没有编号为 JLPXF-2026-999999 的案件"):
        step(
            new,
            "decline",
            clerk,
            reason_kind="duplicate",
            reason="重复",
            earlier_case="JLPXF-2026-999999",
        )
    new.refresh_from_db()
    assert new.state == State.REGISTERED  # a refusal changes nothing

    client.force_login(clerk)
    url = reverse("cases:transition", args=[new.pk, "decline"])
    form = client.get(url, {"earlier": earlier.number, "reason": "duplicate"}).content.decode()
    assert f"与案件 {earlier.number} 为同一信访事项" in form
    response = client.post(
        url,
        {
            "reason_kind": "duplicate",
            "earlier_case": earlier.number.lower(),
            "reason": f"与案件 {earlier.number} 为同一信访事项，该案正在办理。",
        },
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.state == State.NOT_ACCEPTED
    assert new.decision["reason_kind"] == "duplicate"
    assert new.decision["earlier_case"] == earlier.number
    assert open_deadlines(new) == []
    assert actions(earlier)[-1] == "petitions.repeat_declined"
    page = client.get(reverse("cases:inspect", args=[earlier.pk])).content.decode()
    assert f"再次反映的信访件：{new.number}" in page


def re_reviewed_case(clerk) -> Case:
    department = DepartmentFactory(name="执法科")
    with freeze_time("2026-08-03 09:00:00+08:00"):
        case = accepted(
            file(
                dt.date(2026, 8, 3),
                description=EARLIER_TEXT,
                people=petitioner("王建国", "13912345678"),
            ),
            clerk,
        )
        case = step(
            case,
            "dispatch",
            clerk,
            host_department=department,
            co_departments=[],
            basis="responsibility_table",
        )
        day = dt.date(2026, 8, 3)
        case = issue_reply(case, "reply", clerk, replied_on=day, received_on=day)
        case = step(case, "request_review", clerk, requested_on=day, request="不满意")
        case = issue_reply(case, "reply_review", clerk, replied_on=day, received_on=day)
        case = step(case, "request_re_review", clerk, requested_on=day, request="仍不满意")
        case = issue_reply(case, "reply_re_review", clerk, replied_on=day, received_on=day)
    assert case.state == State.RE_REVIEW_REPLIED
    return case


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a19_3_matter_already_re_reviewed_is_refused_with_article_19_route(client, clerk):
    """第十九条第三款: after a re-review the same matter is not linked nor declined as a plain
    repeat; it is declined citing the re-review, and the petitioner is told the route."""
    earlier = re_reviewed_case(clerk)
    new = file(TODAY, description=NEAR_TEXT, people=petitioner("王建国", "13912345678"))

    found = find_duplicates(new)
    assert [d.case for d in found] == [earlier]
    assert found[0].re_reviewed and not found[0].may_link
    with pytest.raises(TransitionRefused, match="第十九条第三款"):
        step(new, "link_duplicate", clerk, earlier_case=earlier.number)
    new = step(new, "register", clerk, kind="pollution", categories=[a_category()])
    with pytest.raises(TransitionRefused, match="已经复核"):
        step(
            new,
            "decline",
            clerk,
            reason_kind="duplicate",
            reason="重复",
            earlier_case=earlier.number,
        )

    client.force_login(clerk)
    url = reverse("cases:transition", args=[new.pk, "decline"])
    html = client.get(url).content.decode()
    row = html.split(f'data-duplicate="{earlier.number}"', 1)[1].split("</tr>", 1)[0]
    assert "（已复核）" in row and "不再受理（第十九条第三款）" in row
    assert "并入此案" not in row
    response = client.post(
        url,
        {
            "reason_kind": "after_re_review",
            "earlier_case": earlier.number,
            "reason": "同一事实和理由",
        },
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.state == State.NOT_ACCEPTED
    assert new.decision["earlier_case"] == earlier.number
    assert "第十九条第三款" in new.decision["legal_route"]
    assert "最终处理意见" in new.decision["legal_route"]


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a19_3_decline_after_re_review_needs_a_re_reviewed_case(clerk, scene):
    new = step(scene["new"], "register", clerk, kind="pollution", categories=[a_category()])
    with pytest.raises(TransitionRefused, match="没有复核意见"):
        step(
            new,
            "decline",
            clerk,
            reason_kind="after_re_review",
            reason="同一事实和理由",
            earlier_case=scene["earlier"].number,
        )


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a14_6_cannot_link_to_itself_or_to_a_case_no_longer_handled(clerk, scene):
    new = scene["new"]
    with pytest.raises(TransitionRefused, match="不能引用本案自身"):
        step(new, "link_duplicate", clerk, earlier_case=new.number)
    other = file(TODAY, description="另一件", people=petitioner("钱六", "13700001111"))
    other = step(other, "register", clerk, kind="pollution", categories=[a_category()])
    other = step(other, "decline", clerk, reason_kind="other", reason="不属于信访事项")
    with pytest.raises(TransitionRefused, match="不在受理或办理中"):
        step(new, "link_duplicate", clerk, earlier_case=other.number)
    new.refresh_from_db()
    assert new.state == State.RECEIVED
    assert [rule for rule, _ in open_deadlines(new)] == ["acceptance_direct"]


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a14_6_only_the_detachment_links(client, scene):
    handler = UserFactory(username="jingban", roles=[Role.HANDLER])
    with pytest.raises(TransitionRefused):
        step(scene["new"], "link_duplicate", handler, earlier_case=scene["earlier"].number)


@freeze_time("2026-11-20 10:00:00+08:00")
def test_a14_6_corrected_text_is_compared_anew(client, clerk, scene):
    """The index follows a correction of the description (更正登记信息)."""
    other = file(
        TODAY,
        description="某餐馆油烟直排",
        place="谢家湾正街1号",
        people=petitioner("孙七", "13622223333"),
    )
    assert other not in [d.case for d in find_duplicates(scene["new"])]
    client.force_login(clerk)
    response = client.post(
        reverse("cases:edit", args=[other.pk]),
        {"place": PLACE, "description": EARLIER_TEXT, "demands": "", "reported_party": ""},
    )
    assert response.status_code == 302
    assert other in [d.case for d in find_duplicates(scene["new"])]
