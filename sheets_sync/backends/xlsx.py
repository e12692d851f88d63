"""An .xlsx file as a spreadsheet: read with python-calamine, write with openpyxl.

Reading uses calamine because it is many times faster than openpyxl on large sheets and gives
cached formula values. Writing has to use openpyxl (calamine only reads); it rewrites the whole
file, so it goes to a temporary file beside the original and replaces it with one rename, and only
if the file is still the one that was read. openpyxl keeps every other sheet's values, formulas,
styles, number formats, merged cells and conditional formats; it drops charts and images it cannot
read from other sheets, which the README states.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from funnel_kpi import Tab
from sheets_sync.backends.base import Layout, Snapshot, WriteResult, content_hash, values_hash
from sheets_sync.errors import InputError, NotFound, SourceError, WriteConflict
from sheets_sync.grid import KpiGrid
from sheets_sync.retry import CallStats

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def file_version(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def guess_locale(tabs: Sequence[Tab]) -> str:
    """An .xlsx has no locale; Russian headers or tab names make it ru_RU."""
    for tab in tabs:
        if CYRILLIC.search(tab.name):
            return "ru_RU"
        for row in tab.rows[:30]:
            if any(isinstance(v, str) and CYRILLIC.search(v) for v in row):
                return "ru_RU"
    return "en_US"


class XlsxBackend:
    def __init__(self, path: str | Path, *, locale: str | None = None) -> None:
        self.path = Path(path)
        self.locale = locale
        self.stats = CallStats()

    def _open(self) -> CalamineWorkbook:
        if not self.path.exists():
            raise NotFound(f"There is no file {self.path}: check the path.")
        if self.path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise InputError(f"{self.path.name} is not an .xlsx workbook.")
        try:
            return CalamineWorkbook.from_path(str(self.path))
        except (CalamineError, OSError, ValueError) as e:
            raise SourceError(f"{self.path.name} cannot be read as an .xlsx workbook ({e}).") from e

    def read(self, outputs: Sequence[str], layout: Layout | None = None,
             tab_names: Sequence[str] | None = None) -> Snapshot:
        version = file_version(self.path) if self.path.exists() else ""
        book = self._open()
        self.stats.requests += 1
        self.stats.bytes_in += self.path.stat().st_size
        names = tuple(book.sheet_names)
        wanted = [n for n in names if n not in outputs] if tab_names is None else list(tab_names)
        output_tab = next((n for n in outputs if n in names), None)
        missing = [n for n in wanted if n not in names]
        if missing:
            raise InputError(f"{self.path.name} has no tab {missing[0]!r}; its tabs: "
                             f"{', '.join(names)}.")
        tabs = []
        for name in wanted:
            try:
                rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except (CalamineError, ValueError) as e:
                raise SourceError(f"Tab {name!r} of {self.path.name} cannot be read ({e}).") from e
            tabs.append(Tab(name, rows))
        output_hash, a1 = None, None
        if output_tab is not None:
            rows = book.get_sheet_by_name(output_tab).to_python(skip_empty_area=False)
            output_hash = values_hash(output_tab, rows)
            a1 = rows[0][0] if rows and rows[0] else ""
        locale = self.locale or guess_locale(tabs)
        new_layout = Layout(self.path.stem, locale, names)
        return Snapshot(new_layout, tuple(tabs), content_hash(tabs), version, output_hash, a1)

    def write(self, grid: KpiGrid, snapshot: Snapshot) -> WriteResult:
        from sheets_sync.backends.xlsx_write import fill_sheet

        if file_version(self.path) != snapshot.version:
            raise WriteConflict(f"{self.path.name} changed after it was read; nothing was written. "
                                "Run the sync again.")
        import openpyxl
        from openpyxl.utils.datetime import CALENDAR_MAC_1904
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = openpyxl.load_workbook(self.path)
        except (InvalidFileException, OSError, KeyError, ValueError) as e:
            raise SourceError(f"{self.path.name} cannot be opened for writing ({e}).") from e
        if grid.title in book.sheetnames:
            index = book.sheetnames.index(grid.title)
            del book[grid.title]
            sheet = book.create_sheet(grid.title, index)
        else:
            sheet = book.create_sheet(grid.title)
        fill_sheet(sheet, grid, snapshot.layout.locale)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}-", suffix=".xlsx",
                                   dir=self.path.parent)
        os.close(fd)
        try:
            book.save(tmp)
            self._keep_other_tabs(Path(tmp), grid.title, book.epoch == CALENDAR_MAC_1904)
            if file_version(self.path) != snapshot.version:
                raise WriteConflict(f"{self.path.name} changed while the KPI tab was being "
                                    "written; nothing was written. Run the sync again.")
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.stats.requests += 1
        self.stats.bytes_out += self.path.stat().st_size
        names = tuple(book.sheetnames)
        layout = Layout(snapshot.layout.title, snapshot.layout.locale, names)
        return WriteResult(grid.cells, layout)

    def _keep_other_tabs(self, saved: Path, output_tab: str, epoch_1904: bool) -> None:
        """Give the formulas of every other tab their cached values back (openpyxl drops them),
        then check that no cell of another tab changed; if one did, nothing is written."""
        from sheets_sync.backends.xlsx_keep import first_change, restore_cached_values

        def tabs_of(path: Path) -> list[Tab]:
            book = CalamineWorkbook.from_path(str(path))
            return [Tab(n, book.get_sheet_by_name(n).to_python(skip_empty_area=False))
                    for n in book.sheet_names if n != output_tab]

        try:
            before = tabs_of(self.path)
            restore_cached_values(saved, before, epoch_1904)
            change = first_change(before, tabs_of(saved))
        except (CalamineError, OSError, ValueError, KeyError) as e:
            raise SourceError(f"{self.path.name} could not be checked after writing ({e}); "
                              "nothing was written.") from e
        if change is not None:
            raise InputError(
                f"Writing the KPI tab would change a cell of another tab of {self.path.name} "
                f"({change}), which the .xlsx writer cannot keep as it is; nothing was written. "
                "Fix that cell, or sync a copy of the workbook through Google Sheets.")
