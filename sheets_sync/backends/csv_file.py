"""A CSV or TSV file as a spreadsheet, and the project's one CSV reader.

A table file is one tab, named after the file, read as text: the core reads numbers and dates
from text by the locale ("1 234,56" is a number in ru_RU), which is guessed from the content (a
decimal comma or Cyrillic makes it ru_RU). Files come as exported by Excel, Google Sheets and
CRMs: UTF-8 with or without a BOM, Windows-1251 (Russian Excel) or UTF-16 ("Unicode text"),
separated by commas, semicolons or tabs, quoted or not. A file that cannot be read is an
InputError naming its line.

A CSV has no tabs, so ``sync`` writes the KPI tab into a sibling workbook ``<stem>.kpi.xlsx``
(created, or replaced atomically by the .xlsx writer); the CSV itself is never written.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from funnel_kpi import Tab
from funnel_kpi.errors import Param, phrase
from sheets_sync.backends.base import CallStats, Layout, Snapshot, WriteResult, content_hash
from sheets_sync.backends.xlsx import XlsxBackend, file_version, has_cyrillic, render_sheet
from sheets_sync.backends.xlsx_bounds import sheet_parts
from sheets_sync.backends.xlsx_temp import temp_name
from sheets_sync.errors import InputError, NotFound, PackageError, SourceError, WriteConflict
from sheets_sync.grid import KpiGrid

Rows = list[list[str | None]]
DELIMITERS = ("\t", ";", ",")  # preferred in this order when they read the sample equally well
SAMPLE_LINES = 50
DECIMAL_COMMA = re.compile(r"^[-+−]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*,\d+(?:\s?\S{0,4})$")
DECIMAL_POINT = re.compile(r"^[-+−]?\d{1,3}(?:,?\d{3})*\.\d+(?:\s?\S{0,4})$")


THE_FILE = phrase("error.the_file")  # the subject of a sentence when the file has no name


class TableError(InputError):
    """The file is not a table we can read; ``line`` is 1-based, when there is one."""

    def __init__(self, key: str, params: Mapping[str, Param], line: int | None = None,
                 code: str = "bad_csv") -> None:
        super().__init__(key=key, params=params)
        self.line = line
        self.table_code = code


def decode(raw: bytes, name: Param = THE_FILE) -> str:
    """UTF-16 by its BOM; else UTF-8 (a BOM is dropped); else Windows-1251."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as e:
            raise _undecodable(name, raw, e.start) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as utf8:
        try:
            return raw.decode("cp1251")
        except UnicodeDecodeError:
            raise _undecodable(name, raw, utf8.start) from None


