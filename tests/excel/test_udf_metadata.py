"""What xlwings' own decorators recorded for each function, and the VBA module Excel imports."""

from __future__ import annotations

import io
import re
import types
from typing import Any

import formulas
import pytest
from openpyxl.utils.formulas import FORMULAE

from excel_udfs import udfs as plain_udfs
from funnel_kpi import registry

# Excel functions newer than openpyxl's list (FORMULAE), from Microsoft's function reference.
NEWER_EXCEL_FUNCTIONS = {
    "AGGREGATE", "ARRAYTOTEXT", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "CONCAT", "DROP",
    "EXPAND", "FILTER", "FORECAST.ETS", "FORECAST.LINEAR", "GROUPBY", "HSTACK", "IFS",
    "IMAGE", "ISOMITTED", "LAMBDA", "LET", "MAKEARRAY", "MAP", "MAXIFS", "MINIFS", "PERCENTOF",
    "PIVOTBY", "RANDARRAY", "REDUCE", "REGEXEXTRACT", "REGEXREPLACE", "REGEXTEST", "SCAN",
    "SEQUENCE", "SORT", "SORTBY", "STOCKHISTORY", "SWITCH", "TAKE", "TEXTAFTER", "TEXTBEFORE",
    "TEXTJOIN", "TEXTSPLIT", "TOCOL", "TOROW", "TRIMRANGE", "UNIQUE", "VALUETOTEXT", "VSTACK",
    "WRAPCOLS", "WRAPROWS", "XLOOKUP", "XMATCH", "PY", "TRANSLATE", "DETECTLANGUAGE",
}
# VBA keywords and the names of VBA's own types and statements (Microsoft's VBA language
# reference), which a procedure or parameter may not be called.
VBA_RESERVED = {
    "access", "addressof", "alias", "and", "any", "append", "as", "attribute", "base", "binary",
    "boolean", "byref", "byte", "byval", "call", "case", "cbool", "cbyte", "ccur", "cdate",
    "cdbl", "cdec", "cint", "circle", "clng", "clnglng", "clngptr", "close", "compare",
    "const", "csng", "cstr", "currency", "cvar", "cverr", "database", "date", "debug",
    "decimal", "declare", "defbool", "defbyte", "defcur", "defdate", "defdbl", "defdec",
    "defint", "deflng", "deflnglng", "deflngptr", "defobj", "defsng", "defstr", "defvar",
    "dim", "do", "double", "each", "else", "elseif", "empty", "end", "endif", "enum", "eqv",
    "erase", "error", "event", "exit", "explicit", "false", "for", "friend", "function", "get",
    "global", "gosub", "goto", "if", "imp", "implements", "in", "input", "integer", "is",
    "len", "let", "lib", "like", "line", "lock", "long", "longlong", "longptr", "loop",
    "lset", "me", "mid", "mod", "module", "name", "new", "next", "not", "nothing", "null",
    "object", "on", "open", "option", "optional", "or", "output", "paramarray", "preserve",
    "print", "private", "property", "ptrsafe", "public", "put", "raiseevent", "random",
    "read", "redim", "rem", "resume", "return", "rset", "seek", "select", "set", "shared",
    "single", "spc", "static", "step", "stop", "string", "sub", "tab", "text", "then", "time",
    "to", "true", "type", "typeof", "unlock", "until", "variant", "wend", "while", "width",
    "with", "withevents", "write", "xor",
}
# Names the generated VBA wrapper itself uses inside each function.
XLWINGS_VBA_NAMES = {"argsarray", "k", "xlpy", "failed", "caller"}
A1_OR_R1C1 = re.compile(r"^([A-Z]{1,3}[0-9]+|R[0-9]*C[0-9]*)$", re.IGNORECASE)


def functions(module: types.ModuleType) -> list[Any]:
    return [f for f in module.FUNCTIONS]


def test_every_function_is_registered_in_the_category(udf_module: types.ModuleType) -> None:
    registered = {name for name in dir(udf_module)
                  if hasattr(getattr(udf_module, name), "__xlfunc__")}
    assert registered == {f.__name__ for f in udf_module.FUNCTIONS}
    assert {"CONVERSION", "CONVERSIONS", "FUNNEL", "BOTTLENECK", "OVERALL", "CPL", "CAC",
            "DEALSIZE", "WINRATE", "LTV", "LTV_CONTRACTUAL", "LTVCAC", "PAYBACK", "CHURN",
            "PLANFACT", "GROWTHRATE", "STAGETIME", "REVENUEFORECAST", "KPI"} <= registered
    for f in functions(udf_module):
        info = f.__xlfunc__
        assert info["category"] == "Funnel KPI", f.__name__
        assert info["name"] == f.__name__
        assert not info["sub"] and not info["volatile"] and info["async_mode"] is None


def test_category_needs_xw_func_outermost(xlwings_udfs: types.ModuleType) -> None:
    """Why @xw.func is on top: every @xw.arg calls xlfunc() without a category, which sets
    xlwings' default; only an xw.func(category=...) applied after the args keeps ours."""
    def right(x: Any) -> Any:
        return x

    def wrong(x: Any) -> Any:
        return x

    func, arg = xlwings_udfs.xlfunc, xlwings_udfs.xlarg
    assert func(category="Funnel KPI")(arg("x", doc="d")(right)).__xlfunc__["category"] == \
        "Funnel KPI"
    assert arg("x", doc="d")(func(category="Funnel KPI")(wrong)).__xlfunc__["category"] == \
        "xlwings"


