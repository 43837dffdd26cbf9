from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import CalendarCorrection, Category, Channel, Department, HolidayNotice


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    list_display = ["name", "head", "supervising_leader", "active"]


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    list_display = ["name", "code", "sort_order"]


class ChannelViewSet(SnippetViewSet):
    model = Channel
    icon = "mail"
    list_display = ["name", "source", "active"]
    list_filter = ["source", "active"]


class HolidayNoticeViewSet(SnippetViewSet):
    model = HolidayNotice
    icon = "date"
    list_display = ["year", "source", "published_on"]


class CalendarCorrectionViewSet(SnippetViewSet):
    model = CalendarCorrection
    icon = "calendar-alt"
    list_display = ["date", "is_working_day", "name", "source"]


class ConfigurationGroup(SnippetViewSetGroup):
    menu_label = _("配置")
    menu_icon = "cogs"
    menu_order = 800
    items = (
        DepartmentViewSet,
        ChannelViewSet,
        CategoryViewSet,
        HolidayNoticeViewSet,
        CalendarCorrectionViewSet,
    )


register_snippet(ConfigurationGroup)

# The holiday coverage page registers its own hooks.
from . import holiday_views  # noqa: E402, F401
