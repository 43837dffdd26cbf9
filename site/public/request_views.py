"""Online review / re-review requests and satisfaction feedback (X.1, A19.1–A19.3), no account.

The petitioner arrives from the status page with a signed 30-minute token (the number and query
code were checked there), or types the number and query code here: the same check, the same
rate limit and the same answer for a wrong number or a wrong code. The rules are in
`petitions.intake.public_requests`; these views only show them.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from petition_site.public.forms import StatusForm
from petitions.intake.filing import find_case_for_lookup
from petitions.intake.public_requests import (
    COMMENT_MAX,
    REQUEST_TEXT_MAX,
    PublicRequestRefused,
    RequestKind,
    RequestOption,
    case_from_proof,
    feedback_option,
    proof_token,
    record_feedback,
    request_online,
    request_option,
)
from petitions.intake.status import lookup_refusal
from petitions.models import Case, Deadline, Feedback


class _ProvenForm(StatusForm):
    """Number and query code, asked only when no valid proof token came with the form."""

    proof = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    def __init__(self, *args, proven: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if proven:
            del self.fields["number"], self.fields["code"]
        for field in self.fields.values():
            if field.required:
                field.error_messages["required"] = _g("请填写“%(label)s”。") % {
                    "label": field.label
                }

    def describe_errors(self) -> None:
        """Point each field with an error at its message, for screen readers."""
        for name in self.errors:
            if name in self.fields:
                ids = [f"{self[name].auto_id}_error"]
                if self.fields[name].help_text:
                    ids.append(f"{self[name].auto_id}_helptext")
                self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)


class ReviewRequestForm(_ProvenForm):
    request_text = forms.CharField(
        label=_("请求复查或复核的事实和理由"),
        max_length=REQUEST_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请写明对答复（或复查意见）的哪些内容不服，以及事实和理由。"),
    )

    def set_kind(self, kind: RequestKind | None) -> None:
        """Name the request (复查 or 复核) once the case is known, in the label and its error."""
        if kind is None:
            return
        label = _g("请求%(kind)s的事实和理由") % {"kind": kind.label}
        self.fields["request_text"].label = label
        self["request_text"].label = label  # the bound field copied the label when made
        left_empty = self.is_bound and not (self.data.get("request_text") or "").strip()
        if left_empty and "request_text" in self.errors:
            self.errors["request_text"] = self.error_class(
                [_g("请填写“%(label)s”。") % {"label": label}]
            )


class FeedbackForm(_ProvenForm):
    rating = forms.TypedChoiceField(
        label=_("您对答复的满意程度"),
        choices=Feedback.Rating.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见和建议"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("选填。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].error_messages["required"] = _g("请选择满意程度。")


def _bind(request, form_class) -> tuple[_ProvenForm, Case | None, str, int, bool]:
    """(form, proven case or None, message, HTTP status, expired) for a posted form.

    A valid proof token stands for the number and code. Otherwise the number and code are
    checked like a status lookup (same limit, same message); once right, the form carries a
    fresh token so the next submission does not ask again. A form just opened from the status
    page ("start") comes back empty, with no errors.
    """
    token = request.POST.get("proof", "")
    case = case_from_proof(token) if token else None
    expired = bool(token) and case is None
    if case is not None and request.POST.get("start") == "1":
        return form_class(initial={"proof": proof_token(case)}, proven=True), case, "", 200, False
    form = form_class(request.POST, proven=case is not None)
    form.is_valid()
    if case is None:
        case, message, status = _prove(request, form)
        if case is None:
            return form, None, message, status, expired
        form = form_class(request.POST, proven=True)
        form.is_valid()
    form.data = form.data.copy()
    form.data["proof"] = proof_token(case)
    return form, case, "", 200, False


def _prove(request, form: _ProvenForm) -> tuple[Case | None, str, int]:
    """The case whose number and query code were typed in, or (None, message, HTTP status).

    Every try with both filled in counts against the status lookup's limit, as a lookup.
    """
    if "number" in form.errors or "code" in form.errors:
        return None, "", 200
    if refused := lookup_refusal(request):
        return None, refused, 429
    case = find_case_for_lookup(form.cleaned_data["number"], form.cleaned_data["code"])
    if case is None:
        return None, _g("编号或查询码不正确"), 200
    return case, "", 200


@never_cache
@require_http_methods(["GET", "POST"])
def review_request(request):
    """复查、复核: the request, registered at once through the transition table."""
    if request.method == "GET":
        form, case, error, http_status, expired = ReviewRequestForm(), None, "", 200, False
    else:
        form, case, error, http_status, expired = _bind(request, ReviewRequestForm)
    option = request_option(case) if case is not None else None
    if option is not None:
        form.set_kind(option.kind)
        if option.possible and form.is_bound and form.is_valid():
            try:
                case = request_online(case, request_text=form.cleaned_data["request_text"])
            except PublicRequestRefused as refused:
                if refused.field:
                    form.add_error(refused.field, refused.message)
                else:
                    option = RequestOption(reason=refused.message, route=refused.route)
            else:
                return _review_done(request, case, option.kind)
    form.describe_errors()
    return render(
        request,
        "public/review.html",
        {
            "form": form,
            "case": case,
            "option": option,
            "error": error,
            "expired": expired,
        },
        status=http_status,
    )


def _review_done(request, case: Case, kind: RequestKind):
    opinion = case.deadlines.filter(rule=kind.opinion_rule, status=Deadline.Status.OPEN).first()
    return render(
        request,
        "public/review_done.html",
        {
            "case": case,
            "kind": kind,
            "opinion_due": opinion.due_on if opinion else None,
            "requested_on": timezone.localdate(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def feedback(request):
    """满意度评价 of the latest reply, once per reply."""
    if request.method == "GET":
        form, case, error, http_status, expired = FeedbackForm(), None, "", 200, False
    else:
        form, case, error, http_status, expired = _bind(request, FeedbackForm)
    option = feedback_option(case) if case is not None else None
    if option is not None and option.possible and form.is_bound and form.is_valid():
        try:
            given = record_feedback(
                case,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data.get("comment", ""),
            )
        except PublicRequestRefused as refused:
            if refused.field:
                form.add_error(refused.field, refused.message)
            else:
                option = feedback_option(case)
        else:
            return render(request, "public/feedback_done.html", {"case": case, "feedback": given})
    form.describe_errors()
    return render(
        request,
        "public/feedback.html",
        {"form": form, "case": case, "option": option, "error": error, "expired": expired},
        status=http_status,
    )
