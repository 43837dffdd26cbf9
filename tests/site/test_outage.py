"""An outage answers 503 in the visitor's language with the bureau's phone; /healthz tells the
operator's monitor what is down (issue 11).

The outage is real: the web server (gunicorn, as in production) runs against a database that
cannot be reached, a PostgreSQL port where nothing listens or an SQLite file that cannot be
opened. The phone was remembered from the configuration before the outage.
"""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
PHONE = "023-68780000"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def remembered_phone(settings, tmp_path):
    """设置 › 本局信息 names the phone while the database is up; it is remembered on this host."""
    settings.CACHES = {
        **settings.CACHES,
        "outage": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache" / "outage"),
            "TIMEOUT": None,
        },
    }
    from snippets.models import BureauProfile

    profile = BureauProfile.load()
    profile.phone = PHONE
    profile.save()  # post_save remembers it
    return tmp_path


@pytest.fixture(params=["postgresql", "sqlite"])
def server_without_database(request, remembered_phone):
    """gunicorn with the database unreachable."""
    var = remembered_phone
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "petition_site.settings.test",
        "PETITIONS_VAR_DIR": str(var),
    }
    if request.param == "postgresql":
        env["DATABASE_URL"] = "postgres://petitions_nobody@127.0.0.1:9/petitions_gone"
    else:
        env.pop("DATABASE_URL", None)
        (var / "db.sqlite3").mkdir()  # a folder where the file should be: cannot be opened
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "petition_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.2)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.django_db
def test_outage_every_page_answers_503_in_chinese_with_the_bureaus_phone(server_without_database):
    base = server_without_database
    for path in ("/", "/xinfang/file/", "/xinfang/status/", "/admin/", "/admin/cases/"):
        status, headers, body = _get(base + path)
        assert status == 503, (path, status, body[:300])
        assert "服务暂时不可用" in body and PHONE in body, path
        assert "Server Error" not in body
        assert int(headers["Retry-After"]) > 0
        assert headers["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_outage_page_is_english_when_english_was_chosen(server_without_database):
    status, headers, body = _get(
        server_without_database + "/", headers={"Cookie": "django_language=en"}
    )
    assert status == 503
    assert "temporarily unavailable" in body.lower() and PHONE in body
    assert "服务暂时不可用" not in body


@pytest.mark.django_db
def test_outage_the_api_answers_json(server_without_database):
    status, headers, body = _get(
        server_without_database + "/api/petitions/",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        data=b"place=x",
    )
    assert status == 503
    assert headers["Content-Type"].startswith("application/json")
    answer = json.loads(body)
    assert "服务暂时不可用" in answer["detail"] and answer["phone"] == PHONE
    assert int(headers["Retry-After"]) > 0


@pytest.mark.django_db
def test_outage_healthz_says_the_database_is_down(server_without_database):
    status, headers, body = _get(server_without_database + "/healthz")
    assert status == 503
    state = json.loads(body)
    assert state["status"] == "unavailable"
    assert state["database"]["ok"] is False


# --- /healthz with everything up ---------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_database_cache_and_worker(client):
    from django_q.models import Schedule

    sweep = Schedule.objects.get(name="petitions.sweep")
    sweep.next_run = timezone.now() + dt.timedelta(minutes=1)
    sweep.save()
    response = client.get("/healthz")
    assert response.status_code == 200
    state = response.json()
    assert state["status"] == "ok"
    assert state["database"]["ok"] and state["cache"]["ok"] and state["worker"]["ok"]

    # No cluster has run the sweep for an hour: the worker is reported down.
    sweep.next_run = timezone.now() - dt.timedelta(hours=1)
    sweep.save()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["ok"] is False
    assert "qcluster" in response.json()["worker"]["error"]
