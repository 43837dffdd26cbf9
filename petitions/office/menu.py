"""The 工作制度 menu: each item shown only to those who may use its screen."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from petitions.office import accountability, duty, receptions


class ShownTo(MenuItem):
    def __init__(self, *args, shown, **kwargs):
        self.shown = shown
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return bool(self.shown(request.user))


def _sees_cases(user) -> bool:
    return user.has_perm("petitions.view_case")


def office_menu() -> SubmenuMenuItem:
    items = [
        ShownTo(
            _("值班值守"),
            reverse("office:duty"),
            icon_name="time",
            order=10,
            shown=duty.may_view_duty,
        ),
        ShownTo(
            _("值班排班"),
            reverse("office:roster"),
            icon_name="date",
            order=20,
            shown=duty.may_view_duty,
        ),
        ShownTo(
            _("值班人员类别"),
            reverse("office:duty_officers"),
            icon_name="user",
            order=30,
            shown=lambda u: duty.may_keep_officers(u) or duty.may_plan_roster(u),
        ),
        ShownTo(
            _("领导接访"),
            reverse("office:receptions"),
            icon_name="group",
            order=40,
            shown=receptions.may_view_receptions,
        ),
        ShownTo(
            _("区领导公开接访"),
            reverse("office:district_list"),
            icon_name="group",
            order=50,
            shown=lambda u: (
                receptions.may_view_receptions(u)
                or receptions.visible_district_receptions(u).exists()
            ),
        ),
        ShownTo(
            _("有奖举报"), reverse("office:rewards"), icon_name="tag", order=60, shown=_sees_cases
        ),
        ShownTo(
            _("行政调解"),
            reverse("office:mediations"),
            icon_name="group",
            order=70,
            shown=_sees_cases,
        ),
        ShownTo(
            _("追责问责"),
            reverse("office:accountability"),
            icon_name="warning",
            order=80,
            shown=accountability.may_view_accountability,
        ),
    ]
    return SubmenuMenuItem(_("工作制度"), Menu(items=items), icon_name="tasks", order=115)
