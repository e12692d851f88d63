"""Excel error values, and the two ways a call goes wrong.

    Exception
    ├── InputErrorValue   an input cell holds an Excel error (#N/A, #REF!, ...): the function
    │                     returns that same error, as Excel's own functions do
    └── UsageError        the call cannot be made sense of (unknown KPI id, ranges of different
                          lengths): the cell shows the message, in English and Russian

``adapters.excel_function`` is the one place that turns these into cell values.

An undefined KPI (``Value.value is None``) becomes the error Excel itself would show for it: a
zero denominator is #DIV/0!, a missing input is #N/A, a result too large for a float is #NUM!.
"""

from __future__ import annotations

from enum import Enum


class CellError(Enum):
    """An Excel error value. ``code`` is Excel's CVErr number (xlErrDiv0 = 2007, ...)."""

    NULL = "#NULL!"
    DIV0 = "#DIV/0!"
    VALUE = "#VALUE!"
    REF = "#REF!"
    NAME = "#NAME?"
    NUM = "#NUM!"
    NA = "#N/A"
    GETTING_DATA = "#GETTING_DATA"
    SPILL = "#SPILL!"
    CALC = "#CALC!"

    @property
    def text(self) -> str:
        return self.value

    @property
    def code(self) -> int:
        return _CODES[self]

    @property
    def scode(self) -> int:
        """The signed 32-bit COM SCODE of the error (0x800A0000 | code), as pywin32 gives it."""
        return (0x800A0000 | self.code) - (1 << 32)

    @staticmethod
    def from_text(text: str) -> CellError | None:
        return _BY_TEXT.get(text.strip().upper())

    @staticmethod
    def from_scode(value: int) -> CellError | None:
        """The error of a COM error integer (-2146826281 is #DIV/0!), else None."""
        return _BY_SCODE.get(value)


_CODES = {
    CellError.NULL: 2000, CellError.DIV0: 2007, CellError.VALUE: 2015, CellError.REF: 2023,
    CellError.NAME: 2029, CellError.NUM: 2036, CellError.NA: 2042,
    CellError.GETTING_DATA: 2043, CellError.SPILL: 2045, CellError.CALC: 2050,
}
_BY_TEXT = {e.value: e for e in CellError}
_BY_SCODE = {e.scode: e for e in CellError}

# Reasons (funnel_kpi.messages.UNDEFINED and the core's other codes) that are a division by
# zero; every other reason is "not available".
DIV0_REASONS = frozenset({
    "zero_denominator", "no_entries", "zero_churn", "no_closed_deals", "no_losses",
    "no_won_deals",
})
NUM_REASONS = frozenset({"not_finite"})


def error_for(reason: str | None) -> CellError:
    """The Excel error an undefined value with this reason shows."""
    if reason in DIV0_REASONS:
        return CellError.DIV0
    if reason in NUM_REASONS:
        return CellError.NUM
    return CellError.NA


class InputErrorValue(Exception):
    """An input cell holds an Excel error; the function's result is that error."""

    def __init__(self, error: CellError) -> None:
        super().__init__(error.text)
        self.error = error


class UsageError(Exception):
    """A call that cannot be made sense of; the message is shown in the cell."""

    def __init__(self, en: str, ru: str) -> None:
        super().__init__(f"{en} / {ru}")
