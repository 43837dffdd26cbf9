"""The case ledger (台账), the case page, and the steps taken on it, in the Wagtail admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry
from wagtail.permission_policies import ModelPermissionPolicy

from rules import calendar
from rules.states import State
from rules.transitions import TransitionRefused, available_transitions, get_transition

from . import access
from .exporting import SafeSpreadsheetExportMixin
from .filters import DUE_SOON_WORKING_DAYS, CaseFilterSet
from .forms import CaseEditForm, CaseIntakeForm, transition_form_class
from .models import Case, Petitioner
from .notices import NOTICES, available_notices
from .privacy import mask_address, mask_id_number, mask_name, mask_phone
from .services import case_facts, file_case, local_today, perform_transition, sync_reply_deadline
from .services import user_roles as roles_of
from .supervision import notify_important


class CasePermissionPolicy(ModelPermissionPolicy):
    """Cases are never deleted (第二十四条); an archived case can no longer change (A20.2); a
    user sees only the cases in their scope and changes only those they handle (A2.1, A6.2)."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" or not super().user_has_permission(user, action):
            return False
        if action == "change":
            return instance.state not in {State.ARCHIVED, State.VOIDED, State.CLOSED} and (
                access.handles(user, instance)
            )
        return access.can_view(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        return access.visible_cases(
            user, super().instances_user_has_any_permission_for(user, actions)
        )


case_permission_policy = CasePermissionPolicy(Case)


# --- the ledger ----------------------------------------------------------------------------


class DueColumn(Column):
    """The next due date with the working days left, marked when due soon or overdue."""

    cell_template_name = "petitions/tables/due_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        due = instance.next_due_on
        context["due"] = due
        context["label"] = instance.next_due_label
        if due and instance.state not in {State.ARCHIVED, State.VOIDED, State.CLOSED}:
            today = parent_context.get("petitions_today") or local_today()
            left = calendar.working_days_between(today, due)
            context["days_left"] = left
            context["overdue"] = due < today
            context["overdue_days"] = -left
            context["soon"] = not context["overdue"] and left <= DUE_SOON_WORKING_DAYS
        return context


class StateColumn(Column):
    cell_template_name = "petitions/tables/state_cell.html"

    def get_value(self, instance):
        return State(instance.state).label

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["important"] = instance.is_important
        return context


class CaseIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    """The ledger; its CSV/XLSX export is escaped and streamed (X.3, petitions.exporting)."""

    export_labels = {"state_label": "state", "kind_label": "kind"}

    def get_base_queryset(self):
        return (
            access.visible_cases(self.request.user, super().get_base_queryset())
            .select_related("channel", "host_department")
            .prefetch_related(
                "categories",
                Prefetch("petitioners", Petitioner.objects.all()),
                # The export has no column for the leaders who own a case.
                *([] if self.is_export else [owning_prefetch()]),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["petitions_today"] = local_today()
        return context


# --- the case page -------------------------------------------------------------------------


def timeline_of(case: Case) -> list[ModelLogEntry]:
    """Every logged step of the case, oldest first, with its state change in words."""
    labels = {s.value: s.label for s in State}
    entries = list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk)
        )
        .select_related("user")
        .order_by("timestamp", "id")
    )
    for entry in entries:
        source, target = entry.data.get("from"), entry.data.get("to")
        entry.state_change = (
            f"{labels.get(source, source)} → {labels.get(target, target)}"
            if source and source != target
            else ""
        )
    return entries


def owning_prefetch() -> Prefetch:
    """The leader items of ownership plans in force (领导包案, A8.1), in one query."""
    from snippets.models import OwnershipPlan, OwnershipPlanItem

    return Prefetch(
        "ownership_items",
        OwnershipPlanItem.objects.filter(plan__status=OwnershipPlan.Status.IN_FORCE).select_related(
            "leader", "plan"
        ),
        to_attr="owning_items",
    )


def owning_leaders(case: Case) -> str:
    return "、".join(display_name(item.leader) for item in getattr(case, "owning_items", []))


def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def revealed_case_ids(request) -> set[int]:
    return set(request.session.get("petitions_revealed", []))


