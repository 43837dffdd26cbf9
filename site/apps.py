from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionSiteConfig(AppConfig):
    name = "petition_site"
    verbose_name = _("网站")
