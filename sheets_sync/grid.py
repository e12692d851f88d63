"""The KPI tab as data: a grid of typed values with formats, a note, and a chart.

``render`` builds it from a report; each backend writes it its own way (Sheets batchUpdate,
openpyxl). Values are never preformatted text: numbers stay numbers with a number format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CellValue = str | float | int | bool | None
# Number formats by kind; each backend maps a kind to its own pattern and the sheet's locale.
FormatKind = Literal["percent", "money", "integer", "number", "days", "months", "date", "text"]
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
    """A bar chart of ``value_col`` against ``label_col`` (0-based): the column header is on
    ``header_row`` and ``data_rows`` rows of data follow it."""

    title: str
    label_col: int
    value_col: int
    header_row: int
    data_rows: int
    anchor_row: int
    anchor_col: int


@dataclass(frozen=True, slots=True)
class KpiGrid:
    title: str  # the tab name
    rows: tuple[tuple[CellValue, ...], ...]
    blocks: tuple[Block, ...] = ()
    chart: ChartSpec | None = None
    note: str = ""  # put on A1: says the sync owns the tab
    protection: str = ""  # description of the warning-only protected range
    column_widths: tuple[int, ...] = field(default=())  # pixels, per column from A
    currency: str = "RUB"

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def cells(self) -> int:
        return sum(len(r) for r in self.rows)