may_reveal = access.may_reveal


class CaseDetailView(generic.InspectView):
    template_name = "petitions/case_detail.html"
    page_title = _("案件详情")

    def get_object(self, queryset=None):
        case = get_object_or_404(
            Case.objects.select_related(
                "channel", "host_department", "supervising_leader", "handler", "created_by"
            ).prefetch_related(
                "categories",
                "co_departments",
                "petitioners",
                "attachments",
                "deadlines",
                "replies",
                "transfers",
                "supervisions__deadline",
                owning_prefetch(),
                "channel__deadline_overrides",
            ),
            pk=self.kwargs["pk"],
        )
        if not access.can_view(self.request.user, case):
            raise PermissionDenied
        return case

    def get_fields(self):
        return []

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        for notice in available_notices(self.object):
            buttons.append(
                HeaderButton(
                    notice.label,
                    reverse("cases:notice", args=[self.object.pk, notice.key]),
                    icon_name="doc-full",
                    attrs={"target": "_blank"},
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case: Case = self.object
        user = self.request.user
        today = local_today()
        revealed = case.pk in revealed_case_ids(self.request) and may_reveal(user, case)
        transitions = [
            {
                "transition": t,
                "refusal": refusal,
                "url": reverse("cases:transition", args=[case.pk, t.name]),
            }
            for t, refusal in available_transitions(case_facts(case, today, user), roles_of(user))
        ]
        context.update(
            case=case,
            today=today,
            state_label=State(case.state).label,
            petitioners=[
                {
                    "name": p.name if revealed else mask_name(p.name),
                    "phone": p.phone if revealed else mask_phone(p.phone),
                    "id_number": p.id_number if revealed else mask_id_number(p.id_number),
                    "address": p.address if revealed else mask_address(p.address),
                    "is_representative": p.is_representative,
                }
                for p in case.petitioners.all()
            ],
            revealed=revealed,
            leader_name=display_name(case.supervising_leader),
            handler_name=display_name(case.handler),
            owning=[
                {"leader": display_name(i.leader), "plan": i.plan, "reason": i.get_reason_display()}
                for i in case.owning_items
            ],
            recusals=case.recusals.select_related("user"),
            reply_drafts=case.reply_drafts.select_related(
                "author", "head_approved_by", "leader_approved_by"
            ),
            bureau_head_name=display_name(case.bureau_head),
            can_reveal=may_reveal(user, case) and not revealed and case.petitioners.all(),
            may_download=may_reveal(user, case),
            deadlines=sorted(case.deadlines.all(), key=lambda d: (d.due_on, d.id)),
            timeline=timeline_of(case),
            transitions=transitions,
            open_steps=[t for t in transitions if not t["refusal"]],
            closed_steps=[t for t in transitions if t["refusal"]],
            provisional=any(d.provisional for d in case.deadlines.all() if d.status == "open"),
        )
        return context


class CaseCreateView(generic.CreateView):
    page_title = _("登记信访事项")

    def save_instance(self):
        return file_case(self.form.to_filing(), user=self.request.user)

    def get_success_url(self):
        return reverse("cases:inspect", args=[self.object.pk])

    def get_success_message(self, instance):
        return _g("已收件，编号 %(number)s。") % {"number": instance.number}


class CaseEditView(generic.EditView):
    def get_object(self, queryset=None):
        case = super().get_object(queryset)
        if not case_permission_policy.user_has_permission_for_instance(
            self.request.user, "change", case
        ):
            raise PermissionDenied
        return case

    def save_instance(self):
        instance = super().save_instance()
        sync_reply_deadline(instance, user=self.request.user)
        notify_important(instance)
        return instance

    def get_success_url(self):
        return reverse("cases:inspect", args=[self.object.pk])


class CaseHistoryView(HistoryView):
    """The audit log of one case, for those who may see the case (discipline inspection too)."""

    any_permission_required = ["view", "add", "change"]

    def get_object(self):
        case = super().get_object()
        if not access.can_view(self.request.user, case):
            raise PermissionDenied
        return case


class CaseViewSet(ModelViewSet):
    model = Case
    icon = "folder-open-inverse"
    menu_label = _("信访台账")
    menu_order = 100
    add_to_admin_menu = True
    url_prefix = "cases"
    name = "cases"
    permission_policy = case_permission_policy
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = CaseIndexView
    add_view_class = CaseCreateView
    edit_view_class = CaseEditView
    inspect_view_class = CaseDetailView
    history_view_class = CaseHistoryView
    filterset_class = CaseFilterSet
    search_fields = ["number", "source_ticket_number", "description", "place", "reported_party"]
    search_backend_name = None
    list_per_page = 50
    ordering = ["-received_at", "-id"]
    list_export = [
        "number",
        "received_at",
        "channel",
        "kind_label",
        "category_names",
        "host_department",
        "state_label",
        "next_due_on",
        "petitioner_names_masked",
        "petitioner_phones_masked",
        "place",
        "source_ticket_number",
    ]
    export_headings = {
        "number": _("编号"),
        "received_at": _("收到时间"),
        "channel": _("渠道"),
        "kind_label": _("信访类型"),
        "category_names": _("问题类别"),
        "host_department": _("承办科室"),
        "state_label": _("状态"),
        "next_due_on": _("下一期限"),
        "petitioner_names_masked": _("信访人"),
        "petitioner_phones_masked": _("电话"),
        "place": _("问题发生地点"),
        "source_ticket_number": _("来源工单号"),
    }
    export_filename = "ledger"

    @property
    def list_display(self):
        return [
            TitleColumn(
                "number",
                label=_("编号"),
                url_name="cases:inspect",
            ),
            Column(
                "received_on", label=_("收到日期"), accessor=lambda c: c.received_on.isoformat()
            ),
            Column("channel", label=_("渠道"), accessor="channel.name"),
            Column("categories", label=_("问题类别"), accessor=lambda c: c.category_names),
            Column("host_department", label=_("承办科室"), accessor="host_department.name"),
            StateColumn("state", label=_("状态")),
            Column("owning_leader", label=_("包案领导"), accessor=owning_leaders),
            DueColumn("next_due_on", label=_("下一期限"), sort_key="next_due_on"),
        ]

    def get_form_class(self, for_update=False):
        return CaseEditForm if for_update else CaseIntakeForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "<int:pk>/step/<slug:name>/",
                CaseTransitionView.as_view(),
                name="transition",
            ),
            path("<int:pk>/notice/<slug:kind>/", CaseNoticeView.as_view(), name="notice"),
            path("<int:pk>/reveal/", reveal_identity, name="reveal"),
            path(
                "<int:pk>/attachment/<int:attachment_id>/",
                attachment_download,
                name="attachment",
            ),
        ]


