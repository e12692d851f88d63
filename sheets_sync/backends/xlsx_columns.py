"""A big .xlsx tab read by column: one Arrow array per column (fastexcel), no Python object
per cell, handed to the core as ``funnel_kpi.inputs.CellColumn``.

The core finds a tab's header row in its first rows and then asks for the cells below it
(``Tab.columns(h)``), so a big tab is read in two steps:

- its first ``HEAD_ROWS`` rows, row by row, exactly as the row reader reads them: python-calamine
  on a small package made of the book's parts with that sheet's XML cut after those rows
  (``head_book``), enough for the header search and the content checks the core makes on the
  first rows;
- the rows below the header, by column: fastexcel (calamine underneath, the same cell types)
  infers one Arrow type per column from every row below the header, and each column becomes
  arrays: numbers as float64, dates as serial numbers (days since 1899-12-30, whatever the
  book's date system: calamine has already made them dates), booleans as 1/0 with a mask, text
  as int32 codes into its distinct values.

fastexcel coerces a column it cannot give one type to text, and takes some cells for nulls;
where that would change what the core reads, the tab is read row by row instead (``None`` from
``arrow_columns``; the caller falls back), so the result is always the row reader's:

- a text column one of whose distinct values could be a number, a date or a boolean written out
  by fastexcel ("45300", "2024-01-05 00:00:00", "true"): it may be a mixed column;
- a sheet whose text may spell a null ("NA", "n/a", "null": fastexcel drops those from a column
  of numbers or dates, the core reports them);
- a duration or time-of-day column, a date before 1900-03-01, a column layout that does not
  line up with the first rows read row by row.

Excel error cells (#DIV/0!, #N/A ...), which calamine and fastexcel read as blanks, and boolean
cells in a column of numbers are put back from the XML pass (``xlsx_bounds``).
"""

from __future__ import annotations

import io
import logging
import math
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import date

import fastexcel
import numpy as np

from funnel_kpi.inputs import CellColumn
from sheets_sync.backends.xlsx_bounds import SheetScan

HEAD_ROWS = 6000  # read row by row: the header search (30 rows) and the content checks (5,000)
COLUMN_ROWS = 20_000  # a tab with more rows than this is read by column
LINE_UP_ROWS = 1000  # rows compared between the two readings (lines_up)
SST_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bt="s"[^>]*>\s*<(?:\w+:)?v>\s*(\d+)\s*<')
SST_ITEM = re.compile(rb"<(?:\w+:)?si[\s>/]")
SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b")

# fastexcel logs "Could not determine dtype for column N" for a column of blanks: not news here.
logging.getLogger("fastexcel").setLevel(logging.ERROR)
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)


def is_big(scan: SheetScan) -> bool:
    return scan.head is not None and scan.rows > COLUMN_ROWS


def closed_head(head: bytes) -> bytes:
    """The first rows' XML closed as a whole sheet (its prefix kept: x:sheetData)."""
    m = SHEET_DATA.search(head)
    prefix = (m.group(1) or b"") if m else b""
    return head + b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"


def head_book(data: bytes, cut: dict[str, bytes], keep: set[str], sst: str | None) -> bytes:
    """The book ``data`` as a small package: the sheet parts in ``cut`` replaced by their first
    rows' XML (closed), other sheet parts not in ``keep`` emptied, the shared strings cut after
    the last one those rows use (a log of 500,000 distinct ids has 500,000 of them)."""
    out = io.BytesIO()
    heads = {part: closed_head(xml) for part, xml in cut.items()}
    empty = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b"<sheetData/></worksheet>")
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        lower = {n.lower(): n for n in src.namelist()}
        sheets = {lower.get(p.lower(), p) for p in (*cut, *keep)}
        kept_xml = [heads[p] for p in cut] + [src.read(lower.get(p.lower(), p)) for p in keep
                                               if p not in cut and p.lower() in lower]
        used = max((int(m.group(1)) for xml in kept_xml for m in SST_REF.finditer(xml)),
                   default=-1)
        sst_name = lower.get(sst.lower()) if sst else None
        for info in src.infolist():
            name = info.filename
            if any(name.lower() == p.lower() for p in cut):
                body = heads[next(p for p in cut if p.lower() == name.lower())]
            elif name == sst_name:
                body = _cut_strings(src.read(info), used + 1)
            elif name.lower().endswith(".xml") and "worksheets/" in name.lower() \
                    and name not in sheets:
                body = empty
            else:
                body = src.read(info)
            dst.writestr(zipfile.ZipInfo(name, info.date_time), body)
    return out.getvalue()


def _cut_strings(xml: bytes, count: int) -> bytes:
    """The shared-strings part with its first ``count`` items only."""
    for i, m in enumerate(SST_ITEM.finditer(xml)):
        if i == count:
            end = xml.rfind(b"</", 0, len(xml))
            closing = xml[end:] if end > m.start() else b"</sst>"
            return xml[:m.start()] + closing
    return xml


