"""What a visitor gets when the database (or the cache) is down: a 503, not a bare 500.

Django hands every uncaught exception to ``handler500`` (site/urls.py). When the exception says
the database or the cache cannot be reached, the answer is 503 Service Unavailable with a
``Retry-After``: on the website a page in the visitor's language (Chinese unless they chose
English) saying the service is briefly unavailable and how else to reach the bureau; on the
API, JSON. Any other exception gets the same page as a 500 ("出现错误").

The page needs neither the database nor the shared cache: the bureau's phone comes from the
configuration (设置 › 本局信息), remembered in a file cache of this host (the ``outage`` cache)
each time the configuration is saved and each time ``/healthz`` finds the database up; before
that, from ``PETITIONS_BUREAU_PHONE``.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.cache import caches
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _g
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from snippets.models import BureauProfile

from .i18n import chosen_language

CACHE_ALIAS = "outage"
CONTACT_KEY = "bureau_contact"


def _outage_errors() -> tuple[type[BaseException], ...]:
    return (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


def is_outage(exc: BaseException | None) -> bool:
    """Is this exception the database or the cache being unreachable (not a bug)?"""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _outage_errors()):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# --- the bureau's contact, remembered ---------------------------------------------------------


def remember_contact() -> dict:
    """Read the contact from the configuration and keep it where an outage can read it."""
    profile = BureauProfile.load()
    contact = {
        "name": profile.name or settings.PETITIONS_BUREAU_NAME,
        "phone": profile.phone or settings.PETITIONS_BUREAU_PHONE,
    }
    caches[CACHE_ALIAS].set(CONTACT_KEY, contact, timeout=None)
    return contact


def remembered_contact() -> dict:
    """The contact as last remembered; the settings if nothing was remembered on this host."""
    try:
        contact = caches[CACHE_ALIAS].get(CONTACT_KEY)
    except OSError:
        contact = None
    return contact or {
        "name": settings.PETITIONS_BUREAU_NAME,
        "phone": settings.PETITIONS_BUREAU_PHONE,
    }


# --- handler500 -----------------------------------------------------------------------------


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def unavailable(request, *, status: int = 503) -> HttpResponse:
    contact = remembered_contact()
    with translation.override(chosen_language(request)):
        if status == 503:
            title = _g("服务暂时不可用")
            message = _g("系统正在恢复，请稍后再试。您的信息没有丢失。")
        else:
            title = _g("出现错误")
            message = _g("处理您的请求时出现错误，请稍后再试。")
        if contact.get("phone"):
            reach = _g("如有急事，请拨打%(name)s信访电话 %(phone)s。") % contact
        else:
            reach = _g("如有急事，请到%(name)s信访接待窗口反映。") % contact
        if _is_api(request):
            response = JsonResponse(
                {"detail": f"{title}：{message}", "contact": reach, "phone": contact.get("phone")},
                status=status,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            html = render_to_string(
                "outage.html",
                {
                    "title": title,
                    "message": message,
                    "reach": reach,
                    "phone": contact.get("phone"),
                    "LANGUAGE_CODE": translation.get_language(),
                    # The page's one <style> carries the Content-Security-Policy nonce.
                    "nonce": getattr(request, "csp_nonce", ""),
                },
            )
            response = HttpResponse(html, status=status)
        response.headers["Content-Language"] = translation.get_language()
    if status == 503:
        response["Retry-After"] = str(settings.PETITIONS_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request) -> HttpResponse:
    """handler500: 503 for an outage of the database or the cache, else a plain 500 page."""
    exc = sys.exc_info()[1]
    return unavailable(request, status=503 if is_outage(exc) else 500)
