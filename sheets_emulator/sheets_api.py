"""spreadsheets.get and spreadsheets.create: the Spreadsheet resource, grid data, field masks."""

from __future__ import annotations

import copy
from typing import Any

from . import cells, defaults, fieldmask, formulas, groups, numfmt
from .errors import BAD_REQUEST_TYPE, ApiError
from .params import boolean
from .ranges import Target, resolve
from .store import CellError, Sheet, Spreadsheet, new_sheet_id, new_spreadsheet

_TOP_FIELDS = {
    "spreadsheetId", "properties", "sheets", "namedRanges", "spreadsheetUrl",
    "developerMetadata", "dataSources", "dataSourceSchedules",
}


def mask_from(fields: str | None) -> fieldmask.Tree | None:
    if not fields:
        return None
    try:
        tree = fieldmask.parse(fields)
    except fieldmask.MaskError:
        raise _mask_error(fields) from None
    for name in tree:
        if name not in _TOP_FIELDS and name != "*":
            raise _mask_error(name)
    return tree


def _mask_error(path: str) -> ApiError:
    description = (
        f"Error expanding 'fields' parameter. Cannot find matching fields for path '{path}'."
    )
    return ApiError(
        400,
        "Request contains an invalid argument.",
        details=[{"@type": BAD_REQUEST_TYPE,
                  "fieldViolations": [{"field": "fields", "description": description}]}],
    )


def get(book: Spreadsheet, args: Any) -> dict[str, Any]:
    tree = mask_from(args.get("fields"))
    include = boolean(args.get("includeGridData"), "includeGridData")
    if tree is not None and "data" in tree.get("sheets", {}):
        include = True
    ranges = [resolve(book, r) for r in args.getlist("ranges")]
    body = resource(book, include, ranges)
    return fieldmask.select(body, tree) if tree is not None else body


def resource(book: Spreadsheet, include_grid: bool = False,
             ranges: list[Target] | None = None) -> dict[str, Any]:
    sheets_out = []
    for sheet in book.sheets:
        targets = [t for t in ranges or [] if t.sheet is sheet]
        if ranges and not targets:
            continue
        sheets_out.append(sheet_resource(book, sheet, include_grid, targets))
    body: dict[str, Any] = {
        "spreadsheetId": book.id,
        "properties": copy.deepcopy(book.props),
        "sheets": sheets_out,
    }
    if book.named_ranges:
        body["namedRanges"] = copy.deepcopy(book.named_ranges)
    body["spreadsheetUrl"] = book.url()
    return body


def sheet_resource(book: Spreadsheet, sheet: Sheet, include_grid: bool,
                   targets: list[Target]) -> dict[str, Any]:
    out: dict[str, Any] = {"properties": defaults.ordered_sheet_properties(sheet.props)}
    if include_grid:
        if not targets:
            targets = [Target(sheet, None, None, None, None)]
        out["data"] = [grid_data(book, t) for t in targets]
    if sheet.merges:
        out["merges"] = copy.deepcopy(sheet.merges)
    if sheet.protected:
        out["protectedRanges"] = copy.deepcopy(sheet.protected)
    if sheet.basic_filter:
        out["basicFilter"] = copy.deepcopy(sheet.basic_filter)
    if sheet.charts:
        out["charts"] = copy.deepcopy(sheet.charts)
    out.update(groups.resource(sheet))
    return out


def grid_data(book: Spreadsheet, target: Target) -> dict[str, Any]:
    sheet = target.sheet
    r0, r1, c0, c1 = target.clipped()
    data: dict[str, Any] = {}
    if r0:
        data["startRow"] = r0
    if c0:
        data["startColumn"] = c0
    row_data: list[dict[str, Any]] = []
    for r in range(r0, r1):
        values = [cell_data(book, sheet, r, c) for c in range(c0, c1)]
        while values and not values[-1]:
            values.pop()
        row_data.append({"values": values} if values else {})
    while row_data and not row_data[-1]:
        row_data.pop()
    if row_data:
        data["rowData"] = row_data
    data["rowMetadata"] = [_dim_meta(sheet.row_meta.get(r), defaults.ROW_PIXELS)
                           for r in range(r0, r1)]
    data["columnMetadata"] = [_dim_meta(sheet.col_meta.get(c), defaults.COL_PIXELS)
                              for c in range(c0, c1)]
    return data


