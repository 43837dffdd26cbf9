"""Benchmark: the duplicate check at registration (petitions.cases.duplicates.find_duplicates).

Run from the project root:

    .venv/bin/python bench/duplicates.py                       # 100,000 cases on SQLite
    .venv/bin/python bench/duplicates.py --database-url postgres://…/bench_duplicates

SQLite goes to a fresh file under var/bench/; a PostgreSQL database given with --database-url
must exist and be empty (the script migrates it). The 100,000 earlier cases are seeded with
plain INSERTs (cases, petitioners and their duplicate-index rows, written with the same
rules.duplicates functions the filing uses), received over the last 400 days, with texts drawn
from a vocabulary of places, businesses and complaints so that common words (噪音, 扰民, 异味)
are as common as in a real ledger. Among them one accepted case is planted; two petitions are
then filed through the real intake (file_case): the same petitioner writing the same matter
again in other words (same phone, similar text), and a neighbour (other phone, similar text,
the place written differently). The check must find the planted case for both.

Baseline, in the same run and process: the plain indexed lookup of the same phone in the
duplicate index (what a phone-only check would cost).
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

from machine import cpu_model, database_version, fresh_sqlite, setup_django
from sweep import Inserter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261201
CHUNK = 10_000
RUNS = 30

STREETS = [
    "杨家坪正街",
    "西郊路",
    "谢家湾正街",
    "石桥铺科园一路",
    "黄桷坪正街",
    "九龙园区华龙大道",
    "白市驿镇",
    "含谷镇",
    "西彭镇",
    "铜罐驿镇",
    "陶家镇",
    "走马镇",
    "巴福镇",
    "金凤镇",
    "中梁山街道",
    "渝州路",
    "袁家岗",
    "奥体路",
    "二郎科技新城",
    "华岩镇",
]
PLACES_SUFFIX = ["号", "号附近", "小区", "号楼下", "工地", "路口"]
NAME_A = "鑫达华宏泰盛昌隆兴旺利源永安金凯恒通嘉德佳瑞祥和"
NAME_B = [
    "机械厂",
    "建材公司",
    "餐馆",
    "火锅店",
    "汽修厂",
    "物流园",
    "混凝土搅拌站",
    "洗车场",
    "KTV",
    "印刷厂",
]
PROBLEMS = [
    "夜间施工噪音扰民",
    "油烟直排，异味很大",
    "排放废气，气味刺鼻",
    "污水直排进入河沟",
    "粉尘污染严重",
    "切割钢材噪音很大",
    "冷却塔噪声扰民",
    "露天焚烧垃圾",
    "音响声音太大影响休息",
    "车辆清洗污水横流",
    "喷漆异味扰民",
    "渣土车扬尘",
]
DETAILS = [
    "持续到凌晨",
    "严重影响附近居民休息",
    "希望尽快查处",
    "多次反映未解决",
    "周边老人小孩受影响",
    "晚上十点以后仍在作业",
    "白天也很严重",
    "请求环保部门处理",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="earlier cases seeded")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed repetitions of each check")
    return parser.parse_args()


def text(rng: random.Random) -> tuple[str, str]:
    business = "".join(rng.sample(NAME_A, 2)) + rng.choice(NAME_B)
    place = f"九龙坡区{rng.choice(STREETS)}{rng.randint(1, 300)}{rng.choice(PLACES_SUFFIX)}"
    description = (
        f"{business}{rng.choice(PROBLEMS)}，{rng.choice(DETAILS)}，{rng.choice(DETAILS)}。"
    )
    return place, description


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


PLANTED = {
    "place": "九龙坡区西郊路18号",
    "description": "重庆鑫达机械厂每天夜间切割钢材，噪音很大，一直持续到凌晨两点，严重影响附近居民休息。",
    "phone": "13912345678",
}
#: The same petitioner again, in other words.
AGAIN = {
    "place": "九龙坡区西郊路18号",
    "description": "鑫达机械厂晚上切割钢材噪音太大，持续到凌晨两点，附近居民没法休息。",
    "phone": "139 1234 5678",
}
#: A neighbour: another phone, the place written another way.
NEIGHBOUR = {
    "place": "杨家坪西郊路18号附近",
    "description": "西郊路鑫达机械厂夜间切割钢材噪音扰民，持续到凌晨两点。",
    "phone": "13511112222",
}


def seed(n_cases: int, now: dt.datetime) -> int:
    """The earlier cases; returns the planted one's id."""
    from django.db import connection, transaction

    from petitions.models import Case, DuplicateKey, Petitioner
    from rules.duplicates import KeyKind, bigrams, case_text, phone_key
    from snippets.models import Channel

    rng = random.Random(SEED)
    ops = connection.ops
    channel = Channel.objects.create(name="基准来电", code="bench-phone", source="direct").pk
    cases = Inserter(
        Case,
        ["id", "number", "year", "channel", "kind", "received_at", "place", "description", "state"],
        now,
    )
    people = Inserter(Petitioner, ["id", "case", "name", "phone"], now)
    keys = Inserter(DuplicateKey, ["id", "case", "kind", "key", "received_at"], now)
    key_id = 0
    planted_id = n_cases // 2
    states = ["accepted", "dispatched", "replied", "closed", "archived", "not_accepted"]
    for first in range(1, n_cases + 1, CHUNK):
        with transaction.atomic():
            for pk in range(first, min(first + CHUNK, n_cases + 1)):
                if pk == planted_id:
                    place, description, tel = (
                        PLANTED["place"],
                        PLANTED["description"],
                        PLANTED["phone"],
                    )
                    received = now - dt.timedelta(days=40)
                    state = "accepted"
                else:
                    place, description = text(rng)
                    tel = phone(rng)
                    received = now - dt.timedelta(days=rng.randint(1, 400), hours=rng.randint(0, 9))
                    state = rng.choice(states)
                at = ops.adapt_datetimefield_value(received)
                cases.add(
                    pk,
                    f"BENCH-{received.year}-{pk:06d}",
                    received.year,
                    channel,
                    "pollution",
                    at,
                    place,
                    description,
                    state,
                )
                people.add(pk, pk, "王某", tel)
                entries = [
                    (KeyKind.BIGRAM.value, g) for g in bigrams(case_text(place, description))
                ]
                for kind, value in [*entries, (KeyKind.PHONE.value, phone_key(tel))]:
                    key_id += 1
                    keys.add(key_id, pk, kind, value, at)
            cases.flush()
            people.flush()
            keys.flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Case, Petitioner, DuplicateKey):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "  # noqa: S608
                    f"(SELECT MAX(id) FROM {model._meta.db_table}))"
                )
    return planted_id


