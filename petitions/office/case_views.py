"""Records on a case: the reward for a report (有奖举报) and administrative mediation (行政调解).
Who may see the case sees them; the reporter's and the parties' identities stay masked."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from petitions.cases.access import can_view, handles
from petitions.cases.models import Case
from petitions.cases.people import display_name
from petitions.office import mediation as mediations
from petitions.office import rewards
from petitions.office.common import is_leader
from petitions.office.forms import (
    AmountForm,
    ApproveRewardForm,
    ConsentForm,
    EligibilityForm,
    MediationForm,
    MeetingForm,
    OutcomeForm,
    PaymentForm,
    RewardApplyForm,
    YearForm,
)
from petitions.office.models import Mediation, RewardApplication
from petitions.office.views import OfficePage, history_of


class CasePage(OfficePage):
    """A page about one case: only for those who may see the case."""

    def load(self):
        self.case = get_object_or_404(
            Case.objects.select_related("host_department", "channel"), pk=self.kwargs["case_pk"]
        )

    def may_view(self, user):
        return can_view(user, self.case)


# --- rewards ----------------------------------------------------------------------------------


class RewardListView(OfficePage):
    """有奖举报 of a year by state (A9.1), of the cases the user may see."""

    template_name = "office/rewards.html"
    page_title = _("有奖举报")
    header_icon = "tag"

    def may_view(self, user):
        return user.has_perm("petitions.view_case")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = YearForm(self.request.GET or {"year": timezone.localdate().year})
        year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
        context.update(year_form=form, **rewards.year_report(self.request.user, year))
        return context


class RewardApplyView(CasePage):
    template_name = "office/form_page.html"
    header_icon = "tag"
    actions = {"apply": _("登记申请")}

    def may_view(self, user):
        return super().may_view(user) and rewards.may_handle_rewards(user)

    def get_page_title(self):
        return _g("有奖举报申请 · %(number)s") % {"number": self.case.number}

    def form_apply(self, data=None, prefix=None):
        return RewardApplyForm(data, prefix=prefix)

    def act_apply(self, form):
        application = rewards.apply(self.case, user=self.request.user, **form.cleaned_data)
        return reverse("office:reward", args=[application.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["case"] = self.case
        context["intro"] = _g(
            "支队按照本区有奖举报办法，对符合条件的举报人予以奖励（第九条）：审查、审批、发放依次办理，"
            "每一步都记入审计日志。举报人身份按检举人保护，不在本页面显示。"
        )
        return context


class RewardView(OfficePage):
    template_name = "office/reward.html"
    header_icon = "tag"
    actions = {
        "check": _("保存审查结论"),
        "approve": _("审批同意"),
        "pay": _("登记发放"),
        "amount": _("变更金额"),
    }

    def load(self):
        self.application = get_object_or_404(
            RewardApplication.objects.select_related(
                "case", "eligibility_checked_by", "approved_by", "paid_recorded_by"
            ),
            pk=self.kwargs["pk"],
        )

    def may_view(self, user):
        return can_view(user, self.application.case)

    def get_page_title(self):
        return _g("有奖举报 · %(number)s") % {"number": self.application.case.number}

    def available_actions(self):
        user, status = self.request.user, self.application.status
        S = RewardApplication.Status
        handling = rewards.may_handle_rewards(user)
        found = []
        if status == S.APPLIED and handling:
            found.append("check")
        if status == S.ELIGIBLE and is_leader(user):
            found.append("approve")
        if status in (S.ELIGIBLE, S.APPROVED) and handling:
            # Offered before approval too: paying then is refused with its reason.
            found += ["pay", "amount"]
        return found

    def form_check(self, data=None, prefix=None):
        return EligibilityForm(data, prefix=prefix)

    def form_approve(self, data=None, prefix=None):
        return ApproveRewardForm(data, prefix=prefix)

    def form_pay(self, data=None, prefix=None):
        return PaymentForm(data, prefix=prefix)

    def form_amount(self, data=None, prefix=None):
        return AmountForm(data, prefix=prefix)

    def here(self):
        return reverse("office:reward", args=[self.application.pk])

    def act_check(self, form):
        rewards.check_eligibility(self.application, user=self.request.user, **form.cleaned_data)
        return self.here()

    def act_approve(self, form):
        rewards.approve(
            self.application, comment=form.cleaned_data["comment"], user=self.request.user
        )
        return self.here()

    def act_pay(self, form):
        d = form.cleaned_data
        rewards.pay(
            self.application,
            paid_on=d["paid_on"],
            method=d["method"],
            reference=d["reference"],
            user=self.request.user,
        )
        return self.here()

    def act_amount(self, form):
        rewards.change_amount(self.application, user=self.request.user, **form.cleaned_data)
        return self.here()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        a = self.application
        context.update(
            application=a,
            case=a.case,
            checked_by=display_name(a.eligibility_checked_by),
            approved_by=display_name(a.approved_by),
            paid_by=display_name(a.paid_recorded_by),
            changes=a.amount_changes.select_related("changed_by"),
            history=history_of(a),
        )
        return context


# --- mediation --------------------------------------------------------------------------------


class MediationListView(OfficePage):
    template_name = "office/mediations.html"
    page_title = _("行政调解")
    header_icon = "group"

    def may_view(self, user):
        return user.has_perm("petitions.view_case")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mediations"] = (
            mediations.visible_mediations(self.request.user)
            .select_related("case", "department")
            .order_by("-created_at")[:200]
        )
        return context


class MediationCreateView(CasePage):
    template_name = "office/form_page.html"
    header_icon = "group"
    actions = {"mediation": _("保存并征求当事人意见")}

    def may_view(self, user):
        return super().may_view(user) and handles(user, self.case)

    def get_page_title(self):
        return _g("行政调解 · %(number)s") % {"number": self.case.number}

    def form_mediation(self, data=None, prefix=None):
        return MediationForm(data, prefix=prefix, case=self.case)

    def act_mediation(self, form):
        d = form.cleaned_data
        mediation = mediations.propose(
            self.case,
            dispute_kind=d["dispute_kind"],
            department=d["department"],
            parties=[mediations.PartyData(name=name, role=role) for role, name in d["parties"]],
            user=self.request.user,
        )
        return reverse("office:mediation", args=[mediation.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["case"] = self.case
        context["intro"] = _g(
            "与行政处罚、行政许可等行政行为有关的争议纠纷，以及生态损害赔偿、污染赔偿等民事纠纷，"
            "当事人同意调解的，相关科室优先予以调解（第十一条）。当事人不同意的，不进行调解，"
            "案件按正常程序办理。"
        )
        return context


class MediationView(OfficePage):
    template_name = "office/mediation.html"
    header_icon = "group"
    actions = {
        "consent": _("登记当事人意见"),
        "start": _("开始调解"),
        "meeting": _("记录调解会议"),
        "outcome": _("记录调解结果"),
    }

    def load(self):
        self.mediation = get_object_or_404(
            Mediation.objects.select_related("case", "department"), pk=self.kwargs["pk"]
        )

    def may_view(self, user):
        return mediations.may_view(user, self.mediation)

    def get_page_title(self):
        return _g("行政调解 · %(number)s") % {"number": self.mediation.case.number}

    def parties(self):
        return mediations.parties_as_seen(self.mediation, self.request.user)

    def available_actions(self):
        if not handles(self.request.user, self.mediation.case):
            return []
        S = Mediation.Status
        return {
            S.CONSENT_PENDING: ["consent", "start"],
            S.IN_PROGRESS: ["meeting", "outcome"],
        }.get(self.mediation.status, [])

    def form_consent(self, data=None, prefix=None):
        return ConsentForm(data, prefix=prefix, mediation=self.mediation, parties=self.parties())

    def form_start(self, data=None, prefix=None):
        return forms.Form(data, prefix=prefix)  # no fields: the button

    def form_meeting(self, data=None, prefix=None):
        return MeetingForm(data, prefix=prefix)

    def form_outcome(self, data=None, prefix=None):
        return OutcomeForm(data, prefix=prefix)

    def here(self):
        return reverse("office:mediation", args=[self.mediation.pk])

    def act_consent(self, form):
        d = form.cleaned_data
        mediations.record_consent(
            self.mediation, d["party"], consent=d["consent"], on=d["on"], user=self.request.user
        )
        return self.here()

    def act_start(self, form):
        mediations.start(self.mediation, user=self.request.user)
        return self.here()

    def act_meeting(self, form):
        mediations.record_meeting(
            self.mediation, mediations.MeetingData(**form.cleaned_data), user=self.request.user
        )
        return self.here()

    def act_outcome(self, form):
        mediations.conclude(self.mediation, user=self.request.user, **form.cleaned_data)
        return self.here()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            mediation=self.mediation,
            case=self.mediation.case,
            parties=self.parties(),
            meetings=self.mediation.meetings.all(),
            history=history_of(self.mediation),
        )
        return context
