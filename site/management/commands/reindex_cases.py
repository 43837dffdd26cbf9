"""Rebuild the ledger's search index (台账检索索引) from the cases: `manage.py reindex_cases`."""

from django.core.management.base import BaseCommand

from petitions.cases.search import reindex_all


class Command(BaseCommand):
    help = "按案件的文字重建台账检索索引（恢复备份或索引缺失后）。"

    def handle(self, *args, **options) -> None:
        count = reindex_all()
        self.stdout.write(f"已重建 {count} 件案件的检索索引。")
