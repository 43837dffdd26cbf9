"""Benchmark: importing a 12345 sheet (petitions.transfer.importing): dry run, commit, re-import.

Run from the project root:

    .venv/bin/python bench/import.py                          # 100,000 rows, XLSX, SQLite
    .venv/bin/python bench/import.py --rows 100000 --commit-rows 10000
    .venv/bin/python bench/import.py --format csv
    .venv/bin/python bench/import.py --database-url postgres://…/bench_import

SQLite goes to a fresh file under var/bench/ (kept afterwards unless --drop); a PostgreSQL
database given with --database-url must exist and be empty (the script migrates it). The sheet
is generated with a fixed seed: 12345 headers under a title line, dates as Excel date cells,
phones as numbers, and 0.5 % bad rows (no ticket, unreadable time, bad phone).

Timed: reading the sheet (parse_sheet), the dry run (preview_rows: TicketResource's
import_data(dry_run=True)), and the commit (import_sheet: every row checked again, the new
ones filed batch by batch through the batch filing service), exactly as the worker's import
job runs them; then the same sheet again (re-import), which must create nothing.

Baseline, in the same run and on the same database: the path before issue 14, one
`file_case` call per row, each in its own savepoint, 50 rows a transaction, over a sample of
--baseline-rows rows of their own tickets; its time and statements per case are compared with
the commit's. The script checks that every case has its number, its acceptance deadline and
one audit entry.

--commit-rows files only the first N rows (each row costs the same), for machines where a
full commit takes too long; the output says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path

from machine import cpu_model, database_version, fresh_sqlite, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261129
HEADERS = [
    "工单编号",
    "来电时间",
    "诉求地址",
    "被反映对象",
    "诉求内容",
    "诉求目的",
    "来电人",
    "联系电话",
    "办结时限",
    "问题分类",
]
STREETS = ["杨家坪正街", "谢家湾", "石桥铺", "白市驿镇", "华岩镇", "二郎", "黄桷坪", "陶家镇"]
MATTERS = [
    ("搅拌站夜间施工噪声扰民", "生态环境/噪声污染"),
    ("餐馆油烟直排", "生态环境/大气污染"),
    ("河道有异味、疑似偷排", "生态环境/水污染"),
    ("露天焚烧垃圾冒黑烟", "生态环境/大气污染"),
    ("工厂固废随意堆放", "生态环境/固体废物"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the sheet")
    parser.add_argument("--commit-rows", type=int, default=None, help="rows to file (default all)")
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--drop", action="store_true", help="delete the SQLite file at the end")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="rows filed together (default the import's)"
    )
    parser.add_argument(
        "--baseline-rows", type=int, default=2000, help="rows filed the old way, one by one"
    )
    parser.add_argument(
        "--no-dimension",
        action="store_true",
        help="leave the XLSX without <dimension>, as openpyxl's write-only mode saves it",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="run the commit under cProfile and print its top N functions (cumulative)",
    )
    return parser.parse_args()


def configure(args: argparse.Namespace) -> Path | None:
    path = None if args.database_url else fresh_sqlite(f"import-{args.rows}.sqlite3")
    setup_django(args.database_url, path)
    return path


def peak_rss_mb() -> float:
    """The process's peak resident memory since it started or since `reset_peak_rss`."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start the peak over from the current size (Linux: 5 > /proc/self/clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def sheet_rows(rows: int, prefix: str = "GD", seed: int = SEED):
    rng = random.Random(seed)
    start = dt.datetime(2026, 1, 5, 8, 0)
    for n in range(rows):
        received = start + dt.timedelta(minutes=n * 4 + rng.randrange(4))
        matter, category = rng.choice(MATTERS)
        ticket = f"{prefix}{received:%Y%m%d}{n:06d}"
        phone = 13800000000 + rng.randrange(10**8)
        bad = rng.random()
        if bad < 0.002:
            ticket = ""
        elif bad < 0.004:
            received = "昨天下午"
        elif bad < 0.005:
            phone = "12345"
        yield [
            ticket,
            received,
            f"九龙坡区{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
            "",
            f"{matter}，已持续多日，请尽快处理。",
            "要求查处",
            "市民",
            phone,
            (received + dt.timedelta(days=15)).date() if isinstance(received, dt.datetime) else "",
            category,
        ]


