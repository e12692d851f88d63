"""Every error a user can meet is said from the catalogue's ``[error]`` table, in English and
Russian (funnel_kpi.errors.Said).

The source of funnel_kpi/ and sheets_sync/ is read with ``ast``: every construction of an error
of the two trees (and of the API's ApiError) must name a key, as ``X.say("error.key", ...)``,
``X(..., key="error.key", ...)``, ``X.like(other)`` (another error's words) or, for the classes
whose key is a positional argument (below), a literal "error.*" there. A key that is an f-string
must be the start of at least one catalogue key.
"""

from __future__ import annotations

import ast
import pickle
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from funnel_kpi import LayoutError
from funnel_kpi.catalogue import entries
from funnel_kpi.errors import Said, error_text, phrase
from funnel_kpi.report.textfmt import NBSP
from sheets_sync import errors as sync_errors
from sheets_sync.app.errors import ApiError
from sheets_sync.backends.csv_file import TableError

REPO = Path(__file__).resolve().parents[1]

# The classes whose constructions are checked: the two roots' trees and the API's own.
ROOTS = {"FunnelError", "ConfigError", "LayoutError", "PlanError", "ReportFormatError",
         "ApiError", "TableError", "FieldError",
         *(name for name, cls in vars(sync_errors).items()
           if isinstance(cls, type) and issubclass(cls, sync_errors.SheetsSyncError))}
# Where the key is a positional argument: class -> its index.
POSITIONAL_KEY = {"ApiError": 2, "TableError": 0, "JobNotFound": 1}
# Constructions that need no key of their own (keep short, say why).
ALLOWED: set[tuple[str, int]] = set()
# JobNotFound(job_id) says "error.job_not_found" by default.
DEFAULT_KEY = {"JobNotFound"}


def error_keys() -> dict[str, tuple[str, str]]:
    return {k: v for k, v in entries().items() if k.startswith("error.")}


def calls() -> Iterator[tuple[str, int, str, ast.Call]]:
    for package in ("funnel_kpi", "sheets_sync"):
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                f = node.func
                if isinstance(f, ast.Name) and f.id in ROOTS:
                    yield str(path.relative_to(REPO)), node.lineno, f.id, node
                elif (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                      and f.value.id in ROOTS and f.attr in ("say", "like")):
                    yield str(path.relative_to(REPO)), node.lineno, f.value.id + "." + f.attr, node


def key_of(name: str, call: ast.Call) -> ast.expr | None:
    if name.endswith(".say"):
        return call.args[0] if call.args else None
    for kw in call.keywords:
        if kw.arg == "key":
            return kw.value
    index = POSITIONAL_KEY.get(name)
    if index is not None and len(call.args) > index:
        return call.args[index]
    return None


def key_ok(node: ast.expr, keys: dict[str, tuple[str, str]]) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value in keys
    if isinstance(node, ast.JoinedStr) and node.values:
        head = node.values[0]
        return (isinstance(head, ast.Constant) and isinstance(head.value, str)
                and head.value.startswith("error.")
                and any(k.startswith(head.value) for k in keys))
    if isinstance(node, ast.IfExp):
        return key_ok(node.body, keys) and key_ok(node.orelse, keys)
    return False


def test_every_error_raised_has_a_catalogue_key() -> None:
    keys = error_keys()
    found = list(calls())
    assert len(found) > 150  # the walk sees the source (a broken walk would pass anything)
    bad = []
    for path, line, name, call in found:
        if (path, line) in ALLOWED or name.endswith(".like"):
            continue
        key = key_of(name, call)
        if key is None and name in DEFAULT_KEY:
            continue
        if key is None or not key_ok(key, keys):
            bad.append(f"{path}:{line}: {name}(...) {ast.unparse(key) if key else 'no key'}")
    assert not bad, "errors without an [error] key:\n" + "\n".join(bad)


def given_params(name: str, call: ast.Call) -> set[str] | None:
    """The parameter names a construction gives, when the source shows them all (keywords of
    ``say``, a dict literal for ``params``); None when it cannot tell (a dict built elsewhere)."""
    if name.endswith(".say"):
        if any(kw.arg is None for kw in call.keywords):  # **spread
            return None
        return {kw.arg for kw in call.keywords if kw.arg is not None}
    params: ast.expr | None = next((kw.value for kw in call.keywords if kw.arg == "params"),
                                   None)
    index = POSITIONAL_KEY.get(name)
    if params is None and index is not None and len(call.args) > index + 1:
        params = call.args[index + 1]
    if params is None:
        return set() if key_of(name, call) is not None and name not in DEFAULT_KEY else None
    if isinstance(params, ast.Dict) and all(isinstance(k, ast.Constant) for k in params.keys):
        return {str(k.value) for k in params.keys if isinstance(k, ast.Constant)}
    return None


def test_every_raise_gives_its_sentences_parameters() -> None:
    """A parameter a sentence names and its raise does not give would make the error a
    KeyError (a 500) instead of its sentence."""
    keys = error_keys()
    bad = []
    for path, line, name, call in calls():
        key = key_of(name, call)
        given = given_params(name, call)
        if not (isinstance(key, ast.Constant) and key.value in keys) or given is None:
            continue
        wanted = {n for text in keys[key.value]
                  for _, n, _, _ in string.Formatter().parse(text) if n}
        if not wanted <= given:
            bad.append(f"{path}:{line}: {key.value} needs {sorted(wanted - given)}")
    assert not bad, "\n".join(bad)


