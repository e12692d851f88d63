"""batchUpdate kinds that write cell data: updateCells, repeatCell, appendCells, copyPaste,
cutPaste, sortRange, setDataValidation, updateBorders."""

from __future__ import annotations

import copy
from functools import cmp_to_key
from typing import Any

from . import a1, cells, colorstyle, dims, fieldmask, refs
from .batch_common import Handler, by_request, mask, sheet_of
from .errors import ApiError, grid_limits
from .ranges import Target, from_grid_range
from .store import CellError, Sheet, Spreadsheet

_CELL_FIELDS = ("userEnteredValue", "userEnteredFormat", "note", "dataValidation")


def _extended(v: dict[str, Any]) -> tuple[Any, str | None]:
    """ExtendedValue JSON -> (value, formula)."""
    if "formulaValue" in v:
        return None, str(v["formulaValue"])
    if "numberValue" in v:
        x = v["numberValue"]
        if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
            x = int(x)
        return x, None
    if "boolValue" in v:
        return bool(v["boolValue"]), None
    if "stringValue" in v:
        s = str(v["stringValue"])
        return (s if s else None), None
    if "errorValue" in v:
        e = v["errorValue"] or {}
        return CellError("#ERROR!", str(e.get("type", "ERROR")), str(e.get("message", ""))), None
    return None, None


def apply_cell(sheet: Sheet, r: int, c: int, data: dict[str, Any], tree: fieldmask.Tree) -> None:
    """Write the masked parts of a CellData to one cell."""
    whole = "*" in tree
    if whole or "userEnteredValue" in tree:
        value, formula = _extended(data.get("userEnteredValue") or {})
        keep_auto = (sheet.extras.get(r, {}).get(c) or {}).get("auto")
        cells.put(sheet, r, c, value, formula, keep_auto if value is not None else None)
    parts = [k for k in _CELL_FIELDS[1:] if whole or k in tree]
    if not parts:
        return
    extra = sheet.extras.setdefault(r, {}).setdefault(c, {})
    holder = {"userEnteredFormat": extra.pop("fmt", {}), "note": extra.pop("note", None),
              "dataValidation": extra.pop("dv", None)}
    holder = {k: v for k, v in holder.items() if v}
    sub = {k: ({} if whole else tree[k]) for k in parts}
    fieldmask.update(holder, data, sub)
    if isinstance(holder.get("userEnteredFormat"), dict) and "userEnteredFormat" in sub:
        colorstyle.mirror(holder["userEnteredFormat"], data.get("userEnteredFormat"),
                          sub["userEnteredFormat"])
    for key, short in (("userEnteredFormat", "fmt"), ("note", "note"), ("dataValidation", "dv")):
        if holder.get(key):
            extra[short] = holder[key]
    if not extra:
        cells.drop_extra(sheet, r, c)


def _bounded(t: Target) -> tuple[int, int, int, int]:
    t.check_inside()
    r0, r1, c0, c1 = t.clipped()
    if (t.r1 or 0) > t.sheet.row_count or (t.c1 or 0) > t.sheet.col_count:
        raise grid_limits(a1.format_range(t.sheet.title, r0, t.r1 or r1, c0, t.c1 or c1),
                          t.sheet.row_count, t.sheet.col_count)
    return r0, r1, c0, c1


def update_cells(book: Spreadsheet, p: dict[str, Any]) -> None:
    tree = mask(p)
    rows = p.get("rows") or []
    if "range" in p:
        t = from_grid_range(book, p["range"], "range")
        r0, r1, c0, c1 = _bounded(t)
    else:
        start = p.get("start") or {}
        t = Target(sheet_of(book, start.get("sheetId")), start.get("rowIndex", 0), None,
                   start.get("columnIndex", 0), None)
        r0, c0 = t.r0 or 0, t.c0 or 0
        r1 = r0 + len(rows)
        c1 = c0 + max((len(rd.get("values") or []) for rd in rows), default=0)
        if r1 > t.sheet.row_count or c1 > t.sheet.col_count:
            raise grid_limits(a1.format_range(t.sheet.title, r0, max(r1, r0 + 1), c0,
                                              max(c1, c0 + 1)),
                              t.sheet.row_count, t.sheet.col_count)
    for r in range(r0, r1):
        rd = rows[r - r0] if r - r0 < len(rows) else {}
        values = (rd or {}).get("values") or []
        for c in range(c0, c1):
            data = values[c - c0] if c - c0 < len(values) else {}
            if c - c0 >= len(values) and "range" not in p:
                continue
            apply_cell(t.sheet, r, c, data or {}, tree)
    return None


