"""A department's ledger filtered by state reads its matches in the ledger's order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0021_ledger_filter_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="case_dept_state"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["host_department", "state", "-received_at", "-id"],
                name="case_dept_state_received",
            ),
        ),
    ]
