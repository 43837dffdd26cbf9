from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicSiteConfig(AppConfig):
    """The public website's pages (门户网站), edited by the bureau in the Wagtail admin."""

    name = "petition_site.public"
    label = "public"
    verbose_name = _("门户网站")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail import signals as wagtail_signals
        from wagtail.models import Site

        from .models import forget_public_page_urls, forget_public_page_urls_if_page

        # The navigation is cached (public_page_urls): any change to which pages are live and
        # where they are clears it, in whichever process makes the change.
        for signal in (
            wagtail_signals.page_published,
            wagtail_signals.page_unpublished,
            wagtail_signals.post_page_move,
            wagtail_signals.page_slug_changed,
        ):
            signal.connect(forget_public_page_urls, dispatch_uid=f"public_page_urls_{id(signal)}")
        post_delete.connect(forget_public_page_urls_if_page, dispatch_uid="public_page_urls_delete")
        for signal in (post_save, post_delete):
            signal.connect(
                forget_public_page_urls,
                sender=Site,
                dispatch_uid=f"public_page_urls_site_{id(signal)}",
            )
