"""Django's ``flush``, allowed past the SQLite guard on cases and their records.

Emptying the whole database is the operator's act, never the application's (which never runs
this command): on SQLite, which has no roles, this command alone lifts the triggers that refuse
deleting cases, records and audit entries, for its own connection while it runs
(petitions.cases.immutability). On PostgreSQL nothing is lifted: its TRUNCATE works for the tables'
owner only. pytest-django empties the test database with this command between transactional
tests.
"""

from django.core.management.commands.flush import Command as FlushCommand

from petitions.cases.immutability import allow_purge


class Command(FlushCommand):
    def handle(self, **options):
        with allow_purge(options["database"]):
            return super().handle(**options)
