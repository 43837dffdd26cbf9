"""A18.1 against a real django-q2 cluster: a worker killed mid-sweep loses and repeats nothing.

The cluster runs in its own process group on the test database (SQLite file or PostgreSQL
`test_…`), with the ORM broker, one worker and short `timeout`/`retry`, so a task whose worker
dies is delivered again after `retry` seconds (reliability-security-performance.md §B4).
Each batch of reminders is made slow in the cluster only (0.1 s a reminder before creating the
batch's alerts, inside the batch's transaction), so the worker can be killed with SIGKILL while
the sweep is half done.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django_q.models import Schedule, Task
from django_q.tasks import async_task
from factories import detachment_user, direct_channel, make_case
from worker_cluster import log_tail, start_cluster, stop_cluster, wait_for

from petitions.models import Alert, Deadline, Supervision
from petitions.worker.alerts import responsible_for
from petitions.worker.sweep import run_sweep

CASES = 60
#: Cluster settings for the test: a sweep of CASES slow reminders takes about 7 s.
TIMEOUT, RETRY = 15, 20
#: Upper bound for everything the cluster has to do (start, sweep, redelivery, rest of sweep).
WAIT = 120

PATCH = textwrap.dedent(
    """
    import petitions.worker.reminders as reminders

    original = reminders.create_alerts_set_wise
    pid_file = os.environ["WORKER_TEST_PID_FILE"]


    def slow_create_alerts(items, kind):
        # Tell the test which process is the worker, then be slow enough to be killed mid-sweep.
        with open(pid_file, "a") as f:
            f.write(f"{os.getpid()}\\n")
        items = list(items)
        time.sleep(0.1 * len(items))
        return original(items, kind)


    reminders.create_alerts_set_wise = slow_create_alerts
    """
)


def _children(pid: int) -> list[int]:
    result = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            result += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return result


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _dead(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # already reaped by the sentinel
    return stat.rsplit(")", 1)[1].split()[0] in {"Z", "X"}


def _worker_pids(pid_file: Path) -> list[int]:
    if not pid_file.exists():
        return []
    return list(dict.fromkeys(int(line) for line in pid_file.read_text().split()))


@pytest.mark.django_db(transaction=True)
def test_a18_1_a_killed_worker_recovers_and_every_reminder_exists_exactly_once(tmp_path):
    today = timezone.localdate()
    detachment_user("zhidui1")
    detachment_user("zhidui2")
    channel = direct_channel()
    cases = [make_case(channel=channel, received_on=today) for _ in range(CASES)]
    deadlines = list(Deadline.objects.filter(case__in=cases, status=Deadline.Status.OPEN))
    assert len(deadlines) == CASES
    assert all(d.remind_on <= today <= d.due_on and not d.is_window for d in deadlines)
    recipients = {d.pk: {u.pk for u in responsible_for(d.case)} for d in deadlines}
    assert all(len(r) == 2 for r in recipients.values())  # the two detachment members
    expected_alerts = sum(len(r) for r in recipients.values())
    assert Alert.objects.count() == 0
    # The only sweep is the one enqueued below, not one fired by the cluster's scheduler.
    Schedule.objects.filter(func="petitions.tasks.sweep").update(
        next_run=timezone.now() + dt.timedelta(days=1)
    )

    pid_file = tmp_path / "worker.pids"
    started = time.monotonic()
    cluster, log = start_cluster(
        tmp_path,
        settings,
        PATCH,
        timeout=TIMEOUT,
        retry=RETRY,
        env={"PETITIONS_SWEEP_BATCH": "5", "WORKER_TEST_PID_FILE": str(pid_file)},
    )
    try:
        task_id = async_task("petitions.tasks.sweep")
        deadline = started + WAIT

        def reminded() -> int:
            return Deadline.objects.filter(pk__in=recipients, reminded_at__isnull=False).count()

        # Kill the worker once some, but not all, reminders are done.
        wait_for(lambda: reminded() >= 10, deadline, "the sweep to start", log)
        victim = _worker_pids(pid_file)[0]
        assert victim in _descendants(cluster.pid), "the sweep must run in a cluster worker"
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: _dead(victim), deadline, "the killed worker to die", log)
        time.sleep(0.5)  # a COMMIT sent just before the kill may still be applied by the server
        done_at_kill = reminded()
        alerts_at_kill = Alert.objects.count()
        assert 0 < done_at_kill < CASES, "the worker must be killed in the middle of the sweep"
        assert 0 < alerts_at_kill < expected_alerts

        # The sentinel starts a new worker; the ORM broker redelivers the sweep after `retry`.
        task = wait_for(
            lambda: Task.objects.filter(id=task_id, success=True).first(),
            deadline,
            "the redelivered sweep to succeed",
            log,
        )
        assert cluster.poll() is None, log_tail(log)
        assert reminded() == CASES
        later_workers = [p for p in _worker_pids(pid_file) if p != victim]
        assert later_workers, "the rest of the sweep ran in a reincarnated worker"
        assert all(p in _descendants(cluster.pid) for p in later_workers[-1:])
    finally:
        stop_cluster(cluster)
    assert time.monotonic() - started < WAIT + 40

    # The re-run did only what the killed worker had not committed.
    assert task.attempt_count == 1  # the killed attempt never reported a result
    assert task.result["reminded"] == expected_alerts - alerts_at_kill
    assert task.result["supervised"] == 0

    for d in deadlines:
        # The key names the deadline ("reminder:<pk>", optionally ":<due date>").
        alerts = Alert.objects.filter(
            Q(key=f"reminder:{d.pk}") | Q(key__startswith=f"reminder:{d.pk}:")
        )
        assert sorted(alerts.values_list("recipient_id", flat=True)) == sorted(recipients[d.pk])
        assert all(a.kind == Alert.Kind.REMINDER and a.case_id == d.case_id for a in alerts)
    assert Alert.objects.count() == expected_alerts
    duplicates = Alert.objects.values("recipient", "key").annotate(n=Count("id")).filter(n__gt=1)
    assert list(duplicates) == []
    assert not Deadline.objects.filter(pk__in=recipients, reminded_at__isnull=True).exists()

    # A second sweep finds nothing left to do.
    before = (Alert.objects.count(), Supervision.objects.count())
    result = run_sweep()
    assert result == {"supervised": 0, "reminded": 0, "closed": 0, "messages": 0, "emailed": 0}
    assert (Alert.objects.count(), Supervision.objects.count()) == before


@pytest.mark.django_db
def test_a18_1_the_sweep_schedule_is_created_by_the_project():
    schedule = Schedule.objects.get(name="petitions.sweep")
    assert schedule.func == "petitions.tasks.sweep"
    assert schedule.repeats == -1
    assert schedule.schedule_type == Schedule.MINUTES
    assert schedule.minutes == settings.PETITIONS_SWEEP_MINUTES
    assert schedule.next_run is not None
