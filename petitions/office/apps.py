from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    """The bureau's working systems (工作制度): an app of its own so its migrations stay apart."""

    name = "petitions.office"
    label = "office"
    verbose_name = _("工作制度")
    default_auto_field = "django.db.models.BigAutoField"
