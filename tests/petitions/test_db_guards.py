"""A24.1 at the database: nothing of a case is deleted, whatever SQL reaches the database.

On both databases raw SQL that deletes a case's records, the case itself, or audit entries is
refused by triggers. On PostgreSQL the application runs as a role that owns nothing
(petitions.cases.immutability): these tests take that role (``SET ROLE``; CI also runs them logged in
as it) and try every way around the triggers: deleting the child rows and then the case,
``ALTER TABLE … DISABLE TRIGGER``, ``DROP TRIGGER``, ``TRUNCATE``, deleting and editing audit
rows. Each must fail, and the application's own work must still succeed under the same role.
"""

import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from factories import a_category, detachment_user, make_case, step
from wagtail.models import ModelLogEntry

from petitions.cases.immutability import GUARDED_TABLES, grant_application_role
from petitions.models import Case, Deadline, Petitioner

pytestmark = pytest.mark.django_db

#: The application role of production (README); tests create it if it is missing.
APP_ROLE = "petitions_app"


def _refused(sql: str, params=()) -> str | None:
    """The database's refusal of ``sql``, or None if it ran."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as refusal:
        return str(refusal)
    return None


def _a_case_with_records() -> Case:
    user = detachment_user()
    case = make_case(user=user)
    return step(case, "register", user, kind="pollution", categories=[a_category()])


def _everything_is_still_there(case: Case, counts: tuple) -> None:
    assert Case.objects.filter(pk=case.pk).exists()
    assert counts == _counts(case)


def _counts(case: Case) -> tuple:
    return (
        Petitioner.objects.filter(case=case).count(),
        Deadline.objects.filter(case=case).count(),
        ModelLogEntry.objects.filter(object_id=str(case.pk)).count(),
    )


# --- both databases ---------------------------------------------------------------------------


def test_a24_1_raw_sql_cannot_delete_a_case_its_records_or_its_audit_log():
    case = _a_case_with_records()
    counts = _counts(case)
    assert all(counts)
    for sql in (
        "DELETE FROM petitions_petitioner WHERE case_id = %s",
        "DELETE FROM petitions_deadline WHERE case_id = %s",
        "DELETE FROM petitions_case WHERE id = %s",
    ):
        assert _refused(sql, [case.pk]), sql
    assert _refused("DELETE FROM wagtailcore_modellogentry WHERE object_id = %s", [str(case.pk)])
    assert _refused("DELETE FROM wagtailcore_modellogentry")
    assert _refused(
        "UPDATE wagtailcore_modellogentry SET action = 'petitions.nothing' WHERE object_id = %s",
        [str(case.pk)],
    )
    _everything_is_still_there(case, counts)


def test_a24_1_every_record_table_refuses_delete():
    """One DELETE on each guarded table: none of them runs, even with nothing to delete."""
    _a_case_with_records()
    let_through = [table for table in GUARDED_TABLES if not _refused(f"DELETE FROM {table}")]
    # A trigger fires per row: an empty table has nothing to refuse.
    empty = []
    with connection.cursor() as cursor:
        for table in let_through:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            if cursor.fetchone()[0] == 0:
                empty.append(table)
    assert set(let_through) == set(empty), set(let_through) - set(empty)


def test_a24_1_what_is_not_a_record_can_still_be_deleted():
    """Sessions, the cache, the task queue: the guard is on records only."""
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now())
    assert _refused("DELETE FROM django_session") is None
    assert not Session.objects.exists()


# --- PostgreSQL: the application role --------------------------------------------------------


@pytest.fixture
def app_role():
    """Run the rest of the test as the application role (unless already logged in as it)."""
    if connection.vendor != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, relowner, 'MEMBER') FROM pg_class"
            " WHERE relname = 'petitions_case'"
        )
        owner = cursor.fetchone()[0]
        if owner:
            cursor.execute(
                f"""DO $$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                        CREATE ROLE {APP_ROLE} LOGIN;
                    END IF; END $$"""
            )
            grant_application_role(connection, APP_ROLE)
            # Until the test's transaction ends.
            cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        cursor.execute("SELECT current_user")
        yield cursor.fetchone()[0]


def test_a24_1_postgres_the_application_role_owns_nothing(app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
            " AND pg_has_role(current_user, tableowner, 'MEMBER')"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False)


def test_a24_1_postgres_no_way_around_the_guards_as_the_application_role(app_role):
    case = _a_case_with_records()
    counts = _counts(case)
    attempts = {
        "delete the petitioners": (
            "DELETE FROM petitions_petitioner WHERE case_id = %s",
            [case.pk],
        ),
        "delete the deadlines": ("DELETE FROM petitions_deadline WHERE case_id = %s", [case.pk]),
        "then the case": ("DELETE FROM petitions_case WHERE id = %s", [case.pk]),
        "disable the case's triggers": ("ALTER TABLE petitions_case DISABLE TRIGGER ALL", []),
        "disable one trigger": (
            "ALTER TABLE petitions_case DISABLE TRIGGER petitions_no_delete",
            [],
        ),
        "disable the audit log's trigger": (
            "ALTER TABLE wagtailcore_modellogentry DISABLE TRIGGER audit_log_no_change",
            [],
        ),
        "drop a trigger": ("DROP TRIGGER petitions_no_delete ON petitions_case", []),
        "replace the trigger function": (
            "CREATE OR REPLACE FUNCTION petitions_refuse_delete() RETURNS trigger AS"
            " $$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
            [],
        ),
        "truncate the cases": ("TRUNCATE petitions_case CASCADE", []),
        "truncate the audit log": ("TRUNCATE wagtailcore_modellogentry", []),
        "delete audit rows": (
            "DELETE FROM wagtailcore_modellogentry WHERE object_id = %s",
            [str(case.pk)],
        ),
        "edit audit rows": (
            "UPDATE wagtailcore_modellogentry SET action = 'x' WHERE object_id = %s",
            [str(case.pk)],
        ),
        "drop the table": ("DROP TABLE petitions_case CASCADE", []),
        "switch session replication role": ("SET session_replication_role = replica", []),
    }
    let_through = [name for name, (sql, params) in attempts.items() if not _refused(sql, params)]
    assert not let_through, let_through
    _everything_is_still_there(case, counts)


def test_a24_1_postgres_the_application_role_does_the_applications_work(app_role):
    """File, register, accept, log and sign in: all of it under the restricted role."""
    user = detachment_user()
    case = _a_case_with_records()
    case = step(case, "accept", user, accepted_on=case.received_on, notice_method="phone")
    assert Case.objects.get(pk=case.pk).state == "accepted"
    assert ModelLogEntry.objects.filter(object_id=str(case.pk), action="petitions.accept")
    Session.objects.create(session_key="y" * 32, session_data="", expire_date=timezone.now())
    Session.objects.filter(session_key="y" * 32).delete()
