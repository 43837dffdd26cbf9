"""The office's spot checks and discipline inspection's talks (抽查记录、约谈记录): recorded,
listed, never deleted."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from petitions.reports.forms import SpotCheckForm, TalkForm
from petitions.reports.models import SpotCheck, Talk
from rules.roles import ROLE_GROUP_NAMES, Role


class NoDeletePolicy(ModelPermissionPolicy):
    """Records are never deleted (第二十四条 in spirit): mistakes are corrected by editing."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return action != "delete" and super().user_has_permission_for_instance(
            user, action, instance
        )


class RecordedByCreateView(generic.CreateView):
    recorded_by_field = "checked_by"

    def save_instance(self):
        setattr(self.form.instance, self.recorded_by_field, self.request.user)
        return super().save_instance()


class SpotCheckIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("case", "department", "checked_by")


class TalkIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("case", "department", "staff")


class SpotCheckCreateView(RecordedByCreateView):
    recorded_by_field = "checked_by"


class TalkCreateView(RecordedByCreateView):
    recorded_by_field = "recorded_by"


class SpotCheckViewSet(ModelViewSet):
    model = SpotCheck
    icon = "tasks"
    menu_label = _("抽查记录")
    add_to_admin_menu = False
    url_prefix = "spot-checks"
    name = "spot_checks"
    copy_view_enabled = False
    index_view_class = SpotCheckIndexView
    add_view_class = SpotCheckCreateView
    list_display = ["case", "department", "checked_on", "finding", "checked_by"]
    list_filter = ["finding", "department"]
    ordering = ["-checked_on", "-id"]

    def get_form_class(self, for_update=False):
        return SpotCheckForm


class TalkViewSet(ModelViewSet):
    model = Talk
    icon = "group"
    menu_label = _("约谈记录")
    add_to_admin_menu = False
    url_prefix = "talks"
    name = "talks"
    copy_view_enabled = False
    index_view_class = TalkIndexView
    add_view_class = TalkCreateView
    list_display = ["staff", "department", "held_on", "case", "recorded_by"]
    list_filter = ["department"]
    ordering = ["-held_on", "-id"]

    def get_form_class(self, for_update=False):
        return TalkForm


#: Who records what (see the module docstring); load_starter grants these to the groups.
RECORD_PERMISSIONS = {
    Role.OFFICE: ["add_spotcheck", "change_spotcheck", "view_spotcheck"],
    Role.DETACHMENT: [
        "add_spotcheck",
        "change_spotcheck",
        "view_spotcheck",
        "add_talk",
        "change_talk",
        "view_talk",
    ],
    Role.DISCIPLINE: ["add_talk", "change_talk", "view_talk"],
    Role.BUREAU_HEAD: ["view_spotcheck", "view_talk"],
}


def grant_record_permissions() -> None:
    """Give each role its spot-check and talk permissions (idempotent; load_starter calls it)."""

    for role, codenames in RECORD_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="petitions", codename__in=codenames)
        )
