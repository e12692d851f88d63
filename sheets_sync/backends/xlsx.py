"""An .xlsx file as a spreadsheet: read with python-calamine, the KPI tab written part by part.

Reading uses calamine because it is many times faster than openpyxl on large sheets and gives
cached formula values. Writing renders the KPI tab alone with openpyxl, then moves that one sheet
into the user's package (``xlsx_package``): every other part (sheets, charts, images, pivot
tables, slicers, comments, VBA) keeps its bytes, so nothing openpyxl cannot read is lost. The new
package goes to a temporary file beside the original (``xlsx_temp``: the workbook's mode and owner,
cleaned up after a killed sync) and replaces it with one rename, only if the file is still the
version that was read; anything else is a ``WriteConflict``.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import defusedxml.ElementTree as SafeET
import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from python_calamine import CalamineError, CalamineWorkbook

from funnel_kpi import Tab
from funnel_kpi.errors import Param, phrase
from funnel_kpi.inputs import CellColumn
from sheets_sync.backends.base import CallStats, Layout, Snapshot, WriteResult, values_hash
from sheets_sync.backends.xlsx_bounds import (
    MAX_CELLS,
    NULL_WORDS,
    SheetScan,
    scan_book,
    sheet_parts,
)
from sheets_sync.backends.xlsx_columns import (
    COLUMN_ROWS,
    HEAD_ROWS,
    arrow_columns,
    head_book,
    lines_up,
    rows_to_columns,
)
from sheets_sync.backends.xlsx_keep import first_changed_part, unreadable
from sheets_sync.backends.xlsx_package import (
    SHARED_STRINGS,
    Package,
    PackageError,
    is_1904,
    replace_sheet,
)
from sheets_sync.backends.xlsx_temp import remove_stale, temp_beside
from sheets_sync.backends.xlsx_write import fill_sheet
from sheets_sync.errors import InputError, NotFound, SourceError, WriteConflict
from sheets_sync.grid import KpiGrid

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
WHILE_WRITTEN = phrase("error.when_writing")


def file_version(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def has_cyrillic(rows: Iterable[Sequence[object]]) -> bool:
    """Whether a text cell of ``rows`` holds a Cyrillic letter (Russian headers or data)."""
    return any(isinstance(v, str) and CYRILLIC.search(v) for row in rows for v in row)


def guess_locale(tabs: Sequence[Tab]) -> str:
    """An .xlsx has no locale; Russian headers or tab names make it ru_RU."""
    for tab in tabs:
        if CYRILLIC.search(tab.name) or has_cyrillic(tab.rows[:30]):
            return "ru_RU"
    return "en_US"


def with_errors(rows: list[list[object]],
                errors: Iterable[tuple[int, int, str]]) -> list[list[object]]:
    """Put Excel's error cells (read as blanks by calamine) back as their text, "#DIV/0!",
    so that the core reports them as Google's are."""
    for row, col, text in errors:
        if row <= len(rows) and col <= len(rows[row - 1]):
            rows[row - 1][col - 1] = text
    return rows


