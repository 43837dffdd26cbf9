"""The roles of 第二条 and A2.1. Each is a Wagtail group; the group name is the role's label."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Role(StrEnum):
    DETACHMENT = "detachment"
    HANDLER = "handler"
    DEPARTMENT_HEAD = "department_head"
    SUPERVISING_LEADER = "supervising_leader"
    BUREAU_HEAD = "bureau_head"
    OFFICE = "office"
    DISCIPLINE = "discipline"
    DUTY = "duty"
    ADMINISTRATOR = "administrator"
    SYSTEM = "system"  # the worker, acting on the rules alone
    #: 信访人（网上）: the petitioner on the public site, proven by case number and query code.
    #: No account and no Wagtail group; may only ask for a review or re-review (第十九条).
    PETITIONER = "petitioner"

    @property
    def label(self) -> StrOrPromise:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.DETACHMENT: _("支队"),
    Role.HANDLER: _("科室经办人"),
    Role.DEPARTMENT_HEAD: _("科室负责人"),
    Role.SUPERVISING_LEADER: _("分管领导"),
    Role.BUREAU_HEAD: _("主要负责人"),
    Role.OFFICE: _("办公室"),
    Role.DISCIPLINE: _("纪检监察组"),
    Role.DUTY: _("值班人员"),
    Role.ADMINISTRATOR: _("系统管理员"),
    Role.SYSTEM: _("系统"),
    Role.PETITIONER: _("信访人"),
}

#: Roles no staff account ever holds, not even a superuser: the rules themselves, the petitioner.
NON_STAFF_ROLES = frozenset({Role.SYSTEM, Role.PETITIONER})

#: The Wagtail group that carries each role (created by the starter configuration).
ROLE_GROUP_NAMES = {
    Role.DETACHMENT: "支队",
    Role.HANDLER: "科室经办人",
    Role.DEPARTMENT_HEAD: "科室负责人",
    Role.SUPERVISING_LEADER: "分管领导",
    Role.BUREAU_HEAD: "主要负责人",
    Role.OFFICE: "办公室",
    Role.DISCIPLINE: "纪检监察组",
    Role.DUTY: "值班人员",
    Role.ADMINISTRATOR: "系统管理员",
}
GROUP_ROLES = {name: role for role, name in ROLE_GROUP_NAMES.items()}
