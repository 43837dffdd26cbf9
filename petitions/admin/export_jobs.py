"""The ledger's export jobs (导出任务, issue 14) in the admin: built by the worker, shown, sent.

The worker rebuilds the ledger's own index view for the user who asked, from the stored query
string, so the file has the same filters, search, ordering and scope as the request would have
had, and is masked and escaped by the same code (petitions.transfer.exporting).
"""

from __future__ import annotations

import tempfile
import zoneinfo

from django.http import FileResponse, Http404, HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from petitions.transfer.export_jobs import (
    claim_export_job,
    fail_export_job,
    finish_export_job,
    inline_max_rows,
    may_see_export_job,
    open_export_file,
    progress_reporter,
)
from petitions.transfer.models import ExportJob


def ledger_view_for(job: ExportJob):
    """The ledger's index view, set up as for the request that asked for this export."""
    path = reverse("cases:index")
    view_function = resolve(path).func
    request = HttpRequest()
    request.method, request.path = "GET", path
    request.GET = QueryDict(job.query, mutable=True)
    request.GET["export"] = "xlsx"  # what the worker builds, whatever the query said
    request.user = job.created_by
    view = view_function.view_class(**view_function.view_initkwargs)
    view.setup(request)
    return view


def build_ledger_export(job_id: int) -> dict:
    """The worker builds a job's XLSX into private storage, reporting its progress."""
    job = claim_export_job(job_id)
    if job is None:
        return {"skipped": True}
    user = job.created_by
    with translation.override(job.language), timezone.override(zoneinfo.ZoneInfo(job.time_zone)):
        view = ledger_view_for(job)
        if not user.is_active or not view.user_has_any_permission(view.any_permission_required):
            fail_export_job(job, _g("导出人已无权查看台账，未导出。"))
            return {"failed": "permission"}
        view.export_language = job.language
        view.export_timezone = timezone.get_current_timezone()
        queryset = view.get_queryset()
        view.export_progress = progress_reporter(job, queryset.count())
        try:
            with tempfile.TemporaryFile(suffix=".xlsx") as output:
                rows = view.write_xlsx(queryset, output)
                output.seek(0)
                finish_export_job(job, output, rows)
        except Exception:
            # The page must not show "running" for ever; django-q keeps the traceback.
            fail_export_job(job, _g("导出未能完成，请重新导出；仍不成功请联系管理员。"))
            raise
    return {"rows": rows}


class ExportJobView(WagtailAdminTemplateMixin, TemplateView):
    """One export job: its progress while the worker builds it, then its download link."""

    template_name = "petitions/export/job.html"
    page_title = _("导出台账")
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        self.job = _job_for(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("cases:index"), "label": _("信访台账")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = self.job
        context["jobs_url"] = reverse("petitions_export_jobs")
        context["ledger_url"] = reverse("cases:index") + (
            f"?{self.job.query}" if self.job.query else ""
        )
        context["download_url"] = reverse("petitions_export_download", args=[self.job.pk])
        return context


class ExportJobIndexView(WagtailAdminTemplateMixin, TemplateView):
    """The user's own recent export jobs (我的导出任务), to come back for a file later."""

    template_name = "petitions/export/jobs.html"
    page_title = _("我的导出任务")
    header_icon = "download"
    SHOWN = 20

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("cases:index"), "label": _("信访台账")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = ExportJob.objects.filter(created_by=self.request.user)[: self.SHOWN]
        context["inline_rows"] = inline_max_rows()
        return context


def _job_for(request, pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob, pk=pk)
    # Another user's job is not there for them at all (its query may name a petitioner).
    if not may_see_export_job(request.user, job):
        raise Http404
    return job


def export_download(request, pk: int):
    """The finished file, to the user who asked or an administrator; every download logged."""
    job = _job_for(request, pk)
    if job.state != ExportJob.State.DONE:
        raise Http404
    response = FileResponse(
        open_export_file(job, request.user),
        as_attachment=True,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"ledger-{job.pk}.xlsx",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
