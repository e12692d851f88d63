"""Formulas: kept as typed, computed for arithmetic, comparisons, `&`, and the functions SUM,
AVERAGE, COUNT, COUNTA, MIN, MAX, IF, IFERROR, ROUND, ABS, AND, OR, NOT, CONCATENATE over cells
and ranges, on any sheet. Errors are Google's (#DIV/0!, #VALUE!, #NAME?, #REF!, #ERROR!).

In comma-decimal locales (ru_RU) a formula that uses `;` between arguments is read with `,` as
the decimal separator, as Google's UI does there; otherwise `,` separates arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import a1
from .functions import call
from .numfmt import separators
from .operands import Range, number
from .operands import text as _text
from .store import CellError, Sheet, Spreadsheet

DIV0 = CellError("#DIV/0!", "DIVIDE_BY_ZERO", "Function DIVIDE parameter 2 cannot be zero.")
PARSE = CellError("#ERROR!", "ERROR", "Formula parse error.")
CIRCULAR = CellError(
    "#REF!",
    "CIRCULAR_REFERENCE",
    "Circular dependency detected. To resolve with iterative calculation, see File > Settings.",
)
_ERRORS = {"#N/A": "N_A", "#DIV/0!": "DIVIDE_BY_ZERO", "#VALUE!": "VALUE", "#REF!": "REF",
           "#NAME?": "NAME", "#NUM!": "NUM", "#NULL!": "NULL", "#ERROR!": "ERROR"}

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<str>"(?:[^"]|"")*")
    |(?P<err>\#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|ERROR!))
    |(?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?
        (?:\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}(?:\$?\d+)?)?
          |\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}(?:\$?\d+)?|\$?\d+:\$?\d+)(?![\w(]))
    |(?P<num>\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?|[.,]\d+)
    |(?P<name>[A-Za-z_][\w.]*)
    |(?P<op><>|<=|>=|[-+*/^&=<>%(),;])
    )""",
    re.VERBOSE,
)


class _ParseError(Exception):
    pass


def tokenize(formula: str, locale: str) -> list[tuple[str, str]]:
    body = formula[1:] if formula.startswith("=") else formula
    comma_decimal = separators(locale)[0] == "," and ";" in _outside_strings(body)
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        m = _TOKEN.match(body, pos)
        if not m or m.end() == pos:
            raise _ParseError(body[pos:])
        kind = m.lastgroup or ""
        text = m.group(kind)
        if kind == "num":
            if "," in text:
                if not comma_decimal:  # "1,2" is two arguments; ",5" a separator and 5
                    head = text.split(",")[0]
                    out.append(("num", head) if head else ("sep", ","))
                    pos = m.start(kind) + max(len(head), 1)
                    continue
                text = text.replace(",", ".")
        elif kind == "op" and text in ",;":
            kind, text = "sep", text
            if text == "," and comma_decimal:
                raise _ParseError(body)
        out.append((kind, text))
        pos = m.end()
    return out


