from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("信访案件")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers connect on import, and these modules import the models, which exist only
        # once the registry is ready: Django's documented place for both is ready().
        from petitions.cases import calendar_changes, immutability, search  # noqa: F401
        from petitions.worker import receivers  # noqa: F401

        # Cases and their records cannot be deleted at the database (cases.immutability).
        connection_created.connect(immutability.register_sqlite_function)
        post_migrate.connect(immutability.after_migrate, sender=self)
