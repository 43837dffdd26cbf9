"""Benchmark: the CPU of the batch filing service (`petitions.cases.filing.file_cases`), in-process.

Run from the project root:

    .venv/bin/python bench/file_cases_cpu.py                       # 5,000 filings, 500 a batch, SQLite
    .venv/bin/python bench/file_cases_cpu.py --profile 25          # and cProfile's top 25 (cumulative)
    createdb -h 127.0.0.1 -U postgres bench_wA_file_cases
    .venv/bin/python bench/file_cases_cpu.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bench_wA_file_cases

SQLite goes to a fresh file under var/bench/ (deleted at the end); a PostgreSQL database given
with --database-url must exist and be empty (the script migrates it, and empties nothing).
The filings are those an import of a 12345 sheet makes (bench/import.py: a superior channel,
one petitioner with a phone, one category, the channel's own deadline), built before timing.
Timed: `file_cases` batch by batch, each batch its own transaction as in the import, with
`time.process_time` (this process's CPU: what Python spends building and sending the
statements, not the database server's work on PostgreSQL) and the wall time beside it; the
statements are counted. Run it before and after a change on the same machine.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import platform
import pstats
import random
import sys
import time
from pathlib import Path

from machine import cpu_model, database_version, fresh_sqlite, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STREETS = ["杨家坪正街", "谢家湾", "石桥铺", "白市驿镇", "华岩镇", "二郎", "黄桷坪", "陶家镇"]
MATTERS = [
    "搅拌站夜间施工噪声扰民",
    "餐馆油烟直排",
    "河道有异味、疑似偷排",
    "露天焚烧垃圾冒黑烟",
    "工厂固废随意堆放",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=5000, help="filings in all")
    parser.add_argument("--batch-size", type=int, default=500, help="filings a batch")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    parser.add_argument(
        "--profile", type=int, default=0, help="print cProfile's top N functions (cumulative)"
    )
    return parser.parse_args()


def filings(n: int, channel, categories) -> list:
    from django.utils import timezone

    from petitions.cases.filing import Filing, PetitionerData

    rng = random.Random(20261201)
    start = timezone.make_aware(dt.datetime(2026, 1, 5, 8, 0))
    made = []
    for i in range(n):
        received = start + dt.timedelta(minutes=i * 4 + rng.randrange(4))
        made.append(
            Filing(
                channel=channel,
                received_at=received,
                kind="superior",
                categories=[rng.choice(categories)],
                petitioners=[PetitionerData(name="市民", phone=f"138{rng.randrange(10**8):08d}")],
                place=f"九龙坡区{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
                description=f"{rng.choice(MATTERS)}，已持续多日，请尽快处理。",
                demands="要求查处",
                source_ticket_number=f"GD{received:%Y%m%d}{i:06d}",
                source_deadline=(received + dt.timedelta(days=15)).date(),
            )
        )
    return made


def main() -> None:
    args = parse_args()
    path = None if args.database_url else fresh_sqlite("file_cases_cpu.sqlite3")
    setup_django(args.database_url, path)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from petitions.cases.filing import file_cases
    from snippets.models import Category, Channel

    call_command("migrate", verbosity=0)
    channel, _ = Channel.objects.get_or_create(
        code="hotline_12345", defaults={"name": "12345市民热线", "source": "superior"}
    )
    categories = [
        Category.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in [
            ("air", "大气"),
            ("water", "水"),
            ("noise", "噪声"),
            ("solid", "固体废物"),
        ]
    ]
    user, _ = get_user_model().objects.get_or_create(username="bench-zhidui")
    todo = filings(args.filings, channel, categories)
    file_cases(todo[:1], user=user)  # the sequences, the bureau's settings, the calendar: cached
    todo = todo[1:]
    print(
        f"machine: {platform.platform()}, CPU {cpu_model()!r}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}; database {database_version()}; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    profile = cProfile.Profile() if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(count):
        for start in range(0, len(todo), args.batch_size):
            batch = todo[start : start + args.batch_size]
            if profile:
                profile.enable()
            file_cases(batch, user=user)
            if profile:
                profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = len(todo)
    print(
        f"file_cases, {n:,} filings, {args.batch_size} a batch: CPU {cpu:.2f} s = "
        f"{cpu / n * 1000:.3f} ms a case; wall {wall:.2f} s = {wall / n * 1000:.3f} ms a case; "
        f"{statements / n:.2f} statements a case" + (" (under cProfile)" if profile else "")
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
    if path is not None:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