def _outside_strings(body: str) -> str:
    return re.sub(r'"(?:[^"]|"")*"', "", body)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.t = tokens
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.t[self.i] if self.i < len(self.t) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        if self.take()[1] != text:
            raise _ParseError(text)

    def parse(self) -> Any:
        node = self.compare()
        if self.peek()[0] != "end":
            raise _ParseError(self.peek()[1])
        return node

    def compare(self) -> Any:
        return self.left_to_right(("=", "<>", "<", ">", "<=", ">="), self.concat)

    def concat(self) -> Any:
        return self.left_to_right(("&",), self.additive)

    def additive(self) -> Any:
        return self.left_to_right(("+", "-"), self.term)

    def term(self) -> Any:
        return self.left_to_right(("*", "/"), self.power)

    def power(self) -> Any:
        return self.left_to_right(("^",), self.unary)

    def left_to_right(self, ops: tuple[str, ...], operand: Callable[[], Any]) -> Any:
        """Operands joined by any of ``ops``, one precedence level, grouped from the left."""
        node = operand()
        while self.peek()[0] == "op" and self.peek()[1] in ops:
            op = self.take()[1]
            node = ("bin", op, node, operand())
        return node

    def unary(self) -> Any:
        if self.peek() in (("op", "-"), ("op", "+")):
            op = self.take()[1]
            inner = self.unary()
            return ("neg", inner) if op == "-" else inner
        node = self.primary()
        while self.peek() == ("op", "%"):
            self.take()
            node = ("pct", node)
        return node

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            x = float(text)
            return ("val", int(x) if x.is_integer() and "e" not in text.lower() else x)
        if kind == "str":
            return ("val", text[1:-1].replace('""', '"'))
        if kind == "err":
            return ("val", CellError(text, _ERRORS[text], f"{text}"))
        if kind == "ref":
            return ("ref", text)
        if kind == "name":
            if self.peek() == ("op", "("):
                self.take()
                args: list[Any] = []
                if self.peek() != ("op", ")"):
                    args.append(self.compare())
                    while self.peek()[0] == "sep":
                        self.take()
                        args.append(self.compare())
                self.expect(")")
                return ("call", text.upper(), args)
            if text.upper() in ("TRUE", "FALSE"):
                return ("val", text.upper() == "TRUE")
            return ("name", text)
        if (kind, text) == ("op", "("):
            node = self.compare()
            self.expect(")")
            return node
        raise _ParseError(text)


def parse(formula: str, locale: str) -> Any:
    """The formula's tree, or None when it does not parse (the cell shows #ERROR!)."""
    try:
        return _Parser(tokenize(formula, locale)).parse()
    except (_ParseError, ValueError, IndexError):
        return None


class Evaluator:
    """Recomputes every formula in a spreadsheet, each cell once, dependencies first."""

    def __init__(self, book: Spreadsheet) -> None:
        self.book = book
        self.done: set[tuple[int, int, int]] = set()
        self.busy: set[tuple[int, int, int]] = set()

    def run(self) -> None:
        for sheet in self.book.sheets:
            for r, cols in list(sheet.extras.items()):
                for c, extra in list(cols.items()):
                    if "f" in extra:
                        self.cell(sheet, r, c)

    def cell(self, sheet: Sheet, r: int, c: int) -> Any:
        key = (sheet.id, r, c)
        extra = sheet.extras.get(r, {}).get(c)
        if extra is None or "f" not in extra or key in self.done:
            return _get(sheet, r, c)
        if key in self.busy:
            return CIRCULAR
        self.busy.add(key)
        tree = parse(extra["f"], self.book.locale)
        if tree is None:
            result: Any = PARSE
        else:
            try:
                result = self.eval(tree, sheet)
            except RecursionError:
                result = CIRCULAR
            if isinstance(result, Range):
                result = next(result.values(), None)
            if (isinstance(result, CellError) and result.kind == "NAME"
                    and result.message.startswith("Unknown function")):
                # a function the emulator does not compute: keep the cached value (from .xlsx)
                prior = _get(sheet, r, c)
                if prior is not None and not isinstance(prior, CellError):
                    result = prior
        if isinstance(result, float) and result.is_integer() and abs(result) < 2**53:
            result = int(result)
        self.busy.discard(key)
        self.done.add(key)
        _set(sheet, r, c, result)
        return result

    def eval(self, node: Any, sheet: Sheet) -> Any:
        kind = node[0]
        if kind == "val":
            return node[1]
        if kind == "ref":
            return self.ref(node[1], sheet)
        if kind == "name":
            for nr in self.book.named_ranges:
                if str(nr.get("name", "")).lower() == node[1].lower():
                    return self.grid(nr.get("range", {}))
            return CellError("#NAME?", "NAME", f"Unknown range name: '{node[1]}'.")
        if kind == "neg":
            x = number(self.eval(node[1], sheet))
            return x if isinstance(x, CellError) else -x
        if kind == "pct":
            x = number(self.eval(node[1], sheet))
            return x if isinstance(x, CellError) else x / 100
        if kind == "bin":
            return binary(node[1], self.eval(node[2], sheet), self.eval(node[3], sheet))
        if kind == "call":
            return call(node[1], [self._thunk(n, sheet) for n in node[2]])
        return PARSE

    def _thunk(self, node: Any, sheet: Sheet) -> Callable[[], Any]:
        return lambda: self.eval(node, sheet)

    def ref(self, text: str, here: Sheet) -> Any:
        title, ref = a1.split_sheet(text.replace("$", ""))
        sheet = here if title is None else self.book.sheet_by_title(title)
        if sheet is None or ref is None:
            return CellError("#REF!", "REF", f"Unresolved sheet name '{title}'.")
        b = a1.parse_ref(ref)
        if b is None:
            return CellError("#REF!", "REF", f"Invalid reference {text}.")
        r0, c0 = b.r0 or 0, b.c0 or 0
        r1 = min(sheet.row_count, b.r1) if b.r1 is not None else sheet.row_count
        c1 = min(sheet.col_count, b.c1) if b.c1 is not None else sheet.col_count
        if r1 - r0 == 1 and c1 - c0 == 1 and b.r1 is not None and b.c1 is not None:
            return self.cell(sheet, r0, c0)
        return Range([[self.cell(sheet, r, c) for c in range(c0, c1)] for r in range(r0, r1)
                      if r < len(sheet.rows) or sheet.extras.get(r)])

    def grid(self, gr: dict[str, Any]) -> Any:
        sheet = self.book.sheet_by_id(int(gr.get("sheetId", 0) or 0))
        if sheet is None:
            return CellError("#REF!", "REF", "Reference does not exist.")
        r0, c0 = gr.get("startRowIndex", 0), gr.get("startColumnIndex", 0)
        r1 = gr.get("endRowIndex", sheet.row_count)
        c1 = gr.get("endColumnIndex", sheet.col_count)
        return Range([[self.cell(sheet, r, c) for c in range(c0, c1)] for r in range(r0, r1)])


