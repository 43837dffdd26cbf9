"""Wagtail's default groups "Editors" and "Moderators" are not the bureau's (issue 13).

The bureau's groups are its roles (rules.roles, created by load_starter); Wagtail's migrations
add two English-named groups for page editing that nobody is meant to join. Each is removed
here when it has no member. A group someone was put in is kept: removing it would silently take
that person's permissions away; the administrator moves them to a role group and then deletes
it under 设置 › 用户组.

Wagtail also made a default page workflow whose one task is approved by "Moderators". With the
group gone nobody could approve a page submitted to it, so the workflow and its task are
disabled (system administrators publish the public pages directly) and given a Chinese name;
they are kept, as Wagtail keeps disabled workflows.
"""

from django.db import migrations

DEFAULT_GROUPS = ("Editors", "Moderators")


def remove_default_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    for name in DEFAULT_GROUPS:
        group = Group.objects.filter(name=name).first()
        if group is not None and not User.objects.filter(groups=group).exists():
            group.delete()
    for task in GroupApprovalTask.objects.filter(name="Moderators approval", groups=None):
        task.active = False
        task.name = "页面审核（已停用）"
        task.save(update_fields=["active", "name"])
        # A disabled workflow applies to no page (Wagtail reads only active ones).
        for workflow in Workflow.objects.filter(
            name="Moderators approval", workflow_tasks__task=task
        ):
            workflow.active = False
            workflow.name = "页面审核（已停用）"
            workflow.save(update_fields=["active", "name"])


class Migration(migrations.Migration):
    dependencies = [
        ("petition_site", "0001_backup_schedule"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0048_add_default_workflows"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0002_initial_data"),
        ("wagtaildocs", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(remove_default_groups, migrations.RunPython.noop)]
