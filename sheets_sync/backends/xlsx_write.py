"""Fill an openpyxl worksheet from a KpiGrid: values, number formats, styles, note, chart."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.grid import KpiGrid, Style
from sheets_sync.number_formats import pattern

FILLS: dict[Style, str] = {"header": "DDEBF7", "section": "F2F2F2", "bottleneck": "FCE4D6",
                           "warning": "FFF2CC"}
FONTS: dict[Style, Font] = {
    "title": Font(bold=True, size=14),
    "header": Font(bold=True),
    "section": Font(bold=True, size=12),
    "bold": Font(bold=True),
    "bottleneck": Font(bold=True, color="C00000"),
    "muted": Font(italic=True, color="808080"),
    "warning": Font(color="9C5700"),
}


def fill_sheet(ws: Worksheet, grid: KpiGrid, locale: str) -> None:
    for row in grid.rows:
        # openpyxl would store a string starting with "=" as a formula: a lead named
        # "=IMPORTXML(...)" must stay text, so such strings are written with the text type.
        ws.append(list(row))
    for r, row in enumerate(grid.rows, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str) and value.startswith("="):
                cell = ws.cell(r, c)
                cell.value = value
                cell.data_type = "s"
    for block in grid.blocks:
        for r in range(block.row + 1, block.row + block.rows + 1):
            for c in range(block.col + 1, block.col + block.cols + 1):
                cell = ws.cell(r, c)
                if block.kind:
                    cell.number_format = pattern(block.kind, locale)
                if block.style:
                    cell.font = FONTS[block.style]
                    if block.style in FILLS:
                        cell.fill = PatternFill("solid", fgColor=FILLS[block.style])
    for i, width in enumerate(grid.column_widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = round(width / 7, 1)
    if grid.note:
        ws["A1"].comment = Comment(grid.note, "sheets-sync")
    if grid.chart:
        spec = grid.chart
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = spec.title
        chart.y_axis.scaling.orientation = "minMax"
        chart.x_axis.scaling.orientation = "maxMin"  # first stage on top, like a funnel
        top, bottom = spec.header_row + 1, spec.header_row + 1 + spec.data_rows
        data = Reference(ws, min_col=spec.value_col + 1, min_row=top, max_row=bottom)
        labels = Reference(ws, min_col=spec.label_col + 1, min_row=top + 1, max_row=bottom)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(labels)
        chart.legend = None
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, f"{get_column_letter(spec.anchor_col + 1)}{spec.anchor_row + 1}")
    ws.freeze_panes = None
