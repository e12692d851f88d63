"""What each sheet of an .xlsx holds, read from its XML before calamine allocates anything.

calamine sizes a sheet's grid from its largest cell reference: one value at XFD1048576 in a 17 KB
file makes it ask for 550 GB and abort the process (an abort, not an exception). So the sheet XML
is streamed out of the zip first and bounded by the largest row and column of any cell (the
``<dimension>`` element is not trusted). Only when that grid is over the cap is the sheet read
again, slowly, for the cells that hold values (a styled empty cell far away allocates nothing in
calamine and is no reason to refuse), to refuse with the far cell and the data's range named.

The same pass finds Excel error cells (``t="e"``: #DIV/0!, #N/A ...), which calamine reads as
blanks, so that they can be put back in the rows and reported like Google's; and, for the column
reader (``xlsx_columns``), the boolean cells, whether a text cell may spell a null ("NA",
"null": the column reader drops those), and the XML of the sheet's first rows.

The pass is one regex search per 1 MB piece for a cell reference past the largest seen so far
(a negative lookahead built from it), which finds nothing in an ordinary sheet, and one byte
search for error cells. Its cost is in docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import defusedxml.ElementTree as SafeET
from openpyxl.utils import column_index_from_string, get_column_letter

from sheets_sync.backends.xlsx_package import Package, PackageError
from sheets_sync.errors import InputError, SourceError

MAX_CELLS = 20_000_000  # a sheet's grid (rows x columns); 500,000 deals x 14 columns is 7 million
CHUNK = 1 << 20
MAX_ROW_BYTES = 64 << 20  # a "row" longer than this is cut anyway (no row is that long)

ROW_NUMBER = re.compile(rb"(\d{1,7})\"")
CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
CELL_R = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3})(\d{1,7})["']""")
VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>([^<]*)<")
HAS_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")
ROW_START = re.compile(rb"<(?:\w+:)?row[\s>/]")
# The texts fastexcel takes for a null in a column of numbers, dates or booleans
# (its NULL_STRING_VALUES but the empty one, which calamine reads as a blank anyway).
NULL_WORDS = re.compile(rb">(?:#N/A|#N/A N/A|#NA|-1\.#IND|-1\.#QNAN|-NaN|-nan|1\.#IND|1\.#QNAN|"
                        rb"&lt;NA&gt;|N/A|NA|NULL|NaN|None|n/a|nan|null)<")
INLINE_TEXT = (b'"inlineStr"', b't="str"')
# An error, boolean or formula text cell: most sheets have none, so one search per piece
# (about the cost of one byte search) decides whether to look for each.
RARE_TYPE = re.compile(rb't="(?:e|b|str)"')


def col_number(letters: bytes) -> int:
    return column_index_from_string(letters.decode())


def _at_most(top: str, first: str, rest: str) -> str:
    """A regex for the strings not after ``top`` in (length, then character) order, over
    ``first`` for the first character and ``rest`` after it (``"AZ", "AZ"`` for columns,
    ``"19", "09"`` for row numbers)."""
    def span(lo: str, hi: str) -> str:
        return f"[{lo}-{hi}]" if lo < hi else lo

    parts = []
    if len(top) > 1:
        parts.append(f"{span(*first)}{span(*rest)}{{0,{len(top) - 2}}}")
    for i, ch in enumerate(top):
        lo = first[0] if i == 0 else rest[0]
        if ch > lo:
            tail = f"{span(*rest)}{{{len(top) - i - 1}}}" if i < len(top) - 1 else ""
            parts.append(f"{top[:i]}{span(lo, chr(ord(ch) - 1))}{tail}")
    parts.append(top)
    return "|".join(parts)


def _ok_cell(max_row: int, max_col: int, exact: bool) -> re.Pattern[bytes]:
    """A cell start tag that is NOT plainly inside (max_row, max_col): an ordinary sheet has
    none, so searching for it is the whole cost of the pass. Not ``exact``, rows are checked by
    their number of digits only (at a third of the cost)."""
    top = str(max(max_row, 1))
    rows = _at_most(top, "19", "09") if exact else f"[1-9][0-9]{{0,{len(top) - 1}}}"
    cols = _at_most(get_column_letter(max(max_col, 1)), "AZ", "AZ")
    return re.compile(f'<c(?! r="(?:{cols})(?:{rows})")'.encode())


