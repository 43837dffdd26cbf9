"""Benchmark: the CPU of the public filing form and of a filing, in-process (issue 14).

Run from the project root:

    .venv/bin/python bench/filing_cpu.py
    .venv/bin/python bench/filing_cpu.py --profile     # also: where the CPU goes, and statements

The test client on the production settings and a fresh SQLite file under var/bench/filing_cpu/
(migrated, starter loaded, as bench/filing.py prepares it). One process alternates blocks of 50
form pages rendered afresh (the kept page and fields forgotten before each) and kept
(`petition_site.public.views._empty_form_page`), then 50 filings, 5 times; prints the CPU per
request (`time.process_time`) of each block and the medians, so both ways see the same machine.

With `--profile`, it then profiles 200 of each request (the form page, the filing POST and the
receipt page the redirect leads to) with cProfile and prints the top functions by their own time
and by cumulative time, and the SQL statements each request sends.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from filing import ROOT, parse_args, prepare, server_env

BLOCKS, PER_BLOCK = 5, 50


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--profile", action="store_true", help="cProfile and statement counts")
    options.add_argument("--top", type=int, default=25, help="functions shown per profile")
    options.add_argument("--skip-blocks", action="store_true", help="profile only")
    wanted = options.parse_args()
    sys.argv = sys.argv[:1]
    var_dir = ROOT / "var" / "bench" / "filing_cpu"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    env = server_env(parse_args(), var_dir)
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    prepare(env)
    os.environ.update(env)

    import django

    django.setup()
    from django.test import Client

    from petition_site.public import views
    from petitions.intake.filing import new_submission_token

    client = Client(HTTP_X_FORWARDED_PROTO="https")

    def form_afresh():
        views._EMPTY_FORM_PAGES.clear()
        views._EMPTY_FORM_FIELDS.clear()
        return client.get("/xinfang/file/")

    def filing(i: int) -> str:
        data = {
            "kind": "pollution",
            "place": "九龙坡区杨家坪正街8号",
            "description": "餐馆油烟每天晚上直排。",
            "name": "李四",
            "phone": f"137{i:08d}",
            "privacy_consent": "on",
            "submission_token": new_submission_token(),
        }
        response = client.post("/xinfang/file/", data)
        assert response.status_code == 302, response.content[:2000]
        return response["Location"]

    def per_request(run) -> float:
        start = time.process_time()
        for _ in range(PER_BLOCK):
            run()
        return (time.process_time() - start) * 1000 / PER_BLOCK

    for i in range(20):  # warm up
        client.get("/xinfang/file/")
        filing(90_000 + i)
    afresh, kept_times, posts = [], [], []
    numbers = iter(range(10**6))
    for _ in range(0 if wanted.skip_blocks else BLOCKS):
        afresh.append(per_request(form_afresh))
        kept_times.append(per_request(lambda: client.get("/xinfang/file/")))
        posts.append(per_request(lambda: filing(next(numbers))))
    for label, times in (
        ("form page, rendered afresh", afresh),
        ("form page, kept", kept_times),
        ("filing POST", posts),
    ):
        if not times:
            continue
        shown = ", ".join(f"{t:.1f}" for t in times)
        print(f"{label:30} median {statistics.median(times):5.1f} ms CPU  ({shown})")
    if wanted.profile:
        profile(client, filing, wanted.top, var_dir)


def profile(client, filing, top: int, var_dir: Path) -> None:
    """cProfile 200 of each request, and count the statements of one of each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    receipts = [filing(500_000 + i) for i in range(200)]
    numbers = iter(range(600_000, 700_000))
    requests = {
        "form page (GET)": lambda: client.get("/xinfang/file/"),
        "filing POST": lambda: filing(next(numbers)),
        "receipt page (GET)": lambda: client.get(receipts.pop()),
    }
    for label, run in requests.items():
        with CaptureQueriesContext(connection) as queries:
            run()
        print(f"\n=== {label}: {len(queries)} statements")
        for query in queries.captured_queries:
            print("   ", query["sql"][:150])
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits
        profiler.enable()
        for _ in range(199):
            run()
        profiler.disable()
        profiler.dump_stats(var_dir / f"{label.split()[0]}-{label.split()[1]}.prof")
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
            text = out.getvalue()
            print(f"--- {label}, by {order}")
            print(text[text.find("   ncalls") :])


if __name__ == "__main__":
    main()
