"""The case ledger (台账), the case page, and the steps taken on it, in the Wagtail admin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import log

from petitions.admin import pagination
from petitions.admin.forms import IMPORTANT_FIELDS, transition_form_class
from petitions.admin.permissions import case_permission_policy
from petitions.cases import access
from petitions.cases.deadlines import local_today
from petitions.cases.duplicates import find_duplicates
from petitions.cases.filing import file_case, save_case_corrections
from petitions.cases.hooks import case_page_panels
from petitions.cases.models import Case, Deadline, Petitioner
from petitions.cases.notices import NOTICES, available_notices, letter_date, render_notice
from petitions.cases.people import display_name
from petitions.cases.search import search_q
from petitions.cases.selectors import (
    case_page,
    draft_under_review,
    owning_prefetch,
    petitioners_as_seen,
    reply_draft_start,
    reply_standing_of,
    returned_draft,
)
from petitions.cases.transitions import case_facts, perform_transition
from petitions.intake.query_codes import (
    issue_on_registration,
    issue_query_code,
    last_issue,
    may_have_query_code,
)
from petitions.transfer.export_jobs import inline_max_rows, start_export_job
from petitions.transfer.exporting import SafeSpreadsheetExportMixin
from petitions.transfer.ledger_export import ledger_export_rows
from rules.states import State
from rules.transitions import TransitionRefused, available_transitions, get_transition, refusal
from snippets.bureau import bureau_profile, bureau_rules
from snippets.models import Department
from snippets.referral import matching_entries
from snippets.responsibility import propose_for_case

#: The steps on whose form the likely duplicates are shown (第十四条, 第十九条第三款).
DUPLICATE_STEPS = frozenset({"register", "link_duplicate", "decline"})
#: What a decline as a repeat or after a re-review says unless the clerk writes otherwise.
DECLINE_TEXTS = {
    "duplicate": _("与案件 %(number)s 为同一信访事项，该案已经受理或正在办理（第十四条）。"),
    "after_re_review": _(
        "与案件 %(number)s 为同一信访事项，该案已经复核；信访人仍以同一事实和理由投诉（第十九条第三款）。"
    ),
}

#: The steps that act on a draft in review: their forms show it in full, with its changes.
DRAFT_REVIEW_STEPS = frozenset(
    {
        "approve_reply_head",
        "return_reply_head",
        "approve_reply_leader",
        "return_reply_leader",
        "reply",
        "reply_review",
        "reply_re_review",
    }
)


class CaseIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    """The ledger; its CSV/XLSX export is escaped and streamed (X.3, petitions.transfer.exporting)."""

    export_labels = {"state_label": "state", "kind_label": "kind"}
    paginator_class = pagination.LedgerPaginator
    # Says so when a search's count stops at the cap (petitions.admin.pagination).
    results_template_name = "petitions/cases/index_results.html"

    def get_base_queryset(self):
        # The next due date is marked 暂定 as on the case page: the deadline it comes from rests
        # on a year whose holiday notice is not entered yet.
        provisional = Deadline.objects.filter(
            case=OuterRef("pk"),
            status=Deadline.Status.OPEN,
            is_window=False,
            provisional=True,
            due_on=OuterRef("next_due_on"),
        )
        return (
            access.visible_cases(self.request.user, super().get_base_queryset())
            .annotate(next_due_provisional=Exists(provisional))
            .select_related("channel", "host_department")
            .prefetch_related(
                "categories",
                Prefetch("petitioners", Petitioner.objects.all()),
                # The export has no column for the leaders who own a case.
                *([] if self.is_export else [owning_prefetch()]),
            )
        )

    def search_queryset(self, queryset):
        # Numbers by an index range and words by the ledger's own full-text index
        # (petitions.cases.search), instead of a LIKE '%…%' scan of five columns.
        if not self.is_searching:
            return queryset
        # A department's handler: their department's part of the words' index (PostgreSQL).
        return queryset.filter(search_q(self.search_query, access.hosted_scope(self.request.user)))

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        # A search's matches are counted up to a cap: a common word matches a tenth of the
        # ledger, and counting them all would cost more than the page (issue 14).
        return self.paginator_class(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            count_cap=pagination.SEARCH_COUNT_CAP if self.is_searching else None,
            **kwargs,
        )

    def export_value_rows(self, queryset):
        # Values, not instances (issue 14): the same file, several times faster.
        return ledger_export_rows(queryset, self.list_export, self.export_chunk_size)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        # An XLSX larger than a request can build goes to the worker (导出任务, issue 14); the
        # CSV is streamed, whatever its size.
        if spreadsheet_format == self.FORMAT_XLSX and queryset.count() > inline_max_rows():
            query = self.request.GET.copy()
            query.pop("export", None)
            job = start_export_job(
                user=self.request.user,
                query=query.urlencode(),
                language=translation.get_language(),
                time_zone=timezone.get_current_timezone_name(),
            )
            messages.info(self.request, _g("台账较大，已转入后台导出，完成后可在本页下载。"))
            return redirect("petitions_export_job", job.pk)
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["petitions_today"] = local_today()
        return context


def revealed_case_ids(request) -> set[int]:
    return set(request.session.get("petitions_revealed", []))


class CaseDetailView(generic.InspectView):
    template_name = "petitions/case_detail.html"
    page_title = _("案件详情")

    def get_object(self, queryset=None):
        case = get_object_or_404(
            Case.objects.select_related(
                "channel",
                "host_department",
                "supervising_leader",
                "handler",
                "created_by",
                "lead_named_by",
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
        revealed = case.pk in revealed_case_ids(self.request) and access.may_reveal(user, case)
        transitions = [
            {
                "transition": t,
                "refusal": why_not,
                "url": reverse("cases:transition", args=[case.pk, t.name]),
            }
            for t, why_not in available_transitions(
                case_facts(case, today, user), access.user_roles(user)
            )
        ]
        context.update(
            case=case,
            today=today,
            state_label=State(case.state).label,
            transitions=transitions,
            open_steps=[t for t in transitions if not t["refusal"]],
            closed_steps=[t for t in transitions if t["refusal"]],
            extra_panels=case_page_panels(self.request, case),
            **case_page(
                case, revealed=revealed, may_reveal=access.may_reveal(user, case), today=today
            ),
        )
        return context


class CaseFieldsMixin:
    """The intake and correction forms show 第十条's nine criteria under a heading of their own."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "important_fields": IMPORTANT_FIELDS}


