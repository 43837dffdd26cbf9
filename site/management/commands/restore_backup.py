"""manage.py restore_backup [STAMP]: restore a backup set into an empty database and folders."""

from django.core.management.base import BaseCommand, CommandError

from petition_site.backup import BackupError, backup_sets, find_set, restore


class Command(BaseCommand):
    help = (
        "把备份恢复到新建的空数据库和空附件目录（不指定时间戳则恢复最近的一份）；--list 列出备份。"
    )

    def add_arguments(self, parser):
        parser.add_argument("stamp", nargs="?", help="备份的时间戳，如 20261201T020000000000Z")
        parser.add_argument("--list", action="store_true", help="列出可恢复的备份")

    def handle(self, *args, stamp=None, list=False, **options):
        if list:
            for backup in backup_sets():
                self.stdout.write(
                    f"{backup.stamp}  {backup.manifest['database']['vendor']}  "
                    f"文件 {backup.manifest['files']['count']} 个"
                )
            return
        try:
            backup = find_set(stamp)
            restore(backup)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"已恢复备份 {backup.stamp}。请运行 manage.py migrate 以恢复数据库角色的授权。"
        )
