"""A24.1: the audit log is append-only at the database, not only in the screens.

UPDATE is refused on every database. DELETE is refused row by row on PostgreSQL; on SQLite it
stays possible because Django's test flush empties tables with DELETE (TRUNCATE on PostgreSQL
bypasses row triggers, so flushing still works there).
"""

from django.db import migrations

MESSAGE = "audit log entries cannot be changed (A24.1)"

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_log_no_update
        BEFORE UPDATE ON wagtailcore_modellogentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS audit_log_no_update;"]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON wagtailcore_modellogentry
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_log_no_change ON wagtailcore_modellogentry;",
    "DROP FUNCTION IF EXISTS audit_log_refuse_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
