"""行政调解 (第十一条, A11.1): a mediation record on a case, only with the parties' consent.

For a dispute tied to an administrative penalty or permit, or a civil dispute over ecological
damage or pollution compensation. Without every party's consent there is no mediation and the
case goes on its usual way. The meetings are recorded (date, place, who attended, minutes), and
the outcome (an agreement with its terms, or failure) appears in the case's timeline and in the
reply drafted after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.cases.access import can_view, handles, may_reveal, visible_cases
from petitions.cases.models import Case
from petitions.cases.privacy import mask_name
from petitions.office.common import Refused, record
from petitions.office.models import Mediation, MediationMeeting, MediationParty
from snippets.models import Department

Status = Mediation.Status
Consent = MediationParty.Consent


@dataclass
class PartyData:
    name: str
    role: str


def _require_handling(user, case: Case) -> None:
    if not handles(user, case):
        raise Refused(_("只有办理本案的人员可以记录行政调解。"))


def propose(
    case: Case,
    *,
    dispute_kind: str,
    department: Department,
    parties: Sequence[PartyData],
    user,
) -> Mediation:
    """Open a mediation record and ask the parties whether they consent (征求意见)."""
    _require_handling(user, case)
    if dispute_kind not in Mediation.DisputeKind.values:
        raise Refused(
            field_errors={
                "dispute_kind": _(
                    "行政调解只适用于与行政处罚、行政许可有关的争议，"
                    "以及生态损害赔偿、污染赔偿民事纠纷（第十一条）。"
                )
            }
        )
    parties = [p for p in parties if p.name.strip()]
    if len(parties) < 2:
        raise Refused(field_errors={"parties": _("调解至少需要两方当事人。")})
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if locked.mediations.exclude(status__in=Mediation.ENDED).exists():
            raise Refused(_("本案已有进行中的行政调解。"))
        mediation = Mediation.objects.create(
            case=locked,
            dispute_kind=dispute_kind,
            department=department,
            status=Status.CONSENT_PENDING,
            recorded_by=user,
        )
        for party in parties:
            MediationParty.objects.create(mediation=mediation, name=party.name, role=party.role)
        record(
            mediation,
            "office.mediation_proposed",
            user,
            comment=_("%(kind)s，由%(dept)s主持，征求%(n)d方当事人是否同意调解。")
            % {
                "kind": mediation.get_dispute_kind_display(),
                "dept": department.name,
                "n": len(parties),
            },
            case=locked,
        )
    return mediation


def _locked(mediation: Mediation) -> Mediation:
    Case.objects.select_for_update(of=("self",)).get(pk=mediation.case_id)
    return Mediation.objects.select_related("case").get(pk=mediation.pk)


def _expect(mediation: Mediation, *statuses: str) -> None:
    if mediation.status not in statuses:
        raise Refused(
            _("调解当前为“%(status)s”，不能进行这一步。")
            % {"status": mediation.get_status_display()}
        )


def record_consent(
    mediation: Mediation, party: MediationParty, *, consent: str, on: dt.date, user
) -> Mediation:
    """A party says whether they consent. One refusal ends it: no mediation, the case goes on."""
    _require_handling(user, mediation.case)
    if consent not in (Consent.YES, Consent.NO):
        raise Refused(field_errors={"consent": _("请选择同意或不同意调解。")})
    if on > timezone.localdate():
        raise Refused(field_errors={"on": _("日期不能晚于今天。")})
    with transaction.atomic():
        mediation = _locked(mediation)
        _expect(mediation, Status.CONSENT_PENDING)
        party = mediation.parties.get(pk=party.pk)
        party.consent, party.consent_on = consent, on
        party.save(update_fields=["consent", "consent_on"])
        label = party.get_consent_display()
        record(
            mediation,
            "office.mediation_consent",
            user,
            comment=f"{party.role}：{label}（{on.isoformat()}）",
        )
        if consent == Consent.NO:
            mediation.status = Status.NO_CONSENT
            mediation.concluded_on = on
            mediation.save(update_fields=["status", "concluded_on"])
            record(
                mediation,
                "office.mediation_no_consent",
                user,
                comment=_("%(role)s不同意调解，不进行行政调解，案件按正常程序办理（第十一条）。")
                % {"role": party.role},
                case=mediation.case,
            )
    return mediation


def start(mediation: Mediation, *, user) -> Mediation:
    """Start the mediation: only once every party has consented (当事人同意调解的)."""
    _require_handling(user, mediation.case)
    with transaction.atomic():
        mediation = _locked(mediation)
        _expect(mediation, Status.CONSENT_PENDING)
        without = [p for p in mediation.parties.all() if p.consent != Consent.YES]
        if without:
            raise Refused(
                _(
                    "%(roles)s尚未同意调解：没有当事人的同意不能调解（第十一条），"
                    "案件按正常程序办理。"
                )
                % {"roles": "、".join(p.role for p in without)}
            )
        mediation.status = Status.IN_PROGRESS
        mediation.started_at = timezone.now()
        mediation.save(update_fields=["status", "started_at"])
        record(
            mediation,
            "office.mediation_started",
            user,
            comment=_("各方当事人同意调解，开始行政调解。"),
            case=mediation.case,
        )
    return mediation


@dataclass
class MeetingData:
    held_on: dt.date
    place: str
    attendees: str
    minutes: str


def record_meeting(mediation: Mediation, data: MeetingData, *, user) -> MediationMeeting:
    _require_handling(user, mediation.case)
    if data.held_on > timezone.localdate():
        raise Refused(field_errors={"held_on": _("日期不能晚于今天。")})
    with transaction.atomic():
        mediation = _locked(mediation)
        _expect(mediation, Status.IN_PROGRESS)
        meeting = MediationMeeting.objects.create(
            mediation=mediation, recorded_by=user, **data.__dict__
        )
        record(
            mediation,
            "office.mediation_meeting",
            user,
            comment=_("%(day)s 在%(place)s调解，参加人员：%(who)s")
            % {"day": data.held_on.isoformat(), "place": data.place, "who": data.attendees},
        )
    return meeting


def conclude(
    mediation: Mediation,
    *,
    agreed: bool,
    concluded_on: dt.date,
    terms: str = "",
    reason: str = "",
    user,
) -> Mediation:
    """The outcome: an agreement with its terms, or failure with its reason; it goes into the
    case's timeline (and the reply drafted after it)."""
    _require_handling(user, mediation.case)
    if agreed and not terms.strip():
        raise Refused(field_errors={"terms": _("请填写调解协议内容。")})
    if not agreed and not reason.strip():
        raise Refused(field_errors={"reason": _("请填写调解不成的原因。")})
    if concluded_on > timezone.localdate():
        raise Refused(field_errors={"concluded_on": _("日期不能晚于今天。")})
    with transaction.atomic():
        mediation = _locked(mediation)
        _expect(mediation, Status.IN_PROGRESS)
        if not mediation.meetings.exists():
            raise Refused(_("尚未记录调解会议。"))
        mediation.status = Status.AGREED if agreed else Status.FAILED
        mediation.concluded_on = concluded_on
        mediation.agreement_terms = terms if agreed else ""
        mediation.failure_reason = "" if agreed else reason
        mediation.save()
        record(
            mediation,
            "office.mediation_concluded",
            user,
            comment=mediation.outcome_text,
            case=mediation.case,
        )
    return mediation


def reply_paragraphs(case: Case) -> list[str]:
    """The outcomes of the case's concluded mediations, for the start of its reply draft."""
    return [
        m.outcome_text
        for m in case.mediations.filter(status__in=[Status.AGREED, Status.FAILED]).order_by("id")
    ]


def parties_as_seen(mediation: Mediation, user) -> list[dict]:
    """The parties, named in full to those who may reveal the case's petitioner, else masked."""
    full = may_reveal(user, mediation.case)
    return [
        {"party": p, "name": p.name if full else mask_name(p.name)} for p in mediation.parties.all()
    ]


def visible_mediations(user):
    return Mediation.objects.filter(case__in=visible_cases(user).values("pk"))


def may_view(user, mediation: Mediation) -> bool:
    return can_view(user, mediation.case)
