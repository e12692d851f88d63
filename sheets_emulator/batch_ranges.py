"""batchUpdate kinds about dimensions and ranges: append/insert/delete dimension, dimension
properties, auto-resize, merges, named and protected ranges, the basic filter, charts."""

from __future__ import annotations

import copy
import re
from typing import Any

from . import a1, defaults, dims, fieldmask, groups
from .batch_common import Handler, mask, sheet_of
from .errors import ApiError
from .ranges import Target, from_grid_range, grid_range, to_grid_range
from .store import Sheet, Spreadsheet, new_id

_NAME = re.compile(r"[A-Za-z_\u0400-\u04ff][\w.]*")


def _dim_range(book: Spreadsheet, p: dict[str, Any]) -> tuple[Sheet, str, int, int]:
    dr = p.get("range") or p.get("dimensions") or {}
    sheet = sheet_of(book, dr.get("sheetId"))
    dim = dr.get("dimension")
    if dim not in (dims.ROWS, dims.COLUMNS):
        raise ApiError(400, "Invalid dimension: must be ROWS or COLUMNS.")
    size = sheet.row_count if dim == dims.ROWS else sheet.col_count
    start = int(dr.get("startIndex", 0) or 0)
    end = int(dr.get("endIndex", size) if dr.get("endIndex") is not None else size)
    if start < 0 or end < start:
        raise ApiError(400, "Invalid dimension range: startIndex must be <= endIndex.")
    return sheet, dim, start, end


def append_dimension(book: Spreadsheet, p: dict[str, Any]) -> None:
    sheet = sheet_of(book, p.get("sheetId"))
    length = int(p.get("length") or 0)
    if length < 1:
        raise ApiError(400, "length must be at least 1.")
    if p.get("dimension") == dims.COLUMNS:
        dims.grow(book, sheet, sheet.row_count, sheet.col_count + length)
    elif p.get("dimension") == dims.ROWS:
        dims.grow(book, sheet, sheet.row_count + length, sheet.col_count)
    else:
        raise ApiError(400, "Invalid dimension: must be ROWS or COLUMNS.")
    return None


def insert_dimension(book: Spreadsheet, p: dict[str, Any]) -> None:
    sheet, dim, start, end = _dim_range(book, p)
    size = sheet.row_count if dim == dims.ROWS else sheet.col_count
    if start > size:
        raise ApiError(400, f"Cannot insert {dim.lower()} at index {start}: the sheet has "
                            f"only {size}.")
    if start == 0 and p.get("inheritFromBefore"):
        raise ApiError(400, "Cannot inherit properties from before when inserting at index 0.")
    dims.insert(book, sheet, dim, start, end - start)
    return None


def delete_dimension(book: Spreadsheet, p: dict[str, Any]) -> None:
    sheet, dim, start, end = _dim_range(book, p)
    size = sheet.row_count if dim == dims.ROWS else sheet.col_count
    if end > size:
        raise ApiError(400, f"Cannot delete {dim.lower()} past the end of the grid ({size}).")
    dims.delete(book, sheet, dim, start, end)
    return None


def update_dimension_properties(book: Spreadsheet, p: dict[str, Any]) -> None:
    tree = mask(p)
    sheet, dim, start, end = _dim_range(book, p)
    meta = sheet.row_meta if dim == dims.ROWS else sheet.col_meta
    props = p.get("properties") or {}
    for i in range(start, end):
        current = meta.get(i, {})
        fieldmask.update(current, props, tree)
        if not current.get("hiddenByUser"):
            current.pop("hiddenByUser", None)
        if current:
            meta[i] = current
        else:
            meta.pop(i, None)
    return None


def auto_resize_dimensions(book: Spreadsheet, p: dict[str, Any]) -> None:
    sheet, dim, start, end = _dim_range(book, p)
    for i in range(start, end):
        if dim == dims.COLUMNS:
            longest = max((len(str(r[i])) for r in sheet.rows if i < len(r) and r[i] is not None),
                          default=0)
            size = max(defaults.COL_PIXELS if not longest else 0, 7 * longest + 10)
            sheet.col_meta.setdefault(i, {})["pixelSize"] = size
        else:
            sheet.row_meta.setdefault(i, {})["pixelSize"] = defaults.ROW_PIXELS
    return None


def _rect(t: Target) -> tuple[int, int, int, int]:
    t.check_inside()
    return t.clipped()