def placeholders(template: str) -> set[str]:
    """The fields of a template; a "_en"/"_ru" suffix names the same field in its language."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return {re.sub(r"_(en|ru)$", "", n) for n in names}


@pytest.mark.parametrize("key", sorted(error_keys()))
def test_both_languages_same_placeholders(key: str) -> None:
    en, ru = entries()[key]
    assert en.strip() and ru.strip()
    assert placeholders(en) == placeholders(ru), key
    # Russian is Russian: any words outside the placeholders are in Cyrillic
    words = re.sub(r"\{[^{}]*\}", "", ru)
    if re.search("[A-Za-zА-Яа-яЁё]", words):
        assert re.search("[а-яё]", words, re.IGNORECASE), key
    if en != ru:  # the same text in both is a template of placeholders only
        return
    assert not re.search("[A-Za-z]", words), key


def test_english_unchanged_and_russian_said() -> None:
    e = LayoutError(key="error.no_such_tab", params={"tab": "Лиды", "names": "'Sheet1'"})
    assert str(e) == "There is no tab named 'Лиды'; the tabs are: 'Sheet1'."
    assert e.text("ru") == "Вкладки «Лиды» нет; вкладки таблицы: 'Sheet1'."
    assert e.tab == "Лиды"
    none = LayoutError.say("error.no_funnel_tab", names=None)
    assert "among the tabs none:" in str(none) and "(вкладки: нет)" in none.text("ru")


def test_numbers_in_the_users_language() -> None:
    e = ApiError(413, "too_many_cells", "error.api_cells_rows",
                 {"cells": 1234567, "limit": 500000})
    assert e.message == ("1234567 cells is more than this service computes at once (500000): "
                         "send fewer rows.")
    assert e.text("ru").startswith(f"Ячеек: 1{NBSP}234{NBSP}567 — больше")
    reader = sync_errors.SourceError.say("error.reader_out_of_memory", name="a.xlsx",
                                         how="SIGKILL", gb=1.5)
    assert "1.5 GB" in str(reader) and "1,5 ГБ" in reader.text("ru")


def test_phrases_and_nested_errors_said_in_each_language() -> None:
    inner = sync_errors.PackageError.say("error.pkg_no_workbook")
    outer = sync_errors.SourceError.say("error.not_readable_xlsx", file="b.xlsx", why=inner)
    assert str(outer) == "b.xlsx cannot be read as an .xlsx workbook (it has no workbook part)."
    assert outer.text("ru") == "Файл b.xlsx не читается как книга .xlsx (в нём нет части workbook)."
    csv = TableError("error.csv_nul", {"name": phrase("error.the_file"), "line": 3}, 3)
    assert str(csv).startswith("The file is not text (line 3")
    assert csv.text("ru").startswith("Файл — не текст (в строке 3")
    assert error_text(ValueError("plain"), "ru") == "plain"


def test_said_errors_survive_pickling_with_their_key() -> None:
    # the file reader's child process sends its errors back pickled
    for e in (sync_errors.JobNotFound(7),
              sync_errors.AlreadyRunning(key="error.already_running", params={"job_id": 7},
                                         task_id="t1"),
              sync_errors.NotShared.say("error.not_shared", id="abc", email="x@y.z")):
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is type(e) and str(back) == str(e)
        assert isinstance(back, Said) and back.text("ru") == e.text("ru")
        assert back.__dict__ == e.__dict__


# pydantic's context keys a [validation] sentence may name (pydantic_core's error types)
VALIDATION_CONTEXT = {"min_length", "max_length", "actual_length", "pattern", "ge", "le", "gt",
                      "lt", "expected"}


@pytest.mark.parametrize("key", sorted(k for k in entries() if k.startswith("validation.")))
def test_a_validation_type_keeps_pydantics_english_and_says_russian(key: str) -> None:
    en, ru = entries()[key]
    assert en == "{msg}", key  # English stays pydantic's own sentence
    assert re.search("[а-яё]", ru, re.IGNORECASE), key
    names = {f for _, f, _, _ in string.Formatter().parse(ru) if f}
    assert names <= VALIDATION_CONTEXT, (key, names - VALIDATION_CONTEXT)


def test_a_sentence_ending_in_a_part_that_ends_its_own_has_one_full_stop() -> None:
    said = Said.say("error.api_field", field="schedule", message="e.g. 0 7 * * 1-5.", more="")
    assert str(said) == ("Field 'schedule': e.g. 0 7 * * 1-5. Fix the field and send the "
                         "request again.")
    assert "1-5. Исправьте" in said.text("ru")
    kept = Said.say("error.api_field", field="f", message="see .../d/...", more="")
    assert "see .../d/.... Fix" in str(kept)  # an ellipsis and the full stop after it


def test_a_values_own_dots_are_left_as_they_are() -> None:
    """Only the seam between a part and the template's full stop is mended, never the user's
    data: a path or a tab name with dots keeps them."""
    assert "../conf/funnel.toml" in str(Said.say("error.config_unreadable",
                                                 path="../conf/funnel.toml", why="no such file"))
    assert str(LayoutError.say("error.tab_empty", tab="Q1..Q2")) == "Tab 'Q1..Q2' is empty."
