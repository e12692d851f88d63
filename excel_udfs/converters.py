"""xlwings converters of the Excel functions (this module imports xlwings; the adapters do not).

``NumberArray``: ``@xw.arg("x", NumberArray)`` / ``@xw.ret(NumberArray)`` read a range as a
numpy array and write a ``Spill`` back, on xlwings' raw accessor, so that no cell goes through
xlwings' per-cell cleaning (see ``excel_udfs.arrays``).
"""

from __future__ import annotations

from typing import Any

from xlwings.conversion import Converter, RawValueAccessor

from excel_udfs.arrays import ArrayArg, Spill, read_numbers, write_spill
from excel_udfs.wire import to_excel


class NumberArray(Converter):
    """``@xw.arg("x", NumberArray)`` / ``@xw.ret(NumberArray)``: see the module docstring."""

    base = RawValueAccessor  # type: ignore[assignment]  # xlwings types it None

    @classmethod
    def read_value(cls, value: Any, options: Any) -> ArrayArg:
        return read_numbers(value)

    @classmethod
    def write_value(cls, value: Any, options: Any) -> Any:
        if isinstance(value, Spill):
            return write_spill(value)
        out = to_excel(value)
        return out if isinstance(out, list) else [[out]]