def merge_cells(book: Spreadsheet, p: dict[str, Any]) -> None:
    t = from_grid_range(book, p.get("range") or {}, "range")
    r0, r1, c0, c1 = _rect(t)
    kind = p.get("mergeType") or "MERGE_ALL"
    if kind == "MERGE_ALL":
        pieces = [(r0, r1, c0, c1)]
    elif kind == "MERGE_COLUMNS":
        pieces = [(r0, r1, c, c + 1) for c in range(c0, c1)]
    elif kind == "MERGE_ROWS":
        pieces = [(r, r + 1, c0, c1) for r in range(r0, r1)]
    else:
        raise ApiError(400, f"Invalid merge type: {kind}")
    inside = []
    for m in t.sheet.merges:
        if (m["startRowIndex"] < r1 and r0 < m["endRowIndex"]
                and m["startColumnIndex"] < c1 and c0 < m["endColumnIndex"]):
            if not (r0 <= m["startRowIndex"] and m["endRowIndex"] <= r1
                    and c0 <= m["startColumnIndex"] and m["endColumnIndex"] <= c1):
                raise ApiError(400, "You can't merge cells that overlap an existing merge.")
            inside.append(m)
    # Google re-merges a range holding whole merges (recorded: MERGE_ROWS then MERGE_ALL)
    t.sheet.merges = [m for m in t.sheet.merges if not any(m is x for x in inside)]
    for a, b, c, d in pieces:
        if b - a == 1 and d - c == 1:
            continue
        t.sheet.merges.append(grid_range(t.sheet.id, a, b, c, d))
        # a merge keeps only its top-left value
        for r in range(a, b):
            t.sheet.changed(r)
            row = t.sheet.rows[r] if r < len(t.sheet.rows) else []
            for col in range(c, min(d, len(row))):
                if (r, col) != (a, c):
                    row[col] = None
    return None


def unmerge_cells(book: Spreadsheet, p: dict[str, Any]) -> None:
    t = from_grid_range(book, p.get("range") or {}, "range")
    r0, r1, c0, c1 = _rect(t)
    t.sheet.merges = [
        m for m in t.sheet.merges
        if not (r0 <= m["startRowIndex"] and m["endRowIndex"] <= r1
                and c0 <= m["startColumnIndex"] and m["endColumnIndex"] <= c1)
    ]
    return None


def _check_name(book: Spreadsheet, name: str, except_id: str | None = None) -> None:
    if not _NAME.fullmatch(name) or a1.parse_ref(name) is not None or name.upper() in (
            "TRUE", "FALSE"):
        raise ApiError(400, f"Invalid name: {name}. A named range name must start with a "
                            "letter or underscore, contain only letters, numbers, periods and "
                            "underscores, and not look like a cell reference.")
    for nr in book.named_ranges:
        if nr.get("namedRangeId") != except_id and str(nr.get("name", "")).lower() == name.lower():
            raise ApiError(400, f"A named range with the name \"{name}\" already exists.")


def add_named_range(book: Spreadsheet, p: dict[str, Any]) -> dict[str, Any]:
    nr = copy.deepcopy(p.get("namedRange") or {})
    name = str(nr.get("name") or "")
    _check_name(book, name)
    t = from_grid_range(book, nr.get("range") or {}, "namedRange.range")
    # recorded: Google's named range ids are decimal digits in a string ("1505157600")
    nr_id = str(nr.get("namedRangeId") or new_id())
    if any(x.get("namedRangeId") == nr_id for x in book.named_ranges):
        raise ApiError(400, f"A named range with the id {nr_id} already exists.")
    out = {"namedRangeId": nr_id, "name": name, "range": to_grid_range(t)}
    book.named_ranges.append(out)
    return {"namedRange": copy.deepcopy(out)}


def update_named_range(book: Spreadsheet, p: dict[str, Any]) -> None:
    tree = mask(p)
    nr = p.get("namedRange") or {}
    current = next((x for x in book.named_ranges if x["namedRangeId"] == nr.get("namedRangeId")),
                   None)
    if current is None:
        raise ApiError(400, f"No named range with id: {nr.get('namedRangeId')}")
    new = copy.deepcopy(current)
    fieldmask.update(new, nr, tree)
    new["namedRangeId"] = current["namedRangeId"]
    _check_name(book, str(new.get("name", "")), current["namedRangeId"])
    new["range"] = to_grid_range(from_grid_range(book, new.get("range") or {}, "range"))
    current.clear()
    current.update(new)
    return None


def delete_named_range(book: Spreadsheet, p: dict[str, Any]) -> None:
    nr_id = p.get("namedRangeId")
    if not any(x["namedRangeId"] == nr_id for x in book.named_ranges):
        raise ApiError(400, f"No named range with id: {nr_id}")
    book.named_ranges = [x for x in book.named_ranges if x["namedRangeId"] != nr_id]
    return None


OWNER = "emulator@sheets-emulator.iam.gserviceaccount.com"