def test_names_clash_with_nothing_in_excel_or_vba(udf_module: types.ModuleType) -> None:
    builtins = {n.upper() for n in FORMULAE} | NEWER_EXCEL_FUNCTIONS | {
        n.upper() for n in formulas.get_functions()}
    names = [f.__name__ for f in functions(udf_module)]
    for name in names:
        assert name.upper() not in builtins, f"{name} is an Excel built-in"
        assert name.lower() not in VBA_RESERVED, f"{name} is a VBA reserved word"
        assert not A1_OR_R1C1.match(name), f"{name} reads as a cell reference"
        assert len(name) <= 255 and re.fullmatch(r"[A-Z][A-Z0-9_]*", name)
    lowered = {n.lower() for n in names}
    for f in functions(udf_module):
        for arg in f.__xlfunc__["args"]:
            a = arg["name"].lower()
            assert a not in VBA_RESERVED, f"{f.__name__}({a}): VBA reserved word"
            assert a not in XLWINGS_VBA_NAMES, f"{f.__name__}({a}): used by the VBA wrapper"
            assert a not in lowered, f"{f.__name__}({a}) shadows a function of the module"


def test_help_fits_the_function_wizard(udf_module: types.ModuleType) -> None:
    cyrillic = re.compile("[а-яё]", re.IGNORECASE)
    for f in functions(udf_module):
        info = f.__xlfunc__
        doc = info["ret"]["doc"]
        assert len(doc) <= 255, f"{f.__name__}: description of {len(doc)} characters"
        assert doc.startswith(f.__name__ + "("), doc
        assert cyrillic.search(doc), f"{f.__name__}: no Russian in the description"
        for arg in info["args"]:
            assert not arg["doc"].startswith("Positional argument"), (f.__name__, arg["name"])
            assert len(arg["doc"]) <= 255 and cyrillic.search(arg["doc"]), arg["doc"]


def test_help_of_kpi_functions_comes_from_the_registry(udf_module: types.ModuleType) -> None:
    assert registry.get("cac").formula in udf_module.CAC.__xlfunc__["ret"]["doc"]
    assert registry.get("cpl").ru in udf_module.CPL.__xlfunc__["ret"]["doc"]


def test_argument_options(udf_module: types.ModuleType) -> None:
    """Every argument reads errors as text; ranges arrive as rows (ndim=2); results are plain
    values or rows, which spill natively (no legacy ``expand``)."""
    arrays = {("CONVERSIONS", "stage_counts"), ("FUNNEL", "stage_names"),
              ("FUNNEL", "stage_counts"), ("FUNNEL", "owners"), ("BOTTLENECK", "stage_names"),
              ("BOTTLENECK", "stage_counts"), ("BOTTLENECK", "owners"), ("KPI", "args"),
              ("OVERALL", "stage_counts"), ("REVENUEFORECAST", "open_stages"),
              ("REVENUEFORECAST", "open_amounts"), ("REVENUEFORECAST", "stage_names"),
              ("REVENUEFORECAST", "win_probabilities")}
    spec = {(f.name, a.name) for f in registry.FUNCTIONS.values() for a in f.args if a.array}
    assert arrays - {("KPI", "args")} <= spec  # the ranges of before are ranges still
    arrays |= spec
    for f in functions(udf_module):
        info = f.__xlfunc__
        assert "expand" not in info["ret"]["options"]
        for arg in info["args"]:
            assert arg["options"]["err_to_str"] is True
            is_array = (f.__name__, arg["name"]) in arrays
            assert (arg["options"].get("ndim") == 2) == is_array, (f.__name__, arg["name"])
    cac = {a["name"]: a for a in udf_module.CAC.__xlfunc__["args"]}
    assert "optional" in cac["sales_cost"] and cac["sales_cost"]["optional"] is None
    assert "optional" not in cac["spend"]
    kpi = udf_module.KPI.__xlfunc__["args"]
    assert [a["vararg"] for a in kpi] == [False, True]


def test_generated_vba_module(xlwings_udfs: types.ModuleType,
                              udf_module: types.ModuleType) -> None:
    out = io.StringIO()
    workbook = types.SimpleNamespace(Name="funnel_summary_en.xlsm")
    xlwings_udfs.generate_vba_wrapper("excel_udfs.udfs", udf_module, out, workbook)
    vba = out.getvalue()
    declared = re.findall(r"^Function (\w+)\((.*)\)$", vba, re.MULTILINE)
    assert sorted(n for n, _ in declared) == sorted(f.__name__ for f in udf_module.FUNCTIONS)
    sig = dict(declared)
    assert sig["CONVERSION"] == "from_count, to_count"
    assert sig["CAC"] == "spend, new_customers, Optional sales_cost"
    assert sig["KPI"] == "kpi_id, ParamArray args()"
    assert 'CPL = XLPy.CallUDF("excel_udfs.udfs", "CPL", Array(spend, leads), ThisWorkbook, ' \
           'Application.Caller)' in vba
    assert vba.count("End Function") == len(udf_module.FUNCTIONS)
    assert all(len(line) <= 1024 for line in vba.splitlines())


def test_plain_import_without_excel() -> None:
    """Off Windows xlwings' decorators are no-ops: the module still imports and computes."""
    assert plain_udfs.CPL(1000.0, 50.0) == 20.0


@pytest.mark.parametrize("module_name", ["excel_udfs.adapters", "excel_udfs.kpi_table",
                                         "excel_udfs.coerce", "excel_udfs.errors",
                                         "excel_udfs.setup", "excel_udfs.wire"])
def test_adapter_layer_needs_no_xlwings(module_name: str) -> None:
    import subprocess
    import sys

    code = ("import sys; sys.modules['xlwings'] = None; import importlib; "
            f"importlib.import_module({module_name!r}); "
            "assert not any(m.split('.')[0] in ('xlwings', 'sheets_sync') for m in sys.modules "
            "if sys.modules[m] is not None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
