"""Content-Security-Policy: the second wall behind output escaping (django-csp).

Three policies, by address:

- the public site: scripts from this server only, no inline script at all; the few inline
  ``<style>`` blocks carry the request's nonce; nothing from another origin;
- the Wagtail admin: Wagtail 8 still renders inline ``<script>`` for some widgets (the date
  chooser) and inline styles, so the admin allows inline script and style but, as the public
  site, nothing from another origin, no plugins, no framing by others, forms posting here only;
- the API's docs page (Swagger UI, served from this server): as the public site, with the
  inline styles Swagger UI sets.

Every policy reports violations to ``/csp-report/``, which logs them (logger
``petition_site.csp``) for the operator.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.http import HttpResponse, HttpResponseNotAllowed
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger("petition_site.csp")

REPORT_PATH = "/csp-report/"
#: A report larger than this is cut before it is logged.
MAX_REPORT_BYTES = 16 * 1024

_COMMON = {
    "default-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
    "report-uri": [REPORT_PATH],
}

#: The public website: no inline script; inline <style> only with the nonce.
PUBLIC = {**_COMMON, "script-src": [SELF], "style-src": [SELF, NONCE]}

#: The Wagtail admin, as strict as Wagtail 8 allows (see the module docstring).
ADMIN = {
    **_COMMON,
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF, "data:"],
    # The admin previews pages and opens choosers in frames of its own.
    "frame-src": [SELF],
    "frame-ancestors": [SELF],
}

#: The API's docs page (Swagger UI): its scripts are static files; it styles inline.
API_DOCS = {**PUBLIC, "style-src": [SELF, UNSAFE_INLINE]}


def policy_for(path: str) -> dict:

    if path.startswith(reverse("wagtailadmin_home")):
        return ADMIN
    if path.startswith("/api/docs"):
        return API_DOCS
    return PUBLIC


class _Directives(Mapping):
    """A policy's directives as django-csp reads them, made once per process.

    django-csp copies the policy deeply on every response (`dataclasses.asdict` of its parts),
    which was most of what the header cost a request; nothing changes these, so a copy is
    the same object.
    """

    def __init__(self, policy: dict):
        self._directives = default_config(policy) or {}

    def __getitem__(self, key: str):
        return self._directives[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._directives)

    def __len__(self) -> int:
        return len(self._directives)

    def __deepcopy__(self, memo) -> _Directives:
        return self


_DIRECTIVES = {id(policy): _Directives(policy) for policy in (PUBLIC, ADMIN, API_DOCS)}


class PolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy of the address (a view may still override)."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None:
            parts.config = _DIRECTIVES[id(policy_for(request.path_info))]  # type: ignore[assignment]
        return parts


@csrf_exempt
def csp_report(request):
    """Where browsers report violations (report-uri and the Reporting API); logged."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = request.body[:MAX_REPORT_BYTES]
    try:
        payload = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        payload = {"unparsed": body.decode("utf-8", "replace")}
    reports = payload if isinstance(payload, list) else [payload]
    for report in reports:
        if not isinstance(report, dict):
            continue
        detail = report.get("csp-report") or report.get("body") or report
        if not isinstance(detail, dict):
            detail = {"report": detail}
        logger.warning(
            "CSP violation: %s blocked %s on %s",
            detail.get("violated-directive") or detail.get("effectiveDirective"),
            detail.get("blocked-uri") or detail.get("blockedURL"),
            detail.get("document-uri") or detail.get("documentURL"),
            extra={"csp_report": detail},
        )
    return HttpResponse(status=204)