class XlsxBackend:
    max_cells = MAX_CELLS  # the largest sheet grid read (rows x columns of its values)

    def __init__(self, path: str | Path, *, locale: str | None = None,
                 column_rows: int | None = COLUMN_ROWS, hashes: bool = True) -> None:
        self.path = Path(path)
        self.locale = locale
        self.stats = CallStats()
        # The version (the bytes' SHA-256) and the input hash serve a sync only (a write's
        # conflict check, an unchanged input); a compute gives hashes=False and skips them.
        self.hashes = hashes
        # A tab of more rows than this is read by column (xlsx_columns); None: never, 0: every
        # tab that has rows (the tests compare the two readings on small books so).
        self.column_rows = column_rows

    def _bytes(self) -> bytes:
        """The workbook's bytes, read once (so the version hashed is the version read)."""
        if not self.path.exists():
            raise NotFound.say("error.no_file", path=str(self.path))
        if self.path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise InputError.say("error.not_xlsx", file=self.path.name)
        try:
            return self.path.read_bytes()
        except OSError as e:
            raise SourceError.say("error.file_unreadable", file=self.path.name,
                                  why=e.strerror or e) from e

    def _calamine(self, data: bytes) -> CalamineWorkbook:
        try:
            return CalamineWorkbook.from_filelike(io.BytesIO(data))
        except (CalamineError, OSError, ValueError) as e:
            raise SourceError.say("error.not_readable_xlsx", file=self.path.name, why=e) from e

    def read(self, outputs: Sequence[str], layout: Layout | None = None,
             tab_names: Sequence[str] | None = None) -> Snapshot:
        data = self._bytes()
        version = hashlib.sha256(data).hexdigest() if self.hashes else ""
        self.stats.requests += 1
        self.stats.bytes_in += len(data)
        # The tab names as calamine lists them (workbook.xml's sheets, in order), without
        # opening the whole book in calamine: a book with a big tab is read from a small copy.
        listed = sheet_names(data)
        book = None if listed else self._calamine(data)
        names = listed or tuple(book.sheet_names if book is not None else ())
        wanted = [n for n in names if n not in outputs] if tab_names is None else list(tab_names)
        output_tab = next((n for n in outputs if n in names), None)
        missing = [n for n in wanted if n not in names]
        if missing:
            raise InputError.say("error.file_no_tab", file=self.path.name, tab=missing[0],
                                 tabs=", ".join(names))
        # calamine sizes a grid by its farthest cell and aborts the process when it cannot
        # allocate it: bound every sheet it will read from the XML first.
        read = [*wanted, *([output_tab] if output_tab else [])]
        scans = scan_book(io.BytesIO(data), self.path.name, read, self.max_cells,
                          head_rows=HEAD_ROWS if self.column_rows is not None else 0)
        big = {n for n in wanted if n in scans and self._by_column(scans[n])}
        if big:  # the big tabs' first rows only, from a small copy of the book
            book, null_words = self._head_book(data, read, {n: scans[n] for n in big})
            for n in big:  # a shared string that spells a null counts in every sheet
                scans[n].null_words = scans[n].null_words or null_words
        elif book is None:
            book = self._calamine(data)
        tabs = []
        for name in wanted:
            scan = scans.get(name, SheetScan())
            rows = with_errors(self._rows(book, name), scan.errors)
            if name in big:
                start = book.get_sheet_by_name(name).start
                reader = _Columns(data, self.path, name, scan, rows,
                                  start[1] if start else 0)
                tabs.append(Tab(name, rows, reader.columns))
            else:
                tabs.append(Tab(name, rows))
        output_hash, a1 = None, None
        if output_tab is not None:
            rows = self._rows(book, output_tab)
            output_hash = values_hash(output_tab, rows)
            a1 = rows[0][0] if rows and rows[0] else ""
        locale = self.locale or guess_locale(tabs)
        new_layout = Layout(self.path.stem, locale, names)
        hashed = input_hash(data, self.path.name, wanted) if self.hashes else ""
        return Snapshot(new_layout, tuple(tabs), hashed, version, output_hash, a1)

    def _by_column(self, scan: SheetScan) -> bool:
        if self.column_rows is None:
            return False
        if self.column_rows == 0:
            return scan.rows > 0
        return scan.rows > self.column_rows and scan.head is not None

    def _rows(self, book: CalamineWorkbook, name: str) -> list[list[object]]:
        return sheet_rows(book, name, self.path.name)

    def _head_book(self, data: bytes, read: Sequence[str],
                   big: dict[str, SheetScan]) -> tuple[CalamineWorkbook, bool]:
        """The book with the big tabs cut after their first rows, and whether a shared
        string spells a null (xlsx_bounds.NULL_WORDS)."""
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                parts = sheet_parts(zf)
                package = Package(zf)
                sst = shared_strings_part(package)
                null_words = sst is not None and NULL_WORDS.search(package.read(sst)) is not None
            cut = {parts[n]: scan.head for n, scan in big.items() if scan.head is not None}
            small = head_book(data, cut, {parts[n] for n in read if n in parts}, sst)
            return CalamineWorkbook.from_filelike(io.BytesIO(small)), null_words
        except (zipfile.BadZipFile, PackageError, CalamineError, OSError, ValueError) as e:
            raise SourceError.say("error.not_readable_xlsx", file=self.path.name, why=e) from e

    def write(self, grid: KpiGrid, snapshot: Snapshot) -> WriteResult:
        # A symbolic link stays one: the file it points to is what gets replaced.
        target = Path(os.path.realpath(self.path))
        remove_stale(target)
        clash = next((n for n in snapshot.layout.tab_names
                      if n != grid.title and n.casefold() == grid.title.casefold()), None)
        if clash is not None:
            raise InputError.say("error.tab_clash", file=self.path.name, clash=clash,
                                 title=grid.title)
        original = self._read_unchanged(target, snapshot.version,
                                       phrase("error.when_after_read"))
        try:
            scratch = render_sheet(grid, snapshot.layout.locale, is_1904(io.BytesIO(original)))
            with temp_beside(target) as (out, tmp):
                result = replace_sheet(io.BytesIO(original), io.BytesIO(scratch), grid.title, out)
                out.flush()
                os.fsync(out.fileno())
                self._check_kept(original, tmp, result.rewritten, result.sheet_names,
                                 grid.title)
                self._read_unchanged(target, snapshot.version, WHILE_WRITTEN)
                written = os.fstat(out.fileno()).st_size
                os.replace(tmp, target)
        except PackageError as e:
            # a file rewritten in place while this sync ran reads as a broken one: a conflict
            self._read_unchanged(target, snapshot.version, WHILE_WRITTEN)
            raise SourceError.say("error.not_writable_xlsx", file=self.path.name, why=e) from e
        except OSError as e:
            raise SourceError.say("error.file_unwritable", file=self.path.name,
                                  why=e.strerror or e) from e
        self.stats.requests += 1
        self.stats.bytes_out += written
        layout = Layout(snapshot.layout.title, snapshot.layout.locale, result.sheet_names)
        return WriteResult(grid.cells, layout)

    def _read_unchanged(self, target: Path, version: str, when: Param) -> bytes:
        """The workbook's bytes, if it is still the version the sync read."""
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            data = b""  # replaced by a writer that deletes first: a change like any other
        except OSError as e:
            raise SourceError.say("error.file_unreadable_nothing_written",
                              file=self.path.name, why=e.strerror or e) from e
        if hashlib.sha256(data).hexdigest() != version:
            raise WriteConflict.say("error.file_changed", file=self.path.name, when=when)
        return data

    def _check_kept(self, original: bytes, written: Path, rewritten: frozenset[str],
                    sheet_names: tuple[str, ...], kpi_tab: str) -> None:
        """Only the KPI sheet and the package files that name it may differ; if anything else
        did (a bug, never the user's doing), nothing is written."""
        with zipfile.ZipFile(io.BytesIO(original)) as before, zipfile.ZipFile(written) as after:
            problem = first_changed_part(before, after, rewritten)
        problem = problem or unreadable(written, sheet_names, kpi_tab)
        if problem is not None:
            raise SourceError.say("error.write_went_wrong", file=self.path.name, problem=problem)


