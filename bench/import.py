"""Benchmark: importing a 12345 sheet (petitions.transfer.importing): dry run, commit, re-import.

Run from the project root:

    .venv/bin/python bench/import.py                          # 100,000 rows, XLSX, SQLite
    .venv/bin/python bench/import.py --rows 100000 --commit-rows 10000
    .venv/bin/python bench/import.py --format csv
    .venv/bin/python bench/import.py --database-url postgres://…/bench_import

SQLite goes to a fresh file under var/bench/ (kept afterwards unless --drop); a PostgreSQL
database given with --database-url must exist and be empty (the script migrates it). The sheet
is generated with a fixed seed: 12345 headers under a title line, dates as Excel date cells,
phones as numbers, and 0.5 % bad rows (no ticket, unreadable time, bad phone). Every created
case goes through petitions.cases.filing.file_case, exactly as in the admin view.

--commit-rows files only the first N rows of the dry run (each row costs the same), for
machines where a full commit takes too long; the output says so.
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

from machine import cpu_model, fresh_sqlite, setup_django

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
        "--rows-per-transaction", type=int, default=50, help="import_rows(rows_per_transaction=)"
    )
    parser.add_argument(
        "--no-dimension",
        action="store_true",
        help="leave the XLSX without <dimension>, as openpyxl's write-only mode saves it",
    )
    return parser.parse_args()


def configure(args: argparse.Namespace) -> Path | None:
    path = None if args.database_url else fresh_sqlite(f"import-{args.rows}.sqlite3")
    setup_django(args.database_url, path)
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sheet_rows(rows: int):
    rng = random.Random(SEED)
    start = dt.datetime(2026, 1, 5, 8, 0)
    for n in range(rows):
        received = start + dt.timedelta(minutes=n * 4 + rng.randrange(4))
        matter, category = rng.choice(MATTERS)
        ticket = f"GD{received:%Y%m%d}{n:06d}"
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


def make_sheet(rows: int, fmt: str, dimension: bool = True) -> bytes:
    if fmt == "csv":
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADERS)
        for row in sheet_rows(rows):
            writer.writerow(
                [v.strftime("%Y-%m-%d %H:%M") if isinstance(v, dt.datetime) else v for v in row]
            )
        return buffer.getvalue().encode("gb18030")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["九龙坡区12345热线交办工单（导出）"])
    sheet.append(HEADERS)
    for row in sheet_rows(rows):
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


def main() -> None:
    args = parse_args()
    path = configure(args)
    from django.db import connection
    from wagtail.models import ModelLogEntry

    from petitions.models import Case
    from petitions.transfer.importing import Preview, import_rows, parse_sheet, preview_rows

    channel, user = setup_data()
    t = time.perf_counter()
    content = make_sheet(args.rows, args.format, dimension=not args.no_dimension)
    made = time.perf_counter() - t
    print(
        f"sheet: {args.rows:,} rows, {args.format}, {len(content) / 1e6:.1f} MB, made in {made:.1f} s"
    )

    t = time.perf_counter()
    sheet = parse_sheet(content, f"12345.{args.format}", channel)
    parsed = time.perf_counter() - t
    preview = preview_rows(sheet)
    dry = time.perf_counter() - t
    print(
        f"dry run: {dry:.1f} s (reading {parsed:.1f} s, checking {dry - parsed:.1f} s); "
        f"new {preview.new_count:,}, duplicate {preview.duplicate_count:,}, "
        f"error {preview.error_count:,}; peak RSS {peak_rss_mb():.0f} MB"
    )
    assert Case.objects.count() == 0, "the dry run wrote cases"

    to_file = preview
    if args.commit_rows is not None and args.commit_rows < len(preview.rows):
        to_file = Preview(channel=channel, rows=preview.rows[: args.commit_rows])
    queries = {"n": 0}

    def count(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    t = time.perf_counter()
    with connection.execute_wrapper(count):
        result = import_rows(to_file, user=user, rows_per_transaction=args.rows_per_transaction)
    committed = time.perf_counter() - t
    created = len(result.created)
    rows = len(to_file.rows)
    note = "" if to_file is preview else f" (first {rows:,} rows only)"
    note += f", {args.rows_per_transaction} row(s) a transaction"
    print(
        f"commit{note}: {committed:.1f} s for {created:,} cases, "
        f"{committed / max(created, 1) * 1000:.2f} ms and {queries['n'] / max(created, 1):.1f} "
        f"queries a case; peak RSS {peak_rss_mb():.0f} MB"
    )
    if to_file is not preview:
        estimate = committed / max(created, 1) * preview.new_count
        print(f"commit of all {preview.new_count:,} new rows, extrapolated: {estimate:.0f} s")
    logged = ModelLogEntry.objects.filter(action="petitions.file").count()
    print(f"audit entries petitions.file: {logged:,} (cases {Case.objects.count():,})")

    t = time.perf_counter()
    again = preview_rows(parse_sheet(content, f"12345.{args.format}", channel))
    redry = time.perf_counter() - t
    t = time.perf_counter()
    # Only the rows filed above: the rest of a partial commit would be new, rightly.
    again_filed = Preview(channel=channel, rows=again.rows[: len(to_file.rows)])
    reimport = import_rows(again_filed, user=user)
    recommit = time.perf_counter() - t
    print(
        f"re-import: dry run {redry:.1f} s (new {again.new_count:,}, duplicate "
        f"{again.duplicate_count:,}); commit of the {len(again_filed.rows):,} rows filed "
        f"above: {recommit:.1f} s, created {len(reimport.created)}"
    )
    print(
        f"machine: {platform.platform()}, CPU {cpu_model()!r}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}; database {connection.vendor}"
    )
    if path is not None and args.drop:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
