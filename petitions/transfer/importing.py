"""Importing superior-assigned tickets (上级交办件导入, X.3) from XLSX and CSV sheets.

Three steps, each a plain function:

- `parse_sheet` reads the file and maps its columns to case fields with the channel's own
  column mapping (配置 › 信访渠道 › 导入表格的列对应);
- `preview_rows` checks every row without writing anything: 新建, 重复 (the channel's ticket
  number is already in the ledger, or earlier in the same file) or 错误, with the reasons in
  plain Chinese;
- the import (`import_sheet`, `import_rows`) files the new rows in batches through the batch
  form of the filing service, `petitions.cases.filing.file_cases`: each case exactly as if it
  had been typed in, with its number, its acceptance limit (5 working days for a
  superior-assigned matter) and its audit entry. There is no other way in.

Reading and checking are django-import-export's: `TicketResource` has one field per column of
the channel's mapping, each with a widget that checks its cell; the dry run is its
`import_data(dry_run=True)`, and its bulk hook hands each batch of new rows to the filing
service.

The dry run writes nothing at all, so it neither consumes case numbers nor takes the number
lock (a rolled-back `import_data(dry_run=True)` would also give its numbers back, since the
sequence row is in the same transaction, but would hold the year's number lock for the whole
run and block every other filing meanwhile).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePath
from typing import overload

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, instance_loaders, resources, widgets
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from petitions.cases.access import user_roles
from petitions.cases.filing import Filing, PetitionerData, file_cases
from petitions.cases.models import Case
from petitions.cases.validators import validate_phone
from rules.kinds import Kind
from rules.roles import Role
from snippets.models import Category, Channel, ChannelImportColumn

Field = ChannelImportColumn.Field

#: New rows filed together, in one transaction, by file_ticket_batch: numbers reserved as a
#: block and rows inserted in bulk (file_cases), so a batch holds the write lock briefly.
FILING_BATCH_SIZE = 500
#: The progress callback is called every this many rows checked (and after each batch).
PROGRESS_EVERY = 1000
#: Who may import: the detachment registers and numbers cases (第二条, A2.1); the system
#: administrator keeps the channels and their mappings. Duty staff file single petitions only.
IMPORTING_ROLES = frozenset({Role.DETACHMENT, Role.ADMINISTRATOR})
SUFFIXES = (".xlsx", ".csv")
MAX_UPLOAD_BYTES = 30 * 1024 * 1024
#: Rows one upload in the admin may hold: a 12345 platform's export for a city runs to
#: 100,000 rows; sheets above jobs.INLINE_MAX_BYTES are checked and filed in the worker.
MAX_ROWS_PER_UPLOAD = 200_000
#: A sheet may open with a title line or two (e.g. “12345热线工单导出”) above its headers.
HEADER_SEARCH_ROWS = 10
REQUIRED_FIELDS = (Field.SOURCE_TICKET_NUMBER, Field.RECEIVED_AT, Field.PLACE, Field.DESCRIPTION)
MAX_LENGTHS = {
    Field.SOURCE_TICKET_NUMBER: 100,
    Field.PLACE: 300,
    Field.REPORTED_PARTY: 200,
    Field.PETITIONER_NAME: 100,
    Field.PETITIONER_ADDRESS: 300,
}
#: Encodings tried for CSV, in order: 12345 systems often export GBK (gb18030 is its superset).
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y%m%d%H%M%S",
)
#: Excel serial day numbers of 1990 to 2100: a bare number in that range is a date.
EXCEL_SERIALS = (32_874, 73_051)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d")
_NUMERIC_DATETIME = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_PHONE_SPLIT = re.compile(r"[,，/;；、\s]+")


def may_import(user) -> bool:
    """导入上级交办件: the detachment and the system administrator (and a superuser)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(user_roles(user) & IMPORTING_ROLES)


def importable_channels():
    """The channels whose tickets come in sheets: superior-assigned and transferred."""
    return Channel.objects.filter(
        active=True, source__in=[Channel.Source.SUPERIOR, Channel.Source.TRANSFERRED]
    )