def repeat_cell(book: Spreadsheet, p: dict[str, Any]) -> None:
    tree = mask(p)
    t = from_grid_range(book, p.get("range") or {}, "range")
    r0, r1, c0, c1 = _bounded(t)
    data = p.get("cell") or {}
    for r in range(r0, r1):
        for c in range(c0, c1):
            apply_cell(t.sheet, r, c, data, tree)
    return None


def append_cells(book: Spreadsheet, p: dict[str, Any]) -> None:
    tree = mask(p)
    sheet = sheet_of(book, p.get("sheetId"))
    rows = p.get("rows") or []
    start = cells.last_data_row(sheet, 0, sheet.col_count) + 1
    width = max((len(rd.get("values") or []) for rd in rows), default=0)
    need_rows = start + len(rows)
    dims.grow(book, sheet, max(need_rows, sheet.row_count), max(width, sheet.col_count))
    for i, rd in enumerate(rows):
        for j, data in enumerate(rd.get("values") or []):
            apply_cell(sheet, start + i, j, data or {}, tree)
    return None


def _snapshot(sheet: Sheet, r0: int, r1: int, c0: int, c1: int) -> list[list[tuple[Any, Any]]]:
    out = []
    for r in range(r0, r1):
        row = sheet.rows[r] if r < len(sheet.rows) else []
        ex = sheet.extras.get(r, {})
        out.append([(row[c] if c < len(row) else None, copy.deepcopy(ex.get(c)))
                    for c in range(c0, c1)])
    return out


def _paste(sheet: Sheet, r: int, c: int, cell: tuple[Any, Any], kind: str, dr: int,
           dc: int) -> None:
    value, extra = cell
    extra = extra or {}
    values = kind in ("PASTE_NORMAL", "PASTE_VALUES", "PASTE_NO_BORDERS", "PASTE_FORMULA")
    formats = kind in ("PASTE_NORMAL", "PASTE_FORMAT", "PASTE_NO_BORDERS")
    if values:
        formula = extra.get("f") if kind != "PASTE_VALUES" else None
        if formula is not None:
            formula = refs.translate(formula, dr, dc)
        cells.put(sheet, r, c, value, formula, extra.get("auto"))
    if formats or kind == "PASTE_DATA_VALIDATION":
        target = sheet.extras.setdefault(r, {}).setdefault(c, {})
        keys = ("dv",) if kind == "PASTE_DATA_VALIDATION" else ("fmt", "note", "dv")
        for key in keys:
            if key in extra:
                target[key] = copy.deepcopy(extra[key])
            else:
                target.pop(key, None)
        if kind == "PASTE_NO_BORDERS" and "fmt" in target:
            target["fmt"].pop("borders", None)
        if not target:
            cells.drop_extra(sheet, r, c)


def copy_paste(book: Spreadsheet, p: dict[str, Any]) -> None:
    src = from_grid_range(book, p.get("source") or {}, "source")
    dst = from_grid_range(book, p.get("destination") or {}, "destination")
    sr0, sr1, sc0, sc1 = _bounded(src)
    dr0, dr1, dc0, dc1 = _bounded(dst)
    kind = p.get("pasteType") or "PASTE_NORMAL"
    block = _snapshot(src.sheet, sr0, sr1, sc0, sc1)
    if p.get("pasteOrientation") == "TRANSPOSE":
        block = [list(col) for col in zip(*block, strict=False)]
    h, w = len(block), len(block[0]) if block else 0
    if not h or not w:
        return None
    th = (dr1 - dr0) if (dr1 - dr0) % h == 0 and dr1 - dr0 >= h else h
    tw = (dc1 - dc0) if (dc1 - dc0) % w == 0 and dc1 - dc0 >= w else w
    if dr0 + th > dst.sheet.row_count or dc0 + tw > dst.sheet.col_count:
        raise grid_limits(a1.format_range(dst.sheet.title, dr0, dr0 + th, dc0, dc0 + tw),
                          dst.sheet.row_count, dst.sheet.col_count)
    for i in range(th):
        for j in range(tw):
            _paste(dst.sheet, dr0 + i, dc0 + j, block[i % h][j % w], kind,
                   dr0 + i - (sr0 + i % h), dc0 + j - (sc0 + j % w))
    return None


