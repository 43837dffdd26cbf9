from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from snippets.columns import YesNoColumn
from snippets.forms import SETTING_CHANGED
from snippets.models import (
    CalendarCorrection,
    Category,
    Channel,
    Department,
    HolidayNotice,
    MessageTemplate,
    OwnershipPlan,
    ReferralGuideEntry,
    ResponsibilityRule,
)
from snippets.views import MessageTemplatePreviewView


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    list_display = ["name", "head", "supervising_leader", YesNoColumn("active", Department)]


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    list_display = ["name", "code", "sort_order"]


class ChannelViewSet(SnippetViewSet):
    model = Channel
    icon = "mail"
    list_display = ["name", "source", YesNoColumn("active", Channel)]
    list_filter = ["source", "active"]


class HolidayNoticeViewSet(SnippetViewSet):
    model = HolidayNotice
    icon = "date"
    list_display = ["year", "source", "published_on"]


class CalendarCorrectionViewSet(SnippetViewSet):
    model = CalendarCorrection
    icon = "calendar-alt"
    list_display = ["date", YesNoColumn("is_working_day", CalendarCorrection), "name", "source"]


class ResponsibilityRuleViewSet(SnippetViewSet):
    model = ResponsibilityRule
    icon = "list-ul"
    list_display = ["__str__", "kind", "category", "keywords", "department", "sort_order"]
    list_filter = ["department"]
    search_fields = ["keywords", "note"]


class ReferralGuideViewSet(SnippetViewSet):
    model = ReferralGuideEntry
    icon = "help"
    list_display = ["matter", "agency", "contact", YesNoColumn("confirmed", ReferralGuideEntry)]
    list_filter = ["confirmed"]
    search_fields = ["matter", "keywords", "agency"]


class MessageTemplateViewSet(SnippetViewSet):
    model = MessageTemplate
    icon = "doc-full"
    list_display = ["__str__", "title"]
    inspect_view_enabled = True
    inspect_view_class = MessageTemplatePreviewView


class OwnershipPlanViewSet(SnippetViewSet):
    model = OwnershipPlan
    icon = "user"
    list_display = ["title", "year", "status", "meeting_date", "minutes_number"]
    list_filter = ["status", "year"]


class ConfigurationGroup(SnippetViewSetGroup):
    menu_label = _("配置")
    menu_icon = "cogs"
    menu_order = 800
    items = (
        DepartmentViewSet,
        ResponsibilityRuleViewSet,
        ChannelViewSet,
        CategoryViewSet,
        MessageTemplateViewSet,
        ReferralGuideViewSet,
        OwnershipPlanViewSet,
        HolidayNoticeViewSet,
        CalendarCorrectionViewSet,
    )


register_snippet(ConfigurationGroup)


class SettingChangedFormatter(LogFormatter):
    """修改设置: each changed field of 本局信息 or 本局办理选项, old → new."""

    label = _("修改设置")

    def format_message(self, log_entry) -> str:
        return str(_("修改了“%(setting)s”")) % {"setting": log_entry.label}

    def format_comment(self, log_entry) -> str:
        changes = (log_entry.data or {}).get("changes") or []
        return "；".join(f"{c['label']}：{c['old']} → {c['new']}" for c in changes)


@hooks.register("register_log_actions")
def register_setting_log_actions(actions):
    actions.register_action(SETTING_CHANGED)(SettingChangedFormatter)