def timed(fn, runs: int) -> tuple[list[float], object]:
    result = fn()  # warm: the first call reads the pages into the cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return f"median {statistics.median(times):7.2f} ms, p95 {p95:7.2f} ms, max {times[-1]:7.2f} ms"


def main() -> None:
    args = parse_args()
    path = None if args.database_url else fresh_sqlite(f"duplicates-{args.cases}.sqlite3")
    setup_django(args.database_url, path)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"database: {database_version()} ({path or connection.settings_dict['NAME']})")
    print(f"machine: {platform.platform()}; CPU: {cpu_model()}; cores: {os.cpu_count()}")
    print(f"python: {platform.python_implementation()} {platform.python_version()}")
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"migrate: {time.perf_counter() - t0:.1f} s")

    from petitions.cases.duplicates import find_duplicates
    from petitions.cases.filing import Filing, PetitionerData, file_case
    from petitions.models import Case, DuplicateKey
    from rules.duplicates import KeyKind, phone_key
    from snippets.bureau import bureau_rules
    from snippets.models import Channel

    now = timezone.now()
    t0 = time.perf_counter()
    planted_id = seed(args.cases, now)
    print(
        f"seeded {Case.objects.count():,} cases, {DuplicateKey.objects.count():,} index rows "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
        print("VACUUM ANALYZE done (PostgreSQL, as autovacuum would)")
    else:
        print("no ANALYZE (as deployed: nothing in the project runs it on SQLite)")

    channel = Channel.objects.get(code="bench-phone")
    probes = {}
    for label, data in (("same petitioner again", AGAIN), ("neighbour", NEIGHBOUR)):
        t0 = time.perf_counter()
        probes[label] = file_case(
            Filing(
                channel=channel,
                place=data["place"],
                description=data["description"],
                petitioners=[PetitionerData(name="王建国", phone=data["phone"])],
            )
        )
        print(f"filed '{label}' through file_case in {(time.perf_counter() - t0) * 1000:.1f} ms")

    lookback = bureau_rules().duplicate_lookback_days
    probe = probes["same petitioner again"]
    since = probe.received_at - dt.timedelta(days=lookback)
    key = phone_key(AGAIN["phone"])

    def baseline():
        return list(
            DuplicateKey.objects.filter(
                kind=KeyKind.PHONE, key=key, received_at__gte=since
            ).values_list("case_id", flat=True)
        )

    base_times, base_result = timed(baseline, args.runs)
    print(f"\nlook-back: {lookback} days; {args.runs} timed runs each, after one warm-up run")
    print(f"baseline, indexed phone lookup:  {summary(base_times)}  -> {base_result}")
    ok = planted_id in base_result
    for label, case in probes.items():
        times, found = timed(lambda case=case: find_duplicates(case), args.runs)
        ids = [d.case.pk for d in found]
        hit = planted_id in ids
        ok = ok and hit
        top = found[0] if found else None
        why = "、".join(top.reasons) if top else "-"
        ratio = statistics.median(times) / statistics.median(base_times)
        print(
            f"find_duplicates ({label}): {summary(times)}  ({ratio:.0f}x baseline median); "
            f"{len(found)} shown; planted case found: {hit}"
            + (
                f" at rank {ids.index(planted_id) + 1} ({why}, {top.similarity_percent}%)"
                if hit
                else ""
            )
        )
        if statistics.median(times) > 300:
            ok = False
            print("  over 300 ms")
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if not ok:
        raise SystemExit("the planted near-duplicate was missed or the check was over 300 ms")


if __name__ == "__main__":
    main()
