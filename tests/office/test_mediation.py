"""行政调解 (第十一条, A11.1): only with the parties' consent; the outcome in the timeline and
the reply."""

import datetime as dt

import pytest
from factories import DepartmentFactory, a_category, detachment_user, make_case, person, step
from freezegun import freeze_time

from petitions.cases.selectors import reply_draft_start, timeline_of
from petitions.office import mediation
from petitions.office.common import Refused
from petitions.office.models import Mediation, MediationParty
from rules.roles import Role

pytestmark = pytest.mark.django_db

PARTIES = [
    mediation.PartyData(name="张三", role="申请人"),
    mediation.PartyData(name="某化工有限公司", role="被申请人"),
]


def dispatched(zhidui, dept):
    case = step(
        make_case(received_on=dt.date(2026, 12, 1)),
        "register",
        zhidui,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", zhidui, accepted_on=dt.date(2026, 12, 1), notice_method="phone")
    return step(case, "dispatch", zhidui, host_department=dept, basis="responsibility_table")


def consent_all(m, user, answer=MediationParty.Consent.YES):
    for party in m.parties.all():
        m = mediation.record_consent(m, party, consent=answer, on=dt.date(2026, 12, 3), user=user)
    return m


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a11_1_a_mediation_cannot_start_without_consent():
    zhidui = detachment_user()
    dept = DepartmentFactory(name="法规与标准科", code="law")
    case = dispatched(zhidui, dept)
    m = mediation.propose(
        case, dispute_kind="pollution_compensation", department=dept, parties=PARTIES, user=zhidui
    )
    with pytest.raises(Refused, match="申请人、被申请人尚未同意调解"):
        mediation.start(m, user=zhidui)
    applicant = m.parties.get(role="申请人")
    m = mediation.record_consent(
        m, applicant, consent=MediationParty.Consent.YES, on=dt.date(2026, 12, 3), user=zhidui
    )
    with pytest.raises(Refused, match="被申请人尚未同意调解"):
        mediation.start(m, user=zhidui)
    m.refresh_from_db()
    assert m.status == Mediation.Status.CONSENT_PENDING and m.started_at is None
    with pytest.raises(Refused, match="调解当前为"):
        mediation.record_meeting(
            m,
            mediation.MeetingData(dt.date(2026, 12, 4), "局调解室", "双方", "……"),
            user=zhidui,
        )


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a11_1_a_party_who_does_not_consent_ends_it_and_the_case_goes_on_its_way():
    zhidui = detachment_user()
    dept = DepartmentFactory(name="法规与标准科", code="law")
    case = dispatched(zhidui, dept)
    m = mediation.propose(
        case, dispute_kind="penalty", department=dept, parties=PARTIES, user=zhidui
    )
    company = m.parties.get(role="被申请人")
    m = mediation.record_consent(
        m, company, consent=MediationParty.Consent.NO, on=dt.date(2026, 12, 3), user=zhidui
    )
    assert m.status == Mediation.Status.NO_CONSENT
    with pytest.raises(Refused):
        mediation.start(m, user=zhidui)
    lines = [e.details for e in timeline_of(case) if e.action == "office.mediation_no_consent"]
    assert lines == [["被申请人不同意调解，不进行行政调解，案件按正常程序办理（第十一条）。"]]
    case.refresh_from_db()
    assert case.state == "dispatched"  # untouched: it goes on its usual way


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a11_1_meetings_and_the_agreement_appear_in_the_timeline_and_the_reply():
    zhidui = detachment_user()
    dept = DepartmentFactory(name="法规与标准科", code="law")
    case = dispatched(zhidui, dept)
    m = mediation.propose(
        case, dispute_kind="pollution_compensation", department=dept, parties=PARTIES, user=zhidui
    )
    m = mediation.start(consent_all(m, zhidui), user=zhidui)
    with pytest.raises(Refused, match="尚未记录调解会议"):
        mediation.conclude(
            m, agreed=True, concluded_on=dt.date(2026, 12, 6), terms="赔偿3000元", user=zhidui
        )
    mediation.record_meeting(
        m,
        mediation.MeetingData(
            dt.date(2026, 12, 5), "局调解室", "张三、公司代表、法规科", "双方陈述……"
        ),
        user=zhidui,
    )
    m = mediation.conclude(
        m,
        agreed=True,
        concluded_on=dt.date(2026, 12, 6),
        terms="公司一次性赔偿张三鱼塘损失3000元，并于12月31日前完成围堰整改。",
        user=zhidui,
    )
    assert m.status == Mediation.Status.AGREED
    outcome = "经行政调解，当事人于2026-12-06达成调解协议：公司一次性赔偿张三鱼塘损失3000元，并于12月31日前完成围堰整改。"
    assert m.outcome_text == outcome
    timeline = [(e.action, e.details) for e in timeline_of(case) if e.action.startswith("office.")]
    assert [a for a, _d in timeline] == [
        "office.mediation_proposed",
        "office.mediation_started",
        "office.mediation_concluded",
    ]
    assert timeline[-1][1] == [outcome]
    assert outcome in reply_draft_start(case)["reply_text"]


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a11_1_only_the_disputes_of_article_11_by_those_handling_the_case_and_names_masked_to_others():
    zhidui = detachment_user()
    dept = DepartmentFactory(name="法规与标准科", code="law")
    case = dispatched(zhidui, dept)
    with pytest.raises(Refused, match="第十一条"):
        mediation.propose(
            case, dispute_kind="neighbours", department=dept, parties=PARTIES, user=zhidui
        )
    with pytest.raises(Refused, match="两方"):
        mediation.propose(
            case, dispute_kind="permit", department=dept, parties=PARTIES[:1], user=zhidui
        )
    outsider = person("other_handler", "孙经办", Role.HANDLER)
    with pytest.raises(Refused, match="办理本案"):
        mediation.propose(
            case, dispute_kind="permit", department=dept, parties=PARTIES, user=outsider
        )
    m = mediation.propose(
        case, dispute_kind="permit", department=dept, parties=PARTIES, user=zhidui
    )
    office = person("bangongshi", "周办公", Role.OFFICE)
    seen = [row["name"] for row in mediation.parties_as_seen(m, office)]
    assert seen == ["张*", "某******"]
    assert [row["name"] for row in mediation.parties_as_seen(m, zhidui)] == [
        "张三",
        "某化工有限公司",
    ]
