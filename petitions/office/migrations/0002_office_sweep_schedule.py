"""The working systems' schedule is part of the project: created here, never by hand."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OFFICE_SWEEP = "petitions.office_sweep"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        name=OFFICE_SWEEP,
        defaults={
            "func": "petitions.tasks.office_sweep",
            "schedule_type": "I",  # every `minutes`
            "minutes": settings.PETITIONS_SWEEP_MINUTES,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=OFFICE_SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("office", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
