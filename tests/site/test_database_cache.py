"""The database cache's one-statement writes (site/cache.py): what Django's own cache does, in
fewer statements, on SQLite and PostgreSQL."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from petition_site import cache as cache_module

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear():
    cache.clear()
    yield
    cache.clear()


def test_a_write_is_one_statement_and_reads_back_as_django_s_cache_reads_it(monkeypatch):
    monkeypatch.setattr(cache_module, "CULL_EVERY", 10**9)  # no size check in this test
    with CaptureQueriesContext(connection) as queries:
        cache.set("counter", (1, 2.5), timeout=60)
        cache.set("counter", (2, 2.5), timeout=60)  # an existing key: replaced
        cache.set_many({"a": "甲", "b": ["乙"]}, timeout=60)
    writes = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(writes) == 3
    # Django's own backend on the same table reads what this one wrote.
    django_cache = DjangoDatabaseCache(settings.CACHES["default"]["LOCATION"], {})
    assert django_cache.get("counter") == (2, 2.5)
    assert cache.get_many(["a", "b", "missing"]) == {"a": "甲", "b": ["乙"]}


def test_entries_expire_and_none_keeps_them():
    with freeze_time("2026-03-02 09:00:00"):
        cache.set("short", 1, timeout=30)
        cache.set("forever", 2, timeout=None)
    with freeze_time("2026-03-02 09:00:20"):
        assert cache.get("short") == 1
    with freeze_time("2026-03-02 09:01:00"):
        assert cache.get("short") is None
        assert cache.get("forever") == 2


def test_the_table_is_still_culled_past_its_size(monkeypatch):
    monkeypatch.setattr(cache_module, "CULL_EVERY", 1)  # check on every write
    small = cache_module.DatabaseCache(
        settings.CACHES["default"]["LOCATION"],
        {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}},
    )
    for n in range(30):
        small.set(f"k{n}", n, timeout=60)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {settings.CACHES['default']['LOCATION']}")
        assert cursor.fetchone()[0] <= 11
    assert small.get("k29") == 29