def rows_to_columns(rows: Sequence[Sequence[object]], first: int, width: int,
                    ) -> list[CellColumn]:
    """Columns of ``rows[first:]`` made cell by cell: the fallback, for what the Arrow path
    cannot read exactly. A date is its ISO text, which the core reads as the date object in
    every role (a date, a number, a text, a problem's value); times and durations their repr."""
    data = rows[first:]
    n = len(data)
    out = []
    for c in range(width):
        numbers = np.full(n, math.nan)
        codes = np.zeros(n, np.int32)
        flags = np.zeros(n, np.bool_)
        names: dict[str | None, int] = {None: 0}
        for i, row in enumerate(data):
            v = row[c] if c < len(row) else None
            t = type(v)
            if t is float or t is int:
                numbers[i] = v  # type: ignore[assignment]
            elif t is str:
                if v:
                    codes[i] = names.setdefault(v, len(names))  # type: ignore[arg-type]
            elif t is bool:
                numbers[i], flags[i] = float(v), True  # type: ignore[arg-type]
            elif isinstance(v, date):
                codes[i] = names.setdefault(v.isoformat(), len(names))
            elif v is not None:  # a time of day, a duration: as a problem shows it (raw_text)
                codes[i] = names.setdefault(repr(v), len(names))
        out.append(CellColumn(numbers, codes, tuple(names), flags if flags.any() else None))
    return out


def arrow_columns(book: bytes | Callable[[], bytes], sheet: str, h: int, scan: SheetScan,
                  start_col: int) -> list[CellColumn] | None:
    """The cells below row ``h`` (0-based) of ``sheet``, one CellColumn per sheet column from
    A; None when a column cannot be read exactly this way (see the module's docstring).
    ``book``: the book's bytes, or a function that hands them over for fastexcel to copy, so
    that the caller's copy is not kept beside calamine's grid."""
    if scan.null_words:
        return None
    try:
        reader = fastexcel.read_excel(book if isinstance(book, bytes) else book())
        loaded = reader.load_sheet(
            sheet, header_row=None, skip_rows=h + 1, schema_sample_rows=None,
            dtype_coercion="coerce")
        exported = loaded.__arrow_c_array__()  # Arrow's C interface: no pyarrow needed yet
    except (fastexcel.FastExcelError, ValueError):
        return None
    del loaded, reader  # calamine's grid of every cell: the Arrow columns are copies
    # Imported only now, with the grid gone: pyarrow's 60 MB are not added to the grid's peak.
    from sheets_sync.backends import xlsx_arrow  # late: pyarrow after the grid is freed
    read = xlsx_arrow.cell_columns(exported)
    del exported
    if read is None:
        return None
    n = len(read[0]) if read else 0
    columns = [CellColumn(np.full(n, math.nan), np.zeros(n, np.int32))
               for _ in range(start_col)] + read
    if not _put_back(columns, scan, h):
        return None
    return columns


def _put_back(columns: list[CellColumn], scan: SheetScan, h: int) -> bool:
    """Error cells as their text, boolean cells as booleans, below row ``h``; False when one
    lies outside the columns read (they do not line up)."""
    n = len(columns[0]) if columns else 0
    by_col: dict[int, list[tuple[int, str, str]]] = {}
    for kind, found in (("error", scan.errors), ("bool", scan.bools)):
        for row, col, text in found:
            i = row - 1 - (h + 1)
            if i < 0:
                continue
            if col > len(columns) or i >= n:
                return False
            by_col.setdefault(col - 1, []).append((i, kind, text))
    for c, marks in by_col.items():
        old = columns[c]
        numbers, codes = old.numbers.copy(), old.codes.copy()
        flags = old.bools.copy() if old.bools is not None else np.zeros(n, np.bool_)
        names = {name: k for k, name in enumerate(old.names)}
        for i, kind, text in marks:
            if kind == "error":
                codes[i] = names.setdefault(text, len(names))
                numbers[i] = math.nan
            else:
                flags[i] = True
        columns[c] = CellColumn(numbers, codes, tuple(names), flags if flags.any() else None,
                                old.dates)
    return True


def lines_up(columns: Sequence[CellColumn], head: Sequence[Sequence[object]], h: int) -> bool:
    """Whether the columns read below row ``h`` hold a value exactly where the first rows read
    row by row do (the rows both have): a check that the two readings line up."""
    for i, row in enumerate(head[h + 1:h + 1 + LINE_UP_ROWS]):
        for c, col in enumerate(columns):
            if i >= len(col):
                return False
            v = row[c] if c < len(row) else None
            filled = not (v is None or v == "")
            if filled != (col.codes[i] != 0 or not math.isnan(col.numbers[i])):
                return False
        if len(row) > len(columns) and any(v not in (None, "") for v in row[len(columns):]):
            return False
    return True
