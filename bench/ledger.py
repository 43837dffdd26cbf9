"""Benchmark: the ledger (信访台账) at 1,000,000 cases, page by page, filter by filter.

Run from the project root:

    .venv/bin/python bench/ledger.py                       # seed var/bench/ledger.sqlite3, measure
    .venv/bin/python bench/ledger.py --reuse               # measure again on the kept file
    .venv/bin/python bench/ledger.py --database-url postgres://postgres@127.0.0.1:5432/bench_ledger
    .venv/bin/python bench/ledger.py --cases 100000 --requests 10

Seeding writes plain multi-row INSERTs (bench/sweep.py's Inserter): measurement setup, not a
product path. Each case has one petitioner and one category; 5 % are open, with next due dates
around today (some overdue, some due soon); the texts draw from a few dozen Chinese phrases so
that a word search has a common word (异味, in about one case in eight) and a rare one.
The file (or database) is kept: `--reuse` migrates it and measures without seeding again.
The ledger's search index is then built by the product's own batch function
(`petitions.cases.search.reindex_all`), which is timed and reported.

Each request goes through the real admin URL with Django's test client, logged in as the
detachment (sees every case) and as a department handler (sees their department's cases):
`--requests` timed requests after two warm-up ones, p50 and p95 in milliseconds, and the number
of SQL statements the page ran. The baseline of the same run: `SELECT ... WHERE number = ?` and a
plain `SELECT COUNT(*)` on the case table, timed the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

from machine import BENCH_DIR, database_version, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sweep import Inserter, cpu_model  # noqa: E402

SEED = 20261201
CHUNK = 20_000
DETACHMENT = "bench-ledger-zhidui"
HANDLER = "bench-ledger-handler"
N_DEPARTMENTS = 8
N_CHANNELS = 6
PLACES = ["九龙坡区", "杨家坪", "谢家湾", "石桥铺", "西彭镇", "陶家镇", "白市驿", "华岩"]
SUBJECTS = ["化工厂", "餐馆", "工地", "汽修厂", "养殖场", "搅拌站", "印刷厂", "洗车场"]
PROBLEMS = [
    "夜间施工噪声扰民",
    "油烟直排",
    "污水直排河道",
    "粉尘污染严重",
    "焚烧垃圾冒黑烟",
    "排放刺鼻气味",
    "偷排废水",
    "机器轰鸣影响休息",
]
#: The common word of the word search: about one case in eight.
COMMON_WORD = "异味"
#: The rare word: about one case in 10,000.
RARE_WORD = "镉超标"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded cases, measure only")
    return parser.parse_args()


# --- seeding --------------------------------------------------------------------------------


class Writer(Inserter):
    """Inserter's rows, written on PostgreSQL with COPY (executemany is ten times slower)."""

    def flush(self) -> None:
        from django.db import connection

        if not self.rows or connection.vendor != "postgresql":
            super().flush()
            return
        columns = self.sql[self.sql.index("(") + 1 : self.sql.index(")")]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in self.rows:
                copy.write_row(row)
        self.rows = []


