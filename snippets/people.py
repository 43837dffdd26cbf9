"""People as the bureau names them, and the staff a picker offers.

Every picker of a person (a department's head and staff, a supervising leader, the bureau's
leaders, a dispatch's handler, a recusal) offers the users of the fitting role groups
(rules.roles.ROLE_GROUP_NAMES), labelled by full name.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from rules.roles import ROLE_GROUP_NAMES, Role

#: Everyone who works cases or supervises them (a recusal may concern any of them).
STAFF_ROLES = tuple(ROLE_GROUP_NAMES)


def full_name(user) -> str:
    """姓名: the family name, then the given name, without a space (王 + 五 = 王五).

    Django keeps a family name (last_name) and a given name (first_name); a full name entered
    whole in first_name alone also reads right. A name written in Latin letters keeps its own
    order and space (John Smith). "" when neither is entered.
    """
    family = (user.last_name or "").strip()
    given = (user.first_name or "").strip()
    if family.isascii() and given.isascii() and family and given:
        return f"{given} {family}"
    return f"{family}{given}"


def display_name(user) -> str:
    """A person by full name in Chinese order, family name first (王五); else the login name.

    "" for nobody.
    """
    if user is None:
        return ""
    return full_name(user) or user.get_username()


def install_full_name() -> None:
    """Make the user model name a person by full name in Chinese order.

    Wagtail shows a person through ``user.get_full_name()`` (the user list, the log and history
    views, the site history report and its exports, choosers, the workflow screens), and Django
    through ``str(user)`` (a snippet's listing of its head or staff, a form's choices): Django's
    own give "五 王" and the login name. The user model is Django's, not the project's, so both
    methods are replaced here once, when the app is ready.
    """
    user_model = get_user_model()
    if getattr(user_model.get_full_name, "chinese_order", False):
        return

    def get_full_name(self) -> str:
        return full_name(self)

    def __str__(self) -> str:
        return display_name(self)

    get_full_name.chinese_order = True  # type: ignore[attr-defined]
    user_model.get_full_name = get_full_name
    user_model.__str__ = __str__


def people_in_roles(roles: Iterable[Role], *, keep: Iterable[int] = ()) -> QuerySet:
    """Active users in any of the role groups of `roles`, by name; plus the users `keep`
    (those a saved row already names, so editing it never silently drops them)."""
    names = [ROLE_GROUP_NAMES[role] for role in roles]
    wanted = Q(is_active=True, groups__name__in=names)
    keep = [pk for pk in keep if pk]
    if keep:
        wanted |= Q(pk__in=keep)
    user_ids = get_user_model().objects.filter(wanted).values("pk")
    return (
        get_user_model()
        .objects.filter(pk__in=user_ids)
        .order_by("last_name", "first_name", "username")
    )


def offer_people(field, roles: Iterable[Role], *, keep: Iterable[int] = ()) -> None:
    """Make a model choice field offer only the users of `roles`, labelled by full name."""
    field.queryset = people_in_roles(roles, keep=keep)
    field.label_from_instance = display_name