class CaseCreateView(CaseFieldsMixin, generic.CreateView):
    page_title = _("登记信访事项")
    template_name = "petitions/cases/create.html"

    def save_instance(self):
        with transaction.atomic():
            case = file_case(self.form.to_filing(), user=self.request.user)
            # A petitioner by phone, letter or visit can look the case up online too.
            self.sent_query_code = issue_on_registration(case, user=self.request.user) is not None
        return case

    def get_success_url(self):
        return reverse("cases:inspect", args=[self.object.pk])

    def get_success_message(self, instance):
        message = _g("已收件，编号 %(number)s。") % {"number": instance.number}
        if getattr(self, "sent_query_code", False):
            message += _g("查询码已通过短信发给信访人。")
        return message


class CaseEditView(CaseFieldsMixin, generic.EditView):
    template_name = "petitions/cases/edit.html"

    def get_object(self, queryset=None):
        case = super().get_object(queryset)
        if not case_permission_policy.user_has_permission_for_instance(
            self.request.user, "change", case
        ):
            raise PermissionDenied
        return case

    def save_instance(self):
        instance = super().save_instance()
        save_case_corrections(instance, user=self.request.user)
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

        return propose_for_case(self.case)

    @cached_property
    def referral_suggestions(self):
        if self.transition.name != "refer":
            return []

        return matching_entries(f"{self.case.description} {self.case.place} {self.case.demands}")

    def get_initial(self):
        initial = super().get_initial()
        if self.proposal:
            initial.update(host_department=self.proposal.department, basis="responsibility_table")
        if self.referral_suggestions:
            initial["referral_entry"] = self.referral_suggestions[0]
        if self.transition.name == "draft_reply":
            initial.update(reply_draft_start(self.case))
        if self.transition.name == "register":
            # What the intake already classified need not be chosen again.
            initial.update(kind=self.case.kind, categories=list(self.case.categories.all()))
        if self.transition.name == "record_verification":
            initial["checked_by"] = display_name(self.request.user)
        if self.transition.name == "designate_lead":
            initial["lead_department"] = self.case.host_department
        if self.transition.name in DUPLICATE_STEPS and (earlier := self.request.GET.get("earlier")):
            # From the duplicates panel: the earlier case is cited, and said in the reason.
            initial["earlier_case"] = earlier[:40]
            reason = self.request.GET.get("reason", "")
            if self.transition.name == "decline" and reason in DECLINE_TEXTS:
                initial["reason_kind"] = reason
                initial["reason"] = str(DECLINE_TEXTS[reason]) % {"number": earlier[:40]}
        if self.transition.name == "record_contribution":
            initial["department"] = self.own_co_departments.first()
        return initial

    @property
    def shows_duplicates(self) -> bool:
        return self.transition.name in DUPLICATE_STEPS and self.case.state in (
            State.RECEIVED,
            State.REGISTERED,
        )

    @cached_property
    def duplicates(self) -> list[dict]:
        """The likely duplicates, while the petition is being registered or decided (A14.6)."""
        if not self.shows_duplicates:
            return []
        user, revealed = self.request.user, revealed_case_ids(self.request)
        return [
            {
                "found": d,
                "visible": access.can_view(user, d.case),
                # Identity as on that case's own page: in full once this user revealed it there.
                "petitioners": petitioners_as_seen(
                    d.case, revealed=d.case.pk in revealed and access.may_reveal(user, d.case)
                ),
            }
            for d in find_duplicates(self.case)
        ]

    @cached_property
    def own_co_departments(self):
        return self.case.co_departments.filter(
            Q(staff=self.request.user) | Q(head=self.request.user)
        ).distinct()

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # The departments a step can name are those of this case (第十六条).
        if self.transition.name == "designate_lead":
            form.fields["lead_department"].queryset = Department.objects.filter(
                Q(pk=self.case.host_department_id) | Q(co_handled_cases=self.case)
            ).distinct()
        if self.transition.name == "record_contribution":
            form.fields["department"].queryset = self.own_co_departments
        return form

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

        context.update(
            case=self.case,
            transition=self.transition,
            refusal=refusal(
                self.transition, facts, access.user_roles(self.request.user), {}, check_data=False
            ),
            state_label=State(self.case.state).label,
            reply_standing=reply_standing_of(self.case),
            proposal=self.proposal,
            referral_suggestions=self.referral_suggestions,
            duplicates=self.duplicates,
            shows_duplicates=self.shows_duplicates,
            lookback_days=bureau_rules().duplicate_lookback_days,
        )
        if self.transition.name in DRAFT_REVIEW_STEPS:
            context["review"] = draft_under_review(self.case)
        if self.transition.name == "draft_reply":
            context["returned"] = returned_draft(self.case)
            context["contributions"] = self.case.contributions.select_related("department")
        return context

    def form_valid(self, form):
        try:
            perform_transition(
                self.case, self.transition.name, user=self.request.user, data=form.cleaned_data
            )
        except TransitionRefused as refused:
            # Said once, on the form: beside its field, or above the form.
            for name, message in refused.field_errors.items():
                form.add_error(name if name in form.fields else None, message)
            if not refused.field_errors:
                form.add_error(None, refused.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _g("%(number)s：已%(step)s。")
            % {"number": self.case.number, "step": self.transition.label},
        )
        return redirect("cases:inspect", self.case.pk)


