"""A department's ledger filtered by channel reads its matches in the ledger's order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0027_deadline_to_remind_by_status"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["host_department", "channel", "-received_at", "-id"],
                name="case_dept_channel_received",
            ),
        ),
    ]
