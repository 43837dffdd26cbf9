"""Benchmark: exporting the ledger (台账导出, X.3) as CSV and XLSX, time and peak memory.

Run from the project root:

    .venv/bin/python bench/export.py --rows 10000 100000 1000000           # CSV and XLSX
    .venv/bin/python bench/export.py --rows 100000 1000000 --formats csv
    .venv/bin/python bench/export.py --rows 100000 --database-url postgres://…/bench_export

The ledger is seeded once into a fresh SQLite file under var/bench/ (or an empty PostgreSQL
database given with --database-url, which the script migrates), growing to each --rows in
turn. Seeding writes plain multi-row INSERTs, as bench/sweep.py does: it is measurement setup,
not a product path. Each row is a case with one petitioner (name and phone, masked in the
export) and one category; 1 % of the places begin with "=" so the escaping runs at scale.

Up to --baseline-rows, each export is also measured as it was before issue 14 (model
instances, every cell through Wagtail's preprocessing: the "before" path), in the same run, as
the baseline of the "values" path.

Each export is measured in a fresh subprocess, through the real admin URL
(/admin/cases/?export=csv|xlsx) with Django's test client, logged in as a detachment user
(sees every case): wall time until the last byte, time to the first byte, and the process's
peak resident memory (ru_maxrss) against its resident memory just before the request, so
what Django and the imports cost is not counted as the export's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from machine import database_version, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sweep import Inserter, cpu_model  # noqa: E402

SEED = 20261129
CHUNK = 20_000
USERNAME = "bench-export-zhidui"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", choices=["csv", "xlsx"], default=["csv", "xlsx"])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--drop", action="store_true", help="delete the SQLite file at the end")
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=100_000,
        help="also measure the export as it was before issue 14 (model instances, every cell "
        "through Wagtail's preprocessing) up to this many rows",
    )
    # Internal: one measurement, in a subprocess.
    parser.add_argument("--measure", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--before", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sqlite", default=None, help=argparse.SUPPRESS)
    return parser.parse_args()


def configure(database_url: str | None, sqlite: Path | None) -> None:
    setup_django(database_url, sqlite)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


# --- seeding --------------------------------------------------------------------------------


def prepare() -> dict:
    """The detachment user, a channel, departments and categories the cases refer to."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from petition_site.management.commands.load_starter import Command as LoadStarter
    from rules.roles import ROLE_GROUP_NAMES, Role
    from snippets.models import Category, Channel, Department

    LoadStarter()._groups()  # the role groups and their permissions, as deployed
    user = get_user_model().objects.create(username=USERNAME, is_active=True)
    user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[Role.DETACHMENT]))
    channel = Channel.objects.create(name="基准来电", code="bench-phone", source="direct")
    departments = [
        Department.objects.create(name=f"基准科室{i}", code=f"bench-dept{i}").pk for i in range(8)
    ]
    categories = [
        Category.objects.create(name=f"基准类别{i}", code=f"bench-cat{i}").pk for i in range(6)
    ]
    return {"channel": channel.pk, "departments": departments, "categories": categories}


def seed(first_id: int, last_id: int, refs: dict, rng: random.Random) -> None:
    """Cases first_id..last_id, each with a petitioner and a category."""
    from django.db import connection, transaction
    from django.utils import timezone

    from petitions.models import Case, Petitioner

    ops = connection.ops
    tz = timezone.get_current_timezone()
    now = timezone.now()
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
            "next_due_on",
            "next_due_label",
        ],
        now,
    )
    petitioners = Inserter(Petitioner, ["id", "case", "name", "phone"], now)
    links = Inserter(Case.categories.through, ["id", "case", "category"], now)
    start = dt.datetime(2024, 1, 1, 8, 0, tzinfo=tz)
    span = 3 * 365 * 24 * 60
    for chunk_start in range(first_id, last_id + 1, CHUNK):
        for case_id in range(chunk_start, min(chunk_start + CHUNK, last_id + 1)):
            received = start + dt.timedelta(minutes=rng.randrange(span))
            closed = rng.random() < 0.8
            place = (
                f'=HYPERLINK("http://x.example/{case_id}","{case_id}")'
                if rng.random() < 0.01
                else f"九龙坡区基准路{case_id}号"
            )
            cases.add(
                case_id,
                f"JB-{received.year}-{case_id:07d}",
                received.year,
                refs["channel"],
                "pollution",
                ops.adapt_datetimefield_value(received),
                place,
                "夜间异味扰民（基准数据）",
                "closed" if closed else "dispatched",
                rng.choice(refs["departments"]),
                None if closed else ops.adapt_datefield_value(received.date()),
                "" if closed else "答复期限",
            )
            petitioners.add(case_id, case_id, "张三", f"138{case_id % 10**8:08d}")
            links.add(case_id, case_id, rng.choice(refs["categories"]))
        with transaction.atomic():
            cases.flush()
            petitioners.flush()
            links.flush()


# --- measuring (in a subprocess) ------------------------------------------------------------


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def count_xlsx_rows(path: Path) -> int:
    """Rows in the sheet, counted while decompressing it in blocks (not parsed, not loaded)."""
    rows, tail = 0, b""
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        while block := sheet.read(1 << 20):
            data = tail + block
            rows += data.count(b"<row ")
            tail = data[-4:]
    return rows - 1  # the heading