class SheetError(ValueError):
    """The file as a whole cannot be read; nothing is previewed or imported."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Status(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    ERROR = "error"

    @property
    def label(self) -> str:
        return {
            Status.NEW: _("新建"),
            Status.DUPLICATE: _("重复"),
            Status.ERROR: _("错误"),
        }[self]


@dataclass
class SheetRow:
    #: The row's number as the spreadsheet program shows it (the header row counts).
    line: int
    values: dict[str, object]


@dataclass
class ParsedSheet:
    channel: Channel
    headers: dict[str, str]  # field -> the sheet's column header
    rows: list[SheetRow]
    #: Mapped columns the sheet does not have (their fields stay empty).
    missing_optional: list[str] = field(default_factory=list)


@dataclass
class RowResult:
    line: int
    status: Status
    ticket: str = ""
    received_at: dt.datetime | None = None
    place: str = ""
    petitioner_name: str = ""
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The case number the ticket already has (a duplicate of the ledger).
    existing_number: str = ""
    filing: Filing | None = None

    @property
    def status_label(self) -> str:
        return self.status.label


@dataclass
class Preview:
    channel: Channel
    rows: list[RowResult]
    missing_optional: list[str] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def new_count(self) -> int:
        return self.count(Status.NEW)

    @property
    def duplicate_count(self) -> int:
        return self.count(Status.DUPLICATE)

    @property
    def error_count(self) -> int:
        return self.count(Status.ERROR)


class FiledCases(Sequence[Case]):
    """The cases an import filed, in the order filed, kept as their ids only: an import of
    100,000 rows holds 100,000 integers, not the cases with their petitioners. Read from the
    database when shown (the result page, a test), 500 at a time."""

    READ = 500

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self.ids: list[int] = list(ids)

    def extend(self, cases: Iterable[Case]) -> None:
        self.ids += [case.pk for case in cases]

    def __len__(self) -> int:
        return len(self.ids)

    def _read(self, ids: list[int]) -> list[Case]:
        found = Case.objects.in_bulk(ids)
        return [found[pk] for pk in ids]

    @overload
    def __getitem__(self, index: int) -> Case: ...
    @overload
    def __getitem__(self, index: slice) -> list[Case]: ...
    def __getitem__(self, index: int | slice) -> Case | list[Case]:
        if isinstance(index, slice):
            return self._read(self.ids[index])
        return self._read([self.ids[index]])[0]

    def __iter__(self) -> Iterator[Case]:
        for start in range(0, len(self.ids), self.READ):
            yield from self._read(self.ids[start : start + self.READ])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FiledCases):
            return self.ids == other.ids
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass
class ImportResult:
    created: FiledCases = field(default_factory=FiledCases)
    #: Rows another import or a clerk filed between the preview and this run.
    duplicates: list[RowResult] = field(default_factory=list)
    skipped: int = 0


#: Starter mappings (load_starter) for the sheets of the superior channels; administrators
#: change them in 配置 › 信访渠道 when a platform renames a column.
DEFAULT_MAPPINGS: dict[str, list[tuple[str, str]]] = {
    "hotline_12345": [
        (Field.SOURCE_TICKET_NUMBER, "工单编号"),
        (Field.RECEIVED_AT, "来电时间"),
        (Field.PLACE, "诉求地址"),
        (Field.REPORTED_PARTY, "被反映对象"),
        (Field.DESCRIPTION, "诉求内容"),
        (Field.DEMANDS, "诉求目的"),
        (Field.PETITIONER_NAME, "来电人"),
        (Field.PETITIONER_PHONE, "联系电话"),
        (Field.SOURCE_DEADLINE, "办结时限"),
        (Field.CATEGORY, "问题分类"),
    ],
    "internet_supervision": [
        (Field.SOURCE_TICKET_NUMBER, "线索编号"),
        (Field.RECEIVED_AT, "留言时间"),
        (Field.PLACE, "问题发生地"),
        (Field.DESCRIPTION, "留言内容"),
        (Field.PETITIONER_NAME, "留言人"),
        (Field.PETITIONER_PHONE, "联系方式"),
        (Field.SOURCE_DEADLINE, "办理时限"),
    ],
    "government_mailbox": [
        (Field.SOURCE_TICKET_NUMBER, "信件编号"),
        (Field.RECEIVED_AT, "来信时间"),
        (Field.PLACE, "事发地点"),
        (Field.DESCRIPTION, "来信内容"),
        (Field.PETITIONER_NAME, "来信人"),
        (Field.PETITIONER_PHONE, "联系电话"),
        (Field.SOURCE_DEADLINE, "回复期限"),
    ],
}


def install_default_mappings() -> None:
    """Give each starter superior channel its mapping, unless the bureau has entered one."""
    for code, columns in DEFAULT_MAPPINGS.items():
        channel = Channel.objects.filter(code=code).first()
        if channel is None or channel.import_columns.exists():
            continue
        for field_name, header in columns:
            ChannelImportColumn.objects.create(
                channel=channel, field=field_name, column_header=header
            )


# --- reading the file ----------------------------------------------------------------------


def check_upload(name: str, size: int) -> str:
    """The file's suffix if it may be imported; else SheetError."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise SheetError(_("只能导入 Excel（.xlsx）或 CSV（.csv）文件。"))
    if size > MAX_UPLOAD_BYTES:
        raise SheetError(
            _("文件超过 %(mb)d MB，请分批导入。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise SheetError(_("文件是空的。"))
    return suffix


def _xlsx_rows(content: bytes) -> Iterator[tuple]:

    try:
        # read_only streams the sheet: 100,000 rows stay well under a gigabyte.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise SheetError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式。")) from exc
    except Exception as exc:
        raise SheetError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式。")) from exc
    try:
        yield from book.worksheets[0].iter_rows(values_only=True)
    finally:
        book.close()


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(_("无法识别 CSV 文件的文字编码，请另存为 UTF-8 或 GBK 编码。"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text, newline=""), dialect)


def read_table(content: bytes, suffix: str) -> Iterator[Sequence]:
    """The raw rows of the first sheet (XLSX) or of the file (CSV)."""
    return _xlsx_rows(content) if suffix == ".xlsx" else _csv_rows(content)


def _header_text(value: object) -> str:
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def column_mapping(channel: Channel) -> dict[str, str]:
    return {c.field: c.column_header.strip() for c in channel.import_columns.all()}


def parse_sheet(
    content: bytes, filename: str, channel: Channel, *, max_rows: int | None = None
) -> ParsedSheet:
    """Read the sheet and map its columns to case fields with the channel's mapping."""
    suffix = check_upload(filename, len(content))
    mapping = column_mapping(channel)
    if missing := [f for f in REQUIRED_FIELDS if f not in mapping]:
        raise SheetError(
            _(
                "渠道“%(channel)s”的导入列对应缺少：%(fields)s。请在 配置 › 信访渠道 中补充后再导入。"
            )
            % {"channel": channel.name, "fields": "、".join(str(Field(f).label) for f in missing)}
        )
    wanted = {_header_text(h): f for f, h in mapping.items()}
    ticket_header = _header_text(mapping[Field.SOURCE_TICKET_NUMBER])
    rows = iter(read_table(content, suffix))
    positions: dict[str, int] = {}
    header_line = 0
    for header_line, raw in enumerate(rows, 1):
        texts = [_header_text(v) for v in raw]
        if ticket_header in texts:
            positions = {wanted[t]: i for i, t in enumerate(texts) if t in wanted}
            break
        if header_line >= HEADER_SEARCH_ROWS:
            break
    if not positions:
        raise SheetError(
            _("找不到标题行：表格前 %(n)d 行中没有“%(header)s”列。请确认选择的渠道和文件是否对应。")
            % {"n": HEADER_SEARCH_ROWS, "header": mapping[Field.SOURCE_TICKET_NUMBER]}
        )
    if absent := [f for f in REQUIRED_FIELDS if f not in positions]:
        raise SheetError(
            _("表格中没有这些列：%(headers)s。")
            % {"headers": "、".join(f"“{mapping[f]}”" for f in absent)}
        )
    parsed = ParsedSheet(
        channel=channel,
        headers={f: mapping[f] for f in positions},
        rows=[],
        missing_optional=[mapping[f] for f in mapping if f not in positions],
    )
    for line, raw in enumerate(rows, header_line + 1):
        values = {f: (raw[i] if i < len(raw) else None) for f, i in positions.items()}
        if all(_text(v) == "" for v in values.values()):
            continue  # blank lines and trailing formatted-but-empty rows
        parsed.rows.append(SheetRow(line=line, values=values))
        if max_rows is not None and len(parsed.rows) > max_rows:
            raise SheetError(
                _("表格超过 %(max)d 行，请分批导入（每次不超过 %(max)d 行）。") % {"max": max_rows}
            )
    return parsed


# --- checking the rows ---------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a ticket or phone number typed into a numeric cell
    return str(value).strip()


def parse_datetime(value: object) -> dt.datetime | None:
    """A cell as an aware datetime in Asia/Shanghai; None if it cannot be read."""
    if isinstance(value, dt.datetime):
        naive = value
    elif isinstance(value, dt.date):
        naive = dt.datetime.combine(value, dt.time(0, 0))
    elif isinstance(value, (int, float)) and EXCEL_SERIALS[0] < value < EXCEL_SERIALS[1]:
        # A date cell that lost its date format shows as Excel's serial day number.

        naive = from_excel(value).replace(microsecond=0)
    elif match := _NUMERIC_DATETIME.fullmatch(_text(value)):
        # The common shapes (2026-11-03 09:15, 2026/11/3) without strptime's trial of every
        # format: a 100,000-row CSV spends most of its check here otherwise.
        try:
            naive = dt.datetime(*(int(part) for part in match.groups(default="0")))
        except ValueError:
            return None
    else:
        text = _text(value).replace("：", ":")
        text = re.sub(r"\s+", " ", text)
        naive = None
        for fmt in DATETIME_FORMATS + DATE_FORMATS:
            try:
                naive = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if naive is None:
            return None
    if timezone.is_aware(naive):
        return naive
    return timezone.make_aware(naive)


def parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    moment = parse_datetime(value)
    return timezone.localtime(moment).date() if moment else None


def _match_category(text: str, categories: Sequence[Category]) -> Category | None:
    """12345 writes a path such as “生态环境/噪声污染”: the most specific part decides, by
    name or code, else by a category name it contains (“噪声” in “噪声污染”)."""
    parts = [p for p in re.split(r"[/／\\|>＞\-－—、]+", text) if p]
    for part in reversed(parts or [text]):
        for c in categories:
            if part in (c.name, c.code):
                return c
        for c in categories:
            if c.name and c.name in part:
                return c
    return None


def _match_kind(text: str) -> str | None:
    for value, label in Kind.choices:
        if text in (value, str(label)):
            return value
    return None


def existing_tickets(channel: Channel, tickets: Iterable[str]) -> dict[str, str]:
    """The tickets of this channel already in the ledger, with their case numbers.

    Looked up by ticket alone, the channel checked here: without statistics SQLite would pick
    the channel's index (every case of the channel) over the ticket's (bench/import.py).
    """
    tickets = list(dict.fromkeys(t for t in tickets if t))
    found: dict[str, str] = {}
    for start in range(0, len(tickets), 500):
        for channel_id, ticket, number in (
            Case.objects.filter(source_ticket_number__in=tickets[start : start + 500])
            .order_by()
            .values_list("channel_id", "source_ticket_number", "number")
        ):
            if channel_id == channel.pk:
                found[ticket] = number
    return found


def ticket_in_ledger(channel: Channel, ticket: str) -> str | None:
    """The number of the channel's case with this ticket, if there is one."""
    return existing_tickets(channel, [ticket]).get(ticket)


# --- the Resource: column mapping, widgets and row checks ----------------------------------


class Unmatched(str):
    """A category or kind cell naming nothing we know: a warning, not an error."""


class CellWidget(widgets.Widget):
    """A text cell (a ticket or phone number typed into a numeric cell loses its “.0”)."""

    def __init__(self, header: str, *, required: bool = False, max_length: int | None = None):
        super().__init__()
        self.header = header
        self.required = required
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs) -> str:
        text = _text(value)
        if not text and self.required:
            raise ValueError(_("缺少%(column)s") % {"column": self.header})
        if self.max_length is not None and len(text) > self.max_length:
            raise ValueError(
                _("%(column)s超过 %(n)d 个字") % {"column": self.header, "n": self.max_length}
            )
        return text


class ReceivedAtWidget(CellWidget):
    """来电时间: an aware datetime in Asia/Shanghai, not later than now."""

    def __init__(self, header: str, now: dt.datetime):
        super().__init__(header, required=True)
        self.now = now

    def clean(self, value, row=None, **kwargs) -> dt.datetime:
        text = super().clean(value)
        moment = parse_datetime(value)
        if moment is None:
            raise ValueError(
                _("%(column)s无法识别：%(value)s（应为 2026-11-20 09:30 这样的日期时间）")
                % {"column": self.header, "value": text[:40]}
            )
        if moment > self.now:
            raise ValueError(
                _("%(column)s晚于现在：%(value)s") % {"column": self.header, "value": text}
            )
        return moment


class SourceDeadlineWidget(CellWidget):
    """办结时限: the channel's own deadline, a date."""

    def clean(self, value, row=None, **kwargs) -> dt.date | None:
        if not (text := super().clean(value)):
            return None
        if (day := parse_date(value)) is None:
            raise ValueError(
                _("%(column)s无法识别：%(value)s") % {"column": self.header, "value": text[:40]}
            )
        return day


class PhoneWidget(CellWidget):
    """联系电话: the first of the numbers in the cell (12345 lists several)."""

    def clean(self, value, row=None, **kwargs) -> str:
        if not (text := super().clean(value)):
            return ""
        phone = _PHONE_SPLIT.split(text)[0]
        try:
            validate_phone(phone)
        except ValidationError as error:
            raise ValueError(
                _("%(column)s格式不正确：%(value)s") % {"column": self.header, "value": text[:40]}
            ) from error
        return phone


class CategoryWidget(CellWidget):
    """问题分类: a category of ours, or Unmatched (the clerk classifies it later)."""

    def __init__(self, header: str, categories: Sequence[Category]):
        super().__init__(header)
        self.categories = categories

    def clean(self, value, row=None, **kwargs) -> Category | Unmatched | None:
        if not (text := super().clean(value)):
            return None
        return _match_category(text, self.categories) or Unmatched(text)


class KindWidget(CellWidget):
    """信访类别: one of the kinds, by value or label, or Unmatched."""

    def clean(self, value, row=None, **kwargs) -> str:
        if not (text := super().clean(value)):
            return ""
        return _match_kind(text) or Unmatched(text)


FIELD_NAMES = tuple(Field.values)
#: The hidden column carrying each row's line number as the spreadsheet program shows it.
LINE_COLUMN = "__line__"


class Ticket:
    """One sheet row on its way to a case: what the widgets read, then its RowResult."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.result = RowResult(line=line, status=Status.NEW)
        for f in FIELD_NAMES:
            setattr(self, f, None)

    def __str__(self) -> str:
        return self.result.ticket


class TicketResource(resources.Resource):
    """A channel's sheet as django-import-export sees it (X.3).

    One import field per mapped column (配置 › 信访渠道 › 导入表格的列对应), its widget
    checking the cell. The dry run (`import_data(dry_run=True)`) writes nothing; the real run
    hands each batch of new rows (use_bulk, `batch_size`) to `file_ticket_batch`, which files
    them through the filing service in one transaction of their own. There is no transaction
    around the whole sheet: on SQLite it would hold the write lock (and the year's number
    lock on PostgreSQL) for minutes and stop every other filing meanwhile.
    """

    class Meta:
        use_bulk = True
        batch_size = FILING_BATCH_SIZE
        skip_diff = True
        force_init_instance = True  # duplicates are found by ticket, in skip_row
        report_skipped = True
        import_id_fields = ()
        instance_loader_class = instance_loaders.BaseInstanceLoader

    def __init__(
        self,
        sheet: ParsedSheet,
        *,
        user=None,
        on_progress: Callable[[int, int], None] | None = None,
        batch_size: int | None = None,
    ) -> None:
        super().__init__()
        self.channel = sheet.channel
        self.headers = sheet.headers
        self.user = user
        self.on_progress = on_progress
        if batch_size is not None:
            self._meta = copy.copy(self._meta)
            self._meta.batch_size = max(1, batch_size)
        now = timezone.now()
        categories = list(Category.objects.all())
        cell_widgets: dict[str, CellWidget] = {
            Field.SOURCE_TICKET_NUMBER: CellWidget,
            Field.PLACE: CellWidget,
            Field.DESCRIPTION: CellWidget,
            Field.REPORTED_PARTY: CellWidget,
            Field.PETITIONER_NAME: CellWidget,
            Field.PETITIONER_ADDRESS: CellWidget,
            Field.DEMANDS: CellWidget,
            Field.RECEIVED_AT: lambda h: ReceivedAtWidget(h, now),
            Field.SOURCE_DEADLINE: SourceDeadlineWidget,
            Field.PETITIONER_PHONE: PhoneWidget,
            Field.CATEGORY: lambda h: CategoryWidget(h, categories),
            Field.KIND: KindWidget,
        }
        for f, header in self.headers.items():
            widget = cell_widgets.get(f, CellWidget)(header)
            if f in REQUIRED_FIELDS:
                widget.required = True
            if f in MAX_LENGTHS:
                widget.max_length = MAX_LENGTHS[f]
            self.fields[f] = fields.Field(attribute=f, column_name=header, widget=widget)
        self._cells = [(f, self.fields[f]) for f in self.headers]
        self.rows: list[RowResult] = []
        self.created = FiledCases()
        self.late_duplicates: list[RowResult] = []
        self._in_ledger: dict[str, str] = {}
        self._first_line: dict[str, int] = {}
        self._filed_rows = 0

    def dataset(self, sheet: ParsedSheet) -> tablib.Dataset:
        """The sheet's mapped columns under their headers, with each row's line number."""
        order = list(self.headers)
        return tablib.Dataset(
            *([row.line] + [row.values.get(f) for f in order] for row in sheet.rows),
            headers=[LINE_COLUMN] + [self.headers[f] for f in order],
        )

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        # No transaction around the sheet (see the class's docstring): each batch commits in
        # file_ticket_batch, and a dry run writes nothing that would need rolling back.
        return self.import_data_inner(
            dataset, dry_run, raise_errors, using_transactions=False, collect_failed_rows=False
        )

    def before_import(self, dataset, **kwargs):
        ticket_header = self.headers[Field.SOURCE_TICKET_NUMBER]
        self._in_ledger = existing_tickets(self.channel, (_text(t) for t in dataset[ticket_header]))

    def init_instance(self, row=None) -> Ticket:
        return Ticket(int(row[LINE_COLUMN]))

    def import_row(self, row, instance_loader, **kwargs):
        ticket = self.init_instance(row)
        self._ticket = ticket
        row_result = super().import_row(row, instance_loader, **kwargs)
        result = ticket.result
        if row_result.import_type == row_result.IMPORT_TYPE_INVALID:
            result.status = Status.ERROR
            errors = row_result.validation_error.message_dict
            prefix = _("第%(line)d行：") % {"line": ticket.line}
            # In the sheet's column order, the row number first (第4行：缺少工单编号).
            result.messages = [
                prefix + message for f in self.headers for message in errors.get(f, [])
            ]
            result.filing = None
        elif row_result.errors:
            raise row_result.errors[0].error
        self.rows.append(result)
        if self.on_progress and len(self.rows) % PROGRESS_EVERY == 0:
            self.on_progress(len(self.rows), self._filed_rows)
        return row_result

    def get_or_init_instance(self, instance_loader, row):
        return self._ticket, True

    def import_instance(self, instance: Ticket, row, **kwargs):
        result = instance.result
        # What the preview shows even of a row with errors.
        result.ticket = _text(row.get(self.headers[Field.SOURCE_TICKET_NUMBER]))
        result.place = _text(row.get(self.headers[Field.PLACE]))
        if Field.PETITIONER_NAME in self.headers:
            result.petitioner_name = _text(row.get(self.headers[Field.PETITIONER_NAME]))
        try:
            self._clean_cells(instance, row)
        finally:
            result.received_at = instance.received_at or parse_datetime(
                row.get(self.headers[Field.RECEIVED_AT])
            )
        if isinstance(instance.category, Unmatched):
            result.warnings.append(
                _("%(column)s“%(value)s”没有对应的问题类别，导入后请补充分类。")
                % {"column": self.headers[Field.CATEGORY], "value": instance.category[:40]}
            )
            instance.category = None
        default_kind = Kind.SUPERIOR.value if self.channel.is_superior_assigned else ""
        if isinstance(instance.kind, Unmatched):
            result.warnings.append(
                _("%(column)s“%(value)s”无法识别，按“%(default)s”登记。")
                % {
                    "column": self.headers[Field.KIND],
                    "value": instance.kind[:40],
                    "default": Kind(default_kind).label if default_kind else _("未分类"),
                }
            )
            instance.kind = ""
        instance.kind = instance.kind or default_kind

    def _clean_cells(self, instance: Ticket, row) -> None:
        """What Resource.import_instance does (each field's widget cleans its cell; the errors
        gathered into one ValidationError by field), without its per-cell indirections
        (import_field, Field.save, Field.clean), which cost as much as the checks themselves
        on 100,000 rows."""
        errors = {}
        for name, column in self._cells:
            try:
                setattr(instance, name, column.widget.clean(row[column.column_name], row=row))
            except ValueError as error:
                errors[name] = ValidationError(str(error), code="invalid")
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance: Ticket, original, row, import_validation_errors=None) -> bool:
        """A ticket already in the ledger, or earlier in the same file, is a duplicate."""
        result = instance.result
        if not result.ticket:
            return False
        if number := self._in_ledger.get(result.ticket):
            result.status, result.existing_number = Status.DUPLICATE, number
            result.messages = [
                _("第%(line)d行：工单编号 %(ticket)s 已登记为案件 %(number)s，不再导入。")
                % {"line": result.line, "ticket": result.ticket, "number": number}
            ]
            return True
        if first := self._first_line.get(result.ticket):
            result.status = Status.DUPLICATE
            result.messages = [
                _("第%(line)d行：工单编号 %(ticket)s 与第%(first)d行相同，只导入第%(first)d行。")
                % {"line": result.line, "ticket": result.ticket, "first": first}
            ]
            return True
        self._first_line[result.ticket] = result.line
        return False

    def before_save_instance(self, instance: Ticket, row, **kwargs):
        petitioners = []
        name, phone = instance.petitioner_name or "", instance.petitioner_phone or ""
        if name or phone:
            petitioners.append(
                PetitionerData(name=name, phone=phone, address=instance.petitioner_address or "")
            )
        instance.result.filing = Filing(
            channel=self.channel,
            received_at=instance.received_at,
            kind=instance.kind,
            categories=[instance.category] if instance.category else [],
            petitioners=petitioners,
            # The superior channel keeps the caller's details; without a phone the acceptance
            # notice cannot be sent and its limit does not run against us (第十五条).
            contact_unclear=not phone,
            place=instance.place,
            reported_party=instance.reported_party or "",
            description=instance.description,
            demands=instance.demands or "",
            source_ticket_number=instance.source_ticket_number,
            source_deadline=instance.source_deadline,
        )

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """The batch hook: the new rows go to the batch filing service (not in a dry run)."""
        batch = [t.result for t in self.create_instances]
        self.create_instances.clear()
        if dry_run or not batch:
            return
        created, late = file_ticket_batch(self.channel, batch, user=self.user)
        self.created.extend(created)
        self.late_duplicates += late
        self._filed_rows += len(batch)
        if self.on_progress:
            self.on_progress(len(self.rows), self._filed_rows)


def _resource_run(sheet: ParsedSheet, *, dry_run: bool, user=None, **options) -> TicketResource:
    resource = TicketResource(sheet, user=user, **options)
    outcome = resource.import_data(resource.dataset(sheet), dry_run=dry_run)
    if outcome.base_errors:
        raise outcome.base_errors[0].error
    return resource


def preview_rows(
    sheet: ParsedSheet, *, on_progress: Callable[[int, int], None] | None = None
) -> Preview:
    """The dry run: every row with what would happen to it. Writes nothing."""
    resource = _resource_run(sheet, dry_run=True, on_progress=on_progress)
    return Preview(
        channel=sheet.channel, rows=resource.rows, missing_optional=sheet.missing_optional
    )


def import_sheet(
    sheet: ParsedSheet,
    *,
    user,
    on_progress: Callable[[int, int], None] | None = None,
    batch_size: int | None = None,
) -> tuple[Preview, ImportResult]:
    """Check every row again and file the new ones, batch by batch (`TicketResource`).

    A batch is committed as a whole: an unexpected error rolls back its own batch only; the
    batches committed before it stay, and importing the file again files the rest.
    """
    resource = _resource_run(
        sheet, dry_run=False, user=user, on_progress=on_progress, batch_size=batch_size
    )
    rows = resource.rows
    preview = Preview(channel=sheet.channel, rows=rows, missing_optional=sheet.missing_optional)
    result = ImportResult(created=resource.created, duplicates=resource.late_duplicates)
    result.skipped = sum(1 for r in rows if r.status != Status.NEW) - len(result.duplicates)
    return preview, result


# --- filing --------------------------------------------------------------------------------


def file_filings(filings: Sequence[Filing], *, user) -> list[Case]:
    """The seam to the filing service: one batch of filings, numbered in order (批量登记).

    The one way to file a case: the batch form of the service the intake forms use. The
    import keeps the cases' ids only, so their petitioners are not attached to them."""
    return file_cases(filings, user=user, prefetch_petitioners=False)


def file_ticket_batch(
    channel: Channel, rows: Sequence[RowResult], *, user
) -> tuple[list[Case], list[RowResult]]:
    """File one batch of new rows in one transaction; (the cases, the rows filed meanwhile).

    The channel row is locked and each ticket looked up again first, so two imports of the
    same file at once cannot both file a ticket (on SQLite the IMMEDIATE transaction
    serialises them the same way).
    """
    with transaction.atomic():
        list(Channel.objects.select_for_update().filter(pk=channel.pk).values_list("pk"))
        in_ledger = existing_tickets(channel, (r.ticket for r in rows))
        late, todo = [], []
        for row in rows:
            if number := in_ledger.get(row.ticket):
                row.status, row.existing_number = Status.DUPLICATE, number
                late.append(row)
            else:
                todo.append(row)
        filings = [row.filing for row in todo if row.filing is not None]
        created = file_filings(filings, user=user)
    for row in todo:
        # Filed: the row keeps what the preview and the job's report show, not the filing.
        row.filing = None
    return created, late


def import_rows(
    preview: Preview, *, user, rows_per_transaction: int = FILING_BATCH_SIZE
) -> ImportResult:
    """File the new rows of an earlier dry run, `rows_per_transaction` per batch."""
    result = ImportResult()
    pending = [r for r in preview.rows if r.status == Status.NEW and r.filing is not None]
    result.skipped = len(preview.rows) - len(pending)
    size = max(1, rows_per_transaction)
    for start in range(0, len(pending), size):
        created, late = file_ticket_batch(preview.channel, pending[start : start + size], user=user)
        result.created.extend(created)
        result.duplicates += late
    return result
