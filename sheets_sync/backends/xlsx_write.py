"""Fill an openpyxl worksheet from a KpiGrid: values, number formats, styles, widths, note, chart,
hidden rows and protection."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.comments import Comment
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.grid import ChartSpec, KpiGrid, Style
from sheets_sync.number_formats import pattern

FILLS: dict[Style, str] = {"header": "DDEBF7", "section": "F2F2F2", "bottleneck": "FCE4D6",
                           "warning": "FFF2CC"}
FONT = "Calibri"  # the workbook default: without a name some applications fall back to a serif
FONTS: dict[Style, Font] = {
    "title": Font(FONT, bold=True, size=14),
    "header": Font(FONT, bold=True),
    "section": Font(FONT, bold=True, size=12),
    "bold": Font(FONT, bold=True),
    "bottleneck": Font(FONT, bold=True, color="C00000"),
    "muted": Font(FONT, italic=True, color="808080"),
    "warning": Font(FONT, bold=True, color="9C5700"),
}
WRAP = Alignment(wrap_text=True, vertical="top")  # headers: columns are sized by their values
PX_PER_WIDTH_UNIT = 7  # an .xlsx column width counts digit widths of the 11-pt default font
LINE_POINTS = 15  # the default row height of an 11-pt font


def fill_sheet(ws: Worksheet, grid: KpiGrid, locale: str) -> None:
    for row in grid.rows:
        ws.append(list(row))
    for r, row in enumerate(grid.rows, start=1):
        for c, value in enumerate(row, start=1):
            # openpyxl would store a string starting with "=" as a formula: a lead named
            # "=IMPORTXML(...)" must stay text, so such strings are written with the text type.
            if isinstance(value, str) and value.startswith("="):
                cell = ws.cell(r, c)
                cell.value = value
                cell.data_type = "s"
    for block in grid.blocks:
        for r in range(block.row + 1, block.row + block.rows + 1):
            for c in range(block.col + 1, block.col + block.cols + 1):
                cell = ws.cell(r, c)
                if block.kind:
                    cell.number_format = pattern(block.kind, locale, grid.currency)
                if block.style:
                    cell.font = FONTS[block.style]
                    if block.style in FILLS:
                        cell.fill = PatternFill("solid", fgColor=FILLS[block.style])
                    if block.style == "header":
                        cell.alignment = WRAP
    for i, width in enumerate(grid.column_widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = round(width / PX_PER_WIDTH_UNIT, 1)
    for r, lines in grid.row_lines:
        ws.row_dimensions[r + 1].height = LINE_POINTS * lines
    if grid.hidden_from is not None:
        for r in range(grid.hidden_from + 1, grid.height + 1):
            ws.row_dimensions[r].hidden = True
    if grid.note:
        ws["A1"].comment = Comment(grid.note, "sheets-sync")
    if grid.chart:
        ws.add_chart(funnel_chart(ws, grid.chart, locale, grid.currency))
    ws.freeze_panes = None
    # No password: like the warning-only protection in Sheets, it stops an edit by mistake
    # (and the unhiding of the sync's rows), not a person who means it.
    ws.protection.sheet = True


def funnel_chart(ws: Worksheet, spec: ChartSpec, locale: str,
                 currency: str | None = None) -> BarChart:
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = spec.title
    chart.x_axis.scaling.orientation = "maxMin"  # first stage on top, like a funnel
    chart.y_axis.scaling.min = 0
    chart.y_axis.number_format = "0%"
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
    top, bottom = spec.first_row + 1, spec.first_row + spec.data_rows
    data = Reference(ws, min_col=spec.value_col + 1, min_row=top, max_row=bottom)
    labels = Reference(ws, min_col=spec.label_col + 1, min_row=top, max_row=bottom)
    chart.add_data(data, titles_from_data=False)
    chart.set_categories(labels)
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showVal = True
    chart.dataLabels.showCatName = chart.dataLabels.showSerName = False
    chart.dataLabels.showLegendKey = chart.dataLabels.showPercent = False
    chart.dataLabels.numFmt = pattern(spec.kind, locale, currency)
    chart.legend = None
    # Two cells, not one cell and a size: the chart stretches over exactly the blank cells the
    # renderer kept for it, whatever row heights the application uses.
    chart.anchor = TwoCellAnchor(
        _from=AnchorMarker(col=spec.anchor_col, row=spec.anchor_row),
        to=AnchorMarker(col=spec.end_col, row=spec.end_row))
    return chart
