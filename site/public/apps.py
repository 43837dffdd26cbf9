from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicSiteConfig(AppConfig):
    """The public website's pages (门户网站), edited by the bureau in the Wagtail admin."""

    name = "petition_site.public"
    label = "public"
    verbose_name = _("门户网站")
    default_auto_field = "django.db.models.BigAutoField"
