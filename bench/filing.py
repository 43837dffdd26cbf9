"""Benchmark: public filing throughput, side by side with a bare Django filing (issue 14).

Run from the project root:

    .venv/bin/python bench/filing.py                                   # SQLite
    .venv/bin/python bench/filing.py --filings 1000 --rounds 5
    .venv/bin/python bench/filing.py --database-url postgres://postgres@127.0.0.1:5432/bench_filing

What runs: two servers under gunicorn (sync workers, 4 by default), started the same way:

- the project: `petition_site.settings.production` on a fresh SQLite file in var/bench/filing/
  (or the PostgreSQL database given, which must exist; it is migrated and keeps its rows), the
  starter configuration loaded first;
- the baseline: `bench/bare_filing.py`, a minimal Django view that takes a counter row (SELECT …
  FOR UPDATE), counts one up and inserts one row, behind Django's CSRF check, on its own SQLite
  file with the project's SQLite options (or the database `<name>_bare` beside the PostgreSQL
  one, created if missing).

Each simulated resident (8 at once by default) opens the filing form (GET /xinfang/file/: a
fresh submission token and CSRF cookie) and submits it (POST), as a browser behind the bureau's
HTTPS proxy would (X-Forwarded-Proto: https). Runs alternate, project then baseline, `--rounds`
times, so both see the same machine; each server is warmed up first. The filing limits per
address and per phone are raised for the run: every request here comes from one address.

Reported per run and as the median over the rounds: filings per second, the median and p95 of
the POST (which files the case: number, deadline, audit log, query code hash) and of the GET,
and the project's throughput as a share of the baseline's in the same round.
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KIND = re.compile(r'<option value="([a-z_]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=500, help="filings per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server, alternating")
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
    for command in (
        ["migrate", "-v", "0"],
        ["createcachetable"],
        ["load_starter"],
        ["collectstatic", "--noinput", "-v", "0"],
    ):
        subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )


def start_gunicorn(env: dict[str, str], port: int, workers: int, app: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            GUNICORN,
            app,
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


def bare_database_url(url: str) -> str:
    """The baseline's PostgreSQL database beside the project's: <name>_bare, created if missing."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + "_bare"
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def bare_env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["PETITIONS_VAR_DIR"] = str(var_dir)
    if args.database_url:
        env["BARE_DATABASE_URL"] = bare_database_url(args.database_url)
    else:
        env["BARE_SQLITE"] = str(var_dir / "bare.sqlite3")
    subprocess.run([PYTHON, str(ROOT / "bench" / "bare_filing.py")], env=env, check=True, cwd=ROOT)
    env["PYTHONPATH"] = str(ROOT / "bench")
    return env


@dataclass
class Run:
    elapsed: float
    filings: int
    gets: list[float]
    posts: list[float]

    @property
    def rate(self) -> float:
        return self.filings / self.elapsed

    def line(self, name: str) -> str:
        return (
            f"{name:<9} {self.rate:7.1f} filings/s   POST median "
            f"{statistics.median(self.posts) * 1000:5.0f} ms  p95 {p95(self.posts) * 1000:5.0f} ms"
            f"   GET median {statistics.median(self.gets) * 1000:4.0f} ms"
            f"  p95 {p95(self.gets) * 1000:4.0f} ms"
        )


def main() -> None:
    args = parse_args()
    var_dir = ROOT / "var" / "bench" / "filing"
    if not args.database_url:
        shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(args, var_dir)
    prepare(env)
    baseline_env = bare_env(args, var_dir)
    port, bare_port = free_port(), free_port()
    servers = [
        start_gunicorn(env, port, args.workers, "petition_site.wsgi"),
        start_gunicorn(baseline_env, bare_port, args.workers, "bare_filing:application"),
    ]
    rounds: list[tuple[Run, Run]] = []
    try:
        for p in (port, bare_port):
            run(p, min(50, args.filings), args.concurrency)  # warm up every worker
        for n in range(args.rounds):
            elapsed, gets, posts = run(port, args.filings, args.concurrency)
            project = Run(elapsed, args.filings, gets, posts)
            elapsed, gets, posts = run(bare_port, args.filings, args.concurrency)
            bare = Run(elapsed, args.filings, gets, posts)
            rounds.append((project, bare))
            print(f"round {n + 1}:")
            print("  " + project.line("project"))
            print("  " + bare.line("bare"))
            print(f"  ratio {project.rate / bare.rate:.2f}")
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    ratios = [p.rate / b.rate for p, b in rounds]
    print()
    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}")
    print(
        f"gunicorn workers: {args.workers}, concurrency: {args.concurrency}, "
        f"{args.filings} filings a run, {args.rounds} rounds"
    )
    for name, index in (("project", 0), ("bare", 1)):
        runs = [r[index] for r in rounds]
        print(
            f"{name:<9} median {statistics.median(r.rate for r in runs):.1f} filings/s, "
            f"POST p95 {statistics.median(p95(r.posts) for r in runs) * 1000:.0f} ms "
            f"(median of the rounds)"
        )
    print(
        f"ratio project/bare: median {statistics.median(ratios):.2f} "
        f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}); target >= 0.30"
    )
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
