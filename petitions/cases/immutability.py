"""Nothing of a case is ever deleted, down to the database (第二十四条, A24.1).

The ORM already refuses to delete a case. This module makes the database itself refuse, for
whatever SQL reaches it:

- **triggers** on cases, the records made on them (petitioners, attachments, deadlines, replies
  and drafts, transfers, supervisions, recusals, messages, submissions, feedback, spot checks,
  talks), the case-number sequence and the audit log refuse ``DELETE`` row by row, on SQLite and
  on PostgreSQL; on PostgreSQL a statement trigger also refuses ``TRUNCATE`` (which row triggers
  never see) to anyone but the tables' owner;
- on PostgreSQL production runs as an **application role that owns nothing**
  (``PETITIONS_DB_APP_ROLE``): it may select, insert and update, may delete only from the
  tables that are not records (sessions, cache, task queue…), and, not being the owner, can
  neither disable nor drop a trigger (``ALTER TABLE … DISABLE TRIGGER`` needs ownership) nor
  truncate. The owner role runs the migrations, after which ``grant_application_role`` gives the
  application role exactly that (``migrate`` does it when the setting names the role).

Emptying every table stays possible for the one who owns the database: on PostgreSQL the owner
may ``TRUNCATE`` (Django's ``flush``, which pytest-django runs between transactional tests, is a
TRUNCATE); on SQLite, which has no roles, only ``manage.py flush`` (an operator's command the
application never runs) lifts the guard, for its own connection and the length of the flush.
"""

from __future__ import annotations

import contextlib

from django.db import connections

#: The tables whose rows are never deleted.
GUARDED_TABLES = (
    "petitions_case",
    "petitions_petitioner",
    "petitions_attachment",
    "petitions_deadline",
    "petitions_reply",
    "petitions_replydraft",
    "petitions_transfer",
    "petitions_supervision",
    "petitions_recusal",
    "petitions_petitionermessage",
    "petitions_publicsubmission",
    "petitions_querycode",
    "petitions_feedback",
    "petitions_spotcheck",
    "petitions_talk",
    "petitions_verification",
    "petitions_contribution",
    "petitions_spotcheckdraw",
    "petitions_casenumbersequence",
    # The bureau's working systems (petitions.office): duty, receptions, rewards, mediation,
    # accountability records.
    "office_dutyofficer",
    "office_dutyshift",
    "office_dutycall",
    "office_leaderreception",
    "office_groupvisit",
    "office_districtreception",
    "office_rewardapplication",
    "office_rewardamountchange",
    "office_mediation",
    "office_mediationparty",
    "office_mediationmeeting",
    "office_disciplinereferral",
    "office_selfexamination",
    "office_candidatereview",
    "wagtailcore_modellogentry",
)
#: The audit log is also never updated (0002_audit_log_cannot_be_changed).
AUDIT_LOG_TABLE = "wagtailcore_modellogentry"

SQLITE_PURGE_FUNCTION = "petitions_purge_allowed"


def _message(table: str) -> str:
    return f"rows of {table} cannot be deleted (A24.1)"


# --- SQLite ---------------------------------------------------------------------------------


def sqlite_statements(tables=GUARDED_TABLES) -> list[str]:
    statements = [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            WHEN NOT {SQLITE_PURGE_FUNCTION}()
            BEGIN SELECT RAISE(ABORT, '{_message(table)}'); END;"""
        for table in tables
    ]
    if AUDIT_LOG_TABLE in tables:
        # 0002's, again: SQLite loses a table's triggers when a migration rebuilds the table.
        statements.append(
            f"""CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON {AUDIT_LOG_TABLE}
                BEGIN SELECT RAISE(ABORT, 'audit log entries cannot be changed (A24.1)'); END;"""
        )
    return statements


def sqlite_reverse() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_delete;" for table in GUARDED_TABLES]


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created: the function the SQLite triggers ask (0 unless in allow_purge).

    A connection without it (the sqlite3 shell) fails on the call: the delete is refused.
    """
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_PURGE_FUNCTION,
        0,
        lambda: int(getattr(connection, "petitions_purge_allowed", False)),
    )