def _dim_meta(meta: dict[str, Any] | None, pixels: int) -> dict[str, Any]:
    out: dict[str, Any] = {"pixelSize": pixels}
    if meta:
        out.update(meta)
    return out


def typed(value: Any) -> dict[str, Any]:
    """A value as ExtendedValue JSON."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    if isinstance(value, CellError):
        return {"errorValue": {"type": value.kind, "message": value.message}}
    return {"stringValue": str(value)}


def cell_data(book: Spreadsheet, sheet: Sheet, r: int, c: int) -> dict[str, Any]:
    value = formulas._get(sheet, r, c)
    extra = sheet.extras.get(r, {}).get(c)
    out: dict[str, Any] = {}
    if extra and "f" in extra:
        out["userEnteredValue"] = {"formulaValue": extra["f"]}
    elif value is not None:
        out["userEnteredValue"] = typed(value)
    if value is not None:
        out["effectiveValue"] = typed(value)
        out["formattedValue"] = cells.display(value, cells.number_format(extra), book.locale)
    user_fmt = extra.get("fmt") if extra else None
    if user_fmt:
        out["userEnteredFormat"] = copy.deepcopy(user_fmt)
    if value is not None or user_fmt:
        out["effectiveFormat"] = effective_format(book, value, extra)
    if extra and "note" in extra:
        out["note"] = extra["note"]
    return out


def effective_format(book: Spreadsheet, value: Any, extra: dict[str, Any] | None) -> dict[str, Any]:
    base = copy.deepcopy(book.props.get("defaultFormat", defaults.DEFAULT_FORMAT))
    user = (extra or {}).get("fmt") or {}
    _deep_merge(base, user)
    nf = cells.number_format(extra)
    out: dict[str, Any] = {}
    if nf:
        out["numberFormat"] = nf
    for key in ("backgroundColor", "borders", "padding"):
        if key in base:
            out[key] = base.pop(key)
    if "horizontalAlignment" in base:
        out["horizontalAlignment"] = base.pop("horizontalAlignment")
    elif value is not None:
        out["horizontalAlignment"] = (
            "CENTER" if isinstance(value, bool)
            else "RIGHT" if isinstance(value, (int, float)) else "LEFT"
        )
    out.update({k: v for k, v in base.items() if k != "backgroundColorStyle"})
    out["hyperlinkDisplayType"] = "PLAIN_TEXT"
    if "backgroundColorStyle" in base:
        out["backgroundColorStyle"] = base["backgroundColorStyle"]
    out.pop("numberFormat", None) if not nf else None
    return out


def _deep_merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    for k, v in source.items():
        if isinstance(v, dict) and isinstance(target.get(k), dict):
            _deep_merge(target[k], v)
        else:
            target[k] = copy.deepcopy(v)


def create(body: dict[str, Any], spreadsheet_id: str | None = None) -> Spreadsheet:
    """POST /v4/spreadsheets: a Spreadsheet resource in, a new spreadsheet out."""
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise ApiError(400, "Invalid value at 'spreadsheet.properties'")
    title = str(props.get("title") or "Untitled spreadsheet")
    locale = str(props.get("locale") or "en_US")
    book = new_spreadsheet(title, locale, props.get("timeZone"), spreadsheet_id=spreadsheet_id)
    for key, value in props.items():
        if key not in ("title", "locale", "timeZone"):
            book.props[key] = copy.deepcopy(value)
    sheets = body.get("sheets") or []
    if sheets:
        book.sheets = []
        taken: set[int] = set()
        for i, s in enumerate(sheets):
            sp = dict((s or {}).get("properties") or {})
            sid = sp.get("sheetId")
            if sid is None:
                sid = 0 if i == 0 else new_sheet_id(taken)
            taken.add(int(sid))
            grid = sp.get("gridProperties") or {}
            p = defaults.sheet_properties(
                int(sid), str(sp.get("title") or f"Sheet{i + 1}"), i,
                int(grid.get("rowCount", defaults.DEFAULT_ROWS)),
                int(grid.get("columnCount", defaults.DEFAULT_COLS)),
            )
            for key, value in sp.items():
                if key not in ("sheetId", "title", "index", "gridProperties"):
                    p[key] = copy.deepcopy(value)
            p["gridProperties"].update({k: v for k, v in grid.items()
                                        if k not in ("rowCount", "columnCount")})
            book.sheets.append(Sheet(props=p))
    return book


def locale_of(book: Spreadsheet) -> str:
    return numfmt.lang(book.locale)
