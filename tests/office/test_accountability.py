"""监督和追责 (第二十三条、第二十四条; A23.1): referrals, self-examinations, candidates."""

import datetime as dt

import pytest
from django.utils import timezone
from factories import (
    DepartmentFactory,
    a_category,
    detachment_user,
    issue_reply,
    make_case,
    person,
    step,
)
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.cases.access import can_view
from petitions.cases.models import Supervision
from petitions.office import accountability
from petitions.office.common import Refused
from petitions.office.models import CandidateReview, DisciplineReferral
from petitions.worker.sweep import run_sweep
from rules.roles import Role

pytestmark = pytest.mark.django_db

Status = DisciplineReferral.Status


def refused(response) -> bool:
    """Wagtail answers a refused admin address by sending the user back to the admin home."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


def people():
    dept = DepartmentFactory(name="大气环境管理科", code="air")
    handler = person("jingban_air", "孙经办", Role.HANDLER)
    dept.staff.add(handler)
    return {
        "office": person("bangongshi", "周办公", Role.OFFICE),
        "zhidui": detachment_user(),
        "discipline": person("jijian", "吴纪检", Role.DISCIPLINE),
        "handler": handler,
        "dept": dept,
    }


def dispatched_case(p, received_on=dt.date(2026, 10, 9)):
    case = step(
        make_case(received_on=received_on),
        "register",
        p["zhidui"],
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", p["zhidui"], accepted_on=received_on, notice_method="phone")
    return step(
        case,
        "dispatch",
        p["zhidui"],
        host_department=p["dept"],
        basis="responsibility_table",
        handler=p["handler"],
    )


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a23_1_a_referral_is_visible_to_discipline_inspection_and_not_to_a_department_handler(
    client,
):
    p = people()
    case = dispatched_case(p)
    assert can_view(p["handler"], case)  # the handler sees the case …
    referral = accountability.refer(
        case,
        responsible_staff=[p["handler"]],
        ground="a24_2",
        reason="无正当理由逾期未办结，群众多次投诉。",
        user=p["office"],
    )
    # Until the detachment co-signs, discipline inspection does not see it yet.
    assert not accountability.visible_referrals(p["discipline"]).exists()
    referral = accountability.co_sign(referral, user=p["zhidui"])
    assert referral.status == Status.REFERRED
    assert list(accountability.visible_referrals(p["discipline"])) == [referral]
    # … but never the referral: not in a list, not on its page, not on the case page.
    assert not accountability.visible_referrals(p["handler"]).exists()
    client.force_login(p["handler"])
    assert refused(client.get(f"/admin/office/accountability/referrals/{referral.pk}/"))
    assert refused(client.get("/admin/office/accountability/"))
    case_page = client.get(f"/admin/cases/inspect/{case.pk}/")
    assert case_page.status_code == 200
    assert "移交纪检监察" not in case_page.content.decode()
    assert not ModelLogEntry.objects.filter(
        content_type__model="case", object_id=str(case.pk), action__startswith="office.referral"
    ).exists()
    client.force_login(p["discipline"])
    page = client.get(f"/admin/office/accountability/referrals/{referral.pk}/")
    assert page.status_code == 200 and "孙经办" in page.content.decode()


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a23_1_the_office_and_the_detachment_record_it_jointly_and_discipline_records_the_outcome():
    p = people()
    case = dispatched_case(p)
    with pytest.raises(Refused, match="办公室会同支队"):
        accountability.refer(
            case,
            responsible_staff=[p["handler"]],
            ground="a23_2",
            reason="不作为",
            user=p["handler"],
        )
    with pytest.raises(Refused, match="情形"):
        accountability.refer(
            case, responsible_staff=[p["handler"]], ground="a25_1", reason="…", user=p["zhidui"]
        )
    referral = accountability.refer(
        case,
        responsible_staff=[p["handler"]],
        ground="a23_2",
        reason="应当作为而不作为。",
        user=p["zhidui"],
    )
    assert referral.detachment_signed_by == p["zhidui"] and referral.office_signed_by is None
    other_detachment = person("zhidui2", "郑支队", Role.DETACHMENT)
    with pytest.raises(Refused, match="办公室"):
        accountability.co_sign(referral, user=other_detachment)
    with pytest.raises(Refused, match="另一方"):
        accountability.co_sign(referral, user=p["zhidui"])
    with pytest.raises(Refused, match="纪检监察组"):
        accountability.record_outcome(
            referral, outcome="诫勉谈话", outcome_on=dt.date(2026, 12, 7), user=p["office"]
        )
    referral = accountability.co_sign(referral, user=p["office"])
    referral = accountability.record_outcome(
        referral,
        outcome="给予诫勉谈话处理。",
        outcome_on=dt.date(2026, 12, 7),
        user=p["discipline"],
    )
    assert referral.status == Status.CONCLUDED
    actions = list(
        ModelLogEntry.objects.filter(content_type__model="disciplinereferral")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "office.referral_drafted",
        "office.referral_referred",
        "office.referral_concluded",
    ]


@freeze_time("2026-12-07 10:00:00+08:00")
def test_article_24_a_written_self_examination_is_recorded_by_the_office():
    p = people()
    case = dispatched_case(p)
    with pytest.raises(Refused, match="第二十四条"):
        accountability.record_self_examination(
            person=p["handler"],
            case=case,
            circumstance="a23_1",
            submitted_on=dt.date(2026, 12, 5),
            correction="…",
            user=p["office"],
        )
    with pytest.raises(Refused):
        accountability.record_self_examination(
            person=p["handler"],
            case=case,
            circumstance="a24_2",
            submitted_on=dt.date(2026, 12, 5),
            correction="已办结。",
            user=p["zhidui"],
        )
    exam = accountability.record_self_examination(
        person=p["handler"],
        case=case,
        circumstance="a24_2",
        submitted_on=dt.date(2026, 12, 5),
        correction="已于12月6日答复信访人，今后按期办理。",
        user=p["office"],
    )
    assert list(accountability.visible_self_examinations(p["handler"])) == [exam]
    assert list(accountability.visible_self_examinations(p["discipline"])) == [exam]
    other = person("other", "冯经办", Role.HANDLER)
    assert not accountability.visible_self_examinations(other).exists()


def test_a23_1_the_system_proposes_candidates_and_a_person_decides():
    p = people()
    with freeze_time("2026-10-09 10:00:00+08:00"):
        overdue = dispatched_case(p)
    with freeze_time("2026-11-10 08:00:00+08:00"):
        run_sweep()
    supervision = Supervision.objects.get(case=overdue)
    # Entered 4 working days after it was received.
    with freeze_time("2026-11-13 10:00:00+08:00"):
        late = make_case(received_on=dt.date(2026, 11, 9))
    assert timezone.localtime(late.created_at).date() == dt.date(2026, 11, 13)
    with freeze_time("2026-11-10 10:00:00+08:00"):
        on_time = make_case(received_on=dt.date(2026, 11, 9))
    # A review that overturned the reply.
    with freeze_time("2026-10-09 10:00:00+08:00"):
        reviewed = dispatched_case(p, received_on=dt.date(2026, 10, 9))
    with freeze_time("2026-10-20 10:00:00+08:00"):
        reviewed = issue_reply(
            reviewed,
            "reply",
            p["zhidui"],
            replied_on=dt.date(2026, 10, 20),
            received_on=dt.date(2026, 10, 20),
        )
        reviewed = step(
            reviewed,
            "request_review",
            p["zhidui"],
            requested_on=dt.date(2026, 10, 20),
            request="不服",
        )
        reviewed = issue_reply(
            reviewed,
            "reply_review",
            p["zhidui"],
            replied_on=dt.date(2026, 10, 20),
            received_on=dt.date(2026, 10, 20),
            outcome="changed",
        )
    with freeze_time("2026-12-07 10:00:00+08:00"):
        found = {(c.case.number, c.reason) for c in accountability.candidates()}
        assert (overdue.number, "overdue") in found
        assert (late.number, "late_registration") in found
        assert (on_time.number, "late_registration") not in found
        assert (reviewed.number, "overturned") in found
        # Nothing was decided or referred by the system itself.
        assert not DisciplineReferral.objects.exists()
        assert not CandidateReview.objects.exists()
        with pytest.raises(Refused, match="办公室"):
            accountability.decide(
                overdue,
                reason="overdue",
                reference=str(supervision.pk),
                decision="justified",
                note="…",
                user=p["zhidui"],
            )
        with pytest.raises(Refused, match="理由"):
            accountability.decide(
                overdue,
                reason="overdue",
                reference=str(supervision.pk),
                decision="justified",
                note=" ",
                user=p["office"],
            )
        accountability.decide(
            overdue,
            reason="overdue",
            reference=str(supervision.pk),
            decision="justified",
            note="需等待第三方检测报告，已向信访人说明。",
            user=p["office"],
        )
        found = {(c.case.number, c.reason) for c in accountability.candidates()}
        assert (overdue.number, "overdue") not in found
        assert (late.number, "late_registration") in found
        with pytest.raises(Refused, match="已有处理决定"):
            accountability.decide(
                overdue,
                reason="overdue",
                reference=str(supervision.pk),
                decision="referral",
                note="再议",
                user=p["office"],
            )