def _case_for(request, pk: int, *, handling: bool = False) -> Case:
    """The case, if this user may see it (and, with `handling`, act on it); else 403."""
    case = get_object_or_404(Case.objects.select_related("channel", "host_department"), pk=pk)
    if not case_permission_policy.user_has_permission_for_instance(request.user, "view", case):
        raise PermissionDenied
    if handling and not access.handles(request.user, case):
        raise PermissionDenied
    return case


class CaseTransitionView(WagtailAdminTemplateMixin, FormView):
    """One step of the transition table: its form, then the step itself, or the refusal."""

    template_name = "petitions/transition.html"
    header_icon = "folder-open-inverse"

    def dispatch(self, request, *args, **kwargs):
        self.case = _case_for(request, kwargs["pk"])
        try:
            self.transition = get_transition(kwargs["name"])
        except TransitionRefused:
            raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"{self.transition.label} · {self.case.number}"

    def get_form_class(self):
        return transition_form_class(self.transition)

    @cached_property
    def proposal(self):
        """At dispatch, the department the responsibility table proposes (A16.1)."""
        if self.transition.name != "dispatch":
            return None
        from snippets.responsibility import propose_for_case

        return propose_for_case(self.case)

    @cached_property
    def referral_suggestions(self):
        if self.transition.name != "refer":
            return []
        from snippets.referral import matching_entries

        return matching_entries(f"{self.case.description} {self.case.place} {self.case.demands}")

    def get_initial(self):
        initial = super().get_initial()
        if self.proposal:
            initial.update(host_department=self.proposal.department, basis="responsibility_table")
        if self.referral_suggestions:
            initial["referral_entry"] = self.referral_suggestions[0]
        if self.transition.name == "draft_reply":
            from .services import current_draft

            returned = current_draft(self.case)
            if returned is not None and returned.status == "returned":
                # Revising: start from the draft that was sent back.
                initial.update(reply_text=returned.text, method=returned.method)
            else:
                # 第十七条: the handler starts from the bureau's reply template.
                from snippets.templating import render

                from .notices import placeholder_values, template_text

                _title, body = template_text("reply_draft")
                initial["reply_text"] = render(body, placeholder_values(self.case))
        if self.transition.name == "register":
            # What the intake already classified need not be chosen again.
            initial.update(kind=self.case.kind, categories=list(self.case.categories.all()))
        return initial

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("cases:index"), "label": _("信访台账")},
            {"url": reverse("cases:inspect", args=[self.case.pk]), "label": self.case.number},
            {"url": "", "label": self.transition.label},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = local_today()
        facts = case_facts(self.case, today, self.request.user)
        from rules.transitions import refusal

        context.update(
            case=self.case,
            transition=self.transition,
            refusal=refusal(
                self.transition, facts, roles_of(self.request.user), {}, check_data=False
            ),
            state_label=State(self.case.state).label,
            proposal=self.proposal,
            referral_suggestions=self.referral_suggestions,
        )
        return context

    def form_valid(self, form):
        try:
            perform_transition(
                self.case, self.transition.name, user=self.request.user, data=form.cleaned_data
            )
        except TransitionRefused as refused:
            for name, message in refused.field_errors.items():
                form.add_error(name if name in form.fields else None, message)
            if not refused.field_errors:
                form.add_error(None, refused.message)
            messages.error(self.request, refused.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _g("%(number)s：已%(step)s。")
            % {"number": self.case.number, "step": self.transition.label},
        )
        return redirect("cases:inspect", self.case.pk)


