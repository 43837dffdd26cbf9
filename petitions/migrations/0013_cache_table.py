"""The database cache's table (the public site's rate limits, petitions.abuse), with the
migrations: `manage.py migrate` alone gives a working filing form and API (issue 11)."""

from django.db import migrations


def create_cache_table(apps, schema_editor):
    from django.core.management import call_command

    # Creates the table of every DatabaseCache in CACHES (none with Redis); skips existing ones.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0012_database_guards")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
