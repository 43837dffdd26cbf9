"""追责 screens: the candidates the system proposes (office), referrals to discipline inspection
(office and detachment jointly; discipline inspection's list and outcome), written
self-examinations. No department handler reaches any of these."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from petitions.cases.models import Case
from petitions.cases.people import display_name
from petitions.office import accountability
from petitions.office.common import has_role
from petitions.office.forms import (
    DecisionForm,
    OutcomeRecordForm,
    ReferralForm,
    SelfExaminationForm,
)
from petitions.office.models import CandidateReview, DisciplineReferral
from petitions.office.views import OfficePage, history_of
from rules.roles import Role


class AccountabilityView(OfficePage):
    """The office's view: the candidates to decide on, the referrals, the self-examinations."""

    template_name = "office/accountability.html"
    page_title = _("追责问责")
    header_icon = "warning"
    actions = {"decide": _("保存决定")}

    def may_view(self, user):
        return accountability.may_view_accountability(user)

    def available_actions(self):
        return ["decide"] if accountability.may_decide(self.request.user) else []

    def form_decide(self, data=None, prefix=None):
        return DecisionForm(data, prefix=prefix)

    def act_decide(self, form):
        d = form.cleaned_data
        case = Case.objects.filter(pk=d["case"]).first()
        if case is None:
            raise Http404
        accountability.decide(
            case,
            reason=d["reason"],
            reference=d["reference"],
            decision=d["decision"],
            note=d["note"],
            user=self.request.user,
        )
        if d["decision"] == CandidateReview.Decision.REFERRAL:
            return f"{reverse('office:referral_add')}?case={case.number}"
        if d["decision"] == CandidateReview.Decision.SELF_EXAMINATION:
            return f"{reverse('office:self_examination_add')}?case={case.number}"
        return reverse("office:accountability")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            candidates=accountability.candidates()
            if has_role(user, Role.OFFICE, Role.BUREAU_HEAD)
            else [],
            may_decide=accountability.may_decide(user),
            may_refer=accountability.may_refer(user),
            referrals=accountability.visible_referrals(user)[:200],
            self_examinations=accountability.visible_self_examinations(user)[:200],
            reviews=CandidateReview.objects.select_related("case", "decided_by")[:50]
            if has_role(user, Role.OFFICE, Role.BUREAU_HEAD)
            else [],
        )
        return context


class ReferralCreateView(OfficePage):
    template_name = "office/form_page.html"
    page_title = _("移交纪检监察")
    header_icon = "warning"
    actions = {"referral": _("签发并送会签")}

    def may_view(self, user):
        return accountability.may_refer(user)

    def form_referral(self, data=None, prefix=None):
        initial = {"case": self.request.GET.get("case", "")}
        return ReferralForm(data, prefix=prefix, initial=initial)

    def act_referral(self, form):
        d = form.cleaned_data
        referral = accountability.refer(
            d["case"],
            responsible_staff=list(d["responsible_staff"]),
            ground=d["ground"],
            reason=d["reason"],
            user=self.request.user,
        )
        return reverse("office:referral", args=[referral.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intro"] = _g(
            "因第二十三条、第二十四条所列情形造成严重后果的，办公室会同支队移交纪检监察部门。"
            "一方签发后，须由另一方人员会签，纪检监察组方可看到并处理。"
        )
        return context


class ReferralView(OfficePage):
    template_name = "office/referral.html"
    header_icon = "warning"
    actions = {"co_sign": _("会签并移交"), "outcome": _("记录处理结果")}

    def load(self):
        self.referral = get_object_or_404(
            DisciplineReferral.objects.select_related(
                "case",
                "office_signed_by",
                "detachment_signed_by",
                "outcome_by",
                "created_by",
            ),
            pk=self.kwargs["pk"],
        )

    def may_view(self, user):
        return accountability.visible_referrals(user).filter(pk=self.referral.pk).exists()

    def get_page_title(self):
        return _g("移交纪检监察 · %(number)s") % {"number": self.referral.case.number}

    def available_actions(self):
        user, r = self.request.user, self.referral
        S = DisciplineReferral.Status
        found = []
        if r.status == S.AWAITING_CO_SIGN and user.pk not in (
            r.office_signed_by_id,
            r.detachment_signed_by_id,
        ):
            needed = Role.OFFICE if r.office_signed_by_id is None else Role.DETACHMENT
            if has_role(user, needed):
                found.append("co_sign")
        if r.status == S.REFERRED and has_role(user, Role.DISCIPLINE):
            found.append("outcome")
        return found

    def form_co_sign(self, data=None, prefix=None):
        return forms.Form(data, prefix=prefix)  # no fields: the button

    def form_outcome(self, data=None, prefix=None):
        return OutcomeRecordForm(data, prefix=prefix)

    def here(self):
        return reverse("office:referral", args=[self.referral.pk])

    def act_co_sign(self, form):
        accountability.co_sign(self.referral, user=self.request.user)
        return self.here()

    def act_outcome(self, form):
        accountability.record_outcome(self.referral, user=self.request.user, **form.cleaned_data)
        return self.here()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        r = self.referral
        context.update(
            referral=r,
            staff=[display_name(u) for u in r.responsible_staff.all()],
            office_signer=display_name(r.office_signed_by),
            detachment_signer=display_name(r.detachment_signed_by),
            outcome_by=display_name(r.outcome_by),
            history=history_of(r),
        )
        return context


class SelfExaminationCreateView(OfficePage):
    template_name = "office/form_page.html"
    page_title = _("登记书面检查")
    header_icon = "doc-full"
    actions = {"exam": _("保存")}

    def may_view(self, user):
        return has_role(user, Role.OFFICE)

    def form_exam(self, data=None, prefix=None):
        return SelfExaminationForm(
            data, prefix=prefix, initial={"case": self.request.GET.get("case", "")}
        )

    def act_exam(self, form):
        accountability.record_self_examination(user=self.request.user, **form.cleaned_data)
        return reverse("office:accountability")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intro"] = _g(
            "有第二十四条所列情形之一的，相关责任人员向局党组作出书面检查并立即改正。"
        )
        return context
