"""An import running in the worker (导入任务): its file, its progress and its outcome.

A job table, not a case record: the cases it files are in the ledger and the audit log like
any other; the job only lets the clerk follow a large sheet through checking and filing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from snippets.models import Channel


class ImportJob(models.Model):
    class State(models.TextChoices):
        CHECKING = "checking", _("正在检查")
        CHECKED = "checked", _("待确认")
        IMPORTING = "importing", _("正在导入")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未能完成")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("交办渠道")
    )
    filename = models.CharField(_("文件名"), max_length=255)
    #: Where the upload waits in private storage (imports/<user>/<token>).
    stored_name = models.CharField(max_length=300)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.CHECKING
    )
    total_rows = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_filed = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    #: Rows filed by someone else between the check and the import.
    late_duplicate_count = models.PositiveIntegerField(default=0)
    #: The rows that are not filed: [{"line", "status", "ticket", "messages"}], in sheet order.
    problems = models.JSONField(default=list, blank=True)
    missing_optional = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When a worker took the current step (None: queued, not yet taken).
    claimed_at = models.DateTimeField(null=True, blank=True)
    #: The worker's heartbeat: a running job not touched for a while has lost its worker.
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def running(self) -> bool:
        return self.state in (self.State.CHECKING, self.State.IMPORTING)

    @property
    def percent(self) -> int:
        """How far the current step is, 0–100."""
        if not self.total_rows:
            return 0
        if self.state == self.State.IMPORTING:
            done = self.rows_filed / max(1, self.new_count)
        else:
            done = self.rows_checked / self.total_rows
        return min(100, int(done * 100))


class ExportJob(models.Model):
    """A ledger XLSX too large for one request (导出任务), built by the worker.

    A job table, not a case record: the file holds the ledger as the user who asked may see it
    (masked), and only that user or an administrator may download it; each download is logged.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在导出")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未能完成")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导出人"),
    )
    #: The ledger's query string (filters, search, ordering) without `export`.
    query = models.TextField(blank=True)
    #: The request's language and time zone: the worker writes labels and times in them.
    language = models.CharField(max_length=20)
    time_zone = models.CharField(max_length=64)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    #: Where the finished file is in private storage (exports/<user>/<token>.xlsx).
    stored_name = models.CharField(max_length=300, blank=True)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    #: The worker's heartbeat, as for ImportJob.
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"ledger-{self.pk}.xlsx"

    @property
    def running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, int(self.rows_written * 100 / self.total_rows))
