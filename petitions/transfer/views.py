"""导入上级交办件 (X.3) in the Wagtail admin: upload, dry-run preview, confirm.

The uploaded sheet waits in private storage between the preview and the confirmation (not in
the session); the confirmation checks every row again, so a ticket filed meanwhile is skipped.
A sheet larger than jobs.INLINE_MAX_BYTES is checked and filed in the worker instead: the
upload becomes an import job whose page shows its progress, then its preview, then its result.
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from petitions.cases import fields
from petitions.cases.models import private_storage
from petitions.transfer.importing import (
    MAX_ROWS_PER_UPLOAD,
    MAX_UPLOAD_BYTES,
    Preview,
    SheetError,
    Status,
    check_upload,
    import_sheet,
    importable_channels,
    may_import,
    parse_sheet,
    preview_rows,
)
from petitions.transfer.jobs import (
    INLINE_MAX_BYTES,
    confirm_job,
    error_report,
    start_job,
    stored_name,
)
from petitions.transfer.models import ImportJob

#: Rows of a large sheet listed one by one: every error and duplicate, and this many new rows.
PREVIEW_NEW_ROWS_SHOWN = 2000
_TOKEN = re.compile(r"^[0-9a-f]{32}\.(xlsx|csv)$")


def _file_help_text() -> str:
    # Filled in when shown, in the reader's language: a % on a lazy string would fix it at import.
    return _g("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），不超过 %(mb)d MB、%(rows)d 行。") % {
        "mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "rows": MAX_ROWS_PER_UPLOAD,
    }


class ImportUploadForm(forms.Form):
    channel = fields.ModelChoiceField(
        queryset=importable_channels(),
        label=_("交办渠道"),
        help_text=_("按该渠道在 配置 › 信访渠道 中设置的列对应读取表格。"),
    )
    file = forms.FileField(
        label=_("表格文件"),
        help_text=lazy(_file_help_text, str)(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = importable_channels()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.suffix = check_upload(upload.name, upload.size)
        except SheetError as error:
            raise forms.ValidationError(error.message) from error
        return upload


class ConfirmForm(forms.Form):
    channel = fields.ModelChoiceField(queryset=importable_channels(), widget=forms.HiddenInput)
    token = forms.RegexField(regex=_TOKEN, widget=forms.HiddenInput)
    filename = forms.CharField(max_length=255, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = importable_channels()


class ImportMixin(WagtailAdminTemplateMixin):
    page_title = _("导入上级交办件")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not may_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("cases:index"), "label": _("信访台账")},
            {"url": reverse("petitions_import"), "label": _("导入上级交办件")},
        ]


class ImportView(ImportMixin, TemplateView):
    template_name = "petitions/import/upload.html"

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("cases:index"), "label": _("信访台账")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = ImportJob.objects.filter(created_by=self.request.user).select_related(
            "channel"
        )[:10]
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=ImportUploadForm()))

    def post(self, request, *args, **kwargs):
        if "token" in request.POST:
            return self.confirm()
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        channel = form.cleaned_data["channel"]
        if upload.size > INLINE_MAX_BYTES:
            # Too large for one request: the worker checks it, the job's page shows how far.
            name = private_storage().save(
                stored_name(request.user, f"{uuid.uuid4().hex}{form.suffix}"), upload
            )
            job = start_job(user=request.user, channel=channel, filename=upload.name, name=name)
            return redirect("petitions_import_job", job.pk)
        content = upload.read()
        try:
            preview = preview_rows(
                parse_sheet(content, upload.name, channel, max_rows=MAX_ROWS_PER_UPLOAD)
            )
        except SheetError as error:
            form.add_error("file", error.message)
            return self.render_to_response(self.get_context_data(form=form))
        token = f"{uuid.uuid4().hex}{form.suffix}"
        private_storage().save(stored_name(request.user, token), ContentFile(content))
        confirm = ConfirmForm(
            initial={"channel": channel.pk, "token": token, "filename": upload.name[:255]}
        )
        return self.render_preview(preview, confirm, upload.name)

    def render_preview(self, preview: Preview, confirm: ConfirmForm, filename: str):
        shown, new_shown = [], 0
        for row in preview.rows:
            if row.status == Status.NEW:
                new_shown += 1
                if new_shown > PREVIEW_NEW_ROWS_SHOWN:
                    continue
            shown.append(row)
        self.template_name = "petitions/import/preview.html"
        return self.render_to_response(
            self.get_context_data(
                preview=preview,
                rows=shown,
                new_not_shown=max(0, new_shown - PREVIEW_NEW_ROWS_SHOWN),
                confirm_form=confirm,
                filename=filename,
            )
        )

    def confirm(self):
        form = ConfirmForm(self.request.POST)
        storage = private_storage()
        if not form.is_valid() or not storage.exists(
            name := stored_name(self.request.user, form.cleaned_data["token"])
        ):
            messages.error(self.request, _g("找不到要导入的文件，请重新上传。"))
            return self.render_to_response(self.get_context_data(form=ImportUploadForm()))
        with storage.open(name, "rb") as handle:
            content = handle.read()
        channel = form.cleaned_data["channel"]
        try:
            # Checked again: the ledger may have changed since the preview.
            preview, result = import_sheet(
                parse_sheet(
                    content, form.cleaned_data["token"], channel, max_rows=MAX_ROWS_PER_UPLOAD
                ),
                user=self.request.user,
            )
        except SheetError as error:
            messages.error(self.request, error.message)
            return self.render_to_response(self.get_context_data(form=ImportUploadForm()))
        messages.success(
            self.request,
            _g("已导入 %(created)d 件，跳过 %(skipped)d 行。")
            % {
                "created": len(result.created),
                "skipped": result.skipped + len(result.duplicates),
            },
        )
        self.template_name = "petitions/import/result.html"
        return self.render_to_response(
            self.get_context_data(
                preview=preview,
                result=result,
                channel=channel,
                filename=form.cleaned_data["filename"],
                may_view=self.request.user.has_perm("petitions.view_case"),
            )
        )


class ImportJobView(ImportMixin, TemplateView):
    """One import job: its progress while the worker runs, its preview, its result."""

    template_name = "petitions/import/job.html"
    #: Rows not filed listed on the page; the error report holds them all.
    PROBLEMS_SHOWN = 2000

    def get_page_subtitle(self):
        return self.job.filename

    def dispatch(self, request, *args, **kwargs):
        if not may_import(request.user):
            raise PermissionDenied
        self.job = get_object_or_404(
            ImportJob.objects.select_related("channel", "created_by"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.job
        context.update(
            job=job,
            problems=job.problems[: self.PROBLEMS_SHOWN],
            problems_not_shown=max(0, len(job.problems) - self.PROBLEMS_SHOWN),
            report_url=reverse("petitions_import_report", args=[job.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        if confirm_job(self.job):
            messages.success(request, _g("已确认，正在后台导入。"))
        else:
            messages.error(request, _g("该导入任务不在待确认状态，未再次导入。"))
        return redirect("petitions_import_job", self.job.pk)


def import_report(request, pk: int) -> HttpResponse:
    """The rows of an import job that were not filed, with their reasons (CSV)."""
    if not may_import(request.user):
        raise PermissionDenied
    job = get_object_or_404(ImportJob, pk=pk)
    response = HttpResponse(error_report(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response
