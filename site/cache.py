"""The shared cache in the database, when there is no Redis (settings.CACHES).

Django's `DatabaseCache` writes an entry in five statements (a COUNT for culling, a savepoint, a
SELECT, an UPDATE or INSERT, a release) and, outside a transaction, a commit of its own; on SQLite
each commit is a disk flush that holds the one write lock. Here a write is one upsert
(`INSERT … ON CONFLICT DO UPDATE`, SQLite and PostgreSQL alike), several keys in the same
statement, and the size check that culls old entries runs on about one write in `CULL_EVERY`.
Reads, `add`, `touch`, `incr` and deletes are Django's own.
"""

from __future__ import annotations

import base64
import pickle
import random
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils.timezone import now as tz_now

#: Check the table's size (and cull it past MAX_ENTRIES) on about one write in this many.
CULL_EVERY = 50


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache, with `set` and `set_many` in one statement."""

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self.set_many({key: value}, timeout=timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        if not data:
            return []
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        key_col, value_col, expires_col = (quote_name(c) for c in ("cache_key", "value", "expires"))
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        expires = connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        params: list = []
        for key, value in data.items():
            pickled = pickle.dumps(value, self.pickle_protocol)
            params += [
                self.make_and_validate_key(key, version=version),
                base64.b64encode(pickled).decode("latin1"),
                expires,
            ]
        rows = ", ".join(["(%s, %s, %s)"] * len(data))
        with connection.cursor() as cursor:
            if random.randrange(CULL_EVERY) == 0:  # noqa: S311 - not a secret, a sampling rate
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our table's name
                count = cursor.fetchone()[0]
                if count > self._max_entries:
                    self._cull(db, cursor, tz_now().replace(microsecond=0), count)
            # Quoted names of our own table; every value is a bound parameter.
            sql = (
                f"INSERT INTO {table} ({key_col}, {value_col}, {expires_col}) VALUES {rows} "  # noqa: S608
                f"ON CONFLICT ({key_col}) DO UPDATE SET {value_col} = excluded.{value_col}, "
                f"{expires_col} = excluded.{expires_col}"
            )
            cursor.execute(
                sql,
                params,
            )
        return []