def use_the_export_before() -> None:
    """The baseline: the same view exporting model instances, every cell through Wagtail's
    `preprocess_field_value`, as before issue 14 (tests/petitions/test_export.py checks that
    both write the same file)."""
    from petitions.admin.views import CaseIndexView

    CaseIndexView.export_value_rows = lambda self, queryset: None
    CaseIndexView._csv_cells = lambda self, fields, values: [
        self.preprocess_field_value(f, v, self.FORMAT_CSV)
        for f, v in zip(fields, values, strict=True)
    ]


def measure(export_format: str, before: bool = False) -> dict:
    import gc

    if before:
        use_the_export_before()

    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=USERNAME))
    # Warm up on an empty export: imports, translations, content types, the session.
    warm = client.get(f"/admin/cases/?export={export_format}&year=1900")
    for _ in warm.streaming_content:
        pass
    gc.collect()
    rss_start = rss_kib()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    # Kept after the run to measure its size; removed below.
    out = tempfile.NamedTemporaryFile(suffix=f".{export_format}", delete=False)  # noqa: SIM115
    t0 = time.perf_counter()
    response = client.get(f"/admin/cases/?export={export_format}")
    assert response.status_code == 200, response.status_code
    first_byte = None
    size = 0
    newlines = 0
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - t0
        size += len(chunk)
        if export_format == "csv":
            newlines += chunk.count(b"\n")
        out.write(chunk)
    response.close()
    elapsed = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
    out.close()
    path = Path(out.name)
    rows = newlines - 1 if export_format == "csv" else count_xlsx_rows(path)
    path.unlink()
    return {
        "format": export_format,
        "path": "before" if before else "values",
        "rows": rows,
        "seconds": round(elapsed, 1),
        "cpu_seconds": round(cpu, 1),
        "first_byte_seconds": round(first_byte or 0.0, 2),
        "bytes": size,
        "rss_before_mib": round(rss_start / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "peak_before_mib": round(peak_before / 1024, 1),
        "export_mib": round((peak - rss_start) / 1024, 1),
    }


def run_measurement(
    export_format: str, args: argparse.Namespace, sqlite: Path | None, before: bool = False
) -> dict:
    command = [sys.executable, __file__, "--measure", export_format]
    if before:
        command.append("--before")
    if args.database_url:
        command += ["--database-url", args.database_url]
    else:
        command += ["--sqlite", str(sqlite)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"measurement of {export_format} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    if args.measure:
        configure(args.database_url, Path(args.sqlite) if args.sqlite else None)
        print(json.dumps(measure(args.measure, args.before)))
        return

    sqlite = None
    if not args.database_url:
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        sqlite = folder / "export.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
    configure(args.database_url, sqlite)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"database: {database_version()} ({sqlite or connection.settings_dict['NAME']})")
    print(f"machine: {platform.platform()}; CPU: {cpu_model()}; cores: {os.cpu_count()}")
    print(f"python: {platform.python_implementation()} {platform.python_version()}")
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    refs = prepare()
    rng = random.Random(SEED)
    seeded = 0
    results = []
    for target in sorted(args.rows):
        t0 = time.perf_counter()
        seed(seeded + 1, target, refs, rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"\nseeded {target - seeded:,} cases (now {target:,}) in {time.perf_counter() - t0:.1f} s"
        )
        seeded = target
        connection.close()  # the measuring process opens its own
        for export_format in args.formats:
            for before in [True, False] if target <= args.baseline_rows else [False]:
                result = run_measurement(export_format, args, sqlite, before)
                if result["rows"] != target:
                    raise SystemExit(
                        f"{export_format}: {result['rows']:,} rows, expected {target:,}"
                    )
                results.append(result)
                print(
                    f"  {export_format:4} {result['path']:6} {result['rows']:>9,} rows: "
                    f"{result['seconds']:7.1f} s (CPU {result['cpu_seconds']:.1f} s) "
                    f"(first byte {result['first_byte_seconds']:.2f} s), "
                    f"{result['bytes'] / 2**20:7.1f} MiB file, "
                    f"RSS {result['rss_before_mib']:.0f} → peak {result['peak_rss_mib']:.0f} MiB "
                    f"(+{result['export_mib']:.0f} MiB)",
                    flush=True,
                )
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        "\n| Rows | Format | Path | Time | CPU | Rows per CPU second | First byte | File "
        "| RSS before | Peak RSS | Export |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['rows']:,} | {r['format'].upper()} | {r['path']} | {r['seconds']:.1f} s "
            f"| {r['cpu_seconds']:.1f} s | {r['rows'] / r['cpu_seconds']:,.0f} "
            f"| {r['first_byte_seconds']:.2f} s "
            f"| {r['bytes'] / 2**20:.1f} MiB | {r['rss_before_mib']:.0f} MiB "
            f"| {r['peak_rss_mib']:.0f} MiB | +{r['export_mib']:.0f} MiB |"
        )
    if sqlite is not None and args.drop:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
