"""The ledger's search index (petitions.cases.search): FTS5 on SQLite, tsvector + GIN on PostgreSQL.

Built from the cases already there, so an existing database finds its cases at once.
"""

import django.db.models.deletion
from django.db import migrations, models

from petitions.cases.search import _tsvector, document_tokens, write_rows

SQLITE = [
    "CREATE VIRTUAL TABLE petitions_case_search USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 0')",
]
POSTGRESQL = [
    "CREATE TABLE petitions_case_search ("
    # No foreign key: a flush truncates the cases without cascading.
    " case_id bigint PRIMARY KEY,"
    " document tsvector NOT NULL)",
    "CREATE INDEX petitions_case_search_document ON petitions_case_search USING gin (document)",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in SQLITE if vendor == "sqlite" else POSTGRESQL:
        schema_editor.execute(statement)
    # The migration's own copy of the text fields: the model may change after this migration.
    Case = apps.get_model("petitions", "Case")
    fields = ("description", "place", "reported_party", "demands")
    last = 0
    while True:
        rows = list(
            Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:2000]
        )
        if not rows:
            return
        # The one way of cutting texts into tokens is the application's.
        found = [(row[0], document_tokens(row[1:])) for row in rows]
        if vendor == "sqlite":
            write_rows(found)
        else:
            # The table as this migration makes it (write_rows fills columns added later, 0030).
            with schema_editor.connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO petitions_case_search (case_id, document) VALUES (%s, %s::tsvector)",
                    [(pk, _tsvector(tokens)) for pk, tokens in found],
                )
        last = rows[-1][0]


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE petitions_case_search")


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0019_import_jobs"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CaseSearchEntry",
                    fields=[
                        (
                            "case",
                            models.OneToOneField(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="petitions.case",
                            ),
                        ),
                        ("document", models.TextField()),
                    ],
                    options={
                        "db_table": "petitions_case_search",
                        "default_permissions": (),
                    },
                ),
            ],
            database_operations=[migrations.RunPython(create, drop)],
        ),
        migrations.RemoveIndex(model_name="case", name="case_received"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-received_at", "-id"], name="case_received_id"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("lead_status", "proposed")),
                fields=["lead_status"],
                name="case_lead_proposed",
            ),
        ),
    ]
