"""Exporting the ledger (台账导出, X.3): files no spreadsheet will run, streamed row by row.

Wagtail's `SpreadsheetExportMixin` writes the rows; this mixin changes three things about it:

- Formula injection (CSV/公式注入). A cell whose text begins with = + - @, a tab, a carriage
  return or a NUL may be read by Excel, WPS or LibreOffice as a formula, and a petitioner
  controls much of the text (place, ticket number, even the first character of a masked name).
  Such text is escaped by `spreadsheet_safe` in CSV and written as a quoted string in XLSX; dates and
  numbers are values, not text, and are left alone.
- Memory. Rows come from the database with `QuerySet.iterator(chunk_size=…)`, related rows
  prefetched per chunk, so neither format holds the ledger in memory; the XLSX is built by
  openpyxl's write-only workbook into a temporary file and sent from disk.
- Time. Times are written in the user's time zone (Asia/Shanghai), not UTC, and the language and
  time zone of the request are kept while the CSV is streamed after the view has returned.
- Speed. A view that can read its rows as values (`export_value_rows`, the ledger's in
  petitions.transfer.ledger_export) skips model instances altogether, and the CSV cells of the
  common types (text, None, dates, times) are converted without Wagtail's per-cell lookups: a
  million rows in well under a minute instead of seven. The file is the same byte for byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import tempfile
from collections.abc import Callable, Iterator
from itertools import islice

from django.http import FileResponse
from django.utils import timezone, translation
from django.utils.encoding import force_str
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from wagtail.admin.views.mixins import ExcelDateFormatter, SpreadsheetExportMixin, list_to_str
from wagtail.coreutils import multigetattr

#: What a spreadsheet takes for the start of a formula (OWASP "CSV injection", ASVS 1.2.10).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
#: Rows fetched (and their categories and petitioners prefetched) per query.
EXPORT_CHUNK_SIZE = 2000
#: CSV rows encoded and handed to the server at a time.
CSV_ROWS_PER_WRITE = 500
#: So that Excel opens a UTF-8 CSV with Chinese text correctly.
UTF8_BOM = "\ufeff"

#: Values that are not text: written as they are, never escaped ("-2" stays a number).
NOT_TEXT = (int, float, decimal.Decimal, dt.date, dt.time, dt.timedelta, type(None))


def looks_like_formula(value) -> bool:
    """Whether a spreadsheet would read this text as a formula (or a DDE call)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def spreadsheet_safe(value):
    """Text as a spreadsheet should show it, never run it: "=1+1" → "'=1+1".

    The leading apostrophe is the OWASP rule for CSV, which has no cell types: Excel and WPS
    take it as "this is text" and LibreOffice shows it. Other values are returned unchanged.
    """
    if looks_like_formula(value):
        return "'" + value
    return value


def _xlsx_text(value: str) -> str:
    """Text openpyxl can write: control characters XML forbids are dropped, not fatal."""

    return ILLEGAL_CHARACTERS_RE.sub("", value)


