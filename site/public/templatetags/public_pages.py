"""Links to the public pages for templates that are not pages (the filing form, the lookup), and
the language of what the bureau wrote."""

import re

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

from petition_site.public.models import public_page_urls

register = template.Library()

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@register.simple_tag(takes_context=True)
def public_pages(context) -> dict[str, str]:
    """{% public_pages as pages %}: the URLs of the home, guidance and referral guide pages."""
    return public_page_urls(context.get("request"))


@register.simple_tag
def content_lang(text=None) -> str:
    """<div{% content_lang %}>: ` lang="zh-hans"` on an element holding what the bureau wrote
    (page text, category names, the referral guide, a reply), when the page is in another
    language, so a screen reader reads it with a Chinese voice (WCAG 3.1.2). Nothing on a
    Chinese page. `{% content_lang query %}`: only if that text (a visitor's) has Chinese in it."""
    if get_language() == settings.LANGUAGE_CODE:
        return ""
    if text is not None and not _HAN.search(str(text)):
        return ""
    return format_html(' lang="{}"', settings.LANGUAGE_CODE)