def cut_paste(book: Spreadsheet, p: dict[str, Any]) -> None:
    src = from_grid_range(book, p.get("source") or {}, "source")
    sr0, sr1, sc0, sc1 = _bounded(src)
    dest = p.get("destination") or {}
    sheet = sheet_of(book, dest.get("sheetId"))
    r0, c0 = int(dest.get("rowIndex", 0)), int(dest.get("columnIndex", 0))
    h, w = sr1 - sr0, sc1 - sc0
    if r0 + h > sheet.row_count or c0 + w > sheet.col_count:
        raise grid_limits(a1.format_range(sheet.title, r0, r0 + max(h, 1), c0, c0 + max(w, 1)),
                          sheet.row_count, sheet.col_count)
    block = _snapshot(src.sheet, sr0, sr1, sc0, sc1)
    kind = p.get("pasteType") or "PASTE_NORMAL"
    for r in range(sr0, sr1):
        for c in range(sc0, sc1):
            cells.put(src.sheet, r, c, None)
            cells.drop_extra(src.sheet, r, c)
    for i in range(h):
        for j in range(w):
            _paste(sheet, r0 + i, c0 + j, block[i][j], kind, 0, 0)
    return None


def _sort_key(v: Any) -> tuple[int, Any]:
    if v is None:
        return (3, 0)
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, (int, float)):
        return (0, v)
    return (1, str(v).lower())


def sort_range(book: Spreadsheet, p: dict[str, Any]) -> None:
    t = from_grid_range(book, p.get("range") or {}, "range")
    t.check_inside()
    r0, r1, c0, c1 = t.clipped()  # recorded: Google sorts A1:Z1000 of a 6x3 grid, clipped
    specs = p.get("sortSpecs") or [{"dimensionIndex": c0, "sortOrder": "ASCENDING"}]
    block = _snapshot(t.sheet, r0, r1, c0, c1)

    def compare(a: list[tuple[Any, Any]], b: list[tuple[Any, Any]]) -> int:
        for spec in specs:
            col = int(spec.get("dimensionIndex", 0)) - c0
            if not 0 <= col < c1 - c0:
                raise ApiError(400, f"Invalid sort spec: dimensionIndex {col + c0} is outside "
                                    "the range.")
            ka, kb = _sort_key(a[col][0]), _sort_key(b[col][0])
            if ka == kb:
                continue
            if ka[0] == 3 or kb[0] == 3:  # empty cells sort last either way
                return 1 if ka[0] == 3 else -1
            less = ka < kb
            if spec.get("sortOrder") == "DESCENDING":
                less = not less
            return -1 if less else 1
        return 0

    block.sort(key=cmp_to_key(compare))
    for i, row in enumerate(block):
        for j, (value, extra) in enumerate(row):
            r, c = r0 + i, c0 + j
            cells.put(t.sheet, r, c, value)
            cells.drop_extra(t.sheet, r, c)
            if extra:
                t.sheet.extras.setdefault(r, {})[c] = extra
    return None


def set_data_validation(book: Spreadsheet, p: dict[str, Any]) -> None:
    tree = fieldmask.parse("dataValidation")
    t = from_grid_range(book, p.get("range") or {}, "range")
    r0, r1, c0, c1 = _bounded(t)
    rule = p.get("rule")
    for r in range(r0, r1):
        for c in range(c0, c1):
            apply_cell(t.sheet, r, c, {"dataValidation": rule} if rule else {}, tree)
    return None


def update_borders(book: Spreadsheet, p: dict[str, Any]) -> None:
    t = from_grid_range(book, p.get("range") or {}, "range")
    r0, r1, c0, c1 = _bounded(t)
    sides = {k: p[k] for k in ("top", "bottom", "left", "right") if k in p}
    for r in range(r0, r1):
        for c in range(c0, c1):
            extra = t.sheet.extras.setdefault(r, {}).setdefault(c, {})
            borders = extra.setdefault("fmt", {}).setdefault("borders", {})
            for side, border in sides.items():
                edge = {"top": r == r0, "bottom": r == r1 - 1, "left": c == c0,
                        "right": c == c1 - 1}[side]
                if edge:
                    borders[side] = copy.deepcopy(border)
    return None


HANDLERS: dict[str, Handler] = by_request(
    update_cells, repeat_cell, append_cells, copy_paste, cut_paste, sort_range,
    set_data_validation, update_borders,
)
