"""The language of each request (X.4): Chinese unless the visitor chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a visitor whose browser
happens to be set to English would get the English site. The bureau's site is Chinese-first: only
an explicit choice with the language switcher (Django's ``set_language`` view, which stores the
language cookie) changes it. In the Wagtail admin, a user's own "preferred language" account
setting wins over this (wagtail.admin.localization.get_localized_response).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


def chosen_language(request) -> str:
    """The language the visitor chose with the switcher, else the site's default (zh-hans)."""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie:
        try:
            return translation.get_supported_language_variant(cookie)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class ChosenLanguageMiddleware:
    """Activates ``chosen_language`` for the request; never looks at Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        # override (not activate) so the language does not leak into whatever runs next on
        # this thread, e.g. a test's own assertions after a client request.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        # The page depends on the cookie only; caches must not share it across languages.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
