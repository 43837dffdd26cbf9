"""The ledger's filters read their matches in the ledger's order (state, department, channel)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0020_case_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["state", "-received_at", "-id"], name="case_state_received"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["host_department", "-received_at", "-id"], name="case_dept_received"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["channel", "-received_at", "-id"], name="case_channel_received"
            ),
        ),
    ]
