"""Links to the public pages for templates that are not pages (the filing form, the lookup)."""

from django import template

from petition_site.public.models import public_page_urls

register = template.Library()


@register.simple_tag(takes_context=True)
def public_pages(context) -> dict[str, str]:
    """{% public_pages as pages %}: the URLs of the home, guidance and referral guide pages."""
    return public_page_urls(context.get("request"))
