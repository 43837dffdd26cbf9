"""Benchmark: the CPU of the public filing form and of a filing, in-process (issue 14).

Run from the project root:

    .venv/bin/python bench/filing_cpu.py

The test client on the production settings and a fresh SQLite file under var/bench/filing_cpu/
(migrated, starter loaded, as bench/filing.py prepares it). One process alternates blocks of 50
form pages with the empty form's fields rendered afresh and kept
(`petition_site.public.views.empty_form_fields`), then 50 filings, 5 times; prints the CPU per
request (`time.process_time`) of each block and the medians, so both ways see the same machine.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from filing import ROOT, parse_args, prepare, server_env

BLOCKS, PER_BLOCK = 5, 50


def main() -> None:
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
    kept = views.empty_form_fields

    def filing(i: int) -> None:
        data = {
            "kind": "pollution",
            "place": "九龙坡区杨家坪正街8号",
            "description": "餐馆油烟每天晚上直排。",
            "name": "李四",
            "phone": f"137{i:08d}",
            "privacy_consent": "on",
            "submission_token": new_submission_token(),
        }
        assert client.post("/xinfang/file/", data).status_code == 302

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
    for _ in range(BLOCKS):
        views.empty_form_fields = lambda form: None  # type: ignore[assignment]
        afresh.append(per_request(lambda: client.get("/xinfang/file/")))
        views.empty_form_fields = kept
        kept_times.append(per_request(lambda: client.get("/xinfang/file/")))
        posts.append(per_request(lambda: filing(next(numbers))))
    for label, times in (
        ("form, fields rendered afresh", afresh),
        ("form, fields kept", kept_times),
        ("filing POST", posts),
    ):
        shown = ", ".join(f"{t:.1f}" for t in times)
        print(f"{label:30} median {statistics.median(times):5.1f} ms CPU  ({shown})")


if __name__ == "__main__":
    main()
