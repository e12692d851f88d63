"""The one spreadsheets.batchUpdate that replaces the KPI tab whole.

Google applies a batchUpdate atomically (all requests or none), so a failure anywhere leaves the
previous KPI tab as it was. Values go in as userEnteredValue of the typed kind (numberValue,
stringValue, boolValue): never formulaValue, so a lead named "=IMPORTXML(...)" stays text.
"""

from __future__ import annotations

import zlib
from typing import Any

from sheets_sync.backends.base import Layout
from sheets_sync.grid import Block, CellValue, KpiGrid, Style
from sheets_sync.number_formats import SHEETS_TYPES, pattern

CELL_FIELDS = "userEnteredValue,userEnteredFormat,note"
ROW_PX = 21  # Sheets' default row height
STYLE_FORMATS: dict[Style, dict[str, Any]] = {
    "title": {"textFormat": {"bold": True, "fontSize": 14}},
    "header": {"textFormat": {"bold": True}, "wrapStrategy": "WRAP", "verticalAlignment": "TOP",
               "backgroundColor": {"red": 0.867, "green": 0.922, "blue": 0.969}},
    "section": {"textFormat": {"bold": True, "fontSize": 12},
                "backgroundColor": {"red": 0.949, "green": 0.949, "blue": 0.949}},
    "bold": {"textFormat": {"bold": True}},
    "bottleneck": {"textFormat": {"bold": True, "foregroundColor": {"red": 0.753}},
                   "backgroundColor": {"red": 0.988, "green": 0.894, "blue": 0.839}},
    "muted": {"textFormat": {"italic": True,
                             "foregroundColor": {"red": 0.5, "green": 0.5, "blue": 0.5}}},
    "warning": {"textFormat": {"bold": True, "foregroundColor": {"red": 0.612, "green": 0.341}},
                "backgroundColor": {"red": 1.0, "green": 0.949, "blue": 0.8}},
}


def new_sheet_id(title: str, taken: set[int]) -> int:
    """A stable id for a new output tab, so later requests of the same batch can name it."""
    sid = zlib.crc32(title.encode()) & 0x7FFFFFFF
    while sid in taken or sid == 0:
        sid = (sid + 1) & 0x7FFFFFFF
    return sid


def typed_value(v: CellValue) -> dict[str, Any] | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int | float):
        return {"numberValue": v}
    return {"stringValue": str(v)}


def cell_formats(grid: KpiGrid, locale: str) -> dict[tuple[int, int], dict[str, Any]]:
    formats: dict[tuple[int, int], dict[str, Any]] = {}
    block: Block
    for block in grid.blocks:
        extra: dict[str, Any] = {}
        if block.kind:
            extra["numberFormat"] = {"type": SHEETS_TYPES[block.kind],
                                     "pattern": pattern(block.kind, locale, grid.currency)}
        if block.style:
            extra.update(STYLE_FORMATS[block.style])
        for r in range(block.row, block.row + block.rows):
            for c in range(block.col, block.col + block.cols):
                formats.setdefault((r, c), {}).update(extra)
    return formats


def row_data(grid: KpiGrid, locale: str) -> list[dict[str, Any]]:
    formats = cell_formats(grid, locale)
    rows = []
    for r, row in enumerate(grid.rows):
        cells = []
        for c in range(grid.width):
            v = row[c] if c < len(row) else None
            cell: dict[str, Any] = {}
            tv = typed_value(v)
            if tv is not None:
                cell["userEnteredValue"] = tv
            if (r, c) in formats:
                cell["userEnteredFormat"] = formats[(r, c)]
            if r == 0 and c == 0 and grid.note:
                cell["note"] = grid.note
            cells.append(cell)
        rows.append({"values": cells})
    return rows


