"""What a returned ``CellError`` becomes on the way to Excel.

xlwings has no API for returning an error value from a UDF (xlwings issue #776), and a text such
as "#N/A" is only a text in a cell: ISERROR() is FALSE for it and arithmetic on it gives #VALUE!.
So the error is made where the value crosses into Excel:

- Windows, Excel through COM (classic xlwings UDFs): a ``win32com.client.VARIANT`` of type
  VT_ERROR holding the error's SCODE, which is what VBA's ``CVErr(xlErrDiv0)`` is; pywin32
  converts such an object to a VT_ERROR variant when it builds the result array
  (``PyCom_VariantFromPyObject``). Not exercised in Excel itself here (no Windows machine).
- xlwings Server / Lite (Office.js custom functions), and anywhere pywin32 is missing: the error
  text, which xlwings' Office.js engine turns into a real error value
  (``errorstr_to_errortype``).
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

from excel_udfs.errors import CellError


@functools.cache
def _com_error_factory() -> Any:
    if sys.platform != "win32" or os.environ.get("XLWINGS_ON_SERVER") == "true":
        return None
    try:  # pywin32 is there only on Windows
        import pythoncom  # type: ignore[import-untyped,import-not-found,unused-ignore]  # optional: pywin32
        from win32com.client import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            VARIANT,  # optional: pywin32
        )
    except ImportError:
        return None
    return lambda e: VARIANT(pythoncom.VT_ERROR, e.scode)


def error_value(error: CellError) -> Any:
    make = _com_error_factory()
    return error.text if make is None else make(error)


def to_excel(result: Any) -> Any:
    """A result of ``excel_udfs.adapters`` in the form xlwings hands to Excel."""
    if isinstance(result, list):
        # The rows are the adapter's own, fresh for this call: replace errors in place rather
        # than copy 100,000 rows.
        for row in result:
            for j, x in enumerate(row):
                if type(x) is CellError:
                    row[j] = error_value(x)
        return result
    if isinstance(result, CellError):
        return error_value(result)
    return result
