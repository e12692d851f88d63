"""The KPI tab as data: a grid of typed values with formats, a note, and a chart.

``render`` builds it from a report; each backend writes it its own way (Sheets batchUpdate,
openpyxl). Values are never preformatted text: numbers stay numbers with a number format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CellValue = str | float | int | bool | None
# Number formats by kind; each backend maps a kind to its own pattern and the sheet's locale.
FormatKind = Literal["percent", "money", "money_cents", "integer", "number", "times", "days",
                     "months", "date", "text"]
Style = Literal["title", "header", "section", "bold", "bottleneck", "muted", "warning"]


@dataclass(frozen=True, slots=True)
class Block:
    """A rectangle of cells sharing a number format and/or a style (0-based, end exclusive)."""

    row: int
    col: int
    rows: int = 1
    cols: int = 1
    kind: FormatKind | None = None
    style: Style | None = None


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """A bar chart of ``value_col`` against ``label_col`` (0-based) over ``data_rows`` rows from
    ``first_row``, stretched over the cells from (``anchor_row``, ``anchor_col``) to (``end_row``,
    ``end_col``) (end exclusive), which the renderer keeps blank."""

    title: str
    label_col: int
    value_col: int
    first_row: int
    data_rows: int
    anchor_row: int
    anchor_col: int
    end_row: int
    end_col: int
    kind: FormatKind = "percent"  # of the values, for the axis and the data labels


@dataclass(frozen=True, slots=True)
class KpiGrid:
    title: str  # the tab name
    rows: tuple[tuple[CellValue, ...], ...]
    blocks: tuple[Block, ...] = ()
    chart: ChartSpec | None = None
    note: str = ""  # put on A1: says the sync owns the tab
    protection: str = ""  # description of the warning-only protected range
    column_widths: tuple[int, ...] = field(default=())  # pixels, per column from A
    currency: str | None = None  # the report's (ISO code) for money formats; None: the locale's
    # Rows from this index on hold what the sync keeps for itself (the input hash): written,
    # read back, but hidden from people.
    hidden_from: int | None = None
    row_lines: tuple[tuple[int, int], ...] = ()  # (row, text lines) of rows taller than one line

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def cells(self) -> int:
        return sum(len(r) for r in self.rows)
