"""fastexcel's Arrow columns as ``funnel_kpi.inputs.CellColumn`` arrays (``xlsx_columns``):
numbers as float64, dates as serial numbers with their mask, booleans as 1/0 with a mask, text
as int32 codes into its distinct values; None for a column the row reader must read instead.

Imported by ``xlsx_columns.arrow_columns`` only once fastexcel's grid of cells is freed, so
pyarrow's libraries (60 MB of memory) are not loaded at the read's peak.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from funnel_kpi.inputs import CellColumn, LazySequence

UNIX_SERIAL = 25569  # 1970-01-01 as a serial number
MS_PER_DAY = 86_400_000
LAZY_NAMES = 10_000  # a column with more distinct texts keeps them undecoded (Texts)
FIRST_SAFE_SERIAL = 61  # 1900-03-01: before it Excel's serials count a day that never was
# What fastexcel writes for a number, a date or a boolean it coerced to text.
COERCED = (r"^-?[0-9]+(\.[0-9]+)?$|^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}"
           r"(\.[0-9]+)?)?$|^(true|false)$")


class _Exported:
    """The (schema, array) capsules of Arrow's C interface, as pyarrow takes them."""

    def __init__(self, capsules: tuple[object, object]) -> None:
        self.capsules = capsules

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]:
        return self.capsules


def cell_columns(exported: tuple[object, object]) -> list[CellColumn] | None:
    """One CellColumn per column of the record batch ``exported`` (its C-interface capsules);
    None when a column cannot be read exactly so."""
    try:
        batch = pa.record_batch(_Exported(exported))
    except (pa.ArrowException, TypeError, ValueError):
        return None
    n = batch.num_rows
    arrays: list[Any] = list(batch.columns)
    del batch
    columns = []
    for k, array in enumerate(arrays):
        col = _column(array, n)
        if col is None:
            return None
        columns.append(col)
        arrays[k] = None  # each Arrow column goes once it is numpy's
    return columns


def _column(array: Any, n: int) -> CellColumn | None:
    typ, types = array.type, pa.types
    blank = np.zeros(n, np.int32)
    if types.is_null(typ):
        return CellColumn(np.full(n, math.nan), blank)
    if types.is_floating(typ) or types.is_integer(typ):
        return CellColumn(_floats(array), blank)
    if types.is_boolean(typ):
        numbers = _floats(pc.cast(array, pa.int8()))
        return CellColumn(numbers, blank, (None,), ~np.isnan(numbers))
    if types.is_timestamp(typ):
        ms = _floats(pc.cast(pc.cast(array, pa.timestamp("ms")), pa.int64()))
        return _dates(ms / MS_PER_DAY + UNIX_SERIAL, blank)
    if types.is_date32(typ):
        return _dates(_floats(pc.cast(array, pa.int32())) + UNIX_SERIAL, blank)
    if types.is_string(typ) or types.is_large_string(typ):
        encoded = pc.dictionary_encode(array)
        if pc.any(pc.match_substring_regex(encoded.dictionary, COERCED)).as_py():
            return None  # numbers, dates or booleans written as text: maybe a mixed column
        names = _names(encoded.dictionary)
        indices = encoded.indices
        codes = np.frombuffer(indices.buffers()[1], np.int32,
                              count=len(indices) + indices.offset)[indices.offset:] + 1
        if indices.null_count:
            codes[~_valid(indices)] = 0
        empty = np.flatnonzero(np.diff(names.offsets) == 0) + 1
        if len(empty):  # an empty text is a blank to the row reader too
            codes[np.isin(codes, empty)] = 0
        return CellColumn(np.full(n, math.nan), codes,
                          names if len(names) > LAZY_NAMES else tuple(names))
    return None  # durations and anything else: the row reader


class Texts(LazySequence[str | None]):
    """A column's distinct texts as Arrow holds them, UTF-8 bytes and their offsets, each
    decoded when asked (CellColumn's ``names``: position 0 is None, the blank): a column of
    500,000 distinct ids needs a few of them (problems, won deals without a customer id), and
    as Python strings they would take 35 MB."""

    def __init__(self, data: bytes, offsets: NDArray[np.int64]) -> None:
        self.data, self.offsets = data, offsets

    def __len__(self) -> int:
        return len(self.offsets)  # the texts and the blank before them

    def item(self, i: int) -> str | None:
        if i == 0:
            return None
        return self.data[int(self.offsets[i - 1]):int(self.offsets[i])].decode()


def _names(dictionary: Any) -> Texts:
    """The distinct texts of a dictionary-encoded column, read from its buffers."""
    width = np.int64 if pa.types.is_large_string(dictionary.type) else np.int32
    buffers = dictionary.buffers()
    first = dictionary.offset
    offsets = np.frombuffer(buffers[1], width, count=len(dictionary) + 1 + first)[first:]
    data = buffers[2].to_pybytes() if buffers[2] is not None else b""
    return Texts(data, offsets.astype(np.int64))


def _dates(serials: NDArray[np.float64], blank: NDArray[np.int32]) -> CellColumn | None:
    if bool((serials < FIRST_SAFE_SERIAL).any()):
        return None  # a time of day alone, or a date Excel counts differently
    return CellColumn(serials, blank, dates=~np.isnan(serials))


def _floats(array: Any) -> NDArray[np.float64]:
    """An Arrow array of fixed-width numbers as float64, NaN where it is null: read from its
    buffers (pyarrow's own conversion of an array with nulls goes through pandas)."""
    values = np.frombuffer(array.buffers()[1], dtype=array.type.to_pandas_dtype(),
                           count=len(array) + array.offset)[array.offset:]
    out = values.astype(np.float64)
    if array.null_count:
        out[~_valid(array)] = math.nan
    return out


def _valid(array: Any) -> NDArray[np.bool_]:
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], np.uint8), bitorder="little")
    return bits[array.offset:array.offset + len(array)].astype(np.bool_)