@dataclass
class SheetScan:
    rows: int = 0  # the largest row of any cell (empty or not)
    cols: int = 0
    rows_hi: int = 0  # what rows may be at most (rows, or 10**digits - 1 in the fast pass)
    unplaced: int = 0  # cells without a reference (placed one after another by calamine)
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, "#N/A"), 1-based
    bools: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, "1"), 1-based
    null_words: bool = False  # an inline text cell may be "NA", "null" ... (NULL_WORDS)
    # The XML up to the start of row ``head_rows + 1`` (by count of rows), when the sheet has
    # more rows than that; None when the whole part is no longer.
    head: bytes | None = None

    @property
    def grid(self) -> int:
        return self.rows * self.cols

    @property
    def grid_hi(self) -> int:
        return max(self.rows, self.rows_hi) * self.cols + self.unplaced


def _read_ahead(stream: IO[bytes]) -> Iterator[bytes]:
    """``stream``'s chunks, the next ones decompressed by a thread while the caller searches
    the last (zlib lets go of the interpreter's lock while it inflates: on two cores the
    inflating is hidden behind the searching)."""
    chunks: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=4)

    def read() -> None:
        try:
            while chunk := stream.read(CHUNK):
                chunks.put(chunk)
            chunks.put(b"")
        except BaseException as e:  # handed to the reading thread as is
            chunks.put(e)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    try:
        while (chunk := chunks.get()) != b"":
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk
    finally:
        while worker.is_alive():  # an early stop: let the reader finish its last put
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.1)
        worker.join()


def _parts(stream: IO[bytes]) -> Iterator[bytes]:
    """The decompressed XML in pieces that end after a ``</row>`` (so no cell is cut)."""
    carry = b""
    for chunk in _read_ahead(stream):
        buf = carry + chunk
        end = buf.rfind(b"row>")
        while end > 0 and buf[end - 1] not in b"/:":  # "<row>" starts a row; "</row>" ends one
            end = buf.rfind(b"row>", 0, end)
        cut = end + 4 if end > 0 else (len(buf) if len(buf) > MAX_ROW_BYTES else 0)
        if cut:
            yield buf[:cut]
        carry = buf[cut:]
    if carry:
        yield carry


def scan_sheet(zf: zipfile.ZipFile, part_name: str, *, exact: bool = False,
               head_rows: int = 0) -> SheetScan:
    """The sheet's bounds, error and boolean cells; with ``head_rows``, its first rows' XML."""
    scan = SheetScan()
    head: list[bytes] = []
    seen = 0  # rows started in ``head`` so far
    with zf.open(part_name) as stream:
        for part in _parts(stream):
            last = part.rfind(b'row r="')
            row = ROW_NUMBER.match(part, last + 7) if last >= 0 else None
            if row:
                scan.rows = max(scan.rows, int(row.group(1)))
            _bounds(part, scan, exact)
            rare = RARE_TYPE.search(part) is not None
            if rare and b't="e"' in part:
                _typed(part, b't="e"', scan.errors)
            if rare and b't="b"' in part:
                _typed(part, b't="b"', scan.bools)
            if not scan.null_words and (rare or INLINE_TEXT[0] in part) \
                    and any(t in part for t in INLINE_TEXT):
                scan.null_words = NULL_WORDS.search(part) is not None
            if head_rows and scan.head is None:
                starts = [m.start() for m in ROW_START.finditer(part)]
                if seen + len(starts) > head_rows:
                    scan.head = b"".join([*head, part[:starts[head_rows - seen]]])
                    head.clear()
                else:
                    seen += len(starts)
                    head.append(part)
    if not exact:
        scan.rows_hi = 10 ** len(str(scan.rows)) - 1
    return scan


def _bounds(part: bytes, scan: SheetScan, exact: bool) -> None:
    """Widen the scan by each cell that the plain pattern does not pass."""
    pattern = _ok_cell(scan.rows, scan.cols, exact)
    pos = 0
    while (hit := pattern.search(part, pos)) is not None:
        cell = CELL.match(part, hit.start())
        if cell is None:  # <col>, <cols>, <cfRule> ... or a broken tag
            pos = hit.end()
            continue
        pos = cell.end()
        ref = CELL_R.search(cell.group(1))
        if ref is None:
            scan.unplaced += 1
            continue
        row, col = int(ref.group(2)), col_number(ref.group(1))
        if row > scan.rows or col > scan.cols:
            scan.rows, scan.cols = max(scan.rows, row), max(scan.cols, col)
            pattern = _ok_cell(scan.rows, scan.cols, exact)


def _typed(part: bytes, attr: bytes, out: list[tuple[int, int, str]]) -> None:
    """Every cell of type ``attr`` (``t="e"``: an error) with its value's text."""
    at = part.find(attr)
    while at >= 0:
        cell = CELL.match(part, max(part.rfind(b"<c ", 0, at), 0))
        if cell is not None and cell.group(3) is not None:
            ref, value = CELL_R.search(cell.group(1)), VALUE.search(cell.group(3))
            if ref and value:
                text = value.group(1).decode("utf-8", "replace").strip()
                out.append((int(ref.group(2)), col_number(ref.group(1)), text))
        at = part.find(attr, at + len(attr))