def _undecodable(name: Param, raw: bytes, at: int) -> TableError:
    line = raw.count(b"\n", 0, at) + 1
    return TableError("error.csv_encoding", {"name": name, "line": line}, line, "bad_encoding")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number of columns (more than
    one) most often; quoted fields are honoured, so "1 234,56" in quotes is no comma column."""
    lines = text.splitlines()[:SAMPLE_LINES]
    best, best_score = ",", (-1, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (count, width) if width > 1 else (0, 1)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def parse_table(text: str, name: Param = THE_FILE, delimiter: str | None = None) -> Rows:
    """Rows of text; a blank cell is None (an empty cell, as in Google's values.get) and
    trailing blanks are dropped."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise TableError("error.csv_nul", {"name": name, "line": line}, line)
    sep = delimiter or sniff_delimiter(text)
    reader = csv.reader(text.splitlines(keepends=True), delimiter=sep, strict=True)
    out: Rows = []
    while True:
        start = reader.line_num + 1  # a quoted field may run over lines: name where it began
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            where = phrase("error.at_line" if reader.line_num <= start else "error.at_row",
                           line=start)
            raise TableError("error.csv_quotes", {"name": name, "where": where, "why": e},
                             start) from None
        cells: list[str | None] = [c if c.strip() else None for c in row]
        while cells and cells[-1] is None:
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


def read_table(raw: bytes, name: Param = THE_FILE, delimiter: str | None = None) -> Rows:
    return parse_table(decode(raw, name), name, delimiter)


def guess_locale(rows: Rows) -> str:
    """ru_RU when the table has Cyrillic or its numbers have decimal commas; else en_US."""
    if has_cyrillic(rows[:200]):
        return "ru_RU"
    comma = point = 0
    for row in rows[:200]:
        for v in row:
            if not v:
                continue
            s = v.strip()
            comma += bool(DECIMAL_COMMA.match(s))
            point += bool(DECIMAL_POINT.match(s))
    return "ru_RU" if comma > point else "en_US"


class CsvBackend:
    def __init__(self, path: str | Path, *, locale: str | None = None) -> None:
        self.path = Path(path)
        self.locale = locale
        self.stats = CallStats()

    @property
    def output_path(self) -> Path:
        """Where the KPI tab goes: ``deals.csv`` -> ``deals.kpi.xlsx`` beside it."""
        return self.path.with_name(f"{self.path.stem}.kpi.xlsx")

    def read(self, outputs: Sequence[str], layout: Layout | None = None,
             tab_names: Sequence[str] | None = None) -> Snapshot:
        name = self.path.stem
        if not self.path.exists():
            raise NotFound.say("error.no_file", path=str(self.path))
        if tab_names and list(tab_names) != [name]:
            raise InputError.say("error.csv_one_table", file=self.path.name, name=name,
                                 tab=next(t for t in tab_names if t != name),
                                 output=self.output_path.name)
        try:
            raw = self.path.read_bytes()
        except OSError as e:
            raise SourceError.say("error.file_unreadable", file=self.path.name,
                                  why=e.strerror or e) from e
        version = hashlib.sha256(raw).hexdigest()
        self.stats.requests += 1
        self.stats.bytes_in += len(raw)
        delimiter = "\t" if self.path.suffix.lower() == ".tsv" else None
        rows = read_table(raw, self.path.name, delimiter)
        tab = Tab(name, rows)
        locale = self.locale or guess_locale(rows)
        output_hash, a1 = None, None
        if self.output_path.exists():
            kpi = XlsxBackend(self.output_path).read(outputs, tab_names=[])
            output_hash, a1 = kpi.output_hash, kpi.output_a1
        return Snapshot(Layout(name, locale, (name,)), (tab,), content_hash([tab]), version,
                        output_hash, a1)

    def write(self, grid: KpiGrid, snapshot: Snapshot) -> WriteResult:
        """The KPI tab into ``<stem>.kpi.xlsx``; never into the CSV."""
        if file_version(self.path) != snapshot.version:
            raise WriteConflict.say("error.file_changed", file=self.path.name,
                                    when=phrase("error.when_after_read"))
        target = self.output_path
        if target.exists():
            book = XlsxBackend(target, locale=snapshot.layout.locale)
            book.write(grid, self._output_snapshot(target, snapshot.layout.locale))
        else:
            self._create(target, grid, snapshot.layout.locale)
        self.stats.requests += 1
        self.stats.bytes_out += target.stat().st_size
        return WriteResult(grid.cells, snapshot.layout)

    def _output_snapshot(self, target: Path, locale: str) -> Snapshot:
        """What XlsxBackend.write uses of a read of ``target`` (its version and its tab names),
        from its bytes and workbook.xml: no calamine, which runs only in the (isolated) read."""
        try:
            data = target.read_bytes()
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = tuple(sheet_parts(zf))
        except (OSError, zipfile.BadZipFile, ValueError, SyntaxError, PackageError) as e:
            raise SourceError.say("error.not_readable_xlsx_nothing_written", file=target.name,
                                  why=e) from e
        return Snapshot(Layout(target.stem, locale, names), (), "",
                        hashlib.sha256(data).hexdigest())

    def _create(self, target: Path, grid: KpiGrid, locale: str) -> None:
        """A new workbook holding only the KPI tab, made beside the target and renamed onto
        it, so nobody ever sees half a file. It gets the CSV's mode, as the .xlsx writer gives
        a replaced workbook its own."""
        tmp = temp_name(target)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(render_sheet(grid, locale, False))
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, self.path.stat().st_mode & 0o777)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
