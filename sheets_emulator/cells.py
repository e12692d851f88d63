"""Reading and writing cell values on a sheet: render options, input options, trimming.

The read path is the hot one (a 200,000-row `values.get`): rows without formulas or formats
take a fast path that only touches non-string cells.
"""

from __future__ import annotations

import json
from typing import Any

from . import numfmt, userinput
from .errors import ApiError, invalid_value
from .store import CellError, Sheet

FORMATTED, UNFORMATTED, FORMULA = "FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"
SERIAL, FORMATTED_STRING = "SERIAL_NUMBER", "FORMATTED_STRING"
RAW, USER_ENTERED = "RAW", "USER_ENTERED"
# json's own C encoder, made once: encoding a row then costs only the row
_C_ENCODE = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii,
    None, ":", ",", False, False, True)


def number_format(extra: dict[str, Any] | None) -> dict[str, Any] | None:
    if not extra:
        return None
    fmt = extra.get("fmt")
    if fmt and fmt.get("numberFormat"):
        return fmt["numberFormat"]  # type: ignore[no-any-return]
    return extra.get("auto")


def display(value: Any, nf: dict[str, Any] | None, locale: str) -> str:
    """FORMATTED_VALUE of one value."""
    cls = value.__class__
    if cls is str:
        return value  # type: ignore[no-any-return]
    if cls is bool:
        return numfmt.bool_text(value, locale)
    if cls is int or cls is float:
        return numfmt.format_number(value, nf, locale)
    if cls is CellError:
        return value.code  # type: ignore[no-any-return]
    return "" if value is None else str(value)


def render_cell(value: Any, extra: dict[str, Any] | None, render: str, dtr: str,
                locale: str) -> Any:
    if render == FORMULA and extra and "f" in extra:
        return extra["f"]
    if value is None:
        return ""
    if render == FORMATTED:
        return display(value, number_format(extra), locale)
    if value.__class__ is CellError:
        return value.code
    if dtr == FORMATTED_STRING and value.__class__ in (int, float):
        nf = number_format(extra)
        if numfmt.is_datetime_format(nf):
            return display(value, nf, locale)
    return value


def read_rows(sheet: Sheet, r0: int, r1: int, c0: int, c1: int, render: str, dtr: str,
              locale: str) -> list[list[Any]]:
    """Row-major values of a rectangle, trailing empty cells and rows trimmed."""
    out: list[list[Any]] = []
    append = out.append
    rows, extras = sheet.rows, sheet.extras
    end = min(r1, len(rows))
    formatted = render == FORMATTED
    disp = display_rows(sheet, locale) if formatted else {}
    for r in range(r0, end):
        seg = rows[r][c0:c1]
        if r in extras:
            ex = extras[r]
            cells = [render_cell(v, ex.get(c0 + j), render, dtr, locale)
                     for j, v in enumerate(seg)]
            while cells and cells[-1] == "":
                cells.pop()
            append(cells)
            continue
        if formatted:
            d = disp.get(r)
            if d is None:
                d = disp[r] = plain_display(rows[r], locale)
            seg = d[c0:c1] if c0 or c1 < len(d) else d  # d is never mutated
            if seg and seg[-1] == "":
                while seg and seg[-1] == "":
                    seg.pop()
            append(seg)
            continue
        if seg and seg[-1] is None:
            while seg and seg[-1] is None:
                seg.pop()
        if None in seg:
            seg = ["" if x is None else x for x in seg]
        append(seg)
    # formulas may sit in rows beyond the stored values (only with FORMULA rendering)
    if render == FORMULA:
        for r in range(end, r1):
            row_ex = extras.get(r)
            if row_ex and any("f" in x for x in row_ex.values()):
                while len(out) < r - r0:
                    out.append([])
                cells = [row_ex[c]["f"] if "f" in row_ex.get(c, {}) else ""
                         for c in range(c0, c1)]
                while cells and cells[-1] == "":
                    cells.pop()
                out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


def transpose(rows: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in rows), default=0)
    cols = []
    for c in range(width):
        col = [r[c] if c < len(r) else "" for r in rows]
        while col and col[-1] == "":
            col.pop()
        cols.append(col)
    return cols


# --- writing ----------------------------------------------------------------------------------


