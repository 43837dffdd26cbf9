from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("信访案件")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Cases and their records cannot be deleted at the database (petitions.immutability).
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import immutability

        connection_created.connect(immutability.register_sqlite_function)
        post_migrate.connect(immutability.after_migrate, sender=self)