@dataclass(frozen=True)
class Extent:
    """Where a sheet's values are: the far cell that makes its grid big, and the rest's range."""

    far: tuple[int, int]
    data: tuple[int, int]  # the largest (row, col) of the values other than the far one
    grid: int  # rows x columns of all the values


def value_extent(zf: zipfile.ZipFile, part_name: str) -> Extent:
    """The slow, exact pass: cells that hold a value. Per row its last column, per column its
    last row; the far cell is the one whose removal shrinks the grid most."""
    by_row: dict[int, int] = {}
    by_col: dict[int, int] = {}
    with zf.open(part_name) as stream:
        for part in _parts(stream):
            for m in CELL.finditer(part):
                inner = m.group(3)
                ref = CELL_R.search(m.group(1))
                if inner is None or ref is None or not HAS_VALUE.search(inner):
                    continue
                row, col = int(ref.group(2)), col_number(ref.group(1))
                by_row[row] = max(by_row.get(row, 0), col)
                by_col[col] = max(by_col.get(col, 0), row)
    if not by_row:
        return Extent((0, 0), (0, 0), 0)
    top_row, top_col = max(by_row), max(by_col)
    without_row = (max((r for r in by_row if r != top_row), default=0),
                   max((c for r, c in by_row.items() if r != top_row), default=0))
    without_col = (max((r for c, r in by_col.items() if c != top_col), default=0),
                   max((c for c in by_col if c != top_col), default=0))
    if without_row[0] * without_row[1] <= without_col[0] * without_col[1]:
        far, data = (top_row, by_row[top_row]), without_row
    else:
        far, data = (by_col[top_col], top_col), without_col
    return Extent(far, data, top_row * top_col)


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part in the zip, found as calamine finds it: the package's
    officeDocument, then its sheets and their relationships (transitional or strict names).
    Part names are matched without case and targets unquoted, as ``xlsx_package.Package``
    (and OPC) does."""
    package = Package(zf)
    book_part = next((r.target for r in package.rels("")
                      if r.type.endswith("/officeDocument") and r.target
                      and package.has(r.target)), package.name("xl/workbook.xml"))
    if not package.has(book_part):
        return {}  # not a workbook: calamine will say what it makes of it
    book = SafeET.fromstring(package.read(book_part))
    targets = {r.id: r.target for r in package.rels(book_part)}
    out = {}
    for sheet in book.findall("{*}sheets/{*}sheet"):
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
        target = targets.get(rid)
        if target is not None and package.has(target):
            out[sheet.get("name", "")] = target
    return out


def check_book(source: str | IO[bytes], file_name: str, names: list[str],
               max_cells: int = MAX_CELLS) -> dict[str, list[tuple[int, int, str]]]:
    """Refuse (InputError) a sheet among ``names`` whose grid calamine would size over
    ``max_cells``; else the error cells of each sheet that has some."""
    return {name: scan.errors for name, scan in
            scan_book(source, file_name, names, max_cells).items() if scan.errors}


def scan_book(source: str | IO[bytes], file_name: str, names: list[str],
              max_cells: int = MAX_CELLS, head_rows: int = 0) -> dict[str, SheetScan]:
    """``check_book``'s pass, with each sheet's scan (``head_rows``: see ``scan_sheet``)."""
    scans = {}
    try:
        with zipfile.ZipFile(source) as zf:
            parts = sheet_parts(zf)
            for name in names:
                part = parts.get(name)
                if part is None:
                    continue
                scan = scan_sheet(zf, part, head_rows=head_rows)
                if scan.grid_hi > max_cells:  # wide and long: look again, rows exactly
                    scan = scan_sheet(zf, part, exact=True, head_rows=head_rows)
                if scan.grid_hi > max_cells:
                    _refuse_if_far(zf, part, name, file_name, max_cells)
                scans[name] = scan
    except (zipfile.BadZipFile, SafeET.ParseError, PackageError, OSError, ValueError) as e:
        raise SourceError.say("error.not_readable_xlsx", file=file_name, why=e) from e
    return scans


def _refuse_if_far(zf: zipfile.ZipFile, part: str, name: str, file_name: str,
                   max_cells: int) -> None:
    extent = value_extent(zf, part)
    if extent.grid <= max_cells:
        return  # far cells are only formatted: calamine sizes by values, it reads fine
    far = f"{get_column_letter(extent.far[1])}{extent.far[0]}"
    data = f"{get_column_letter(extent.data[1])}{extent.data[0]}" if extent.data[0] else ""
    raise InputError.say("error.far_cell" if data else "error.far_cell_only", tab=name,
                         file=file_name, far=far, data=data, cells=extent.grid,
                         most=max_cells)
