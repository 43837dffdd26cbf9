from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SnippetsConfig(AppConfig):
    name = "snippets"
    verbose_name = _("配置")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rules import calendar
        from snippets import signals  # noqa: F401
        from snippets.calendar_loader import load_year_corrections

        calendar.set_corrections_loader(load_year_corrections)
