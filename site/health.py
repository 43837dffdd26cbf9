"""``/healthz``: the state of the database, the cache and the worker, for the operator's monitor.

200 with ``"status": "ok"`` when all three are well; 503 with what is wrong otherwise. The worker
is judged by its schedule: the django-q2 cluster moves the sweep's next run forward each time
it runs it, so a next run long past means no cluster is running.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_q.models import Schedule, Success

from .outage import remember_contact

SWEEP = "petitions.sweep"


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _cache() -> dict:
    key, value = "healthz:probe", secrets.token_hex(8)
    try:
        cache.set(key, value, timeout=60)
        ok = cache.get(key) == value
    except Exception as exc:  # noqa: BLE001 - any backend's failure is the cache being down
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": ok} if ok else {"ok": False, "error": "value not kept"}


def _worker() -> dict:

    try:
        schedule = Schedule.objects.filter(name=SWEEP).first()
        last = (
            Success.objects.filter(func="petitions.tasks.sweep")
            .order_by("-stopped")
            .values_list("stopped", flat=True)
            .first()
        )
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    if schedule is None:
        return {"ok": False, "error": "no sweep schedule (run manage.py migrate)"}
    interval = dt.timedelta(minutes=schedule.minutes or settings.PETITIONS_SWEEP_MINUTES)
    # A cluster picks a due schedule up within seconds; twice the interval is surely late.
    late = schedule.next_run is not None and schedule.next_run < timezone.now() - 2 * interval
    return {
        "ok": not late,
        "next_sweep": schedule.next_run.isoformat() if schedule.next_run else None,
        "last_sweep": last.isoformat() if last else None,
        **({"error": "sweep overdue: is the qcluster running?"} if late else {}),
    }


@never_cache
def healthz(request):
    database = _database()
    checks = {
        "database": database,
        "cache": _cache(),
        "worker": _worker() if database["ok"] else {"ok": False, "error": "database down"},
    }
    if database["ok"]:
        # The page still answers if the configuration cannot be read just now.
        with contextlib.suppress(DatabaseError):
            remember_contact()
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503
    )
