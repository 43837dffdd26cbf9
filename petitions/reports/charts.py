"""Charts drawn on the server as inline SVG (统计图): no script, no CDN, prints as it shows.

Each chart is an `<svg role="img">` with a `<title>` and an aria-label; every bar has its own
`<title>` with the label and the number. The pages that use a chart also show its numbers in a
table, so nothing depends on seeing the picture. Labels are escaped: they come from
configuration (department, channel and category names) that an administrator types.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

_ids = itertools.count(1)

BAR_COLOUR = "#007d7e"
GOOD, FAIR, POOR = "#1b7f3b", "#c77700", "#cd4444"
ROW_HEIGHT = 26
BAR_HEIGHT = 18
LABEL_WIDTH = 150
VALUE_WIDTH = 70
TITLE_HEIGHT = 28
LABEL_CHARS = 11


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _number(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.1f}%"
    return f"{value:g}"


def rate_colour(percent: float) -> str:
    """按期率 colours: green from 90 %, amber from 70 %, red below."""
    if percent >= 90:
        return GOOD
    if percent >= 70:
        return FAIR
    return POOR


def bar_chart(
    rows: Sequence[tuple[str, float | None]],
    *,
    title: str,
    percent: bool = False,
    width: int = 520,
) -> SafeString:
    """A horizontal bar chart of (label, value) rows; `percent` draws 0–100 % rates.

    A row whose value is None (a rate with nothing due) is listed with “—” and no bar.
    """
    chart_id = f"chart-{next(_ids)}"
    title_text = escape(title)
    values = [v for _label, v in rows if v is not None]
    top = 100.0 if percent else max([*values, 0])
    if not rows:
        height = TITLE_HEIGHT + ROW_HEIGHT
        # Every text in it is escaped and every other value a number.
        return mark_safe(  # noqa: S308
            f'<svg class="report-chart" role="img" aria-labelledby="{chart_id}-t" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{chart_id}-t">{title_text}</title>'
            f'<text x="0" y="18" font-size="14" font-weight="bold">{title_text}</text>'
            f'<text x="0" y="{TITLE_HEIGHT + 17}" font-size="13">{escape(_("暂无数据"))}</text>'
            "</svg>"
        )
    bar_area = width - LABEL_WIDTH - VALUE_WIDTH
    height = TITLE_HEIGHT + ROW_HEIGHT * len(rows) + 6
    described = "；".join(
        f"{label}：{'—' if value is None else _number(value, percent)}" for label, value in rows
    )
    parts = [
        f'<svg class="report-chart" role="img" aria-labelledby="{chart_id}-t" '
        f'aria-label="{escape(title)}：{escape(described)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">',
        f'<title id="{chart_id}-t">{title_text}</title>',
        f'<text x="0" y="18" font-size="14" font-weight="bold">{title_text}</text>',
        # The axis: where every bar starts.
        f'<line x1="{LABEL_WIDTH}" y1="{TITLE_HEIGHT - 2}" x2="{LABEL_WIDTH}" '
        f'y2="{height - 4}" stroke="#888" stroke-width="1"/>',
    ]
    for i, (label, value) in enumerate(rows):
        y = TITLE_HEIGHT + i * ROW_HEIGHT
        text_y = y + BAR_HEIGHT - 4
        shown = "—" if value is None else _number(value, percent)
        full = escape(f"{label}：{shown}")
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{text_y}" font-size="12" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
        )
        if value:
            # A small value still shows: one pixel at least.
            length = max(bar_area * value / top, 1)
            colour = rate_colour(value) if percent else BAR_COLOUR
            parts.append(
                f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
                f'height="{BAR_HEIGHT}" fill="{colour}"><title>{full}</title></rect>'
            )
            value_x = LABEL_WIDTH + length + 4
        else:
            value_x = LABEL_WIDTH + 4
        parts.append(f'<text x="{value_x:.1f}" y="{text_y}" font-size="12">{escape(shown)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels and values escaped above


def count_chart(rows, *, title: str, width: int = 520) -> SafeString:
    """Counts from report rows (objects with `label` and `count`)."""
    return bar_chart([(row.label, row.count) for row in rows], title=title, width=width)


def rate_chart(rates: Sequence[tuple[str, object]], *, title: str, width: int = 520) -> SafeString:
    """On-time rates (objects with `percent`, None when nothing was due)."""
    return bar_chart(
        [(label, rate.percent) for label, rate in rates], title=title, percent=True, width=width
    )