def make_sheet(
    rows: int, fmt: str, dimension: bool = True, prefix: str = "GD", seed: int = SEED
) -> bytes:
    if fmt == "csv":
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADERS)
        for row in sheet_rows(rows, prefix, seed):
            writer.writerow(
                [v.strftime("%Y-%m-%d %H:%M") if isinstance(v, dt.datetime) else v for v in row]
            )
        return buffer.getvalue().encode("gb18030")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["九龙坡区12345热线交办工单（导出）"])
    sheet.append(HEADERS)
    for row in sheet_rows(rows, prefix, seed):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if not dimension:
        return buffer.getvalue()
    return with_dimension(buffer.getvalue(), rows + 2, len(HEADERS))


def with_dimension(content: bytes, rows: int, columns: int) -> bytes:
    """Add the <dimension> element that Excel and WPS write and openpyxl's write-only mode omits.

    Without it openpyxl's read-only reader parses the whole sheet once more just to size it
    (about as long again as reading it), which a file saved by a spreadsheet program never costs.
    """
    import zipfile

    from openpyxl.utils import get_column_letter

    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet") and b"<dimension" not in data:
                tag = f'<dimension ref="A1:{get_column_letter(columns)}{rows}"/>'.encode()
                for anchor in (b"<sheetViews", b"<sheetFormatPr", b"<cols", b"<sheetData"):
                    if anchor in data:
                        data = data.replace(anchor, tag + anchor, 1)
                        break
            target.writestr(item, data)
    return out.getvalue()


def setup_data():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from petitions.transfer.importing import install_default_mappings
    from rules.roles import ROLE_GROUP_NAMES, Role
    from snippets.models import Category, Channel

    call_command("migrate", verbosity=0)
    channel, _ = Channel.objects.get_or_create(
        code="hotline_12345", defaults={"name": "12345市民热线", "source": "superior"}
    )
    install_default_mappings()
    for code, name in [("air", "大气"), ("water", "水"), ("noise", "噪声"), ("solid", "固体废物")]:
        Category.objects.get_or_create(code=code, defaults={"name": name})
    user, _ = get_user_model().objects.get_or_create(username="bench-zhidui")
    user.groups.add(Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role.DETACHMENT])[0])
    return channel, user


