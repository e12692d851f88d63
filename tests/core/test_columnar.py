"""A tab read by column (funnel_kpi.inputs.CellColumn: arrays, no Python object per cell) gives
the same report, problems and read-out as the same tab row by row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pytest

from bench.compute import TAB, generate
from funnel_kpi import Tab
from funnel_kpi.api import analyse
from funnel_kpi.inputs import CellColumn
from tests.crm.exports import FIXTURES


def by_column(name: str, rows: Sequence[Sequence[object]], head: int = 30) -> Tab:
    width = max(len(r) for r in rows)

    def columns(h: int) -> list[CellColumn]:
        data = rows[h + 1:]
        return [CellColumn.of([r[c] if c < len(r) else None for r in data])
                for c in range(width)]

    return Tab(name, rows[:head], columns)


def same(rows: Sequence[Sequence[object]], today: date, name: str = "Deals") -> None:
    a = analyse([Tab(name, rows)], today=today)
    b = analyse([by_column(name, rows)], today=today)
    assert a.parsed.deals is not None and b.parsed.deals is not None
    assert b.report.to_dict() == a.report.to_dict()
    assert list(b.parsed.deals.columns.ids) == list(a.parsed.deals.columns.ids)


def test_a_generated_log_with_bad_cells() -> None:
    rows = generate(3000)["values"]
    rows[5][1] = "not a date"  # created
    rows[9][6] = "12,5,4"  # amount
    rows[12][4] = "Maybe"  # status
    rows[40] = [None] * len(rows[40])  # a blank row
    rows[41][1] = None  # a row without its created date
    rows[50][0] = None  # no id: "row 52"
    same(rows, date(2025, 6, 1), TAB)


@pytest.mark.parametrize("build", FIXTURES, ids=lambda b: b.__name__)
def test_crm_exports(build) -> None:  # type: ignore[no-untyped-def]
    f = build()
    same(f.rows, f.today, f.tab)


def test_a_summary_read_by_column_is_read_by_rows() -> None:
    rows = [["Month", "Leads", "Paid"], ["Jan 2024", 100, 5], ["Feb 2024", 120, 6]]
    a = analyse([Tab("S", rows)], today=date(2024, 6, 1))
    b = analyse([by_column("S", rows, head=1)], today=date(2024, 6, 1))
    assert b.report.to_dict() == a.report.to_dict()


def test_a_cell_column_gives_its_cells_back() -> None:
    cells = [1.5, "x", None, True, 3, "x", date(2024, 1, 5), datetime(2024, 1, 5, 10, 30)]
    col = CellColumn.of(cells)
    assert [col.cell(i) for i in range(len(col))] == cells
    assert col.names == (None, "x")
    assert col.numbers[6] == 45296 and col.numbers[7] == 45296 + 10.5 / 24


def test_a_column_of_dates_is_dates_in_every_role() -> None:
    """As in a row-major tab: a date is a date to a date column, not a number to an amount
    (a problem showing the date, never its serial as money), its ISO text to a text column."""
    rows: list[list[object]] = [["Deal ID", "Created", "Status", "Amount", "Manager"]]
    for i in range(40):
        day = date(2024, 1, 1 + i % 28)
        rows.append([f"D{i}", day, "Won", datetime(2024, 2, 1 + i % 20, 9), day])
    same(rows, date(2025, 6, 1))
    b = analyse([by_column("Deals", rows)], today=date(2025, 6, 1))
    amounts = [p for p in b.report.problems if p.cell.startswith("D")]
    assert len(amounts) == 40 and amounts[0].value == "2024-02-01T09:00:00"
    assert b.report.total.kpis["revenue"].value in (None, 0)


def test_deal_ids_numbered_by_column_as_one_by_one() -> None:
    """Won deals without a customer id count one customer per deal id: numbered from the id
    column's codes (a tab read by column) exactly as from the ids one by one: stripped texts,
    a number and its text alike, a blank id its row."""
    import numpy as np

    from funnel_kpi.parse.deals import _RowIds

    cells = ["A1", " A1", 1001, "1001", None, "  ", "row 9", "B2", "A1", 1001.0, date(2024, 1, 5),
             "2024-01-05", True, "B2 "]
    col = CellColumn.of(cells)
    rows = np.arange(3, 3 + len(cells), dtype=np.int32)
    positions = np.array([13, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 4, 0], np.intp)
    by_column = _RowIds(col.cell, None, rows, col).numbered(positions)
    one_by_one = _RowIds(col.cell, None, rows).numbered(positions)
    assert by_column.tolist() == one_by_one.tolist()
    assert one_by_one.tolist()[:5] == [0, 1, 1, 2, 2]  # "B2 " first; "A1" = " A1"; 1001 = "1001"
