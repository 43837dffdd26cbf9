"""The channel the public website files into (petitions.intake.WEBSITE_CHANNEL_CODE): the
filing form and the API need it, so it comes with the migrations, not only with load_starter."""

from django.db import migrations


def create_website_channel(apps, schema_editor):
    Channel = apps.get_model("snippets", "Channel")
    if Channel.objects.filter(code="website").exists():
        return
    name = "网站"
    if Channel.objects.filter(name=name).exists():
        name = "网上信访"
    Channel.objects.create(code="website", name=name, source="direct", sort_order=0)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0013_cache_table"),
        ("snippets", "0007_filed_online_message"),
    ]

    operations = [migrations.RunPython(create_website_channel, migrations.RunPython.noop)]