class SafeSpreadsheetExportMixin(SpreadsheetExportMixin):
    """For a Wagtail IndexView: exports of the filtered listing, escaped and streamed."""

    export_chunk_size = EXPORT_CHUNK_SIZE
    #: Called with the number of rows written so far, every `export_progress_every` rows of an
    #: XLSX (the worker's export job reports its progress with it).
    export_progress: Callable[[int], None] | None = None
    export_progress_every = EXPORT_CHUNK_SIZE
    #: Export fields that depend on one attribute only ({"state_label": "state"}): computed
    #: once per distinct value. Django's get_FOO_display() hashes every lazy choice label on
    #: each call, which otherwise costs more than the rest of the row.
    export_labels: dict[str, str] = {}
    custom_value_preprocess = {
        dt.datetime: {
            SpreadsheetExportMixin.FORMAT_CSV: "_csv_datetime",
            SpreadsheetExportMixin.FORMAT_XLSX: "_xlsx_datetime",
        },
        (dt.date, dt.time): {SpreadsheetExportMixin.FORMAT_XLSX: None},
        list: {
            SpreadsheetExportMixin.FORMAT_CSV: list_to_str,
            SpreadsheetExportMixin.FORMAT_XLSX: list_to_str,
        },
    }

    def get(self, request, *args, **kwargs):
        # The listing's context counts and renders every row; an export needs only the query
        # (with the same scope, filters, search and ordering), so it skips the context.
        if self.is_export:
            return self.as_spreadsheet(self.get_queryset(), request.GET.get("export"))
        return super().get(request, *args, **kwargs)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        # Wagtail runs the view inside the user's language and time zone but not the streaming
        # that follows it: remember both now.
        self.export_language = translation.get_language()
        self.export_timezone = timezone.get_current_timezone()
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def export_rows(self, queryset):
        """Instances one chunk at a time, prefetches done per chunk (a fixed number of queries
        per chunk, whatever the number of rows)."""
        return queryset.iterator(chunk_size=self.export_chunk_size)

    def export_value_rows(self, queryset) -> Iterator[tuple] | None:
        """The rows as tuples of the `list_export` values, in that order, if this view can read
        them without model instances; None (the default) exports instances with `to_row_dict`.

        A value may stand in for what `to_row_dict` gives only where every export format
        writes both the same (a related object by the text of its `__str__`).
        """
        return None

    def export_row_values(self, queryset) -> Iterator[tuple]:
        rows = self.export_value_rows(queryset)
        if rows is not None:
            return rows
        return (tuple(self.to_row_dict(item).values()) for item in self.export_rows(queryset))

    # --- values ---------------------------------------------------------------------------

    def to_row_dict(self, item):
        labels = self.__dict__.setdefault("_export_label_cache", {})
        row = {}
        for field in self.list_export:
            source = self.export_labels.get(field)
            if source is None:
                row[field] = multigetattr(item, field)
                continue
            key = (field, getattr(item, source))
            if key not in labels:
                labels[key] = multigetattr(item, field)
            row[field] = labels[key]
        return row

    def _csv_datetime(self, value: dt.datetime) -> str:
        local = timezone.localtime(value, self.export_timezone)
        if local.year >= 1000:
            # The same text as the strftime below, in a third of the time (a million rows).
            return local.isoformat(" ")[:19]
        return local.strftime("%Y-%m-%d %H:%M:%S")

    def _xlsx_datetime(self, value: dt.datetime) -> dt.datetime:
        # Excel has no time zones: the local wall-clock time, as on screen.
        if timezone.is_naive(value):
            return value
        return timezone.make_naive(value, self.export_timezone)

    def get_preprocess_function(self, field, value, export_format):
        function = super().get_preprocess_function(field, value, export_format)
        if isinstance(function, str):
            function = getattr(self, function)
        return function

    def preprocess_field_value(self, field, value, export_format):
        result = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV and not isinstance(value, NOT_TEXT):
            result = spreadsheet_safe(force_str(result))
        return result

    # --- CSV ------------------------------------------------------------------------------

    def stream_csv(self, queryset):
        headings = [self.get_heading(queryset, field) for field in self.list_export]
        return self._csv_chunks(queryset, headings)

    def _csv_chunks(self, queryset, headings):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headings)
        yield (UTF8_BOM + buffer.getvalue()).encode("utf-8")
        fields = tuple(self.list_export)
        rows = None
        while True:
            buffer.seek(0)
            buffer.truncate()
            with translation.override(self.export_language):
                if rows is None:  # read in the export's language (the labels)
                    rows = self.export_row_values(queryset)
                batch = list(islice(rows, CSV_ROWS_PER_WRITE))
                if not batch:
                    return
                writer.writerows([self._csv_cells(fields, values) for values in batch])
            yield buffer.getvalue().encode("utf-8")

    def _csv_cells(self, fields: tuple[str, ...], values: tuple) -> list:
        """The CSV cells of a row: what `preprocess_field_value` gives, cell by cell.

        Text, None, dates and aware times (nearly every cell) are done here directly, as
        `preprocess_field_value` would do them with `custom_value_preprocess` above; other
        values, and fields with a `custom_field_preprocess`, go through it.
        """
        cells = []
        special = self.custom_field_preprocess
        for field, value in zip(fields, values, strict=True):
            kind = value.__class__
            if field in special:
                cells.append(self.preprocess_field_value(field, value, self.FORMAT_CSV))
            elif kind is str:
                cells.append("'" + value if value.startswith(FORMULA_PREFIXES) else value)
            elif value is None or kind is dt.date:
                cells.append(value)
            elif kind is dt.datetime:
                cells.append(self._csv_datetime(value))
            else:
                cells.append(self.preprocess_field_value(field, value, self.FORMAT_CSV))
        return cells

    # --- XLSX -----------------------------------------------------------------------------

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):

        for field, value in row_dict.items():
            result = self.preprocess_field_value(field, value, self.FORMAT_XLSX)
            if isinstance(result, str):
                result = _xlsx_text(result)
            cell = WriteOnlyCell(worksheet, result)
            if isinstance(result, str):
                # Text is always a string cell (openpyxl would make "=…" a formula and "#N/A"
                # an error). XLSX has cell types, so text need not be altered as in CSV: a
                # string cell is never evaluated, and the quote prefix (Excel's own leading
                # apostrophe, not part of the value) keeps it text if someone edits the cell.
                cell.data_type = "s"
                if looks_like_formula(result):
                    cell.quotePrefix = True
            if date_format and isinstance(value, dt.datetime):
                cell.number_format = date_format
            yield cell

    def write_xlsx(self, queryset, output):

        workbook = Workbook(write_only=True, iso_dates=True)  # rows go to a temporary file
        worksheet = workbook.create_sheet(title="Sheet1")
        worksheet.append(self.get_heading(queryset, field) for field in self.list_export)
        date_format = ExcelDateFormatter().get()
        fields = self.list_export
        progress, every = self.export_progress, self.export_progress_every
        written = 0
        for values in self.export_row_values(queryset):
            worksheet.append(
                self.generate_xlsx_row(
                    worksheet, dict(zip(fields, values, strict=True)), date_format=date_format
                )
            )
            written += 1
            if progress is not None and written % every == 0:
                progress(written)
        workbook.save(output)
        return written

    def write_xlsx_response(self, queryset):
        # On disk, not in a BytesIO: a million-row workbook is tens of megabytes. The file is
        # sent in blocks and deleted when the response is closed.
        output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
        self.write_xlsx(queryset, output)
        output.seek(0)
        return FileResponse(
            output,
            as_attachment=True,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=f"{self.get_filename()}.xlsx",
        )
