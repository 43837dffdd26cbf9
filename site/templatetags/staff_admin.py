"""What the admin's own templates ask about the staff member looking at them."""

from django import template

from petition_site.security.admin_scope import may_use_cms

register = template.Library()


@register.simple_tag(takes_context=True)
def edits_public_site(context) -> bool:
    """Whether the user works in Wagtail's CMS screens (the administrators)."""
    return may_use_cms(context["request"].user)