def _json(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def check_values(values: Any, field: str) -> list[list[Any]]:
    """Google's type check of a ValueRange's `values` (list of lists of scalars)."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise _invalid(field, values)
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise _invalid(field, row)
        types = set(map(type, row))
        if dict in types or list in types:
            j, v = next((j, v) for j, v in enumerate(row) if isinstance(v, (dict, list)))
            kind = "struct_value" if isinstance(v, dict) else "list_value"
            raise ApiError(400, f"Invalid values[{i}][{j}]: {kind} {_json(v)}")
    return values


def _invalid(field: str, v: Any) -> ApiError:
    return invalid_value(field, "type.googleapis.com/google.protobuf.ListValue", _json(v))


def convert(v: Any, option: str, locale: str) -> tuple[Any, str | None, dict[str, Any] | None]:
    """(value, formula, auto number format) of one input value."""
    cls = v.__class__
    if cls is str:
        if option == USER_ENTERED:
            return userinput.parse(v, locale)
        return (v if v != "" else None), None, None
    if cls is float:
        if v.is_integer() and abs(v) < 2**53:
            return int(v), None, None
        return v, None, None
    return v, None, None


def put(sheet: Sheet, r: int, c: int, value: Any, formula: str | None = None,
        auto: dict[str, Any] | None = None) -> None:
    """Set one cell's value; formula and auto format replace the old ones (formats stay)."""
    sheet.changed(r)
    rows = sheet.rows
    if r >= len(rows):
        if value is None and formula is None and not sheet.extras.get(r):
            return
        rows.extend([] for _ in range(r + 1 - len(rows)))
    row = rows[r]
    if c >= len(row):
        if value is not None:
            row.extend([None] * (c + 1 - len(row)))
            row[c] = value
    else:
        row[c] = value
    ex_row = sheet.extras.get(r)
    extra = ex_row.get(c) if ex_row else None
    if extra is not None:
        extra.pop("f", None)
        extra.pop("auto", None)
    if formula is not None or auto is not None:
        if extra is None:
            extra = sheet.extras.setdefault(r, {}).setdefault(c, {})
        if formula is not None:
            extra["f"] = formula
        if auto is not None:
            extra["auto"] = auto
    if extra is not None and not extra:
        drop_extra(sheet, r, c)


def drop_extra(sheet: Sheet, r: int, c: int) -> None:
    sheet.changed(r)
    ex_row = sheet.extras.get(r)
    if ex_row is not None:
        ex_row.pop(c, None)
        if not ex_row:
            del sheet.extras[r]


_RAW_SIMPLE = frozenset({str, int, float, bool, type(None)})
_TYPED_SIMPLE = frozenset({int, float, bool, type(None)})


def _whole(x: Any) -> Any:
    """1.0 from JSON is stored as 1, as Google's protobuf JSON prints integral doubles."""
    if x.__class__ is float and x.is_integer() and -(2**53) < x < 2**53:
        return int(x)
    return x


def write_block(sheet: Sheet, r0: int, c0: int, values: list[list[Any]], option: str,
                locale: str) -> None:
    """Write a row-major block; None skips a cell, "" clears it."""
    sheet.unshare()
    sheet.cache.clear()
    rows, extras = sheet.rows, sheet.extras
    simple = _RAW_SIMPLE if option == RAW else _TYPED_SIMPLE
    display = display_rows(sheet, locale)
    fjson = sheet.encoded.setdefault(FORMATTED, {})
    ujson = sheet.encoded.setdefault(UNFORMATTED, {})
    for i, vals in enumerate(values):
        r = r0 + i
        types = set(map(type, vals))
        if r not in extras and types <= simple:
            # plain values on a plain row: no parsing, no formulas, no formats to keep
            if float in types:
                vals = [_whole(x) for x in vals]
            if r >= len(rows):
                rows.extend([] for _ in range(r + 1 - len(rows)))
            row = rows[r]
            if len(row) < c0 + len(vals):
                row.extend([None] * (c0 + len(vals) - len(row)))
            if None not in vals and "" not in vals:
                row[c0 : c0 + len(vals)] = vals
            else:
                for j, v in enumerate(vals):
                    if v is not None:
                        row[c0 + j] = None if v == "" and v.__class__ is str else v
        else:
            for j, v in enumerate(vals):
                if v is None:
                    continue
                value, formula, auto = convert(v, option, locale)
                put(sheet, r, c0 + j, value, formula, auto)
        if r not in extras and r < len(rows):
            d = display[r] = plain_display(rows[r], locale)
            fjson[r] = encode_row(d)
            ujson[r] = encode_row(plain_values(rows[r]))


def display_rows(sheet: Sheet, locale: str) -> dict[int, list[Any]]:
    """The sheet's formatted-rows store for this locale (emptied when the locale changed)."""
    if sheet.display_locale != locale:
        sheet.display.clear()
        sheet.encoded.clear()
        sheet.display_locale = locale
    return sheet.display


def encode_row(row: Any) -> bytes:
    """Compact ASCII JSON of one row (the C encoder, without per-call setup)."""
    return "".join(_C_ENCODE(row, 0)).encode("ascii")


def plain_values(row: list[Any]) -> list[Any]:
    """UNFORMATTED_VALUE of a whole row without formats or formulas."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    seg = row[:end]
    return ["" if x is None else x for x in seg] if None in seg else seg


def plain_display(row: list[Any], locale: str) -> list[Any]:
    """FORMATTED_VALUE of a whole row without formats or formulas, trailing empties dropped."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    if locale == "en_US":
        gen = numfmt.general_en
        return [x if x.__class__ is str
                else gen(x) if (x.__class__ is float or x.__class__ is int)
                else display(x, None, locale) for x in row[:end]]
    return [x if x.__class__ is str else display(x, None, locale) for x in row[:end]]


def clear_rect(sheet: Sheet, r0: int, r1: int, c0: int, c1: int) -> None:
    """Clear values and formulas (formats stay), as values.clear does."""
    sheet.unshare()
    sheet.cache.clear()
    for r in [r for r in sheet.display if r0 <= r < r1]:
        del sheet.display[r]
    for enc in sheet.encoded.values():
        for r in [r for r in enc if r0 <= r < r1]:
            del enc[r]
    for r in range(r0, min(r1, len(sheet.rows))):
        row = sheet.rows[r]
        if c0 < len(row):
            stop = min(c1, len(row))
            row[c0:stop] = [None] * (stop - c0)
            while row and row[-1] is None:
                row.pop()
    for r in [r for r in sheet.extras if r0 <= r < r1]:
        for c in [c for c in sheet.extras[r] if c0 <= c < c1]:
            extra = sheet.extras[r][c]
            extra.pop("f", None)
            extra.pop("auto", None)
            if not extra:
                drop_extra(sheet, r, c)


def last_data_row(sheet: Sheet, c0: int, c1: int) -> int:
    """Index of the last row holding a value within columns [c0, c1), or -1."""
    for r in range(len(sheet.rows) - 1, -1, -1):
        row = sheet.rows[r]
        if any(v is not None for v in row[c0:c1]):
            return r
    return -1
