"""A big .xlsx tab read by column (sheets_sync.backends.xlsx_columns) through the service's
reader child, and next to a far cell.

The service reads a workbook in a child process (backends/isolated.py) and gets the tabs back
pickled; a tab read by column travels as the book's bytes and what the XML pass found, and its
columns are read when the core asks, in the service. A far cell is refused by the XML pass
before fastexcel or calamine allocate anything, as it is for the row reader.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from funnel_kpi.api import analyse
from sheets_sync.backends.isolated import Isolated
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.connect import open_backend
from sheets_sync.errors import InputError
from sheets_sync.render import DEFAULT_OUTPUT_TABS
from tests.sync.test_xlsx_columns import deal_book

TODAY = date(2025, 6, 1)
ROWS = 21_000  # over COLUMN_ROWS: the default backend reads the log by column


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deal_book(tmp_path_factory.mktemp("big") / "log.xlsx", ROWS)


def report(backend: Any) -> dict[str, Any]:
    snapshot = backend.read(DEFAULT_OUTPUT_TABS)
    analysis = analyse(snapshot.tabs, locale=snapshot.layout.locale, today=TODAY)
    out: dict[str, Any] = json.loads(json.dumps(analysis.report.to_dict(), default=str))
    return out


def test_the_service_child_sends_a_tab_read_by_column(big: Path) -> None:
    isolated = Isolated(XlsxBackend(big))
    snapshot = isolated.read(DEFAULT_OUTPUT_TABS)
    assert snapshot.tabs[0].columns is not None  # read by column, and it came back pickled
    assert len(snapshot.tabs[0].rows) == 6000
    assert report(Isolated(XlsxBackend(big))) == report(XlsxBackend(big, column_rows=None))


def test_a_far_cell_in_a_big_tab_is_refused_before_anything_is_allocated(big: Path,
                                                                        tmp_path: Path) -> None:
    far = tmp_path / "far.xlsx"
    with zipfile.ZipFile(big) as zin, zipfile.ZipFile(far, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576">'
                                    b"<v>1</v></c></row></sheetData>")
            zout.writestr(info, data)
    with pytest.raises(InputError, match="XFD1048576"):
        XlsxBackend(far).read(DEFAULT_OUTPUT_TABS)


def test_the_service_reads_a_big_tab_by_rows_in_its_child(big: Path) -> None:
    """The service's opener keeps every native parser in the reader child: no column reading,
    whose lazy columns would be parsed by fastexcel in the service's own process."""


    backend = open_backend(big.name, xlsx_root=big.parent)
    assert isinstance(backend, Isolated) and backend.backend.column_rows is None
    snapshot = backend.read(DEFAULT_OUTPUT_TABS)
    assert all(t.columns is None for t in snapshot.tabs)
    assert report(backend) == report(XlsxBackend(big))
