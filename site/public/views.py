"""Views of the public website: plain Django views, no account needed (X.1, X.4)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from petition_site.public.models import public_page_urls

from petitions.intake import abuse
from petitions.intake.filing import (
    WEBSITE_CHANNEL_CODE,
    PublicFilingForm,
    file_public_petition,
    find_case_for_lookup,
    new_submission_token,
)
from petitions.models import Deadline, PublicSubmission
from rules.deadlines import DEFAULT_RULES, RuleKey, resolve_rule
from rules.states import State
from rules.transitions import DECLINE_REASONS
from snippets.models import Channel
from snippets.referral import matching_entries

#: The time limits the public is told about, in the order a case meets them.
PUBLIC_RULE_KEYS = (
    RuleKey.ACCEPTANCE_DIRECT,
    RuleKey.REPLY,
    RuleKey.REPLY_IMPORTANT,
    RuleKey.REVIEW_REQUEST_WINDOW,
    RuleKey.REVIEW_OPINION,
    RuleKey.RE_REVIEW_REQUEST_WINDOW,
    RuleKey.RE_REVIEW_OPINION,
    RuleKey.OBJECTION_WINDOW,
)
SESSION_RECEIPTS = "public_receipts"
SESSION_RECEIPTS_KEPT = 10


def _lookup_limit() -> tuple[int, int]:
    """(lookups, seconds) per client address."""
    return (
        getattr(settings, "PUBLIC_STATUS_LOOKUPS", 10),
        getattr(settings, "PUBLIC_STATUS_WINDOW_SECONDS", 600),
    )


def public_rules() -> list[dict]:
    """The time limits as the system enforces them for the website channel (same data)."""
    channel = Channel.objects.filter(code=WEBSITE_CHANNEL_CODE).first()
    overrides = channel.rule_overrides() if channel else {}
    rows = []
    for key in PUBLIC_RULE_KEYS:
        rule = resolve_rule(key, overrides) if key in DEFAULT_RULES else None
        if rule is not None:
            rows.append({"label": rule.label, "limit": rule.describe(), "basis": rule.basis})
    return rows


def _to_page(request, name: str):
    """The old address of a page the bureau now edits in Wagtail: send the visitor there."""
    url = public_page_urls(request).get(name)
    if url is None:
        raise Http404
    return redirect(url)


@require_GET
def home(request):
    return _to_page(request, "home")


@require_GET
def guide(request):
    """The referral guide (受理指南) is now the 转办指引 page."""
    return _to_page(request, "referral_guide")


def _remember_receipt(request, token: str, number: str, code: str) -> None:
    receipts = dict(request.session.get(SESSION_RECEIPTS, {}))
    receipts[token] = {"number": number, "code": code}
    request.session[SESSION_RECEIPTS] = dict(list(receipts.items())[-SESSION_RECEIPTS_KEPT:])


@never_cache
@require_http_methods(["GET", "POST"])
def file_petition(request):
    address = abuse.client_address(request)
    http_status = 200
    if request.method == "POST":
        form = PublicFilingForm(request.POST, request.FILES)
        if form.is_valid():
            token = form.cleaned_data["submission_token"]
            refusal = abuse.check_filing(address, form.cleaned_data)
            if refusal is None:
                case, code, created = file_public_petition(form, submission_token=token)
                if created:
                    abuse.record_filing(address, form.cleaned_data)
                    _remember_receipt(request, token, case.number, code)
                return redirect("public:receipt", token=token)
            form.add_error(refusal.field, refusal.message)
            http_status = 429 if refusal.status == 429 else 200
        form.describe_errors()
        if "submission_token" in form.errors:
            form.data = form.data.copy()
            form.data["submission_token"] = new_submission_token()
        phone = form.cleaned_data.get("phone", "")
    else:
        form = PublicFilingForm(initial={"submission_token": new_submission_token()})
        phone = ""
    if abuse.challenge_needed(address, phone):
        form.ask(abuse.new_challenge())
    return render(request, "public/file.html", {"form": form}, status=http_status)


@never_cache
@require_GET
def receipt(request, token: str):
    submission = PublicSubmission.objects.select_related("case").filter(token=token[:64]).first()
    if submission is None:
        raise Http404
    case = submission.case
    remembered = request.session.get(SESSION_RECEIPTS, {}).get(token, {})
    acceptance = case.deadlines.filter(
        rule=RuleKey.ACCEPTANCE_DIRECT, status=Deadline.Status.OPEN
    ).first()
    return render(
        request,
        "public/receipt.html",
        {
            "case": case,
            "query_code": remembered.get("code"),
            "acceptance_due": acceptance.due_on if acceptance else None,
        },
    )


class StatusForm(forms.Form):
    number = forms.CharField(
        label=_("信访事项编号"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def lookups_exhausted(request) -> bool:
    """Count one lookup for this address; True once it has used up its fixed window."""
    allowed, seconds = _lookup_limit()
    key = f"public-status-lookups:{abuse.client_address(request)}"
    return abuse.hit(key, seconds) > allowed


def deadline_label(deadline: Deadline) -> str:
    """The rule's own (translatable) name; the record keeps it in the bureau's language."""
    rule = DEFAULT_RULES.get(deadline.rule)
    return str(rule.label) if rule is not None else deadline.label


def public_view_of(case) -> dict:
    """What the petitioner may see of their case: never staff, internal notes or identity."""
    decision = case.decision or {}
    reasons = dict(DECLINE_REASONS)
    return {
        "number": case.number,
        "state_label": case.state_label,
        "received_on": case.received_on,
        "deadlines": [
            {"label": deadline_label(d), "due_on": d.due_on, "provisional": d.provisional}
            for d in case.deadlines.filter(status=Deadline.Status.OPEN, is_window=False)
        ],
        "windows": [
            {"label": deadline_label(d), "due_on": d.due_on}
            for d in case.deadlines.filter(status=Deadline.Status.OPEN, is_window=True)
        ],
        "replies": [
            {"stage": r.get_stage_display(), "replied_on": r.replied_on, "text": r.text}
            for r in case.replies.all()
        ],
        "not_accepted_reason": reasons.get(decision.get("reason_kind"))
        if case.state == State.NOT_ACCEPTED
        else None,
        "legal_route": decision.get("legal_route", "") if case.state == State.NOT_ACCEPTED else "",
        "competent_agency": decision.get("competent_agency", "")
        if case.state == State.REFERRED
        else "",
        "agency_contact": decision.get("agency_contact", "")
        if case.state == State.REFERRED
        else "",
    }


@never_cache
@require_http_methods(["GET", "POST"])
def status(request):
    result, error, http_status = None, None, 200
    if request.method == "POST":
        form = StatusForm(request.POST)
        if lookups_exhausted(request):
            _allowed, seconds = _lookup_limit()
            error = _g("查询次数过多，请%(minutes)d分钟后再试。") % {
                "minutes": max(1, seconds // 60)
            }
            http_status = 429
        elif form.is_valid():
            case = find_case_for_lookup(form.cleaned_data["number"], form.cleaned_data["code"])
            if case is None:
                error = _g("编号或查询码不正确")
            else:
                from petition_site.public.request_views import (
                    public_actions,  # it imports this module
                )

                result = {**public_view_of(case), **public_actions(case)}
    else:
        form = StatusForm()
    return render(
        request,
        "public/status.html",
        {"form": form, "result": result, "error": error},
        status=http_status,
    )


@require_GET
def referral_suggestions(request):
    """Referral-guide entries matching what the petitioner is typing (A14.4); never blocks."""
    text = request.GET.get("q", "")[:2000]
    if len(text.strip()) < 2:
        return JsonResponse({"entries": []})
    entries = [
        {
            "matter": e.matter,
            "agency": e.agency,
            "contact": e.contact,
            "how_to_complain": e.how_to_complain,
            "message": (
                _g("此事项可能由%(agency)s负责，电话%(contact)s。")
                if e.contact
                else _g("此事项可能由%(agency)s负责。")
            )
            % {"agency": e.agency, "contact": e.contact},
        }
        for e in matching_entries(text)
    ]
    return JsonResponse({"entries": entries})
