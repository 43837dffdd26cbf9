from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    """Business rules: deadlines, the working-day calendar, roles."""

    name = "rules"
    verbose_name = _("规则")