def prepare() -> dict:
    """The users, channels, departments and categories the cases refer to."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from petition_site.management.commands.load_starter import Command as LoadStarter
    from rules.roles import ROLE_GROUP_NAMES, Role
    from snippets.models import Category, Channel, Department

    LoadStarter()._groups()  # the role groups and their permissions, as deployed
    User = get_user_model()
    detachment = User.objects.create(username=DETACHMENT, is_active=True)
    detachment.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[Role.DETACHMENT]))
    handler = User.objects.create(username=HANDLER, is_active=True)
    handler.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[Role.HANDLER]))
    departments = []
    for i in range(N_DEPARTMENTS):
        department = Department.objects.create(name=f"基准科室{i}", code=f"bench-dept{i}")
        departments.append(department.pk)
    Department.objects.get(pk=departments[0]).staff.add(handler)
    channels = [
        Channel.objects.create(name=f"基准渠道{i}", code=f"bench-ch{i}", source="direct").pk
        for i in range(N_CHANNELS)
    ]
    categories = [
        Category.objects.create(name=f"基准类别{i}", code=f"bench-cat{i}").pk for i in range(6)
    ]
    return {"channels": channels, "departments": departments, "categories": categories}


def seed(n_cases: int, refs: dict, today: dt.date) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from petitions.models import Case, Petitioner
    from rules.states import OPEN_STATES, State

    rng = random.Random(SEED)
    ops = connection.ops
    tz = timezone.get_current_timezone()
    now = timezone.now()
    open_states = sorted(s.value for s in OPEN_STATES)
    cases = Writer(
        Case,
        [
            "id",
            "number",
            "year",
            "channel",
            "kind",
            "received_at",
            "place",
            "reported_party",
            "description",
            "state",
            "host_department",
            "next_due_on",
            "next_due_label",
        ],
        now,
    )
    petitioners = Writer(Petitioner, ["id", "case", "name", "phone"], now)
    links = Writer(Case.categories.through, ["id", "case", "category"], now)
    end = dt.datetime.combine(today, dt.time(8, 0), tzinfo=tz)
    span = 3 * 365 * 24 * 60
    # Ids in received order, so the numbers of a year are in sequence as they are when filed.
    minutes = sorted(rng.randrange(span) for _ in range(n_cases))
    serials: dict[int, int] = {}
    for chunk_start in range(0, n_cases, CHUNK):
        for i in range(chunk_start, min(chunk_start + CHUNK, n_cases)):
            case_id = i + 1
            received = end - dt.timedelta(minutes=span - minutes[i])
            serials[received.year] = serial = serials.get(received.year, 0) + 1
            is_open = rng.random() < 0.05
            problem = rng.choice(PROBLEMS)
            if rng.random() < 0.125:
                problem += f"，{COMMON_WORD}很大"
            if rng.random() < 0.0001:
                problem += f"，疑似{RARE_WORD}"
            subject = rng.choice(SUBJECTS)
            place = f"{rng.choice(PLACES)}基准路{case_id % 997}号"
            cases.add(
                case_id,
                f"JLPXF-{received.year}-{serial:06d}",
                received.year,
                rng.choice(refs["channels"]),
                "pollution",
                ops.adapt_datetimefield_value(received),
                place,
                f"某{subject}",
                f"{place}某{subject}{problem}，请求处理。",
                rng.choice(open_states) if is_open else State.CLOSED.value,
                rng.choice(refs["departments"]),
                ops.adapt_datefield_value(today + dt.timedelta(days=rng.randint(-30, 30)))
                if is_open
                else None,
                "答复期限" if is_open else "",
            )
            petitioners.add(case_id, case_id, "张三", f"138{case_id % 10**8:08d}")
            links.add(case_id, case_id, rng.choice(refs["categories"]))
        with transaction.atomic():
            cases.flush()
            petitioners.flush()
            links.flush()
        print(f"  seeded {min(chunk_start + CHUNK, n_cases):,}", end="\r", file=sys.stderr)
    print(file=sys.stderr)
    from petitions.models import CaseNumberSequence

    for year, last in serials.items():
        CaseNumberSequence.objects.update_or_create(year=year, defaults={"last": last})
    if connection.vendor == "postgresql":
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Case, Petitioner, Case.categories.through]
            ):
                cursor.execute(sql)
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- measuring ------------------------------------------------------------------------------


def timed(fn, n: int) -> tuple[float, float, float]:
    """p50 and p95 of the wall time, and p50 of this process's CPU time, in milliseconds."""
    fn()
    fn()
    times, cpu = [], []
    for _ in range(n):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, statistics.median(cpu)


def page_requests(refs: dict, sample_number: str) -> list[tuple[str, str]]:
    from rules.states import State

    prefix = sample_number[:-2]
    return [
        ("no rows (the page alone)", "/admin/cases/?q=JLPXF-1900-000001"),
        ("first page", "/admin/cases/"),
        ("page 500", "/admin/cases/?p=500"),
        ("state: dispatched", f"/admin/cases/?state={State.DISPATCHED.value}"),
        ("state: closed", f"/admin/cases/?state={State.CLOSED.value}"),
        ("overdue", "/admin/cases/?due=overdue"),
        ("due soon", "/admin/cases/?due=soon"),
        ("channel", f"/admin/cases/?channel={refs['channels'][1]}"),
        ("department", f"/admin/cases/?host_department={refs['departments'][1]}"),
        ("number, exact", f"/admin/cases/?q={quote(sample_number)}"),
        ("number, prefix", f"/admin/cases/?q={quote(prefix)}"),
        (f"word: {COMMON_WORD} (1 in 8)", f"/admin/cases/?q={quote(COMMON_WORD)}"),
        (f"word: {RARE_WORD} (rare)", f"/admin/cases/?q={quote(RARE_WORD)}"),
        ("word + overdue", f"/admin/cases/?q={quote(COMMON_WORD)}&due=overdue"),
    ]


