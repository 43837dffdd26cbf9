"""领导接访 screens: the month's receptions with the monthly check (office), a reception and the
cases it brought, a group visit on a case, and the district leaders' public receptions."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.log_actions import log

from petitions.cases.access import can_view, visible_cases
from petitions.cases.deadlines import local_today
from petitions.cases.filing import Filing, PetitionerData
from petitions.cases.models import Case
from petitions.cases.notices import letter_date
from petitions.cases.people import display_name
from petitions.office import receptions
from petitions.office.common import Refused, has_role
from petitions.office.forms import (
    DistrictNoticeForm,
    DocumentForm,
    GroupVisitForm,
    LinkCaseForm,
    PetitionForm,
    ReceptionForm,
    ReplyDateForm,
    ReportForm,
    ReviewForm,
)
from petitions.office.models import DistrictReception, LeaderReception
from petitions.office.views import OfficePage, history_of
from rules.roles import Role


def _month(raw: str | None) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in (raw or "").split("-"))
        dt.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    return year, month


class ReceptionListView(OfficePage):
    """The month's receptions and the monthly check: every member below once (A7.1)."""

    template_name = "office/receptions.html"
    page_title = _("领导接访")
    header_icon = "group"

    def may_view(self, user):
        return receptions.may_view_receptions(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year, month = _month(self.request.GET.get("month"))
        first, following = receptions.month_bounds(year, month)
        previous = first - dt.timedelta(days=1)
        context.update(
            month=f"{year}-{month:02d}",
            month_label=_g("%(year)d年%(month)d月") % {"year": year, "month": month},
            previous_month=f"{previous:%Y-%m}",
            next_month=f"{following:%Y-%m}",
            check=receptions.monthly_check(year, month),
            receptions=receptions.visible_receptions(self.request.user).filter(
                received_on__gte=first, received_on__lt=following
            ),
            may_record=receptions.may_record_receptions(self.request.user),
            window_starts=receptions.alert_window_starts(year, month),
        )
        return context


class ReceptionCreateView(OfficePage):
    template_name = "office/form_page.html"
    page_title = _("登记领导接访")
    header_icon = "group"
    actions = {"reception": _("保存")}

    def may_view(self, user):
        return receptions.may_record_receptions(user)

    def form_reception(self, data=None, prefix=None):
        return ReceptionForm(data, prefix=prefix)

    def act_reception(self, form):
        d = form.cleaned_data
        reception = receptions.record_reception(
            receptions.ReceptionData(
                leader=d["leader"],
                received_on=d["received_on"],
                place=d["place"],
                kind=d["kind"],
                visitor_count=d["visitor_count"],
                matters=d["matters"],
            ),
            user=self.request.user,
            cases=d["case_numbers"],
        )
        return reverse("office:reception", args=[reception.pk])


class ReceptionView(OfficePage):
    """A reception, the cases it brought, and new ones filed from it."""

    template_name = "office/reception.html"
    header_icon = "group"
    actions = {"file": _("登记新案件"), "link": _("关联已有案件")}

    def load(self):
        self.reception = get_object_or_404(
            LeaderReception.objects.select_related("leader", "recorded_by"), pk=self.kwargs["pk"]
        )

    def may_view(self, user):
        return receptions.may_view_receptions(user)

    def get_page_title(self):
        return str(self.reception)

    def available_actions(self):
        return list(self.actions) if receptions.may_record_receptions(self.request.user) else []

    def form_file(self, data=None, prefix=None):
        return PetitionForm(data, prefix=prefix)

    def form_link(self, data=None, prefix=None):
        return LinkCaseForm(data, prefix=prefix)

    def act_file(self, form):
        d = form.cleaned_data
        case = receptions.file_from_reception(
            self.reception,
            user=self.request.user,
            place=d["place"],
            description=d["description"],
            demands=d.get("demands", ""),
            petitioners=form.petitioners(),
            is_group_visit=bool(d.get("is_group_visit")),
            visitor_count=d.get("visitor_count"),
        )
        return reverse("cases:inspect", args=[case.pk])

    def act_link(self, form):
        receptions.link_case(self.reception, form.cleaned_data["number"], user=self.request.user)
        return reverse("office:reception", args=[self.reception.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = set(
            visible_cases(self.request.user, self.reception.cases.all()).values_list(
                "pk", flat=True
            )
        )
        context.update(
            reception=self.reception,
            leader_name=display_name(self.reception.leader),
            cases=[(c, c.pk in visible) for c in self.reception.cases.all()],
            history=history_of(self.reception),
        )
        return context


class GroupVisitView(OfficePage):
    """集访 on a case: the leader who handles it, the B role from the roster, who took part."""

    template_name = "office/form_page.html"
    header_icon = "group"
    actions = {"visit": _("保存")}

    def load(self):
        self.case = get_object_or_404(
            Case.objects.select_related("host_department"), pk=self.kwargs["case_pk"]
        )

    def may_view(self, user):
        return can_view(user, self.case) and has_role(user, Role.DETACHMENT, Role.OFFICE)

    def get_page_title(self):
        return _g("集访接访 · %(number)s") % {"number": self.case.number}

    def form_visit(self, data=None, prefix=None):
        return GroupVisitForm(data, prefix=prefix, case=self.case)

    def act_visit(self, form):
        receptions.record_group_visit(
            self.case, receptions.GroupVisitData(**form.cleaned_data), user=self.request.user
        )
        return reverse("cases:inspect", args=[self.case.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intro"] = _g(
            "集访事件由对应业务分管领导及时接访处置，当日值班领导作为B角（从值班排班中自动取得），"
            "支队与相关业务科室参与接访（第七条）。案件照常登记、受理和交办。"
        )
        context["case"] = self.case
        return context


class DistrictListView(OfficePage):
    template_name = "office/district_list.html"
    page_title = _("区领导公开接访")
    header_icon = "group"

    def may_view(self, user):
        return (
            receptions.may_record_district(user)
            or receptions.visible_district_receptions(user).exists()
            or receptions.may_view_receptions(user)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = receptions.visible_district_receptions(self.request.user)
        context.update(
            rows=[(r, r.report_deadline) for r in rows],
            may_record=receptions.may_record_district(self.request.user),
            today=local_today(),
        )
        return context


class DistrictCreateView(OfficePage):
    template_name = "office/form_page.html"
    page_title = _("登记区领导公开接访通知")
    header_icon = "group"
    actions = {"notice": _("保存并通知")}

    def may_view(self, user):
        return receptions.may_record_district(user)

    def form_notice(self, data=None, prefix=None):
        return DistrictNoticeForm(data, prefix=prefix)

    def act_notice(self, form):
        d = form.cleaned_data
        notice = receptions.DistrictNotice(
            notice_received_on=d["notice_received_on"],
            notice_number=d["notice_number"],
            received_on=d["received_on"],
            place=d["place"],
            district_leader=d["district_leader"],
            district_leader_unit=d["district_leader_unit"],
            supervising_leader=d["supervising_leader"],
            host_department=d["host_department"],
        )
        case, filing = d.get("case_number"), None
        if case is None:
            received = timezone.make_aware(
                dt.datetime.combine(d["notice_received_on"], dt.time(9, 0))
            )
            filing = Filing(
                channel=receptions.leader_reception_channel(),
                received_at=min(received, timezone.now()),
                place=d["matter_place"],
                description=d["description"],
                petitioners=[
                    PetitionerData(name=d["petitioner_name"], phone=d["petitioner_phone"])
                ],
            )
        elif not can_view(self.request.user, case):
            raise Refused(_g("您无权查看该案件。"))
        reception = receptions.record_district_notice(
            notice, user=self.request.user, case=case, filing=filing
        )
        return reverse("office:district", args=[reception.pk])


class DistrictView(OfficePage):
    """A district leader's public reception, step by step with dates (A7.3)."""

    template_name = "office/district.html"
    header_icon = "group"
    actions = {
        "report": _("提交办结情况报告"),
        "approve": _("审核通过"),
        "return": _("退回修改"),
        "reply": _("登记已回复信访人"),
        "document": _("登记正式文件报送"),
    }

    def load(self):
        self.reception = get_object_or_404(
            DistrictReception.objects.select_related(
                "case", "host_department", "supervising_leader"
            ),
            pk=self.kwargs["pk"],
        )

    def may_view(self, user):
        return receptions.may_view_district(user, self.reception)

    def get_page_title(self):
        return _g("区领导公开接访 · %(number)s") % {"number": self.reception.case.number}

    def available_actions(self):
        user, status = self.request.user, self.reception.status
        S = DistrictReception.Status
        found = []
        if status in (S.NOTIFIED, S.REPORT_RETURNED) and (
            receptions.in_host_department(user, self.reception) or has_role(user, Role.DETACHMENT)
        ):
            found.append("report")
        if status == S.REPORT_SUBMITTED and receptions.may_record_district(user):
            found += ["approve", "return"]
        if status == S.REPORT_APPROVED and (
            receptions.may_record_district(user)
            or receptions.in_host_department(user, self.reception)
        ):
            found.append("reply")
        if status == S.PETITIONER_REPLIED and receptions.may_record_district(user):
            found.append("document")
        return found

    def form_report(self, data=None, prefix=None):
        return ReportForm(data, prefix=prefix, initial={"text": self.reception.report})

    def form_approve(self, data=None, prefix=None):
        return ReviewForm(data, prefix=prefix)

    def form_return(self, data=None, prefix=None):
        return ReviewForm(data, prefix=prefix)

    def form_reply(self, data=None, prefix=None):
        return ReplyDateForm(data, prefix=prefix)

    def form_document(self, data=None, prefix=None):
        return DocumentForm(data, prefix=prefix)

    def here(self):
        return reverse("office:district", args=[self.reception.pk])

    def act_report(self, form):
        receptions.submit_report(
            self.reception, text=form.cleaned_data["text"], user=self.request.user
        )
        return self.here()

    def act_approve(self, form):
        receptions.approve_report(
            self.reception, comment=form.cleaned_data["comment"], user=self.request.user
        )
        return self.here()

    def act_return(self, form):
        receptions.return_report(
            self.reception, comment=form.cleaned_data["comment"], user=self.request.user
        )
        return self.here()

    def act_reply(self, form):
        receptions.record_petitioner_reply(
            self.reception, replied_on=form.cleaned_data["replied_on"], user=self.request.user
        )
        return self.here()

    def act_document(self, form):
        receptions.record_document(self.reception, user=self.request.user, **form.cleaned_data)
        return self.here()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        r = self.reception
        context.update(
            reception=r,
            case_visible=can_view(self.request.user, r.case),
            leader_name=display_name(r.supervising_leader),
            steps=receptions.district_steps(r),
            printable=r.report_approved_at is not None,
            today=local_today(),
            history=history_of(r),
        )
        return context


class DistrictDocumentView(TemplateView):
    """The formal document to the district leader's unit office, printable, from the template;
    it never names the petitioner (it leaves the bureau, A24.3)."""

    template_name = "petitions/notices/notice.html"

    def get(self, request, *args, **kwargs):
        self.reception = get_object_or_404(
            DistrictReception.objects.select_related("case", "host_department"),
            pk=kwargs["pk"],
        )
        if not receptions.may_view_district(request.user, self.reception):
            raise PermissionDenied
        if self.reception.report_approved_at is None:
            raise PermissionDenied
        log(
            instance=self.reception,
            action="office.district_document_printed",
            user=request.user,
            data={},
        )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        title, body = receptions.document_text(self.reception)
        return {
            **super().get_context_data(**kwargs),
            "case": self.reception.case,
            "title": title,
            "body": body,
            "bureau": settings.PETITIONS_BUREAU_NAME,
            "today": letter_date(local_today()),
        }