def _get(sheet: Sheet, r: int, c: int) -> Any:
    if r < len(sheet.rows):
        row = sheet.rows[r]
        if c < len(row):
            return row[c]
    return None


def _set(sheet: Sheet, r: int, c: int, value: Any) -> None:
    old = _get(sheet, r, c)
    if old.__class__ is value.__class__ and old == value:
        return
    sheet.changed(r)
    rows = sheet.rows
    while len(rows) <= r:
        rows.append([])
    row = rows[r]
    if len(row) <= c:
        row.extend([None] * (c + 1 - len(row)))
    row[c] = value


def _rank(v: Any) -> tuple[int, Any]:
    if isinstance(v, bool):
        return 2, v
    if isinstance(v, str):
        return 1, v.lower()
    return 0, v if v is not None else 0


def binary(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, Range):
        a = next(a.values(), None)
    if isinstance(b, Range):
        b = next(b.values(), None)
    for v in (a, b):
        if isinstance(v, CellError):
            return v
    if op == "&":
        return _text(a) + _text(b)
    if op in ("=", "<>", "<", ">", "<=", ">="):
        if a is None:
            a = "" if isinstance(b, str) else 0
        if b is None:
            b = "" if isinstance(a, str) else 0
        ra, rb = _rank(a), _rank(b)
        checks: dict[str, Callable[[Any, Any], bool]] = {
            "=": lambda x, y: x == y, "<>": lambda x, y: x != y, "<": lambda x, y: x < y,
            ">": lambda x, y: x > y, "<=": lambda x, y: x <= y, ">=": lambda x, y: x >= y,
        }
        return checks[op](ra, rb)
    x, y = number(a), number(b)
    for v in (x, y):
        if isinstance(v, CellError):
            return v
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return DIV0 if y == 0 else x / y
    if op == "^":
        try:
            return float(x) ** y
        except (OverflowError, ZeroDivisionError, ValueError):
            return CellError("#NUM!", "NUM", "Result of POW is out of range.")
    return PARSE


def recalc(book: Spreadsheet) -> None:
    """Recompute every formula of the spreadsheet (cheap when there are none)."""
    if any(sheet.has_formulas() for sheet in book.sheets):
        Evaluator(book).run()