def chart_request(grid: KpiGrid, sheet_id: int) -> dict[str, Any]:
    spec = grid.chart
    assert spec is not None

    def source(col: int) -> dict[str, Any]:
        return {"sourceRange": {"sources": [{
            "sheetId": sheet_id, "startRowIndex": spec.first_row,
            "endRowIndex": spec.first_row + spec.data_rows,
            "startColumnIndex": col, "endColumnIndex": col + 1}]}}

    width = sum(grid.column_widths[spec.anchor_col:spec.end_col])
    lines = dict(grid.row_lines)
    height = sum(ROW_PX * lines.get(r, 1) for r in range(spec.anchor_row, spec.end_row))
    return {"addChart": {"chart": {
        "spec": {"title": spec.title, "basicChart": {
            "chartType": "BAR", "legendPosition": "NO_LEGEND", "headerCount": 0,
            "axis": [{"position": "BOTTOM_AXIS", "viewWindowOptions": {"viewWindowMin": 0}},
                     {"position": "LEFT_AXIS"}],
            "domains": [{"domain": source(spec.label_col), "reversed": True}],
            "series": [{"series": source(spec.value_col), "targetAxis": "BOTTOM_AXIS",
                        "dataLabel": {"type": "DATA"}}],
        }},
        # The renderer keeps these cells blank: the chart covers no written cell.
        "position": {"overlayPosition": {"anchorCell": {
            "sheetId": sheet_id, "rowIndex": spec.anchor_row, "columnIndex": spec.anchor_col},
            "widthPixels": width, "heightPixels": height}},
    }}}


def _dimension(sheet_id: int, dimension: str, start: int, end: int,
               properties: dict[str, Any]) -> dict[str, Any]:
    return {"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": dimension, "startIndex": start,
                  "endIndex": end},
        "properties": properties, "fields": ",".join(properties)}}


def dimension_requests(grid: KpiGrid, sheet_id: int, rows: int) -> list[dict[str, Any]]:
    """Column widths; row heights and hidden rows, every row reset first, since a row keeps
    its height and its hidden flag when the tab is rewritten under it."""
    reqs = [_dimension(sheet_id, "COLUMNS", i, i + 1, {"pixelSize": width})
            for i, width in enumerate(grid.column_widths)]
    reqs.append(_dimension(sheet_id, "ROWS", 0, rows,
                           {"pixelSize": ROW_PX, "hiddenByUser": False}))
    reqs += [_dimension(sheet_id, "ROWS", r, r + 1, {"pixelSize": ROW_PX * lines})
             for r, lines in grid.row_lines]
    if grid.hidden_from is not None and grid.hidden_from < rows:
        reqs.append(_dimension(sheet_id, "ROWS", grid.hidden_from, rows,
                               {"hiddenByUser": True}))
    return reqs


def write_requests(grid: KpiGrid, layout: Layout, sheet_id: int | None) -> list[dict[str, Any]]:
    rows, cols = max(grid.height, 1), max(grid.width, len(grid.column_widths), 1)
    if grid.chart:
        cols = max(cols, grid.chart.end_col)
        rows = max(rows, grid.chart.end_row)
    grid_props = {"rowCount": rows, "columnCount": cols}
    reqs: list[dict[str, Any]] = []
    if sheet_id is None:
        sheet_id = new_sheet_id(grid.title, set(layout.sheet_ids.values()))
        reqs.append({"addSheet": {"properties": {
            "sheetId": sheet_id, "title": grid.title, "gridProperties": grid_props}}})
        protected: tuple[int, ...] = ()
    else:
        protected = layout.output_protected
        reqs += [{"deleteEmbeddedObject": {"objectId": cid}} for cid in layout.output_charts]
        reqs.append({"updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "gridProperties": grid_props},
            "fields": "gridProperties(rowCount,columnCount)"}})
        reqs.append({"updateCells": {"range": {"sheetId": sheet_id}, "fields": CELL_FIELDS}})
    reqs.append({"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
        "rows": row_data(grid, layout.locale), "fields": CELL_FIELDS}})
    reqs += dimension_requests(grid, sheet_id, rows)
    if grid.chart:
        reqs.append(chart_request(grid, sheet_id))
    if grid.protection and not protected:
        reqs.append({"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": sheet_id}, "description": grid.protection,
            "warningOnly": True}}})
    return reqs
