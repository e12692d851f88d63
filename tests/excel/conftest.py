"""xlwings' own UDF machinery on Linux, as far as it runs without Excel.

``xlwings.udfs`` imports three pywin32 modules at its top; with those stubbed it imports, and its
decorators (``xlfunc``, ``xlarg``, ``xlret``) and ``generate_vba_wrapper`` are the real code. On
Windows ``xlwings.func`` *is* ``xlwings.udfs.xlfunc``; elsewhere xlwings replaces it with a
no-op, so the fixture binds the real decorators before importing ``excel_udfs.udfs``.

``call_udf`` is xlwings' real entry point for a cell's call (argument conversion with the
function's options, the missing-argument marker, the result conversion). What stands in for
Excel here is what cannot run on Linux: the COM range wrapper (never used, as arguments are
passed as values, the way Excel passes literal arguments and arrays) and the Windows engine's
two value-cleaning functions, copied below in the form xlwings uses on Windows.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# xlwings._xlwindows.cell_errors: the COM error integers Excel hands to pywin32.
COM_CELL_ERRORS = {
    -2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?", -2146826288: "#NULL!",
    -2146826252: "#NUM!", -2146826265: "#REF!", -2146826273: "#VALUE!",
}
MISSING = -2147352572  # what VBA passes for an omitted Optional argument


class WindowsLikeEngine:
    """The two functions of xlwings._xlwindows.Engine a UDF call goes through (that module
    needs ctypes.windll, so it cannot be imported here)."""

    name = "excel"
    type = "desktop"

    @staticmethod
    def clean_value_data(data: Any, datetime_builder: Any, empty_as: Any, number_builder: Any,
                         err_to_str: bool) -> list[list[Any]]:
        def clean(value: Any) -> Any:
            if value in ("", None):
                return empty_as
            if isinstance(value, dt.date):
                return value
            if number_builder is not None and isinstance(value, float):
                return number_builder(value)
            if isinstance(value, int) and value in COM_CELL_ERRORS:
                return COM_CELL_ERRORS[value] if err_to_str else None
            return value

        return [[clean(c) for c in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x: Any, options: Any) -> Any:
        if x is None or (isinstance(x, float) and x != x):
            return ""
        return x


class CallerRange:
    """Stands in for xlwings._xlwindows.Range around Application.Caller (a COM object)."""

    def __init__(self, xl: Any = None) -> None:
        self.xl = xl
        self.options: dict[str, Any] = {}


def _stub(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


@pytest.fixture(scope="session")
def xlwings_udfs() -> Iterator[types.ModuleType]:
    """``xlwings.udfs``, imported with pywintypes, pythoncom and win32com stubbed."""
    import xlwings

    class ComError(Exception):
        pass

    win32com = _stub("win32com")
    client = _stub("win32com.client", Dispatch=lambda *a, **k: None)
    win32com.client = client  # type: ignore[attr-defined]
    stubs = {
        "pywintypes": _stub("pywintypes", com_error=ComError),
        "pythoncom": _stub("pythoncom", CoInitialize=lambda: None),
        "win32com": win32com,
        "win32com.client": client,
        # call_udf reaches these two; neither is touched for a plain (not async) function
        # whose arguments are values.
        "xlwings._xlwindows": _stub("xlwings._xlwindows", Range=CallerRange,
                                    is_range_instance=lambda arg: False, BOOK_CALLER=None),
        "xlwings.com_server": _stub("xlwings.com_server", loop=None),
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, module in stubs.items():
            mp.setitem(sys.modules, name, module)
        mp.setattr(xlwings, "_xlwindows", stubs["xlwings._xlwindows"], raising=False)
        mp.delitem(sys.modules, "xlwings.udfs", raising=False)
        udfs = importlib.import_module("xlwings.udfs")
        mp.setattr(xlwings, "func", udfs.xlfunc)
        mp.setattr(xlwings, "arg", udfs.xlarg)
        mp.setattr(xlwings, "ret", udfs.xlret)
        engine = xlwings.Engine(impl=WindowsLikeEngine())
        xlwings.engines.add(engine)
        try:
            yield udfs
        finally:
            xlwings.engines.engines.remove(engine)
            xlwings.engines.engines_by_name.pop("excel", None)
            sys.modules.pop("excel_udfs.udfs", None)
            sys.modules.pop("xlwings.udfs", None)


@pytest.fixture(scope="session")
def udf_module(xlwings_udfs: types.ModuleType) -> types.ModuleType:
    """``excel_udfs.udfs`` decorated by xlwings' real decorators."""
    sys.modules.pop("excel_udfs.udfs", None)
    return importlib.import_module("excel_udfs.udfs")


@pytest.fixture(scope="session")
def call(xlwings_udfs: types.ModuleType, udf_module: types.ModuleType
         ) -> Callable[..., Any]:
    """call("CPL", 1000.0, 50.0): the value xlwings would hand back to Excel for that cell."""
    def call_udf(name: str, *args: Any) -> Any:
        return xlwings_udfs.call_udf("excel_udfs.udfs", name, args)

    return call_udf