class CaseNoticeView(TemplateView):
    """A printable notice or letter (受理告知书, 不予受理告知书, …), from the templates.

    The acceptance notice also gives the petitioner a query code (查询码) when the person
    printing it asks for one (POST): the code is issued then, shown on this page alone and sent
    by SMS, and any code given before stops working (petitions.intake.query_codes).
    """

    template_name = "petitions/notices/notice.html"
    query_code: str = ""

    def dispatch(self, request, *args, **kwargs):
        self.case = _case_for(request, kwargs["pk"], handling=True)
        self.notice = NOTICES.get(kwargs["kind"])
        if self.notice is None or self.notice not in available_notices(self.case):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        self._log_print()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.offers_query_code():
            raise Http404
        self.query_code = issue_query_code(self.case, user=request.user)
        self._log_print()
        response = self.render_to_response(self.get_context_data(**kwargs))
        # The plain code is on this page only: no cache may keep it.
        add_never_cache_headers(response)
        return response

    def offers_query_code(self) -> bool:
        return self.notice.key == "acceptance" and may_have_query_code(self.case)

    def _log_print(self) -> None:
        log(
            instance=self.case,
            action="petitions.print_notice",
            user=self.request.user,
            data={"notice": self.notice.key},
        )

    def get_context_data(self, **kwargs):
        title, body = render_notice(self.case, self.notice, query_code=self.query_code)
        offers = self.offers_query_code()
        return {
            **super().get_context_data(**kwargs),
            "case": self.case,
            "title": title,
            "body": body,
            "signature": bureau_profile().signature,
            "today": letter_date(local_today()),
            "offers_query_code": offers,
            "query_code": self.query_code,
            # Said in the body already when the bureau's template has {查询码}.
            "query_code_in_body": bool(self.query_code) and self.query_code in body,
            "last_issue": last_issue(self.case) if offers else None,
            "status_url": self.request.build_absolute_uri(reverse("public:status")),
        }


def reveal_identity(request, pk: int):
    """Show the petitioner's identity on this case for this session; every reveal is logged."""
    if request.method != "POST":
        raise Http404
    case = _case_for(request, pk)
    if not access.may_reveal(request.user, case):
        raise PermissionDenied
    ids = revealed_case_ids(request) | {case.pk}
    request.session["petitions_revealed"] = sorted(ids)
    log(instance=case, action="petitions.reveal_identity", user=request.user)
    return HttpResponseRedirect(reverse("cases:inspect", args=[case.pk]))


def attachment_download(request, pk: int, attachment_id: int):
    """Attachments are served only here, never inline, to those handling the case (as for the
    petitioner's identity), and every download is logged."""
    case = _case_for(request, pk)
    # A photo or a scanned letter identifies the petitioner as surely as a name (A6.1).
    if not access.may_reveal(request.user, case):
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