def measure(n_requests: int) -> list[tuple]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from petitions.models import Case
    from snippets.models import Channel, Department

    refs = {
        "channels": list(
            Channel.objects.filter(code__startswith="bench-ch").values_list("pk", flat=True)
        ),
        "departments": list(
            Department.objects.filter(code__startswith="bench-dept")
            .order_by("code")
            .values_list("pk", flat=True)
        ),
    }
    sample = Case.objects.order_by("-pk").values_list("number", flat=True)[12345]
    rows: list[tuple] = []

    def sql(statement: str, params: list) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            cursor.fetchall()

    table = connection.ops.quote_name(Case._meta.db_table)
    p50, p95, cpu = timed(
        lambda: sql(f"SELECT id, number FROM {table} WHERE number = %s", [sample]),  # noqa: S608
        n_requests,
    )
    rows.append(("baseline", "SELECT … WHERE number = ?", p50, p95, cpu, 1, ""))
    p50, p95, cpu = timed(lambda: sql(f"SELECT COUNT(*) FROM {table}", []), n_requests)  # noqa: S608
    rows.append(("baseline", "SELECT COUNT(*)", p50, p95, cpu, 1, ""))

    User = get_user_model()
    for who in (DETACHMENT, HANDLER):
        client = Client()
        client.force_login(User.objects.get(username=who))
        role = "detachment" if who == DETACHMENT else "handler"
        for label, url in page_requests(refs, sample):
            p50, p95, cpu = timed(lambda url=url, client=client: client.get(url), n_requests)
            # Counted after the warm-up, as a page runs once the process's caches are filled.
            statements: list[str] = []

            def count(execute, sql, params, many, context, statements=statements):
                statements.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            found = "" if "JLPXF-" in response.content.decode() else "no rows"
            rows.append((role, label, p50, p95, cpu, len(statements), found))
            print(f"  {role:10} {label:28} p50 {p50:7.1f} p95 {p95:7.1f}", file=sys.stderr)
    return rows


def main() -> None:
    args = parse_args()
    sqlite = None
    if not args.database_url:
        sqlite = BENCH_DIR / f"ledger-{args.cases}.sqlite3"
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
    setup_django(args.database_url, sqlite)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # No collectstatic for a benchmark: the plain storage gives the same addresses, unhashed,
    # as in the test settings (override_settings also drops the storages made so far).
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    from django.core.management import call_command
    from django.db import connection

    from petitions.cases.deadlines import local_today
    from petitions.models import Case

    if args.database_url and not args.reuse:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - t0
    seed_seconds = index_seconds = None
    if not Case.objects.exists():
        t0 = time.perf_counter()
        seed(args.cases, prepare(), local_today())
        seed_seconds = time.perf_counter() - t0
    try:
        from petitions.cases import search
    except ImportError:
        search = None
    if search is not None and search.index_is_empty():
        t0 = time.perf_counter()
        search.reindex_all()
        index_seconds = time.perf_counter() - t0
    # Fresh statistics for the planner, as `PRAGMA optimize` / autovacuum keep them in service;
    # on PostgreSQL also the visibility map autovacuum keeps (index-only scans read no rows).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    rows = measure(args.requests)

    print(f"\nLedger at {Case.objects.count():,} cases, {args.requests} requests each")
    print(f"{database_version()}; Python {platform.python_version()}; {cpu_model()}")
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"migrate (builds new indexes and the search index) {migrate_seconds:.0f} s")
    if seed_seconds is not None:
        print(f"seeded in {seed_seconds:.0f} s")
    if index_seconds is not None:
        print(f"search index built in {index_seconds:.0f} s")
    print()
    print("| as | request | p50 ms | p95 ms | CPU p50 ms | SQL statements | |")
    print("|---|---|---|---|---|---|---|")
    for role, label, p50, p95, cpu, queries, note in rows:
        print(f"| {role} | {label} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {queries} | {note} |")


if __name__ == "__main__":
    main()
