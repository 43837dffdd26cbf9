"""The office's spot checks and discipline inspection's talks (抽查记录、约谈记录): recorded,
listed, never deleted; the draw of a spot check's sample and each check's dated steps
(第二十二条, petitions.reports.spot_checks)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from petitions.cases.access import can_view
from petitions.cases.deadlines import local_today
from petitions.cases.people import display_name
from petitions.reports import spot_checks
from petitions.reports.forms import (
    SpotCheckAnswerForm,
    SpotCheckDrawForm,
    SpotCheckForm,
    SpotCheckStepForm,
    TalkForm,
)
from petitions.reports.models import SpotCheck, SpotCheckDraw, Talk
from rules.roles import ROLE_GROUP_NAMES, Role


class NoDeletePolicy(ModelPermissionPolicy):
    """Records are never deleted (第二十四条 in spirit): mistakes are corrected by editing."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return action != "delete" and super().user_has_permission_for_instance(
            user, action, instance
        )


class RecordedByCreateView(generic.CreateView):
    recorded_by_field = "checked_by"

    def save_instance(self):
        setattr(self.form.instance, self.recorded_by_field, self.request.user)
        return super().save_instance()


class SpotCheckIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("case", "department", "checked_by")


class TalkIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("case", "department", "staff")


class SpotCheckCreateView(RecordedByCreateView):
    """A check of a case, typed in, or of a case of a draw (?draw=…&case=…)."""

    recorded_by_field = "checked_by"

    @cached_property
    def draw(self) -> SpotCheckDraw | None:
        pk = self.request.GET.get("draw", "")
        if not pk.isdigit():
            return None
        return SpotCheckDraw.objects.filter(pk=pk).first()

    def get_initial(self):
        initial = super().get_initial()
        if self.draw is not None and (number := self.request.GET.get("case")):
            initial["case_number"] = number
        return initial

    def get_add_url(self):
        return self.request.get_full_path()

    def save_instance(self):
        case = getattr(self.form, "case", None)
        if (
            self.draw is not None
            and case is not None
            and self.draw.cases.filter(pk=case.pk).exists()
        ):
            self.form.instance.draw = self.draw
        return super().save_instance()

    def get_success_url(self):
        return reverse("spot_checks:detail", args=[self.object.pk])


class SpotCheckDrawView(WagtailAdminTemplateMixin, FormView):
    """抽查抽样: draw a random sample of handled cases (第二十二条); past draws below."""

    template_name = "petitions/reports/spot_check_draw.html"
    form_class = SpotCheckDrawForm
    page_title = _("抽查抽样")
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        if not spot_checks.may_draw(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("spot_checks:index"), "label": _("抽查记录")},
            {"url": "", "label": self.page_title},
        ]

    def get_initial(self):
        today = local_today()
        return {"period_start": today.replace(month=1, day=1), "period_end": today}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["draws"] = SpotCheckDraw.objects.select_related("department", "drawn_by")[:50]
        return context

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            record = spot_checks.draw(
                user=self.request.user,
                department=d.get("department"),
                start=d["period_start"],
                end=d["period_end"],
                share=d.get("share"),
                count=d.get("count"),
                seed=d.get("seed") or "",
            )
        except spot_checks.SpotCheckRefused as refused:
            form.add_error(None, refused.message)
            return self.form_invalid(form)
        return redirect("spot_checks:draw", record.pk)