class _Columns:
    """A big tab's cells below its header row, read when the core asks (``Tab.columns``).
    Pickled (the service's reader child sends its tabs back so), it keeps the book's bytes and
    what the XML pass found, and reads in the process that asks.

    The bytes are handed to fastexcel, which copies them, and let go: 20 MB less beside
    calamine's grid at the read's peak. Should they be needed again (the row reader, a second
    reading, pickling), the file is read again and must be the same bytes (size and CRC-32),
    else the read fails as a changed file."""

    def __init__(self, data: bytes, path: Path, name: str, scan: SheetScan,
                 head: list[list[object]], start_col: int) -> None:
        self.data: bytes | None = data
        self.path, self.name = path, name
        self.scan, self.head, self.start_col = scan, head, start_col
        self.size, self.crc = len(data), zlib.crc32(data)

    def __reduce__(self) -> tuple[object, ...]:
        return (_Columns, (self._bytes(), self.path, self.name, self.scan, self.head,
                           self.start_col))

    def _bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        try:
            data = self.path.read_bytes()
        except OSError as e:
            raise SourceError.say("error.file_unreadable", file=self.path.name,
                                  why=e.strerror or str(e)) from e
        if len(data) != self.size or zlib.crc32(data) != self.crc:
            raise SourceError.say("error.file_changed_in_read", file=self.path.name)
        return data

    def _hand_over(self) -> bytes:
        data = self._bytes()
        self.data = None
        return data

    def columns(self, h: int) -> list[CellColumn]:
        cols = arrow_columns(self._hand_over, self.name, h, self.scan, self.start_col)
        if cols is not None and lines_up(cols, self.head, h):
            return cols
        # The row reader, for what the column reader cannot read exactly (xlsx_columns).
        book = CalamineWorkbook.from_filelike(io.BytesIO(self._bytes()))
        rows = with_errors(sheet_rows(book, self.name, self.path.name), self.scan.errors)
        return rows_to_columns(rows, h + 1, max(map(len, rows), default=0))


