"""The open cases in the ledger's order: the overdue and due-soon filters read them in order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0028_case_dept_channel_received"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    (
                        "state__in",
                        [
                            "accepted",
                            "dispatched",
                            "objected",
                            "re_review_replied",
                            "re_review_requested",
                            "received",
                            "registered",
                            "replied",
                            "review_replied",
                            "review_requested",
                        ],
                    )
                ),
                fields=["-received_at", "-id", "next_due_on"],
                name="case_open_received",
            ),
        ),
    ]