def add_protected_range(book: Spreadsheet, p: dict[str, Any]) -> dict[str, Any]:
    pr = copy.deepcopy(p.get("protectedRange") or {})
    if "namedRangeId" in pr:
        named = next((x for x in book.named_ranges if x["namedRangeId"] == pr["namedRangeId"]),
                     None)
        if named is None:
            raise ApiError(400, f"No named range with id: {pr['namedRangeId']}")
        pr["range"] = copy.deepcopy(named["range"])
    t = from_grid_range(book, pr.get("range") or {}, "protectedRange.range")
    out: dict[str, Any] = {"protectedRangeId": new_id(),
                           "range": to_grid_range(t)}
    for key in ("namedRangeId", "description", "warningOnly", "unprotectedRanges"):
        if pr.get(key):  # proto3: null, false, "" and [] are not sent back
            out[key] = pr[key]
    out["requestingUserCanEdit"] = True
    reply = copy.deepcopy(out)
    # recorded (warning-only or not): the reply echoes the editors asked for; the sheet then
    # lists the owner too
    editors = {k: v for k, v in (pr.get("editors") or {}).items() if v}
    reply["editors"] = copy.deepcopy(editors)
    users = list(editors.get("users") or [])
    if OWNER not in users:
        users.append(OWNER)
    out["editors"] = {**editors, "users": users}
    t.sheet.protected.append(out)
    return {"protectedRange": reply}


def delete_protected_range(book: Spreadsheet, p: dict[str, Any]) -> None:
    pid = p.get("protectedRangeId")
    for sheet in book.sheets:
        if any(x["protectedRangeId"] == pid for x in sheet.protected):
            sheet.protected = [x for x in sheet.protected if x["protectedRangeId"] != pid]
            return None
    raise ApiError(400, f"No protected range with id: {pid}")


def set_basic_filter(book: Spreadsheet, p: dict[str, Any]) -> None:
    flt = copy.deepcopy(p.get("filter") or {})
    t = from_grid_range(book, flt.get("range") or {}, "filter.range")
    t.check_inside()
    flt["range"] = to_grid_range(t)
    t.sheet.basic_filter = flt
    return None


def clear_basic_filter(book: Spreadsheet, p: dict[str, Any]) -> None:
    sheet_of(book, p.get("sheetId")).basic_filter = None
    return None


def add_chart(book: Spreadsheet, p: dict[str, Any]) -> dict[str, Any]:
    chart = copy.deepcopy(p.get("chart") or {})
    if "spec" not in chart:
        raise ApiError(400, "A chart must have a spec.")
    chart.setdefault("chartId", new_id())
    position = chart.get("position") or {}
    anchor = (position.get("overlayPosition") or {}).get("anchorCell") or {}
    sheet_id = position.get("sheetId", anchor.get("sheetId", 0))
    if position.get("newSheet"):
        sheet = Sheet(props=defaults.sheet_properties(
            new_id(), f"Chart{len(book.sheets) + 1}", len(book.sheets)))
        sheet.props["sheetType"] = "OBJECT"
        book.sheets.append(sheet)
        chart["position"] = {"sheetId": sheet.id}
    else:
        sheet = sheet_of(book, sheet_id)
    sheet.charts.append(chart)
    return {"chart": copy.deepcopy(chart)}


def delete_embedded_object(book: Spreadsheet, p: dict[str, Any]) -> None:
    oid = p.get("objectId")
    for sheet in book.sheets:
        if any(c.get("chartId") == oid for c in sheet.charts):
            sheet.charts = [c for c in sheet.charts if c.get("chartId") != oid]
            return None
    raise ApiError(400, f"No embedded object with id: {oid}")


def _accept(book: Spreadsheet, p: dict[str, Any]) -> None:
    """Request kinds whose effect the emulator does not model (conditional formats): accepted
    with the empty reply Google gives them."""
    return None


def add_dimension_group(book: Spreadsheet, p: dict[str, Any]) -> dict[str, Any]:
    sheet, dim, start, end = _dim_range(book, p)
    return groups.add(sheet, dim, start, end)


def update_dimension_group(book: Spreadsheet, p: dict[str, Any]) -> None:
    group = p.get("dimensionGroup") or {}
    tree = mask(p)
    if "collapsed" not in tree and "*" not in tree:
        raise ApiError(400, "fields must name collapsed (the only field a group can change).")
    sheet, dim, start, end = _dim_range(book, {"range": group.get("range")})
    groups.update(sheet, dim, start, end, int(group.get("depth", 0) or 0),
                  bool(group.get("collapsed")))
    return None


def delete_dimension_group(book: Spreadsheet, p: dict[str, Any]) -> dict[str, Any]:
    sheet, dim, start, end = _dim_range(book, p)
    return groups.delete(sheet, dim, start, end)


HANDLERS: dict[str, Handler] = {
    "appendDimension": append_dimension,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize_dimensions,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "addNamedRange": add_named_range,
    "updateNamedRange": update_named_range,
    "deleteNamedRange": delete_named_range,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "addChart": add_chart,
    "deleteEmbeddedObject": delete_embedded_object,
    "addConditionalFormatRule": _accept,
    "deleteConditionalFormatRule": _accept,
    "addDimensionGroup": add_dimension_group,
    "deleteDimensionGroup": delete_dimension_group,
    "updateDimensionGroup": update_dimension_group,
}