class CaseNoticeView(TemplateView):
    """A printable notice or letter (受理告知书, 不予受理告知书, …), from the templates."""

    template_name = "petitions/notices/notice.html"

    def get(self, request, *args, **kwargs):
        self.case = _case_for(request, kwargs["pk"], handling=True)
        self.notice = NOTICES.get(kwargs["kind"])
        if self.notice is None or self.notice not in available_notices(self.case):
            raise Http404
        log(
            instance=self.case,
            action="petitions.print_notice",
            user=request.user,
            data={"notice": self.notice.key},
        )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from django.conf import settings

        from .notices import _date, render_notice

        title, body = render_notice(self.case, self.notice)
        return {
            **super().get_context_data(**kwargs),
            "case": self.case,
            "title": title,
            "body": body,
            "bureau": settings.PETITIONS_BUREAU_NAME,
            "today": _date(local_today()),
        }


def reveal_identity(request, pk: int):
    """Show the petitioner's identity on this case for this session; every reveal is logged."""
    if request.method != "POST":
        raise Http404
    case = _case_for(request, pk)
    if not may_reveal(request.user, case):
        raise PermissionDenied
    ids = revealed_case_ids(request) | {case.pk}
    request.session["petitions_revealed"] = sorted(ids)
    log(instance=case, action="petitions.reveal_identity", user=request.user)
    return HttpResponseRedirect(reverse("cases:inspect", args=[case.pk]))


def attachment_download(request, pk: int, attachment_id: int):
    """Attachments are served only here, never inline, and follow the identity rule: only to
    those handling the case (never to a recused user, the office or discipline inspection)."""
    case = _case_for(request, pk)
    if not may_reveal(request.user, case):
        raise PermissionDenied
    attachment = get_object_or_404(case.attachments, pk=attachment_id)
    log(
        instance=case,
        action="petitions.download_attachment",
        user=request.user,
        data={"attachment": attachment.original_name},
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