class Statements:
    """Counts the SQL statements sent while it is installed."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def baseline(channel, user, rows: int, fmt: str) -> tuple[float, float, int]:
    """The path before issue 14: file_case once per row, 50 rows a transaction."""
    from django.db import connection, transaction

    from petitions.cases.filing import file_case
    from petitions.transfer.importing import Status, parse_sheet, preview_rows

    content = make_sheet(rows, fmt, prefix="BL", seed=SEED + 1)
    preview = preview_rows(parse_sheet(content, f"baseline.{fmt}", channel))
    pending = [r.filing for r in preview.rows if r.status == Status.NEW and r.filing]
    statements = Statements()
    t = time.perf_counter()
    with connection.execute_wrapper(statements):
        for start in range(0, len(pending), 50):
            with transaction.atomic():
                for filing in pending[start : start + 50]:
                    file_case(filing, user=user)
    return time.perf_counter() - t, statements.n, len(pending)


def check_cases(prefix: str) -> str:
    """Every imported case has its number, its acceptance deadline and one audit entry."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count
    from wagtail.models import ModelLogEntry

    from petitions.models import Case, Deadline

    cases = Case.objects.filter(source_ticket_number__startswith=prefix)
    n = cases.count()
    numbers = cases.exclude(number="").values("number").distinct().count()
    acceptance = Deadline.objects.filter(
        case__in=cases, rule="acceptance_assigned", status="open"
    ).count()
    ids = {str(pk) for pk in cases.values_list("pk", flat=True)}
    entries = (
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), action="petitions.file"
        )
        .values("object_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    once = sum(1 for e in entries if e["object_id"] in ids and e["n"] == 1)
    assert numbers == n and acceptance == n and once == n, (n, numbers, acceptance, once)
    return f"{n:,} cases: {numbers:,} distinct numbers, {acceptance:,} acceptance deadlines, {once:,} with one audit entry"


def main() -> None:
    args = parse_args()
    path = configure(args)
    from django.db import connection

    from petitions.models import Case
    from petitions.transfer.importing import (
        FILING_BATCH_SIZE,
        ParsedSheet,
        import_sheet,
        parse_sheet,
        preview_rows,
    )

    channel, user = setup_data()
    batch = args.batch_size or FILING_BATCH_SIZE
    print(
        f"machine: {platform.platform()}, CPU {cpu_model()!r}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}; database {database_version()}"
    )
    t = time.perf_counter()
    content = make_sheet(args.rows, args.format, dimension=not args.no_dimension)
    made = time.perf_counter() - t
    print(
        f"sheet: {args.rows:,} rows, {args.format}, {len(content) / 1e6:.1f} MB, made in {made:.1f} s"
    )

    t = time.perf_counter()
    sheet = parse_sheet(content, f"12345.{args.format}", channel)
    parsed = time.perf_counter() - t
    t = time.perf_counter()
    preview = preview_rows(sheet)
    dry = time.perf_counter() - t
    print(
        f"reading: {parsed:.1f} s; dry run: {dry:.1f} s; "
        f"new {preview.new_count:,}, duplicate {preview.duplicate_count:,}, "
        f"error {preview.error_count:,}; peak RSS {peak_rss_mb():.0f} MB"
    )
    assert Case.objects.count() == 0, "the dry run wrote cases"
    # The worker's import job keeps the dry run's counts only, not its rows.
    new_count = preview.new_count
    del preview

    base_time, base_statements, base_cases = baseline(
        channel, user, args.baseline_rows, args.format
    )
    base_ms = base_time / max(base_cases, 1) * 1000
    print(
        f"baseline (file_case per row, 50 rows a transaction): {base_time:.1f} s for "
        f"{base_cases:,} cases, {base_ms:.2f} ms and "
        f"{base_statements / max(base_cases, 1):.1f} statements a case; "
        f"{base_ms * new_count / 1000:.0f} s for the sheet's {new_count:,} new rows"
    )

    to_file = sheet
    if args.commit_rows is not None and args.commit_rows < len(sheet.rows):
        to_file = ParsedSheet(
            channel=channel, headers=sheet.headers, rows=sheet.rows[: args.commit_rows]
        )
    statements = Statements()
    peak_from = "the commit" if reset_peak_rss() else "the start"
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    t, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(statements):
        if profiler is not None:
            profiler.enable()
        _checked, result = import_sheet(to_file, user=user, batch_size=batch)
        if profiler is not None:
            profiler.disable()
    committed, committed_cpu = time.perf_counter() - t, time.process_time() - cpu
    created = len(result.created)
    ms = committed / max(created, 1) * 1000
    note = "" if to_file is sheet else f" (first {len(to_file.rows):,} rows only)"
    print(
        f"commit{note}, {batch} rows a batch: {committed:.1f} s for {created:,} cases, "
        f"{ms:.2f} ms a case, {statements.n:,} statements "
        f"(baseline x{base_ms / ms:.1f}); peak RSS since {peak_from} {peak_rss_mb():.0f} MB; "
        f"CPU {committed_cpu:.1f} s ({committed_cpu / max(created, 1) * 1000:.2f} ms a case)"
    )
    if profiler is not None:
        import pstats

        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    if to_file is not sheet:
        print(f"commit of all {new_count:,} new rows, extrapolated: {ms * new_count / 1000:.0f} s")
    print(f"check: {check_cases('GD')}; baseline {check_cases('BL')}")

    count = Case.objects.count()
    t = time.perf_counter()
    again_sheet = parse_sheet(content, f"12345.{args.format}", channel)
    # Only the rows filed above: the rest of a partial commit would be new, rightly.
    again_sheet.rows = again_sheet.rows[: len(to_file.rows)]
    again_checked, again = import_sheet(again_sheet, user=user, batch_size=batch)
    reimport = time.perf_counter() - t
    assert Case.objects.count() == count and not again.created
    print(
        f"re-import (reading, checking, filing): {reimport:.1f} s, created {len(again.created)}, "
        f"duplicates {again_checked.duplicate_count:,}"
    )
    if path is not None and args.drop:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