@contextlib.contextmanager
def allow_purge(using: str = "default"):
    """Lift the SQLite guard on this connection while the block runs (``manage.py flush``)."""
    connection = connections[using]
    connection.petitions_purge_allowed = True
    try:
        yield
    finally:
        connection.petitions_purge_allowed = False


# --- PostgreSQL -----------------------------------------------------------------------------

POSTGRES_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION petitions_refuse_delete() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'rows of % cannot be deleted (A24.1)', TG_TABLE_NAME; END;
        $$ LANGUAGE plpgsql;""",
    # TRUNCATE: only the owner (the migration role; a superuser) may empty a table.
    """CREATE OR REPLACE FUNCTION petitions_refuse_truncate() RETURNS trigger AS $$
        BEGIN
            IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID),
                           'MEMBER') THEN
                RETURN NULL;
            END IF;
            RAISE EXCEPTION '% cannot be truncated (A24.1)', TG_TABLE_NAME;
        END; $$ LANGUAGE plpgsql;""",
]


def postgres_statements(tables=GUARDED_TABLES) -> list[str]:
    statements = list(POSTGRES_FUNCTIONS)
    for table in tables:
        statements += [
            f"DROP TRIGGER IF EXISTS petitions_no_delete ON {table};",
            f"DROP TRIGGER IF EXISTS petitions_no_truncate ON {table};",
            f"""CREATE TRIGGER petitions_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION petitions_refuse_truncate();""",
        ]
        if table != AUDIT_LOG_TABLE:  # its UPDATE OR DELETE row trigger is 0002's
            statements.append(
                f"""CREATE TRIGGER petitions_no_delete BEFORE DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION petitions_refuse_delete();"""
            )
    return statements


def postgres_reverse() -> list[str]:
    statements = []
    for table in GUARDED_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS petitions_no_delete ON {table};",
            f"DROP TRIGGER IF EXISTS petitions_no_truncate ON {table};",
        ]
    return statements + [
        "DROP FUNCTION IF EXISTS petitions_refuse_delete();",
        "DROP FUNCTION IF EXISTS petitions_refuse_truncate();",
    ]


def install_guards(connection) -> None:
    """Create (or re-create) the triggers; idempotent. Run by the migration and after every
    ``migrate``: SQLite drops a table's triggers when a migration rebuilds the table."""
    existing = set(connection.introspection.table_names())
    tables = [table for table in GUARDED_TABLES if table in existing]
    if connection.vendor == "sqlite":
        statements = sqlite_statements(tables)
    elif connection.vendor == "postgresql":
        # Only what is missing: this runs after every flush of the test suite too.
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                   WHERE t.tgname = 'petitions_no_truncate'"""
            )
            guarded = {row[0] for row in cursor.fetchall()}
        missing = [table for table in tables if table not in guarded]
        statements = postgres_statements(missing) if missing else []
    else:
        return
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def grant_application_role(connection, role: str) -> None:
    """Give the application role what it must have and no more (PostgreSQL; run as the owner).

    Select, insert and update on every table of the schema, delete on those that are not
    records, the sequences; never truncate, references or trigger, never ownership.
    """
    from psycopg import sql

    if connection.vendor != "postgresql":
        return
    ident = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = sql.Identifier(cursor.fetchone()[0])
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, ident),
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema, ident),
            sql.SQL("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {} TO {}").format(
                schema, ident
            ),
            sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                schema, ident
            ),
            # The audit log is written once, never changed.
            sql.SQL("REVOKE UPDATE ON {} FROM {}").format(sql.Identifier(AUDIT_LOG_TABLE), ident),
        ]
        statements += [
            sql.SQL("GRANT DELETE ON {} TO {}").format(sql.Identifier(table), ident)
            for table in tables
            if table not in GUARDED_TABLES
        ]
        for statement in statements:
            cursor.execute(statement)


def after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: the triggers are in place, and the application role has its grants."""
    from django.conf import settings

    connection = connections[using]
    install_guards(connection)
    role = getattr(settings, "PETITIONS_DB_APP_ROLE", "")
    if role:
        grant_application_role(connection, role)
