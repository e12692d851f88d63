"""An .xlsx read by column (sheets_sync.backends.xlsx_columns) gives what the row reader gives:
the same report, problems and column read-out, on every workbook the suite builds or keeps.

``XlsxBackend(column_rows=0)`` reads every tab by column (a big tab's path, forced on small
books); ``column_rows=None`` is the row reader. A tab the column reader cannot read exactly
falls back to the row reader inside, so these tests check both paths, and a few check which
one was taken.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from funnel_kpi.api import analyse
from sheets_sync.backends.xlsx import XlsxBackend, input_hash
from sheets_sync.backends.xlsx_bounds import scan_book
from sheets_sync.backends.xlsx_columns import arrow_columns
from sheets_sync.render import DEFAULT_OUTPUT_TABS
from tests.crm.exports import FIXTURES
from tests.crm.test_crm_exports import write_xlsx
from tests.sync.test_xlsx_errors import book_with_errors
from tests.sync.xlsx_books import rich_book

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
KEPT = [*sorted(TEMPLATES.glob("*.xlsx")), Path(__file__).parent / "xlsx_fixtures/pivot.xlsx"]
TODAY = date(2025, 6, 1)


def report(path: Path, column_rows: int | None, today: date = TODAY) -> dict[str, Any]:
    snapshot = XlsxBackend(path, column_rows=column_rows).read(DEFAULT_OUTPUT_TABS)
    analysis = analyse(snapshot.tabs, locale=snapshot.layout.locale, today=today)
    out: dict[str, Any] = json.loads(json.dumps(analysis.report.to_dict(), default=str))
    out["read-out"] = {tab: cols for tab, cols in analysis.columns().items()}
    out["input_hash"] = snapshot.input_hash
    return out


def same_both_ways(path: Path, today: date = TODAY) -> dict[str, Any]:
    by_rows = report(path, None, today)
    by_columns = report(path, 0, today)
    assert by_columns == by_rows
    return by_rows


@pytest.mark.parametrize("path", KEPT, ids=lambda p: p.name)
def test_kept_workbooks(path: Path) -> None:
    same_both_ways(path)


@pytest.mark.parametrize("build", FIXTURES, ids=lambda b: b.__name__)
def test_crm_exports_written_as_xlsx(build: Callable[[], Any], tmp_path: Path) -> None:
    fx = build()
    path = tmp_path / f"{fx.name}.xlsx"
    write_xlsx(fx, path)
    same_both_ways(path, fx.today)


def test_error_cells(tmp_path: Path) -> None:
    got = same_both_ways(book_with_errors(tmp_path / "errors.xlsx"), date(2025, 1, 15))
    assert sum(p["code"] == "formula_error" for p in got["problems"]) >= 14


def test_a_rich_book(tmp_path: Path) -> None:
    same_both_ways(rich_book(tmp_path / "rich.xlsx"))


def deal_book(path: Path, rows: int, *, seed: int = 3, mutate: Callable[[Any, int], None]
              | None = None, epoch_1904: bool = False, russian: bool = False,
              start: str = "A1", title: bool = False) -> Path:
    """A deal log: ids, created (date or date and time), stage, status, amount, manager,
    channel, closed; some blanks."""
    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    if epoch_1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    assert ws is not None
    ws.title = "Сделки" if russian else "Deals"
    header = (["ID", "Дата создания", "Этап", "Статус", "Сумма", "Менеджер", "Источник",
               "Дата закрытия"] if russian else
              ["Deal ID", "Created", "Stage", "Status", "Amount", "Manager", "Channel",
               "Closed"])
    stages = (["Первичный контакт", "Переговоры", "Принимают решение", "Успешно реализовано",
               "Закрыто и не реализовано"] if russian else
              ["Appointment scheduled", "Qualified to buy", "Contract sent", "Closed won",
               "Closed lost"])
    row0, col0 = openpyxl.utils.cell.coordinate_to_tuple(start)
    if title:
        ws.cell(row0, col0, "Deal log export")
        row0 += 2
    for c, h in enumerate(header):
        ws.cell(row0, col0 + c, h)
    for i in range(rows):
        created = datetime(2024, 1, 1) + timedelta(days=rng.randrange(500))
        if i % 3 == 0:
            created += timedelta(hours=rng.randrange(9, 19), minutes=rng.randrange(60))
        stage = rng.choice(stages)
        status = ("Won" if stage in stages[3:4] else "Lost" if stage in stages[4:] else "Open")
        cells: list[object] = [
            f"D{i:05d}", created if i % 3 == 0 else created.date(), stage, status,
            round(rng.uniform(1000, 90000), 2) if rng.random() < 0.9 else None,
            rng.choice(["Анна", "Борис", "Carol", None]), rng.choice(["SEO", "Ads", "Email"]),
            (created + timedelta(days=rng.randrange(1, 40))).date()
            if status != "Open" else None]
        for c, v in enumerate(cells):
            if v is not None:
                ws.cell(row0 + 1 + i, col0 + c, v)
    if mutate is not None:
        mutate(ws, row0)
    wb.save(path)
    return path


def taken(path: Path, tab: str, header: int = 0) -> str:
    """Which reading a tab of ``path`` gets below its header: "columns" or "rows"."""
    data = path.read_bytes()
    scan = scan_book(io.BytesIO(data), path.name, [tab])[tab]
    return "columns" if arrow_columns(data, tab, header, scan, 0) is not None else "rows"


def test_a_clean_log_is_read_by_column_with_dates_read_back(tmp_path: Path) -> None:
    path = deal_book(tmp_path / "log.xlsx", 300)
    got = same_both_ways(path)
    assert taken(path, "Deals") == "columns"
    samples = {c["header"]: c["samples"] for c in got["columns"]}
    assert samples["Closed"][0][:2] == "20"  # "2024-..", not a serial number
    data = path.read_bytes()
    scan = scan_book(io.BytesIO(data), "log.xlsx", ["Deals"])["Deals"]
    cols = arrow_columns(data, "Deals", 0, scan, 0)
    assert cols is not None and cols[1].dates is not None
    assert cols[1].cell(1) in (date(2024, 1, 1) + timedelta(days=d) for d in range(600))


def test_russian_and_1904_and_a_title_above_the_header(tmp_path: Path) -> None:
    same_both_ways(deal_book(tmp_path / "ru.xlsx", 200, russian=True, epoch_1904=True,
                             title=True))


def test_a_log_that_starts_in_column_c(tmp_path: Path) -> None:
    same_both_ways(deal_book(tmp_path / "c.xlsx", 150, start="C4"))


def put(cells: dict[tuple[int, int], object]) -> Callable[[Any, int], None]:
    """Cells to write after the log, (row below the header, column) -> value."""
    def mutate(ws: Any, header: int) -> None:
        for (r, c), v in cells.items():
            ws.cell(header + r, c, v)
    return mutate


MIXED = {
    "text_in_amounts": {(5, 5): "n/a", (9, 5): "12 500,50", (11, 5): "1 200"},
    "a_date_in_amounts": {(7, 5): date(2024, 3, 1)},
    "a_number_in_dates": {(4, 2): 45300, (6, 2): "2024-05-01", (8, 2): "not a date"},
    "numbers_in_managers": {(3, 6): 17, (4, 6): True},
    "booleans_in_amounts": {(3, 5): True, (10, 5): False},
    "a_date_as_a_manager": {(12, 6): date(2024, 2, 2)},
    "null_words": {(3, 5): "NA", (4, 7): "null"},
    "numeric_text_ids": {(r, 1): str(1000 + r) for r in range(1, 60)},
    "a_time_of_day": {(5, 2): time(10, 30)},
    "a_date_before_1900_03": {(5, 8): datetime(1900, 1, 5)},
    "a_far_future_date": {(5, 8): date(2031, 1, 1)},
    "blank_rows": {(r, c): None for r in (20, 21) for c in range(1, 9)},
    "wide": {(r, c): r * c for r in range(1, 40) for c in range(9, 60)},
}


@pytest.mark.parametrize("name", sorted(MIXED))
def test_mixed_and_odd_columns(name: str, tmp_path: Path) -> None:
    path = deal_book(tmp_path / f"{name}.xlsx", 120, mutate=put(MIXED[name]))
    same_both_ways(path)


@pytest.mark.parametrize("name", ["text_in_amounts", "a_date_in_amounts", "a_number_in_dates",
                                  "numbers_in_managers", "null_words", "numeric_text_ids",
                                  "a_time_of_day"])
def test_what_fastexcel_would_coerce_goes_to_the_row_reader(name: str, tmp_path: Path) -> None:
    path = deal_book(tmp_path / f"{name}.xlsx", 120, mutate=put(MIXED[name]))
    assert taken(path, "Deals") == "rows"


def test_a_tall_log_takes_the_column_path_by_default(tmp_path: Path) -> None:
    """Over COLUMN_ROWS rows, with errors and booleans among them, the default backend reads
    the log by column and gives the row reader's report."""
    errors = {(r, 5): "=1/0" for r in (30, 25_000)}
    path = deal_book(tmp_path / "tall.xlsx", 25_000, mutate=put(errors))
    with_errors = tmp_path / "tall_e.xlsx"
    _cached_errors(path, with_errors)
    by_default = json.loads(json.dumps(analyse(
        XlsxBackend(with_errors).read(DEFAULT_OUTPUT_TABS).tabs, today=TODAY)
        .report.to_dict(), default=str))
    by_rows = report(with_errors, None)
    by_rows.pop("read-out"), by_rows.pop("input_hash")
    assert by_default == by_rows
    cells = {p["cell"] for p in by_default["problems"] if p["code"] == "formula_error"}
    assert {"E31", "E25001"} <= cells


