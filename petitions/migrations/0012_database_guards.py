"""A24.1: cases, their records and the audit log cannot be deleted at the database either.

DELETE is refused row by row on both databases, TRUNCATE on PostgreSQL to all but the owner
(petitions.cases.immutability explains the design; it re-installs the triggers after every migrate).
"""

from django.db import migrations


def install(apps, schema_editor):
    from petitions.cases.immutability import install_guards

    install_guards(schema_editor.connection)


def remove(apps, schema_editor):
    from petitions.cases import immutability

    vendor = schema_editor.connection.vendor
    statements = {
        "sqlite": immutability.sqlite_reverse(),
        "postgresql": immutability.postgres_reverse(),
    }.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0011_reply_outcome"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(install, remove)]