class SpotCheckDrawDetailView(WagtailAdminTemplateMixin, TemplateView):
    """One draw: its parameters and seed, its cases, and the same draw re-run from the seed."""

    template_name = "petitions/reports/spot_check_draw_detail.html"
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        if not spot_checks.may_draw(request.user):
            raise PermissionDenied
        self.record = get_object_or_404(
            SpotCheckDraw.objects.select_related("department", "drawn_by"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _g("抽查抽样 %(when)s") % {"when": self.record.drawn_at.strftime("%Y-%m-%d")}

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("spot_checks:index"), "label": _("抽查记录")},
            {"url": reverse("spot_checks:draws"), "label": _("抽查抽样")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        checks = {c.case_id: c for c in SpotCheck.objects.filter(draw=self.record).order_by("id")}
        cases = self.record.cases.select_related("host_department").order_by("number")
        context.update(
            record=self.record,
            drawn_by=display_name(self.record.drawn_by),
            rows=[{"case": c, "check": checks.get(c.pk)} for c in cases],
            rerun=spot_checks.rerun(self.record, self.request.user),
        )
        return context


class SpotCheckDetailView(WagtailAdminTemplateMixin, TemplateView):
    """A spot check: what was read, the follow-up, the finding, and its dated steps, each a
    form for whoever takes it next (the office, the department, nobody once reported up)."""

    template_name = "petitions/reports/spot_check_detail.html"
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        self.check = get_object_or_404(
            SpotCheck.objects.select_related(
                "case",
                "department",
                "checked_by",
                "feedback_sent_by",
                "responded_by",
                "leader_reported_to",
                "head_reported_to",
                "draw",
            ),
            pk=kwargs["pk"],
        )
        if not spot_checks.may_view(request.user, self.check):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _g("抽查记录 · %(number)s") % {"number": self.check.case.number}

    def get_breadcrumbs_items(self):
        items = [{"url": "", "label": self.get_page_title()}]
        if self.request.user.has_perm("petitions.view_spotcheck"):
            items.insert(0, {"url": reverse("spot_checks:index"), "label": _("抽查记录")})
        return items

    def next_step(self) -> str | None:
        """The one step that comes next, if this user takes it."""
        check, user = self.check, self.request.user
        if not check.feedback_sent_on:
            return "feedback" if spot_checks.may_follow_up(user) else None
        if not check.responded_on and spot_checks.may_answer(user, check):
            return "answer"
        if check.is_serious and spot_checks.may_follow_up(user):
            if not check.leader_reported_on:
                return "report_leader"
            if not check.head_reported_on:
                return "report_head"
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        step = self.next_step()
        if "form" not in context and step is not None:
            form_class = SpotCheckAnswerForm if step == "answer" else SpotCheckStepForm
            context["form"] = form_class(initial={"on": local_today()})
        check = self.check
        context.update(
            check=check,
            step=step,
            step_label=STEP_LABELS.get(step, ""),
            may_edit=self.request.user.has_perm("petitions.change_spotcheck"),
            may_open_case=can_view(self.request.user, check.case),
            people={
                name: display_name(getattr(check, name))
                for name in (
                    "checked_by",
                    "feedback_sent_by",
                    "responded_by",
                    "leader_reported_to",
                    "head_reported_to",
                )
            },
        )
        return context

    def post(self, request, *args, **kwargs):
        step = self.next_step()
        if step is None or request.POST.get("step") != step:
            raise Http404
        form_class = SpotCheckAnswerForm if step == "answer" else SpotCheckStepForm
        form = form_class(request.POST)
        if form.is_valid():
            on, today = form.cleaned_data["on"], local_today()
            try:
                if step == "answer":
                    spot_checks.answer(
                        self.check,
                        user=request.user,
                        text=form.cleaned_data["text"],
                        on=on,
                        today=today,
                    )
                else:
                    spot_checks.STEPS[step](self.check, user=request.user, on=on, today=today)
            except spot_checks.SpotCheckRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(
                    request,
                    _g("%(number)s：已%(step)s。")
                    % {"number": self.check.case.number, "step": STEP_LABELS[step]},
                )
                return redirect("spot_checks:detail", self.check.pk)
        return self.render_to_response(self.get_context_data(form=form))


STEP_LABELS = {
    "feedback": _("反馈承办科室"),
    "answer": _("答复抽查结果"),
    "report_leader": _("报告分管领导"),
    "report_head": _("报告主要负责人"),
}


class TalkCreateView(RecordedByCreateView):
    recorded_by_field = "recorded_by"


class SpotCheckViewSet(ModelViewSet):
    model = SpotCheck
    icon = "tasks"
    menu_label = _("抽查记录")
    add_to_admin_menu = False
    url_prefix = "spot-checks"
    name = "spot_checks"
    copy_view_enabled = False
    index_view_class = SpotCheckIndexView
    add_view_class = SpotCheckCreateView
    list_filter = ["finding", "department"]
    ordering = ["-checked_on", "-id"]

    @property
    def list_display(self):
        return [
            TitleColumn("case", label=_("案件"), url_name="spot_checks:detail"),
            "department",
            "checked_on",
            "finding",
            Column("progress", label=_("进展")),
            "checked_by",
        ]

    def get_form_class(self, for_update=False):
        return SpotCheckForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("draws/", SpotCheckDrawView.as_view(), name="draws"),
            path("draws/<int:pk>/", SpotCheckDrawDetailView.as_view(), name="draw"),
            path("<int:pk>/", SpotCheckDetailView.as_view(), name="detail"),
        ]


class TalkViewSet(ModelViewSet):
    model = Talk
    icon = "group"
    menu_label = _("约谈记录")
    add_to_admin_menu = False
    url_prefix = "talks"
    name = "talks"
    copy_view_enabled = False
    index_view_class = TalkIndexView
    add_view_class = TalkCreateView
    list_display = ["staff", "department", "held_on", "case", "recorded_by"]
    list_filter = ["department"]
    ordering = ["-held_on", "-id"]

    def get_form_class(self, for_update=False):
        return TalkForm


#: Who records what (see the module docstring); load_starter grants these to the groups.
RECORD_PERMISSIONS = {
    Role.OFFICE: ["add_spotcheck", "change_spotcheck", "view_spotcheck"],
    Role.DETACHMENT: [
        "add_spotcheck",
        "change_spotcheck",
        "view_spotcheck",
        "add_talk",
        "change_talk",
        "view_talk",
    ],
    Role.DISCIPLINE: ["add_talk", "change_talk", "view_talk"],
    Role.BUREAU_HEAD: ["view_spotcheck", "view_talk"],
}


def grant_record_permissions() -> None:
    """Give each role its spot-check and talk permissions (idempotent; load_starter calls it)."""

    for role, codenames in RECORD_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="petitions", codename__in=codenames)
        )
