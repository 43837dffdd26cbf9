"""Printable notices (告知书) a case produces, each once its decision is recorded."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rules.states import State

from .models import Case


@dataclass(frozen=True)
class Notice:
    key: str
    label: str
    template: str
    #: Goes outside the bureau to someone other than the petitioner: never names them (A24.3).
    leaves_out_identity: bool = False


NOTICES = {
    n.key: n
    for n in [
        Notice("acceptance", _("受理告知书"), "petitions/notices/acceptance.html"),
        Notice("non_acceptance", _("不予受理告知书"), "petitions/notices/non_acceptance.html"),
        Notice("referral", _("引导告知书（不属本局职权）"), "petitions/notices/referral.html"),
        Notice(
            "objection",
            _("异议函"),
            "petitions/notices/objection.html",
            leaves_out_identity=True,
        ),
    ]
}


def available_notices(case: Case) -> list[Notice]:
    decision = case.decision or {}
    found = []
    if case.accepted_on and case.state != State.VOIDED:
        found.append(NOTICES["acceptance"])
    if decision.get("reason_kind"):
        found.append(NOTICES["non_acceptance"])
    if decision.get("competent_agency"):
        found.append(NOTICES["referral"])
    if decision.get("objection_reasons"):
        found.append(NOTICES["objection"])
    return found


def notice_context(case: Case, notice: Notice) -> dict:
    petitioner = (
        None if notice.leaves_out_identity or case.anonymous else (case.petitioners.first())
    )
    from rules.transitions import DECLINE_REASONS

    return {
        "case": case,
        "notice": notice,
        "bureau": settings.PETITIONS_BUREAU_NAME,
        "petitioner_name": petitioner.name if petitioner else "",
        "decision": case.decision or {},
        "decline_reason_label": dict(DECLINE_REASONS).get((case.decision or {}).get("reason_kind")),
        "reply_deadline": case.deadlines.filter(rule__in=["reply", "reply_important"]).first(),
    }
