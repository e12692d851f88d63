"""Drive's `q` search language, for the terms gspread and people use on spreadsheets:
`name = 'x'`, `name contains 'x'`, `mimeType = '...'`, `'folder' in parents`, `trashed = false`,
`createdTime > '...'`, joined by and/or/not and parentheses. Strings take '...' or "...",
with backslash escapes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Pred = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<op>!=|<=|>=|=|<|>|\(|\))
    |(?P<word>[A-Za-z_][\w.]*))""",
    re.VERBOSE,
)
_FIELDS = {"name", "mimeType", "trashed", "starred", "parents", "createdTime", "modifiedTime",
           "fullText", "sharedWithMe", "viewedByMeTime"}


class QueryError(ValueError):
    pass


def _tokens(q: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(q):
        if not q[pos:].strip():
            break
        m = _TOKEN.match(q, pos)
        if not m:
            raise QueryError(q[pos:])
        kind = m.lastgroup or ""
        text = m.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        out.append((kind, text))
        pos = m.end()
    return out


def parse(q: str) -> Pred:
    tokens = _tokens(q)
    pred, i = _or(tokens, 0)
    if i != len(tokens):
        raise QueryError(q)
    return pred


def _or(t: list[tuple[str, str]], i: int) -> tuple[Pred, int]:
    return _chain(t, i, "or", _and, lambda a, b: lambda f: a(f) or b(f))


def _and(t: list[tuple[str, str]], i: int) -> tuple[Pred, int]:
    return _chain(t, i, "and", _not, lambda a, b: lambda f: a(f) and b(f))


def _chain(t: list[tuple[str, str]], i: int, word: str,
           operand: Callable[[list[tuple[str, str]], int], tuple[Pred, int]],
           join: Callable[[Pred, Pred], Pred]) -> tuple[Pred, int]:
    """Operands joined by ``word`` (or, and), left to right."""
    left, i = operand(t, i)
    while i < len(t) and t[i] == ("word", word):
        right, i = operand(t, i + 1)
        left = join(left, right)
    return left, i


def _not(t: list[tuple[str, str]], i: int) -> tuple[Pred, int]:
    if i < len(t) and t[i] == ("word", "not"):
        inner, i = _not(t, i + 1)
        return (lambda f: not inner(f)), i
    if i < len(t) and t[i] == ("op", "("):
        inner, i = _or(t, i + 1)
        if i >= len(t) or t[i] != ("op", ")"):
            raise QueryError("missing )")
        return inner, i + 1
    return _term(t, i)


def _value(tok: tuple[str, str]) -> Any:
    kind, text = tok
    if kind == "str":
        return text
    if kind == "word" and text in ("true", "false"):
        return text == "true"
    raise QueryError(text)


def _term(t: list[tuple[str, str]], i: int) -> tuple[Pred, int]:
    if i + 3 > len(t):
        raise QueryError("incomplete term")
    a, op, b = t[i], t[i + 1], t[i + 2]
    if a[0] == "str" and op == ("word", "in") and b == ("word", "parents"):
        folder = a[1]
        return (lambda f: folder in f.get("parents", [])), i + 3
    if a == ("word", "parents") and op == ("word", "in") and b[0] == "str":
        folder = b[1]
        return (lambda f: folder in f.get("parents", [])), i + 3
    if a[0] != "word" or a[1] not in _FIELDS:
        raise QueryError(a[1])
    field, value = a[1], _value(b)
    if op == ("word", "contains"):
        needle = str(value).lower()
        return (lambda f: needle in str(f.get(field, "")).lower()), i + 3
    if op[0] != "op":
        raise QueryError(op[1])
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y,
        ">": lambda x, y: x > y, "<=": lambda x, y: x <= y, ">=": lambda x, y: x >= y,
    }
    fn = compare.get(op[1])
    if fn is None:
        raise QueryError(op[1])
    return (lambda f: fn(f.get(field), value)), i + 3