def shared_strings_part(package: Package) -> str | None:
    """The workbook's shared strings part, when it has one that is in the package."""
    return next((r.target for r in package.rels(package.main_part())
                 if r.type == SHARED_STRINGS and r.target and package.has(r.target)), None)


def sheet_rows(book: CalamineWorkbook, name: str, file_name: str) -> list[list[object]]:
    try:
        rows: list[list[object]] = list(book.get_sheet_by_name(name).to_python(
            skip_empty_area=False))
    except (CalamineError, ValueError) as e:
        raise SourceError.say("error.tab_unreadable", tab=name, file=file_name, why=e) from e
    return rows


def sheet_names(data: bytes) -> tuple[str, ...]:
    """The book's tab names from workbook.xml, in order; () when that cannot be read (then
    calamine is asked, and says what is wrong)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            package = Package(zf)
            book = SafeET.fromstring(package.read(package.main_part()))
    except (zipfile.BadZipFile, KeyError, PackageError, SafeET.ParseError, OSError, ValueError):
        return ()
    return tuple(s.get("name", "") for s in book.findall("{*}sheets/{*}sheet"))


def input_hash(data: bytes, file_name: str, tabs: Sequence[str]) -> str:
    """What the input tabs hold, from the package's own checksums: each input sheet part's and
    the shared strings' CRC-32 and size (the zip's directory has them: nothing is
    decompressed), the tab names and the date system. Writing the KPI tab copies those parts
    unchanged, so an unchanged input keeps its hash; styles.xml is left out because that write
    adds the KPI tab's styles to it (and a cell's new format changes its sheet part anyway)."""
    h = hashlib.sha256()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = sheet_parts(zf)
            package = Package(zf)
            sst = shared_strings_part(package)
            for name in tabs:
                h.update(f"{name}\x00".encode())
                part = parts.get(name)
                if part is not None:
                    info = zf.getinfo(package.name(part))
                    h.update(f"{info.CRC:08x}:{info.file_size}\x01".encode())
            if sst is not None:
                info = zf.getinfo(package.name(sst))
                h.update(f"sst {info.CRC:08x}:{info.file_size}".encode())
        h.update(b"1904" if is_1904(io.BytesIO(data)) else b"1900")
    except (zipfile.BadZipFile, KeyError, PackageError, OSError, ValueError) as e:
        raise SourceError.say("error.not_readable_xlsx", file=file_name, why=e) from e
    return h.hexdigest()


def render_sheet(grid: KpiGrid, locale: str, epoch_1904: bool) -> bytes:
    """The KPI tab alone in a workbook of its own, as openpyxl writes it."""
    book = openpyxl.Workbook()
    if epoch_1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.title = grid.title
    fill_sheet(sheet, grid, locale)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
