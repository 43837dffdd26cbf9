"""Benchmark: public filing throughput against the server started the production way.

Run from the project root:

    .venv/bin/python bench/filing.py                                   # SQLite, 1,000 filings
    .venv/bin/python bench/filing.py --filings 5000 --concurrency 16 --workers 4
    .venv/bin/python bench/filing.py --database-url postgres://postgres@127.0.0.1:5432/bench_filing

What runs: `petition_site.settings.production` under gunicorn (sync workers), on a fresh SQLite
file in var/bench/filing/ (or the PostgreSQL database given, which must exist; it is migrated
and keeps its rows). The starter configuration is loaded first. Each simulated resident opens
the filing form (GET /xinfang/file/: a fresh submission token and CSRF cookie) and submits it
(POST), as a browser behind the bureau's HTTPS proxy would (X-Forwarded-Proto: https). The
filing limits per address and per phone are raised for the run: the benchmark measures the
filing path, and every request here comes from one address.

Reported: filings per second over the whole run, and the median and p95 latency of the POST
(which files the case: number, deadline, audit log, query code hash) and of the GET.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KIND = re.compile(r'<option value="([a-z_]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="simulated residents at once")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="petition_site.settings.production",
        PETITIONS_VAR_DIR=str(var_dir),
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PETITIONS_ADMIN_PASSWORD="bench-only-password",
        LOG_LEVEL="WARNING",
        # One address files everything here: lift the per-address and per-phone limits.
        PUBLIC_FILINGS_PER_ADDRESS="100000000",
        PUBLIC_FILINGS_PER_PHONE="100000000",
        PUBLIC_CHALLENGE_AFTER="100000000",
    )
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    return env


def prepare(env: dict[str, str]) -> None:
    for command in (["migrate", "-v", "0"], ["createcachetable"], ["load_starter"]):
        subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            GUNICORN,
            "petition_site.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/xinfang/file/", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not answer within 60 s")


class Resident:
    """One browser: its own connection and cookies."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, data.decode("utf-8", "replace")

    def file_one(self, n: int) -> tuple[float, float]:
        t0 = time.perf_counter()
        status, page = self.request("GET", "/xinfang/file/")
        t1 = time.perf_counter()
        if status != 200:
            raise RuntimeError(f"GET form: {status}")
        form = {
            "csrfmiddlewaretoken": CSRF.search(page).group(1),
            "submission_token": TOKEN.search(page).group(1),
            "kind": KIND.search(page).group(1),
            "place": f"九龙坡区测试路{n}号",
            "reported_party": "某化工厂",
            "description": "夜间有刺鼻的溶剂味，持续约两小时。",
            "name": "张三",
            "phone": f"138{n % 100_000_000:08d}",
            "privacy_consent": "on",
        }
        origin = f"https://127.0.0.1:{self.port}"
        status, _page = self.request(
            "POST",
            "/xinfang/file/",
            body=urllib.parse.urlencode(form).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}/xinfang/file/",
            },
        )
        t2 = time.perf_counter()
        if status != 302:
            raise RuntimeError(f"POST filing: {status} {_page[:500]}")
        return t1 - t0, t2 - t1


def run(port: int, filings: int, concurrency: int) -> tuple[float, list[float], list[float]]:
    counter = iter(range(filings))
    lock = threading.Lock()
    gets: list[float] = []
    posts: list[float] = []
    errors: list[BaseException] = []

    def work():
        resident = Resident(port)
        while True:
            with lock:
                n = next(counter, None)
            if n is None or errors:
                return
            try:
                get_s, post_s = resident.file_one(n)
            except BaseException as exc:  # noqa: BLE001 - reported after the run
                errors.append(exc)
                return
            with lock:
                gets.append(get_s)
                posts.append(post_s)

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"a filing failed: {errors[0]}")
    return elapsed, gets, posts


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main() -> None:
    args = parse_args()
    var_dir = ROOT / "var" / "bench" / "filing"
    if not args.database_url:
        shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(args, var_dir)
    prepare(env)
    port = args.port or free_port()
    server = start_gunicorn(env, port, args.workers)
    try:
        run(port, min(50, args.filings), args.concurrency)  # warm up every worker
        elapsed, gets, posts = run(port, args.filings, args.concurrency)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}")
    print(f"gunicorn workers: {args.workers}, concurrency: {args.concurrency}")
    print(f"filings: {args.filings} in {elapsed:.1f} s = {args.filings / elapsed:.1f} filings/s")
    print(
        f"POST (files the case): median {statistics.median(posts) * 1000:.0f} ms, "
        f"p95 {p95(posts) * 1000:.0f} ms"
    )
    print(
        f"GET (the form):        median {statistics.median(gets) * 1000:.0f} ms, "
        f"p95 {p95(gets) * 1000:.0f} ms"
    )
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
