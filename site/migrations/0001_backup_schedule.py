"""The daily backup is part of the project: its django-q2 schedule is created here (issue 11)."""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BACKUP = "petitions.backup"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.localtime()
    first = now.replace(hour=settings.PETITIONS_BACKUP_HOUR, minute=0, second=0, microsecond=0)
    if first <= now:
        first += dt.timedelta(days=1)
    Schedule.objects.get_or_create(
        name=BACKUP,
        defaults={
            "func": "petition_site.backup.run_scheduled_backup",
            "schedule_type": "D",  # daily, at PETITIONS_BACKUP_HOUR
            "repeats": -1,
            "next_run": first,
            # A large database takes longer than the cluster's 120 s task timeout.
            "kwargs": "q_options={'timeout': 21600}",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=BACKUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
