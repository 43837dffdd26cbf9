"""The reports as XLSX workbooks, with the same figures as the pages."""

from __future__ import annotations

import datetime as dt
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _g
from openpyxl import Workbook

from petitions.reports.figures import DepartmentRow, Rate, Report


def _sheet(wb, title: str, headings: list[str], rows):
    ws = wb.create_sheet(title=title[:31])
    ws.append([str(h) for h in headings])
    for row in rows:
        ws.append([_cell(v) for v in row])
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                # Text is text: a name beginning with “=” is never read as a formula.
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    return ws


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, Rate):
        return value.percent if value.percent is not None else ""
    if isinstance(value, (int, float, dt.date)):
        return value
    return str(value)


def _rows(rows):
    return [(row.label, row.count) for row in rows]


def period_workbook(report: Report):
    """The quarterly report or bulletin as a workbook: one sheet per table."""

    wb = Workbook()
    wb.remove(wb.active)
    c, t = report.counts, report.on_time
    _sheet(
        wb,
        _g("概况"),
        [_g("项目"), _g("数值")],
        [
            (_g("期间"), report.period.label),
            (_g("收到信访事项"), c.total),
            (_g("重要信访案件"), c.important),
            (_g("期间受理"), report.handling.accepted),
            (_g("期间答复"), report.handling.replied),
            (_g("受理按期率（%）"), t.acceptance),
            (_g("答复按期率（%）"), t.reply),
            (_g("复查复核意见按期率（%）"), t.review),
            (_g("逾期案件"), t.overdue_cases),
            (_g("抽查"), report.spot_checks.total),
            (_g("约谈"), report.talks),
            (_g("满意度评价数"), report.satisfaction.count),
            (_g("平均满意度（1-5）"), report.satisfaction.average),
        ],
    )
    heading = [_g("项目"), _g("件数")]
    _sheet(wb, _g("按渠道"), heading, _rows(c.by_channel))
    _sheet(wb, _g("按类型"), heading, _rows(c.by_kind))
    _sheet(wb, _g("按类别"), heading, _rows(c.by_category))
    _sheet(wb, _g("按科室"), heading, _rows(c.by_department))
    _sheet(wb, _g("按结果"), heading, _rows(c.by_outcome))
    _sheet(
        wb,
        _g("按期率"),
        [_g("事项"), _g("按期"), _g("逾期"), _g("按期率（%）")],
        [
            (_g("受理告知"), t.acceptance.on_time, t.acceptance.late, t.acceptance),
            (_g("答复"), t.reply.on_time, t.reply.late, t.reply),
            (_g("复查复核意见"), t.review.on_time, t.review.late, t.review),
        ],
    )
    _sheet(
        wb,
        _g("逾期案件"),
        [_g("编号"), _g("承办科室"), _g("事项"), _g("期限"), _g("办理日期")],
        [
            (i.number, i.department, i.label, i.due_on, i.done_on or _g("未办"))
            for i in report.overdue
        ],
    )
    _sheet(
        wb,
        _g("重要案件"),
        [_g("编号"), _g("承办科室"), _g("收到日期"), _g("状态"), _g("重要情形")],
        [
            (i.number, i.department, i.received_on, i.state, "、".join(i.reasons))
            for i in report.important
        ],
    )
    r = report.reviews
    _sheet(
        wb,
        _g("复查复核"),
        [_g("事项"), _g("请求"), _g("已出具意见"), _g("其中变更或撤销"), _g("办理中")],
        [
            (
                _g("复查"),
                r.review_requested,
                r.review_replied,
                r.review_overturned,
                r.review_pending,
            ),
            (
                _g("复核"),
                r.re_review_requested,
                r.re_review_replied,
                r.re_review_overturned,
                r.re_review_pending,
            ),
        ],
    )
    _sheet(wb, _g("满意度"), [_g("评价"), _g("件数")], _rows(report.satisfaction.distribution))
    _sheet(wb, _g("抽查"), [_g("结论"), _g("件数")], _rows(report.spot_checks.by_finding))
    _sheet(wb, _g("科室"), *_department_table(report.departments))
    return wb


def _department_table(rows: list[DepartmentRow]):
    headings = [
        _g("科室"),
        _g("承办量"),
        _g("重要案件"),
        _g("受理按期率（%）"),
        _g("答复按期率（%）"),
        _g("逾期案件"),
        _g("复查请求"),
        _g("复核请求"),
        _g("复查复核改变"),
        _g("抽查"),
        _g("抽查发现问题"),
        _g("满意度评价数"),
        _g("平均满意度"),
        _g("约谈"),
    ]
    body = [
        (
            r.name,
            r.volume,
            r.important,
            r.acceptance,
            r.reply,
            r.overdue_cases,
            r.review_requested,
            r.re_review_requested,
            r.overturned,
            r.spot_checks.total,
            r.spot_checks.with_problems,
            r.satisfaction.count,
            r.satisfaction.average,
            r.talks,
        )
        for r in rows
    ]
    return headings, body


def yearly_workbook(rows: list[DepartmentRow]):

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, _g("科室考评"), *_department_table(rows))
    return wb


def xlsx_response(wb, name: str) -> HttpResponse:
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
