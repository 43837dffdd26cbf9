"""Benchmark: one worker sweep (petitions.worker.sweep.run_sweep) over many cases.

Run from the project root:

    .venv/bin/python bench/sweep.py --cases 100000                  # 100,000 open cases
    .venv/bin/python bench/sweep.py --cases 1000000 --open 100000   # 1M cases, 100k open
    .venv/bin/python bench/sweep.py --cases 100000 --database-url postgres://…/bench_sweep
    .venv/bin/python bench/sweep.py --cases 100000 --baseline main    # with the same run's baseline

SQLite goes to a fresh file under var/bench/ (deleted first, kept afterwards for inspection
unless --drop); a PostgreSQL database given with --database-url must exist and be empty (the
script migrates it). Rows are seeded with bulk_create, not through petitions.cases: the
benchmark is about the sweep, so seeded cases have no audit-log entries, petitioners or alerts
of their own. What the sweep then does goes through the real code.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import os
import platform
import pstats
import random
import sys
import time
from collections import Counter
from pathlib import Path

from machine import BENCH_DIR, cpu_model, database_version, fresh_sqlite, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261129
CHUNK = 20_000

#: What an open case is doing on the day of the sweep (weights, summing to 1).
OPEN_MIX = {
    "ahead": 0.72,  # staff deadline, reminder date still ahead
    "reminded": 0.10,  # within its last 3 working days, reminder already sent
    "remind_due": 0.03,  # reminder date reached, no reminder yet: the sweep reminds
    "overdue_supervised": 0.02,  # past due, supervision opened by an earlier sweep
    "overdue_new": 0.01,  # past due, no supervision yet: the sweep supervises
    "window_open": 0.10,  # replied, petitioner's 30-day objection window running
    "window_expired": 0.02,  # replied, window over without a request: the sweep closes
}
#: Which staff deadline an open case in a staff flavour is waiting for, and in which state.
STAFF_STAGES = [
    # (weight, state, rule, host department assigned)
    (0.20, "registered", "acceptance_direct", False),
    (0.10, "accepted", "reply", False),
    (0.60, "dispatched", "reply", True),
    (0.07, "review_requested", "review_opinion", True),
    (0.03, "re_review_requested", "re_review_opinion", True),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases in total")
    parser.add_argument("--open", type=int, default=None, help="open cases (default: all)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--batch", type=int, default=None, help="PETITIONS_SWEEP_BATCH")
    parser.add_argument("--drop", action="store_true", help="delete the SQLite file at the end")
    parser.add_argument("--explain", action="store_true", help="print the batch query plans")
    parser.add_argument(
        "--idle",
        type=int,
        default=0,
        metavar="N",
        help="SQLite: reuse the file a previous run with the same --cases/--open left (without "
        "--drop), migrate it and time N idle sweeps",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the first sweep (top functions)"
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        default=None,
        help="SQLite: first sweep a copy of the seeded file with the worker's closing and "
        "reminders as they were at git revision REV (e.g. main), as the same run's baseline",
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE on SQLite before the sweep (PostgreSQL: always, as autovacuum would)",
    )
    args = parser.parse_args()
    if args.open is None:
        args.open = args.cases
    if not 0 < args.open <= args.cases:
        parser.error("--open must be between 1 and --cases")
    return args


def configure(args: argparse.Namespace) -> Path | None:
    if args.batch:
        os.environ["PETITIONS_SWEEP_BATCH"] = str(args.batch)
    name = f"sweep-{args.cases}-{args.open}.sqlite3"
    if args.database_url:
        path = None
    elif args.idle:
        path = BENCH_DIR / name
        if not path.exists():
            raise SystemExit(f"{path} not found: run once without --drop first")
    else:
        path = fresh_sqlite(name)
    setup_django(args.database_url, path)
    return path


class QueryCounter:
    """Counts every statement sent through Django, whatever DEBUG says."""

    def __init__(self) -> None:
        self.count = 0
        self.by_kind: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.by_kind[sql.lstrip().split(" ", 1)[0].upper()] += 1
        return execute(sql, params, many, context)


# --- seeding --------------------------------------------------------------------------------


class Dates:
    """Due dates of the real rules, computed once per (rule, start day)."""

    def __init__(self, today: dt.date) -> None:
        from rules.deadlines import DEFAULT_RULES, compute_due

        self.today = today
        self._rules = DEFAULT_RULES
        self._compute = compute_due
        self._cache: dict = {}
        self._starts: dict = {}

    def due(self, rule: str, start: dt.date):
        key = (rule, start)
        if key not in self._cache:
            self._cache[key] = self._compute(self._rules[rule], start)
        return self._cache[key]

    def starts(self, rule: str, flavour: str) -> list[dt.date]:
        """Start days that put a deadline of `rule` in `flavour` today."""
        key = (rule, flavour)
        if key not in self._starts:
            t = self.today
            found = []
            for back in range(0, 200):
                start = t - dt.timedelta(days=back)
                d = self.due(rule, start)
                ok = {
                    "ahead": d.remind_on > t,
                    "reminded": d.remind_on <= t <= d.due,
                    "remind_due": d.remind_on <= t <= d.due,
                    "overdue_supervised": d.due < t,
                    "overdue_new": d.due < t,
                    "window_open": d.due >= t,
                    "window_expired": d.due < t,
                }[flavour]
                if ok:
                    found.append(start)
            self._starts[key] = found[:60]  # the nearest 60 qualifying days
        return self._starts[key]


class Inserter:
    """Plain multi-row INSERTs (executemany) with explicit ids, much faster than bulk_create.

    Columns a row does not give get the field's default (auto_now fields: the seeding time),
    so a field added to the model later does not break the benchmark.
    """

    def __init__(self, model, given: list[str], now: dt.datetime) -> None:
        from django.db import connection

        self.model = model
        fields = {f.name: f for f in model._meta.concrete_fields}
        self.given = given
        self.constants = {}
        for name, field in fields.items():
            if name in given:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            elif field.has_default() or not field.null:
                value = field.get_default()
            else:
                value = None
            self.constants[name] = field.get_db_prep_save(value, connection)
        names = given + list(self.constants)
        columns = ", ".join(connection.ops.quote_name(fields[n].column) for n in names)
        # Table and column names come from the model; every value is a parameter.
        self.sql = (
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )
        self.tail = tuple(self.constants.values())
        self.rows: list[tuple] = []

    def add(self, *values) -> None:
        self.rows.append(values + self.tail)

    def flush(self) -> None:
        from django.db import connection

        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.rows = []


def seed(n_cases: int, n_open: int, today: dt.date) -> dict:

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from petitions.models import Case, Deadline, Supervision
    from rules.roles import ROLE_GROUP_NAMES, Role
    from snippets.models import BureauLeadership, Channel, Department

    User = get_user_model()
    rng = random.Random(SEED)
    dates = Dates(today)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    ops = connection.ops
    json_field = Deadline._meta.get_field("calculation")

    def user(name: str):
        return User.objects.create(username=name, is_active=True)

    detachment = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role.DETACHMENT])[0]
    for i in range(3):
        user(f"bench-zhidui{i}").groups.add(detachment)
    leaders = [user(f"bench-leader{i}").pk for i in range(4)]
    lead = BureauLeadership.load()
    lead.petition_leader_id, lead.bureau_head_id = leaders[0], user("bench-head").pk
    lead.save()
    departments, handlers = [], []
    for i in range(8):
        dept = Department.objects.create(
            name=f"基准科室{i}",
            code=f"bench-dept{i}",
            head=user(f"bench-depthead{i}"),
            supervising_leader_id=leaders[i % 4],
        )
        departments.append(dept.pk)
        handlers.append([user(f"bench-handler{i}-{j}").pk for j in range(5)])
    channel = Channel.objects.create(name="基准来电", code="bench-phone", source="direct").pk

    @functools.cache
    def day(d: dt.date):
        return ops.adapt_datefield_value(d)

    @functools.cache
    def received_at(d: dt.date):
        return ops.adapt_datetimefield_value(dt.datetime.combine(d, dt.time(9, 30), tzinfo=tz))

    now_db = ops.adapt_datetimefield_value(now)
    labels = {key: str(rule.label) for key, rule in dates._rules.items()}

    cases = Inserter(
        Case,
        [
            "id",
            "number",
            "year",
            "channel",
            "kind",
            "received_at",
            "place",
            "description",
            "state",
            "host_department",
            "supervising_leader",
            "handler",
            "accepted_on",
            "next_due_on",
            "next_due_label",
        ],
        now,
    )
    deadlines = Inserter(
        Deadline,
        [
            "id",
            "case",
            "rule",
            "label",
            "is_window",
            "start_on",
            "length",
            "unit",
            "due_on",
            "remind_on",
            "provisional",
            "calculation",
            "status",
            "met_at",
            "reminded_at",
        ],
        now,
    )
    supervisions = Inserter(Supervision, ["id", "case", "deadline", "overdue_since"], now)

    case_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    deadline_id = (Deadline.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    supervision_id = (Supervision.objects.aggregate(m=Max("id"))["m"] or 0) + 1

    def deadline(case: int, rule: str, start: dt.date, status="open", reminded=False):
        nonlocal deadline_id
        d = dates.due(rule, start)
        r = d.rule
        deadlines.add(
            deadline_id,
            case,
            rule,
            labels[rule],
            r.window,
            day(start),
            r.length,
            r.unit.value,
            day(d.due),
            day(d.remind_on),
            d.provisional,
            json_field.get_db_prep_save(
                {"rule": rule, "start": start.isoformat(), "due": d.due.isoformat()}, connection
            ),
            status,
            now_db if status != "open" else None,
            now_db if reminded else None,
        )
        deadline_id += 1
        return deadline_id - 1, d

    flavours, weights = zip(*OPEN_MIX.items(), strict=True)
    stage_weights = [s[0] for s in STAFF_STAGES]
    open_ids = set(rng.sample(range(n_cases), n_open))
    counts: Counter[str] = Counter()
    for first in range(0, n_cases, CHUNK):
        for i in range(first, min(first + CHUNK, n_cases)):
            if i in open_ids:
                flavour = rng.choices(flavours, weights)[0]
                if flavour.startswith("window"):
                    stage = (None, "replied", "objection_window", True)
                else:
                    stage = rng.choices(STAFF_STAGES, stage_weights)[0]
                    if flavour == "ahead" and stage[2] == "acceptance_direct":
                        # Acceptance is reminded the day it is received: never "ahead".
                        flavour = "reminded"
                start = rng.choice(dates.starts(stage[2], flavour))
                received = start - dt.timedelta(days=0 if stage[1] == "registered" else 40)
            else:
                flavour, stage = "closed", (None, "closed", None, True)
                received = today - dt.timedelta(days=70 + rng.randrange(1000))
                start = received
            counts[flavour] += 1
            dept = rng.randrange(8)
            has_dept = stage[3]
            accepted = None if stage[1] == "registered" else received + dt.timedelta(days=1)

            next_due = next_label = None
            if flavour == "closed":
                deadline(case_id, "acceptance_direct", received, "met", reminded=True)
                deadline(case_id, "reply", accepted, "met", reminded=True)
                deadline(case_id, "objection_window", received + dt.timedelta(days=20), "lapsed")
            elif flavour.startswith("window"):
                deadline(case_id, "reply", start - dt.timedelta(days=15), "met", reminded=True)
                deadline(case_id, "objection_window", start)
                deadline(case_id, "review_request_window", start)
            else:
                if stage[2] != "acceptance_direct":
                    deadline(case_id, "acceptance_direct", received, "met", reminded=True)
                current, due = deadline(
                    case_id, stage[2], start, reminded=flavour not in {"ahead", "remind_due"}
                )
                if flavour == "overdue_supervised":
                    supervisions.add(supervision_id, case_id, current, day(due.due))
                    supervision_id += 1
                next_due, next_label = day(due.due), labels[stage[2]]
            cases.add(
                case_id,
                f"JB-{received.year}-{case_id:07d}",
                received.year,
                channel,
                "pollution",
                received_at(received),
                f"九龙坡区基准路{case_id}号",
                "夜间异味扰民（基准数据）",
                stage[1],
                departments[dept] if has_dept else None,
                leaders[dept % 4] if has_dept else None,
                rng.choice(handlers[dept]) if has_dept else None,
                day(accepted) if accepted else None,
                next_due,
                next_label or "",
            )
            case_id += 1
        # One transaction per chunk: with synchronous=FULL every commit is an fsync.
        with transaction.atomic():
            cases.flush()
            deadlines.flush()
            supervisions.flush()
    with connection.cursor() as cursor:
        for sql in ops.sequence_reset_sql(no_style(), [Case, Deadline, Supervision]):
            cursor.execute(sql)
    return counts


# --- measuring ------------------------------------------------------------------------------


def snapshot() -> dict:
    from wagtail.models import ModelLogEntry

    from petitions.models import Alert, Case, Deadline, Supervision

    return {
        "supervisions": Supervision.objects.count(),
        "alerts": Alert.objects.count(),
        "closed cases": Case.objects.filter(state="closed").count(),
        "reminded deadlines": Deadline.objects.filter(reminded_at__isnull=False).count(),
        "audit entries": ModelLogEntry.objects.count(),
    }


def timed_sweep(label: str, today: dt.date, profile: bool = False) -> dict:
    """run_sweep() with its wall time, and time and statements of each part."""
    from django.db import connection

    from petitions.worker import sweep

    phases = {}
    originals = {}
    counter = QueryCounter()

    def wrap(name):
        original = getattr(sweep, name)
        originals[name] = original

        def timed(*args, **kwargs):
            q0, t0, c0 = counter.count, time.perf_counter(), time.process_time()
            result = original(*args, **kwargs)
            phases[name] = (
                time.perf_counter() - t0,
                time.process_time() - c0,
                counter.count - q0,
                result,
            )
            return result

        setattr(sweep, name, timed)

    for name in (
        "supervise_overdue",
        "send_reminders",
        "close_expired",
        "deliver_messages",
        "email_alerts",
    ):
        wrap(name)
    before = snapshot()
    try:
        with connection.execute_wrapper(counter):
            profiler = cProfile.Profile() if profile else None
            t0, c0 = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            result = sweep.run_sweep(today=today)
            if profiler:
                profiler.disable()
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        for name, original in originals.items():
            setattr(sweep, name, original)
    after = snapshot()
    print(
        f"\n{label}: {elapsed:.2f} s (this process's CPU {cpu:.2f} s), "
        f"{counter.count:,} SQL statements"
    )
    print(f"  run_sweep() returned {result}")
    for name, (seconds, cpu_seconds, queries, value) in phases.items():
        print(
            f"  {name:18} {seconds:7.2f} s (CPU {cpu_seconds:6.2f} s) "
            f"{queries:8,} statements  -> {value}"
        )
    print(f"  statements by kind: {dict(counter.by_kind.most_common())}")
    print("  rows created: " + ", ".join(f"{k} +{after[k] - before[k]:,}" for k in after))
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return {
        "elapsed": elapsed,
        "cpu": cpu,
        "queries": counter.count,
        "result": result,
        "delta": after,
    }


def idle_sweeps(runs: int, today: dt.date) -> None:
    """Sweeps with nothing to do, on a database already swept: wall and CPU of each."""
    import statistics

    from petitions.models import Case, Deadline

    print(
        f"cases {Case.objects.count():,}, open deadlines "
        f"{Deadline.objects.filter(status='open').count():,}"
    )
    walls, cpus = [], []
    for i in range(runs):
        result = timed_sweep(f"idle sweep {i + 1}", today)
        if any(result["result"].values()):
            raise SystemExit("an idle sweep did something: sweep the file once first")
        walls.append(result["elapsed"])
        cpus.append(result["cpu"])
    print(
        f"\nidle sweeps: {runs}; wall median {statistics.median(walls) * 1000:.1f} ms, "
        f"max {max(walls) * 1000:.1f} ms; CPU median {statistics.median(cpus) * 1000:.1f} ms"
    )
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def old_worker_module(rev: str, name: str):
    """petitions/worker/<name>.py as it was at git revision `rev`, as a module of its own."""
    import subprocess
    import types

    source = subprocess.run(
        ["git", "show", f"{rev}:petitions/worker/{name}.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(f"baseline_{name}")
    exec(compile(source, f"{rev}:petitions/worker/{name}.py", "exec"), module.__dict__)  # noqa: S102
    return module


def baseline_sweep(rev: str, path: Path, today: dt.date) -> dict:
    """The first sweep with the worker of `rev`, on a copy of the seeded file (same data)."""
    import shutil

    from django.db import connection

    from petitions.worker import sweep

    copy = path.with_name(path.name + ".baseline")
    connection.close()
    shutil.copyfile(path, copy)
    closing, reminders = old_worker_module(rev, "closing"), old_worker_module(rev, "reminders")
    saved = {n: getattr(sweep, n) for n in ("close_expired", "send_reminders", "supervise_overdue")}
    connection.settings_dict["NAME"] = str(copy)
    try:
        sweep.close_expired = closing.close_expired
        sweep.send_reminders = reminders.send_reminders
        sweep.supervise_overdue = reminders.supervise_overdue
        return timed_sweep(f"baseline first sweep (the worker at {rev}, same data)", today)
    finally:
        for name, function in saved.items():
            setattr(sweep, name, function)
        connection.close()
        connection.settings_dict["NAME"] = str(path)
        copy.unlink(missing_ok=True)


def explain(today: dt.date) -> None:
    from django.db import connection

    from petitions.models import Deadline

    queries = {
        "reminders batch": Deadline.objects.filter(
            status="open", is_window=False, reminded_at__isnull=True, remind_on__lte=today
        )
        .select_related("case__host_department__head", "case__handler")
        .order_by("remind_on", "id")[:500],
        "overdue batch": Deadline.objects.filter(
            status="open", is_window=False, due_on__lt=today, supervision__isnull=True
        )
        .select_related("case__host_department__supervising_leader", "case__supervising_leader")
        .order_by("due_on", "id")[:500],
        "close batch": Deadline.objects.filter(
            status="open",
            rule__in=["objection_window", "re_review_request_window"],
            due_on__lt=today,
            case__state__in=["replied", "review_replied"],
        )
        .order_by("due_on", "id")
        .values_list("case_id", "due_on")[:500],
    }
    for name, qs in queries.items():
        print(f"\nplan of the {name} ({connection.vendor}):")
        print("  " + qs.explain().replace("\n", "\n  "))


def main() -> None:
    args = parse_args()
    t_setup = time.perf_counter()
    path = configure(args)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    t_migrated = time.perf_counter()
    print(f"database: {database_version()} ({path or connection.settings_dict['NAME']})")
    print(f"machine: {platform.platform()}; CPU: {cpu_model()}; cores: {os.cpu_count()}")
    print(f"python: {platform.python_implementation()} {platform.python_version()}")
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"migrate: {t_migrated - t_setup:.1f} s; sweep batch: {settings.PETITIONS_SWEEP_BATCH}")

    today = timezone.localdate()
    if args.idle:
        idle_sweeps(args.idle, today)
        return
    t0 = time.perf_counter()
    counts = seed(args.cases, args.open, today)
    seeded = time.perf_counter() - t0
    from petitions.models import Deadline

    open_deadlines = Deadline.objects.filter(status="open").count()
    print(
        f"seeded {args.cases:,} cases ({args.open:,} open), "
        f"{Deadline.objects.count():,} deadlines ({open_deadlines:,} open) in {seeded:.1f} s"
    )
    print("  open cases by situation: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if connection.vendor == "postgresql" or args.analyze:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"ANALYZE: {time.perf_counter() - t0:.1f} s")
    else:
        print("no ANALYZE (as deployed: nothing in the project runs it on SQLite)")
    if args.explain:
        explain(today)

    if args.baseline and path is not None:
        baseline_sweep(args.baseline, path, today)
    first = timed_sweep("first sweep", today, profile=args.profile)
    second = timed_sweep("second sweep", today)
    created = {k: second["delta"][k] - first["delta"][k] for k in first["delta"]}
    print(f"\nsecond sweep created: {created}")
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if any(created.values()):
        raise SystemExit("the second sweep created rows: not idempotent")
    if path is not None and args.drop:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
