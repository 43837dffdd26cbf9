"""manage.py backup: a backup set of the database and the files, taken while the system runs."""

from django.core.management.base import BaseCommand, CommandError

from petition_site.backup import BackupError, make_backup


class Command(BaseCommand):
    help = "备份数据库和附件（系统运行中也可进行），并按 PETITIONS_BACKUP_KEEP 保留最近的备份。"

    def handle(self, *args, **options):
        try:
            backup = make_backup()
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"已备份：{backup.stamp}（数据库 {backup.manifest['database']['file']}，"
            f"文件 {backup.manifest['files']['count']} 个）"
        )
