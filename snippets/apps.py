from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rules import calendar


class SnippetsConfig(AppConfig):
    name = "snippets"
    verbose_name = _("配置")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # These modules import the models, which exist only once the registry is ready; the
        # receivers connect on import. Django's documented place for both is ready().
        from snippets import signals  # noqa: F401
        from snippets.calendar_loader import load_year_corrections
        from snippets.people import install_full_name

        install_full_name()

        calendar.set_corrections_loader(load_year_corrections)
