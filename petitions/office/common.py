"""What every working system here shares: refusals, roles, people, alerts and the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from petitions.cases.access import user_roles
from petitions.cases.models import Alert, Case
from petitions.cases.people import display_name
from rules.roles import ROLE_GROUP_NAMES, Role
from snippets.models import BureauLeadership

User = get_user_model()


class Refused(Exception):
    """A step of a working system refused, with the reasons in the user's language.

    Nothing has changed when it is raised (every service runs in one transaction).
    """

    def __init__(self, *messages: str, field_errors: Mapping[str, str] | None = None) -> None:
        self.messages = [str(m) for m in messages]
        self.field_errors = {k: str(v) for k, v in (field_errors or {}).items()}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return " ".join([*self.messages, *self.field_errors.values()])


def has_role(user, *roles: Role) -> bool:
    """Whether the user holds any of `roles` (a superuser holds them all)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user_roles(user) & set(roles))


def require_role(user, *roles: Role, action: str) -> None:
    if not has_role(user, *roles):
        raise Refused(
            _("%(action)s：只有%(roles)s可以办理。")
            % {"action": action, "roles": "、".join(str(r.label) for r in roles)}
        )


def people_in(role: Role) -> QuerySet:
    return User.objects.filter(groups__name=ROLE_GROUP_NAMES[role], is_active=True)


def leadership_members() -> QuerySet:
    """班子成员 from the bureau's leadership setting (设置 › 局领导), by name."""
    return (
        BureauLeadership.load()
        .members.filter(is_active=True)
        .order_by("last_name", "first_name", "username")
    )


def is_leader(user) -> bool:
    """A leader who may approve (审批): the bureau head, a supervising leader, a member."""
    if has_role(user, Role.BUREAU_HEAD, Role.SUPERVISING_LEADER):
        return True
    return leadership_members().filter(pk=user.pk).exists()


def _unique(users: Iterable) -> list:
    seen, result = set(), []
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result


def notify(
    recipients: Iterable,
    *,
    kind: str,
    key: str,
    message: str,
    link: str = "",
    case: Case | None = None,
) -> int:
    """A 工作提醒 to each recipient at most once (the unique (recipient, key) pair)."""
    rows = [
        Alert(recipient=user, case=case, kind=kind, key=key, message=message, link=link)
        for user in _unique(recipients)
    ]
    before = Alert.objects.filter(key=key).count()
    Alert.objects.bulk_create(rows, ignore_conflicts=True)
    return Alert.objects.filter(key=key).count() - before


def _jsonable(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Model):
        return display_name(value) if isinstance(value, User) else str(value)
    if isinstance(value, (list, tuple, set, QuerySet)):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def record(
    instance: Model,
    action: str,
    user=None,
    *,
    comment: str = "",
    fields: Mapping | None = None,
    system: bool = False,
    case: Case | None = None,
) -> None:
    """Write the audit-log entry of a step on the record, and on its case when given.

    `comment` is the sentence the timeline shows under the entry; `fields` what was entered.
    """
    data: dict = {"fields": {k: _jsonable(v) for k, v in (fields or {}).items()}}
    if comment:
        data["fields"]["comment"] = comment
    if system:
        data["system"] = True
    log(instance=instance, action=action, user=user, data=data)
    if case is not None:
        log(instance=case, action=action, user=user, data=data)


def local_day(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
