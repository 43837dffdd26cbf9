"""The baseline of bench/filing.py: the barest Django filing, served the same way.

One view at /xinfang/file/: GET renders a form (a CSRF token, a submission token, a kind);
POST takes the sequence row with SELECT … FOR UPDATE, counts one up and inserts one row, in one
transaction, then redirects (302), as the project's filing does. Django's CSRF middleware checks
the POST, as in the project; nothing else (no sessions, no templates, no translation).

Its database is `BARE_DATABASE_URL` (PostgreSQL) or the SQLite file `BARE_SQLITE`, opened with
the project's own SQLite options (WAL, synchronous=FULL, IMMEDIATE transactions). bench/filing.py
creates the tables (`python bench/bare_filing.py`) and serves `bare_filing:application` under
gunicorn with the project's worker count.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _database() -> dict:
    if url := os.environ.get("BARE_DATABASE_URL"):
        return dj_database_url.parse(url, conn_max_age=60)
    # The project's SQLite options, so both sides pay the same durability.
    sys.path.insert(0, str(ROOT))
    from petition_site.settings.base import sqlite_database

    return sqlite_database(Path(os.environ["BARE_SQLITE"]))


settings.configure(
    DEBUG=False,
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ],
    INSTALLED_APPS=["django.contrib.contenttypes"],
    DATABASES={"default": _database()},
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    CSRF_COOKIE_SECURE=True,
    USE_TZ=True,
    TIME_ZONE="Asia/Shanghai",
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.http import HttpResponse, HttpResponseRedirect  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402


class Counter(models.Model):
    last = models.PositiveIntegerField(default=0)

    class Meta:
        app_label = "bare"

    def __str__(self) -> str:
        return str(self.last)


class Filing(models.Model):
    number = models.CharField(max_length=40, unique=True)
    token = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=30)
    place = models.CharField(max_length=300)
    description = models.TextField()
    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=30)
    received_at = models.DateTimeField()

    class Meta:
        app_label = "bare"

    def __str__(self) -> str:
        return self.number


FORM = """<!doctype html><html lang="zh-hans"><body><form method="post">
<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">
<input type="hidden" name="submission_token" value="{token}">
<select name="kind"><option value="pollution">污染</option></select>
<input name="place"><textarea name="description"></textarea><input name="name"><input name="phone">
<button>提交</button></form></body></html>"""


def file_view(request):
    if request.method == "POST":
        with transaction.atomic():
            counter = Counter.objects.select_for_update().get(pk=1)
            counter.last += 1
            counter.save(update_fields=["last"])
            Filing.objects.create(
                number=f"BARE-{counter.last:06d}",
                token=request.POST["submission_token"],
                kind=request.POST["kind"],
                place=request.POST["place"],
                description=request.POST["description"],
                name=request.POST["name"],
                phone=request.POST["phone"],
                received_at=timezone.now(),
            )
        return HttpResponseRedirect("/xinfang/receipt/")
    return HttpResponse(FORM.format(csrf=get_token(request), token=secrets.token_urlsafe(32)))


urlpatterns = [path("xinfang/file/", file_view)]
application = get_wsgi_application()


def create_tables() -> None:
    """Both tables and the counter row, on an empty database (or again: nothing changes)."""
    existing = connection.introspection.table_names()
    with connection.schema_editor() as editor:
        for model in (Counter, Filing):
            if model._meta.db_table not in existing:
                editor.create_model(model)
    Counter.objects.get_or_create(pk=1)


if __name__ == "__main__":
    create_tables()
