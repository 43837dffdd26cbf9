"""Load test: 50 virtual users on PostgreSQL under gunicorn, with the worker running (issue 14).

Run from the project root (the database must exist and be empty; it is migrated and seeded):

    createdb -h 127.0.0.1 -U postgres bench_load
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/bench_load \\
        --redis-url redis://127.0.0.1:6379/7 --minutes 5 --users 50 --cases 100000

What runs, as in production: `petition_site.settings.production` under gunicorn (sync
workers) and `manage.py qcluster` (the worker: the sweep every few minutes, petitioner
messages), on PostgreSQL, with Redis as cache and task broker when --redis-url is given. The
starter configuration is loaded, then --cases ledger cases are seeded with plain multi-row
INSERTs (bench/export.py's seeding: measurement setup, not a product path).

The virtual users, each a thread with its own connection and cookies, wait 1–3 s between
actions, as a person would:

- residents filing (40 %): the form (GET /xinfang/file/), the filing (POST), the receipt;
- residents looking up a status (30 %): the page, then the number and query code of a case
  filed during the run (POST /xinfang/status/);
- staff of the detachment (30 %), logged in once through the admin's login form: the ledger's
  first page, a page deep in it, a state filter, an overdue filter, a search by case number and
  a case page.

Each resident comes from its own address (X-Forwarded-For behind one trusted proxy), as
residents do, so the per-address limits of the public site apply to each and not to all.
Every response is checked (status and a marker in the page); any other answer is an error.
Reported: requests, errors, and p50/p95 per kind of request.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from filing import CSRF, KIND, PYTHON, TOKEN, free_port, start_gunicorn  # noqa: E402
from machine import cpu_model  # noqa: E402

STAFF = "bench-load-zhidui"
STAFF_PASSWORD = "bench-load-only-password-7"  # noqa: S105 - a throwaway bench user
#: Phones and addresses differ from one run to the next: the public site's limits count them
#: in the cache for a day, and a resident who filed in the previous run would be asked the
#: anti-robot question (which a script does not answer) in this one.
RUN = int(time.time()) % 10_000
CASE_LINK = re.compile(r'href="/admin/cases/inspect/(\d+)/"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--redis-url", default=None, help="cache and task broker (optional)")
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--cases", type=int, default=100_000, help="ledger cases to seed")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--reuse", action="store_true", help="the database is already seeded (it is migrated again)"
    )
    parser.add_argument("--prepare-only", action="store_true", help="migrate and seed, no run")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    var_dir = ROOT / "var" / "bench" / "load"
    var_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        DJANGO_SETTINGS_MODULE="petition_site.settings.production",
        PETITIONS_VAR_DIR=str(var_dir),
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PETITIONS_ADMIN_PASSWORD="bench-only-password",
        LOG_LEVEL="WARNING",
        DATABASE_URL=args.database_url,
        # One nginx in front: each resident's own address counts, not the proxy's.
        PETITIONS_TRUSTED_PROXIES="1",
    )
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Migrate (a reused database gets the migrations added since), load the starter
    configuration and collect static files; seed the ledger unless reused."""
    for command in (
        ["migrate", "-v", "0"],
        ["createcachetable"],
        ["load_starter"],
        ["collectstatic", "--noinput", "-v", "0"],
    ):
        subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    if args.reuse:
        return
    # The ledger, seeded in a process of its own with the same settings.
    subprocess.run(
        [PYTHON, __file__, "--seed-only", "--database-url", args.database_url]
        + ["--cases", str(args.cases)],
        cwd=ROOT,
        env=env,
        check=True,
    )


def seed_ledger(cases: int) -> None:
    import django

    django.setup()
    import export as export_bench
    from django.contrib.auth import get_user_model
    from django.db import connection

    refs = export_bench.prepare()
    export_bench.seed(1, cases, refs, random.Random(export_bench.SEED))
    user = get_user_model().objects.get(username=export_bench.USERNAME)
    user.username = STAFF
    user.first_name = "压测"
    user.set_password(STAFF_PASSWORD)
    user.save()
    with connection.cursor() as cursor:
        # The seeded ids were given explicitly: move the sequences past them for new filings.
        for table in ("petitions_case", "petitions_petitioner", "petitions_case_categories"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))"  # the three tables named above
            )
        cursor.execute("ANALYZE")


