"""Views of the public website: plain Django views, no account needed (X.1, X.4)."""

from __future__ import annotations

import posixpath
import secrets

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _g
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from petition_site.public.forms import StatusForm
from petition_site.public.models import PAGE_URLS_CACHE_KEY, public_page_urls
from petitions.intake import abuse
from petitions.intake.filing import (
    PublicFilingForm,
    Submitted,
    find_case_for_lookup,
    new_submission_token,
    submit_public_filing,
)
from petitions.intake.public_requests import public_actions
from petitions.intake.receipts import (
    RECEIPT_COOKIE,
    RECEIPT_MAX_AGE,
    remembered_code,
    seal_receipt,
)
from petitions.intake.status import acceptance_due, lookup_refusal, public_view_of
from petitions.models import PublicSubmission
from snippets import local_copies
from snippets.bureau import bureau_profile
from snippets.referral import matching_entries


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


def _remember_receipt(request, response, token: str, number: str, code: str) -> None:
    """The receipt's copy of the code goes to the petitioner's browser, encrypted; never to the
    session, which is stored in the database (docs/security.md, Query codes)."""
    response.set_cookie(
        RECEIPT_COOKIE,
        seal_receipt(request.COOKIES.get(RECEIPT_COOKIE), token, number, code),
        max_age=RECEIPT_MAX_AGE,
        path=_public_path(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _public_path() -> str:
    """The path the filing form and the receipt share: the cookie goes nowhere else."""
    urls = [reverse("public:file"), reverse("public:receipt", kwargs={"token": "t"})]
    return posixpath.commonpath(urls).rstrip("/") + "/"


@never_cache
@require_http_methods(["GET", "POST"])
def file_petition(request):
    address = abuse.client_address(request)
    http_status = 200
    if request.method == "POST":
        form = PublicFilingForm(request.POST, request.FILES)
        if form.is_valid():
            token = form.cleaned_data["submission_token"]
            outcome = submit_public_filing(form, address=address)
            if isinstance(outcome, Submitted):
                response = redirect("public:receipt", token=token)
                if outcome.created:
                    _remember_receipt(
                        request, response, token, outcome.case.number, outcome.query_code
                    )
                return response
            form.add_error(outcome.field, outcome.message)
            http_status = 429 if outcome.status == 429 else 200
        form.describe_errors()
        if "submission_token" in form.errors:
            form.data = form.data.copy()
            form.data["submission_token"] = new_submission_token()
        phone = form.cleaned_data.get("phone", "")
    else:
        form, phone = None, ""
    # The counters, the configuration's version and the navigation in one read of the cache.
    entries = abuse.read_counters(
        address, phone, also=[local_copies.VERSION_KEY, PAGE_URLS_CACHE_KEY]
    )
    request.shared_cache_entries = entries
    challenge = abuse.challenge_needed(address, phone, entries=entries)
    if form is None:
        if not challenge and not request.META.get("QUERY_STRING"):
            return _empty_form_page(request, local_copies.shared_version(entries))
        form = PublicFilingForm(initial={"submission_token": new_submission_token()})
    if challenge:
        form.ask(abuse.new_challenge())
    fields_html = None
    if not form.is_bound:
        with local_copies.checked(local_copies.shared_version(entries)):
            fields_html = empty_form_fields(form)
    context = {"form": form, "fields_html": fields_html}
    return render(request, "public/file.html", context, status=http_status)


#: Stand-ins for what differs per response in a kept page: random, so no text of the
#: configuration can contain one.
_PER_RESPONSE = {
    name: f"per-response-{name}-{secrets.token_hex(16)}" for name in ("csrf", "nonce", "token")
}
#: The empty form's page as rendered, with the stand-ins (see _empty_form_page).
_EMPTY_FORM_PAGES: dict[tuple, str] = {}


def _empty_form_page(request, version: str) -> HttpResponse:
    """The empty filing form's page: rendered once per process and kept, then given this
    response's CSRF token, CSP nonce and submission token. Rendering the page was most of what
    a visitor's first request cost (issue 14).

    The key holds all the page shows of the configuration: the language, the bureau's profile,
    the navigation's links and the categories (this process's copy, current as of the shared
    `version`), so a change shows on the next page. A page with a query string (it is echoed in
    the language switch) or a challenge is rendered for its visitor instead.
    """
    with local_copies.checked(version):
        categories = tuple((c.pk, c.name) for c in local_copies.categories())
        key = (
            get_language(),
            request.path,
            bureau_profile(),
            tuple(sorted(public_page_urls(request).items())),
            categories,
        )
        page = _EMPTY_FORM_PAGES.get(key)
        if page is None:
            form = PublicFilingForm(initial={"submission_token": _PER_RESPONSE["token"]})
            context = {
                "form": form,
                "fields_html": empty_form_fields(form),
                "csrf_token": _PER_RESPONSE["csrf"],
                "CSP_NONCE": _PER_RESPONSE["nonce"],
            }
            page = render_to_string("public/file.html", context, request=request)
            if len(_EMPTY_FORM_PAGES) >= _EMPTY_FORMS_KEPT:
                _EMPTY_FORM_PAGES.clear()
            _EMPTY_FORM_PAGES[key] = page
    # Each is URL-safe base64 or letters and digits: nothing to escape in an attribute.
    return HttpResponse(
        page.replace(_PER_RESPONSE["csrf"], get_token(request))
        .replace(_PER_RESPONSE["nonce"], str(request.csp_nonce))
        .replace(_PER_RESPONSE["token"], new_submission_token())
    )


#: The empty form's fields as rendered, by language and category list (see empty_form_fields).
_EMPTY_FORM_FIELDS: dict[tuple, SafeString] = {}
_EMPTY_FORMS_KEPT = 32


def empty_form_fields(form: PublicFilingForm) -> SafeString:
    """The fields of an empty filing form, rendered once per process, language and list of
    categories: rendering 17 fields through their templates was most of the form page's CPU.

    Nothing per visitor is in them (the CSRF token, the submission token and the challenge are
    rendered around them, every time). The categories are this process's copy, current as of
    the shared version (snippets.local_copies), and are part of the key, so a category the
    bureau adds or renames shows at once.
    """
    categories = tuple((c.pk, c.name) for c in local_copies.categories())
    key = (get_language(), categories)
    fields_html = _EMPTY_FORM_FIELDS.get(key)
    if fields_html is None:
        fields_html = render_to_string("public/_filing_fields.html", {"form": form})
        if len(_EMPTY_FORM_FIELDS) >= _EMPTY_FORMS_KEPT:
            _EMPTY_FORM_FIELDS.clear()
        _EMPTY_FORM_FIELDS[key] = fields_html
    return fields_html


@never_cache
@require_GET
def receipt(request, token: str):
    submission = PublicSubmission.objects.select_related("case").filter(token=token[:64]).first()
    if submission is None:
        raise Http404
    case = submission.case
    return render(
        request,
        "public/receipt.html",
        {
            "case": case,
            "query_code": remembered_code(request.COOKIES.get(RECEIPT_COOKIE), token),
            "acceptance_due": acceptance_due(case),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def status(request):
    result, error, http_status = None, None, 200
    if request.method == "POST":
        form = StatusForm(request.POST)
        if refused := lookup_refusal(request):
            error, http_status = refused, 429
        elif form.is_valid():
            case = find_case_for_lookup(form.cleaned_data["number"], form.cleaned_data["code"])
            if case is None:
                error = _g("编号或查询码不正确")
            else:
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
        for e in matching_entries(text, public=True)
    ]
    return JsonResponse({"entries": entries})
