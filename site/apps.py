from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionSiteConfig(AppConfig):
    name = "petition_site"
    verbose_name = _("网站")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from snippets.models import BureauProfile

        from .outage import remember_contact
        from .security import idle, login
        from .security.admin_scope import install_log_entry_scope
        from .users import install_sidebar_name, label_site_columns

        install_log_entry_scope()
        install_sidebar_name()
        label_site_columns()
        user_locked_out.connect(login.on_locked_out, dispatch_uid="petitions_locked_out")
        user_logged_in.connect(login.on_logged_in, dispatch_uid="petitions_login_warning")
        user_logged_in.connect(idle.on_logged_in, dispatch_uid="petitions_idle_start")
        post_save.connect(
            lambda **kwargs: remember_contact(),
            sender=BureauProfile,
            dispatch_uid="petitions_remember_contact",
            weak=False,
        )