class Browser:
    """One person's browser: a connection, cookies, and (for a resident) an address."""

    def __init__(self, port: int, address: str | None = None):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.address = address

    def request(self, method: str, path: str, form: dict | None = None):
        origin = f"https://127.0.0.1:{self.port}"
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if self.address:
            headers["X-Forwarded-For"] = self.address
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": origin,
                    "Referer": origin + path,
                }
            )
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), data.decode("utf-8", "replace")


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.filed: list[tuple[str, str]] = []

    def timed(self, kind: str, browser: Browser, method: str, path: str, check, form=None):
        """One request; `check(status, location, page)` says whether the answer is right."""
        t0 = time.perf_counter()
        try:
            status, location, page = browser.request(method, path, form)
        except Exception as exc:  # noqa: BLE001 - counted and reported as an error
            with self.lock:
                self.errors[kind].append(f"{type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - t0
        with self.lock:
            self.times[kind].append(elapsed)
            if not check(status, location, page):
                self.errors[kind].append(f"{status} {location} {page[:300]!r}")
                # The whole page of an error, to read what it says.
                name = re.sub(r"\W+", "-", kind).strip("-")
                out = (
                    ROOT / "var" / "bench" / "load" / f"error-{name}-{len(self.errors[kind])}.html"
                )
                out.write_text(page)
                return None
        return status, location, page


def random_address(rng: random.Random) -> str:
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def resident_filing(rec: Recorder, port: int, rng: random.Random, n: int) -> None:
    browser = Browser(port, random_address(rng))
    got = rec.timed(
        "public: filing form (GET)",
        browser,
        "GET",
        "/xinfang/file/",
        lambda s, _l, p: s == 200 and "submission_token" in p,
    )
    if got is None:
        return
    page = got[2]
    form = {
        "csrfmiddlewaretoken": CSRF.search(page).group(1),
        "submission_token": TOKEN.search(page).group(1),
        "kind": KIND.search(page).group(1),
        "place": f"九龙坡区压测路{n}号",
        "reported_party": "某化工厂",
        "description": "夜间有刺鼻的溶剂味，持续约两小时。",
        "name": "张三",
        "phone": f"139{(RUN * 10_000 + n) % 100_000_000:08d}",
        "privacy_consent": "on",
    }
    time.sleep(rng.uniform(1, 3))
    got = rec.timed(
        "public: filing (POST)",
        browser,
        "POST",
        "/xinfang/file/",
        lambda s, loc, _p: s == 302 and "/xinfang/receipt/" in loc,
        form,
    )
    if got is None:
        return
    location = urllib.parse.urlparse(got[1]).path
    got = rec.timed(
        "public: receipt (GET)",
        browser,
        "GET",
        location,
        lambda s, _l, p: s == 200 and 'class="code"' in p,
    )
    if got is not None:
        codes = re.findall(r'<dd class="code">([^<]+)</dd>', got[2])
        if len(codes) >= 2:
            with rec.lock:
                rec.filed.append((codes[0].strip(), codes[1].strip()))


def resident_lookup(rec: Recorder, port: int, rng: random.Random) -> None:
    with rec.lock:
        known = rng.choice(rec.filed) if rec.filed else None
    browser = Browser(port, random_address(rng))
    got = rec.timed(
        "public: status page (GET)",
        browser,
        "GET",
        "/xinfang/status/",
        lambda s, _l, p: s == 200 and "csrfmiddlewaretoken" in p,
    )
    if got is None or known is None:
        return
    time.sleep(rng.uniform(1, 3))
    number, code = known
    rec.timed(
        "public: status lookup (POST)",
        browser,
        "POST",
        "/xinfang/status/",
        lambda s, _l, p: s == 200 and number in p and "编号或查询码不正确" not in p,
        {"csrfmiddlewaretoken": CSRF.search(got[2]).group(1), "number": number, "code": code},
    )


def staff_login(rec: Recorder, port: int) -> Browser | None:
    browser = Browser(port)
    got = rec.timed(
        "staff: login",
        browser,
        "GET",
        "/admin/login/",
        lambda s, _l, p: s == 200 and "csrfmiddlewaretoken" in p,
    )
    if got is None:
        return None
    got = rec.timed(
        "staff: login",
        browser,
        "POST",
        "/admin/login/",
        lambda s, loc, _p: s == 302 and "/login" not in loc,
        {
            "csrfmiddlewaretoken": CSRF.search(got[2]).group(1),
            "username": STAFF,
            "password": STAFF_PASSWORD,
            "next": "/admin/",
        },
    )
    return browser if got is not None else None


NUMBER = re.compile(r"\b[A-Z]+-\d{4}-\d{6,7}\b")


def staff_browsing(rec: Recorder, browser: Browser, rng: random.Random, seen: list[str]) -> None:
    ledger = lambda s, _l, p: s == 200 and bool(CASE_LINK.search(p))  # noqa: E731 - rows listed
    pages = [
        ("staff: ledger first page", "/admin/cases/", ledger),
        ("staff: ledger page 500", f"/admin/cases/?p={rng.randrange(400, 600)}", ledger),
        ("staff: ledger state filter", "/admin/cases/?state=dispatched", ledger),
        ("staff: ledger overdue filter", "/admin/cases/?due=overdue", lambda s, _l, _p: s == 200),
    ]
    kind, path, check = rng.choice(pages)
    got = rec.timed(kind, browser, "GET", path, check)
    if got is not None:
        seen[:] = NUMBER.findall(got[2])[-20:] or seen
    if seen and rng.random() < 0.3:
        time.sleep(rng.uniform(1, 3))
        number = rng.choice(seen)
        rec.timed(
            "staff: ledger search by number",
            browser,
            "GET",
            "/admin/cases/?q=" + urllib.parse.quote(number),
            lambda s, _l, p: s == 200 and number in p,
        )
    if got is not None and (ids := CASE_LINK.findall(got[2])):
        time.sleep(rng.uniform(1, 3))
        rec.timed(
            "staff: case page",
            browser,
            "GET",
            f"/admin/cases/inspect/{rng.choice(ids)}/",
            lambda s, _l, p: s == 200 and "案件详情" in p,
        )


def run(port: int, users: int, seconds: float) -> Recorder:
    rec = Recorder()
    stop = time.monotonic() + seconds
    counter = iter(range(10**9))

    def user(index: int) -> None:
        rng = random.Random(f"{RUN}-{index}")
        role = "filing" if index % 10 < 4 else "lookup" if index % 10 < 7 else "staff"
        browser = staff_login(rec, port) if role == "staff" else None
        seen: list[str] = []  # case numbers the staff member has on screen
        time.sleep(rng.uniform(0, 3))  # not all at once
        while time.monotonic() < stop:
            if role == "filing":
                resident_filing(rec, port, rng, next(counter))
            elif role == "lookup":
                resident_lookup(rec, port, rng)
            elif browser is not None:
                staff_browsing(rec, browser, rng, seen)
            else:
                return
            time.sleep(rng.uniform(1, 3))

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return rec


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main() -> None:
    args = parse_args()
    if args.seed_only:
        seed_ledger(args.cases)
        return
    env = server_env(args)
    t0 = time.perf_counter()
    prepare(args, env)
    seeded = "reused" if args.reuse else f"{args.cases:,} cases seeded"
    print(f"migrated, starter loaded, {seeded} in {time.perf_counter() - t0:.0f} s")
    if args.prepare_only:
        return
    port = free_port()
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "var" / "bench" / "load" / "qcluster.log", "w"),  # noqa: SIM115
    )
    server = None
    load_start = os.getloadavg()
    try:
        server = start_gunicorn(env, port, args.workers, "petition_site.wsgi")
        rec = run(port, args.users, args.minutes * 60)
        if worker.poll() is not None:
            raise SystemExit("the worker (qcluster) stopped during the run")
    finally:
        for process in (server, worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (server, worker):
            if process is None:
                continue
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:  # the cluster's master can hang on its way out
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
    total = sum(len(v) for v in rec.times.values())
    errors = sum(len(v) for v in rec.errors.values())
    print(
        f"\n{args.users} virtual users, {args.minutes:g} min, PostgreSQL, gunicorn "
        f"{args.workers} sync workers, qcluster running, Redis: {'yes' if args.redis_url else 'no'}"
    )
    print(
        f"machine: {platform.platform()}; CPU: {cpu_model()}; cores: {os.cpu_count()}; "
        f"load average at start {load_start[0]:.1f}, at end {os.getloadavg()[0]:.1f} "
        "(shared with other work)"
    )
    print(f"requests: {total:,}, errors: {errors}, cases filed: {len(rec.filed)}\n")
    print("| Request | Count | Errors | p50 | p95 |")
    print("|---|---|---|---|---|")
    for kind in sorted(rec.times):
        values = rec.times[kind]
        print(
            f"| {kind} | {len(values):,} | {len(rec.errors.get(kind, []))} "
            f"| {percentile(values, 50) * 1000:.0f} ms | {percentile(values, 95) * 1000:.0f} ms |"
        )
    for kind, found in rec.errors.items():
        for error in found[:3]:
            print(f"error in {kind}: {error}")
    print(json.dumps({"requests": total, "errors": errors}))
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