def _cached_errors(src: Path, dst: Path) -> None:
    """openpyxl saves =1/0 with no cached value; Excel saves the error: do as Excel does."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<f>1/0</f><v></v>", b"<f>1/0</f><v>#DIV/0!</v>")
                data = data.replace(b"<f>1/0</f><v />", b"<f>1/0</f><v>#DIV/0!</v>")
                data = data.replace(b'<c r="E31" t="str">', b'<c r="E31" t="e">')
                data = data.replace(b'<c r="E25001" t="str">', b'<c r="E25001" t="e">')
            zout.writestr(info, data)


def test_the_input_hash_ignores_the_kpi_tab_and_sees_an_input_change(tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    shutil.copy(TEMPLATES / "demo_en.xlsx", path)
    first = XlsxBackend(path).read(DEFAULT_OUTPUT_TABS)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("KPI")["A1"] = "Funnel KPIs"
    wb.save(path)
    names = list(first.layout.tab_names)
    assert input_hash(path.read_bytes(), "demo.xlsx", names) != ""
    wb = openpyxl.load_workbook(path)
    ws = wb[names[0]]
    ws["B2"] = (ws["B2"].value or 0) + 1
    wb.save(path)
    assert XlsxBackend(path).read(DEFAULT_OUTPUT_TABS).input_hash != first.input_hash


def test_a_null_word_among_shared_strings_goes_to_the_row_reader(tmp_path: Path) -> None:
    """Excel (and xlsxwriter) keep text in the shared strings, not in the sheet: "NA" there
    would be a blank to fastexcel in a column of numbers, a problem to the row reader."""
    import xlsxwriter

    path = tmp_path / "shared.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Deals")
    ws.write_row(0, 0, ["Deal ID", "Created", "Status", "Amount"])
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for i in range(1, 60):
        ws.write_string(i, 0, f"D{i}")
        ws.write_datetime(i, 1, datetime(2024, 1, 1) + timedelta(days=i), day)
        ws.write_string(i, 2, "Won" if i % 2 else "Lost")
        if i == 7:
            ws.write_string(i, 3, "NA")
        else:
            ws.write_number(i, 3, 1000 + i)
    book.close()
    got = same_both_ways(path)
    assert any(p["cell"] == "D8" for p in got["problems"])


def every_row(col: int, value: Callable[[int], object], rows: int) -> Callable[[Any, int], None]:
    """Column ``col`` of every row below the header set to ``value(row)``."""
    return put({(r, col): value(r) for r in range(1, rows + 1)})


@pytest.mark.parametrize("col, header", [(5, "Amount"), (6, "Manager"), (1, "Deal ID")])
def test_a_column_of_dates_reads_as_dates_in_every_role(col: int, header: str,
                                                        tmp_path: Path) -> None:
    """A column of nothing but dates, read by column, is what the row reader makes of it: as
    an amount, each cell a problem ("2024-03-05" is not a number), never its serial number
    counted as money; as a text (a manager, an id), the date, not "45356"."""
    def day(r: int) -> object:
        d = datetime(2024, 3, 1) + timedelta(days=r % 40)
        return d + timedelta(hours=10) if r % 4 == 0 else d.date()

    path = deal_book(tmp_path / "dates.xlsx", 120, mutate=every_row(col, day, 120))
    assert taken(path, "Deals") == "columns"
    got = same_both_ways(path)
    if header == "Amount":
        flagged = [p for p in got["problems"] if p["cell"].startswith("E")]
        assert len(flagged) == 120
        assert all(p["value"].startswith("2024-0") for p in flagged)  # not 45352
        assert got["total"]["kpis"]["revenue"] in (None, 0)  # no serial counted as money
    else:
        samples = next(c["samples"] for c in got["columns"] if c["header"] == header)
        assert all(s.startswith("2024-0") for s in samples), samples


def test_a_compute_reads_without_hashing(tmp_path: Path) -> None:
    """Only a sync uses the version and the input hash: hashes=False (the CLI's compute)
    reads the same tabs and hashes nothing."""
    path = deal_book(tmp_path / "log.xlsx", 60)
    plain = XlsxBackend(path, hashes=False).read(DEFAULT_OUTPUT_TABS)
    hashed = XlsxBackend(path).read(DEFAULT_OUTPUT_TABS)
    assert (plain.version, plain.input_hash) == ("", "")
    assert len(hashed.version) == 64 and hashed.input_hash
    assert [t.rows for t in plain.tabs] == [t.rows for t in hashed.tabs]


def test_a_second_reading_rereads_the_file_and_refuses_a_changed_one(tmp_path: Path) -> None:
    """The column reader hands the book's bytes to fastexcel and lets them go; a second
    reading reads the file again, and a file changed since it was read is an error, never a
    mix of two versions."""
    from sheets_sync.errors import SourceError

    path = deal_book(tmp_path / "log.xlsx", 80)
    tab = XlsxBackend(path, column_rows=0).read(DEFAULT_OUTPUT_TABS).tabs[0]
    assert tab.columns is not None
    first = [c.cell(5) for c in tab.columns(0)]
    assert [c.cell(5) for c in tab.columns(0)] == first  # read again from the same file
    deal_book(path, 80, seed=4)
    with pytest.raises(SourceError, match="changed while it was being read"):
        tab.columns(0)


def test_many_distinct_texts_stay_undecoded_until_asked() -> None:
    import pyarrow as pa

    from sheets_sync.backends.xlsx_arrow import _names

    texts = ["D1", "", "Ёжик", "D1 ", "менеджер"]
    names = _names(pa.array(texts).dictionary_encode().dictionary)
    assert len(names) == 6 and names[0] is None and list(names) == [None, *texts]
    assert names[-1] == "менеджер" and names[2:4] == ["", "Ёжик"]
    with pytest.raises(IndexError):
        names[6]
