"""Every KPI that a spreadsheet function computes shows the same function and arguments on every
surface made from the registry: the xlwings functions, KPI(), GET /api/v1/kpis,
``sheets-sync kpis`` (table and JSON) and docs/kpis.md / docs/kpis.ru.md."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from excel_udfs import kpi_table
from funnel_kpi import registry
from sheets_sync.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs"
CELL_KPIS = [k for k in registry.REGISTRY.values() if k.function]


@pytest.fixture
def config(books: Path, tmp_path: Path) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
            "XLSX_ROOT": str(books), "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret"}


@pytest.fixture
def api_body(app: Flask, auth: dict[str, str]) -> Iterator[dict[str, Any]]:
    resp = app.test_client().get("/api/v1/kpis", headers=auth)
    assert resp.status_code == 200
    yield resp.get_json()


def test_every_cell_kpi_is_on_every_surface(udf_module: types.ModuleType,
                                            api_body: dict[str, Any]) -> None:
    runner = CliRunner()
    tables = {lang: runner.invoke(main, ["kpis", "--lang", lang]) for lang in ("en", "ru")}
    assert all(t.exit_code == 0 for t in tables.values()), tables
    cli_json = json.loads(runner.invoke(main, ["kpis", "--format", "json"]).output)
    docs = {lang: (DOCS / name).read_text("utf-8")
            for lang, name in (("en", "kpis.md"), ("ru", "kpis.ru.md"))}
    api = {k["id"]: k for k in api_body["kpis"]}
    assert len(CELL_KPIS) >= 30
    for kpi in CELL_KPIS:
        fn = registry.FUNCTIONS[kpi.function or ""]
        names = [a.name for a in registry.kpi_args(kpi)]
        usage = registry.kpi_usage(kpi)
        # Excel: a function of that name whose arguments are the spec's, in order
        udf = getattr(udf_module, fn.name)
        assert [a["name"] for a in udf.__xlfunc__["args"]] == [a.name for a in fn.args]
        assert udf in udf_module.FUNCTIONS
        # KPI(): the same arguments, less those the KPI fixes
        assert kpi_table.KPI_FUNCTIONS[kpi.id] is kpi
        assert kpi_table.signature(kpi) == f'KPI("{kpi.id}", ' + ", ".join(
            f"[{n}]" if fn.arg(n).optional else n for n in names) + ")"
        # the API and the CLI's JSON: the same document
        for body in (api[kpi.id], next(k for k in cli_json["kpis"] if k["id"] == kpi.id)):
            assert body["function"] == fn.name and body["usage"] == usage
            assert [a["name"] for a in body["args"]] == names
        # the CLI's table and the docs, in both languages
        for lang in ("en", "ru"):
            assert f"{kpi.id:<28} {kpi.name(lang)}" in tables[lang].output
            assert f"= {usage}\n" in tables[lang].output
            row = next(line for line in docs[lang].splitlines()
                       if line.startswith(f"| `{kpi.id}` |"))
            assert row.endswith(f"| `{usage}` |")


def test_every_function_is_on_every_surface(udf_module: types.ModuleType,
                                            api_body: dict[str, Any]) -> None:
    api = {f["name"]: f for f in api_body["functions"]}
    assert set(api) == set(registry.FUNCTIONS)
    assert {f.__name__ for f in udf_module.FUNCTIONS} == {*registry.FUNCTIONS, "KPI"}
    for fn in registry.FUNCTIONS.values():
        info = getattr(udf_module, fn.name).__xlfunc__
        assert info["ret"]["doc"] == fn.help()
        assert [(a["name"], "optional" in a, a["doc"]) for a in info["args"]] == [
            (a.name, a.optional, f"{a.en} / {a.ru}") for a in fn.args]
        assert api[fn.name]["usage"] == fn.usage()
        assert [a["name"] for a in api[fn.name]["args"]] == [a.name for a in fn.args]
        for name in ("kpis.md", "kpis.ru.md"):
            assert f"| `{fn.usage()}` |" in (DOCS / name).read_text("utf-8")
