"""The host department in the ledger's search index (PostgreSQL): a handler's common word.

A department handler's search for a word in one case in eight (异味) joined the department's
125,000 cases with ~80,000 index rows to count its first 10,000 matches (0.4 s at 1,000,000
cases). With the department beside the words, and one GIN index over both (``btree_gin``, a
contrib extension shipped with PostgreSQL), the index gives the department's matches alone.

The department is copied from the case by ``search.write_rows`` and kept in step by a trigger
on the case: a case's department changes by its save (dispatch, naming a lead department), by
an ``UPDATE`` of several, by a restore; the trigger follows every one of them, so a handler's
search never misses a case of their department. SQLite's FTS5 index is unchanged.
"""

from django.db import migrations

FORWARD = [
    # Trusted since PostgreSQL 13: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    # The table is written again rather than updated row by row: an UPDATE of every row would
    # leave it twice its size (the old rows' space), and every scan of it slower.
    "CREATE TABLE petitions_case_search_rebuilt ("
    " case_id bigint NOT NULL, department_id bigint NULL, document tsvector NOT NULL)",
    "INSERT INTO petitions_case_search_rebuilt (case_id, department_id, document)"
    " SELECT s.case_id, c.host_department_id, s.document FROM petitions_case_search s"
    " LEFT JOIN petitions_case c ON c.id = s.case_id ORDER BY s.case_id",
    "DROP TABLE petitions_case_search",
    "ALTER TABLE petitions_case_search_rebuilt RENAME TO petitions_case_search",
    "ALTER TABLE petitions_case_search ADD CONSTRAINT petitions_case_search_pkey"
    " PRIMARY KEY (case_id)",
    "CREATE INDEX petitions_case_search_document ON petitions_case_search USING gin (document)",
    "CREATE INDEX petitions_case_search_department ON petitions_case_search"
    " USING gin (department_id, document)",
    """
    CREATE OR REPLACE FUNCTION petitions_case_search_department() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE petitions_case_search SET department_id = NEW.host_department_id
        WHERE case_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER petitions_case_search_department AFTER UPDATE OF host_department_id"
    " ON petitions_case FOR EACH ROW"
    " WHEN (OLD.host_department_id IS DISTINCT FROM NEW.host_department_id)"
    " EXECUTE FUNCTION petitions_case_search_department()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS petitions_case_search_department ON petitions_case",
    "DROP FUNCTION IF EXISTS petitions_case_search_department()",
    "DROP INDEX IF EXISTS petitions_case_search_department",
    "ALTER TABLE petitions_case_search DROP COLUMN IF EXISTS department_id",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0029_case_open_received"),
    ]

    operations = [migrations.RunPython(forward, backward)]
