"""LibreOffice, a spreadsheet engine nobody here wrote, recalculates the built-in templates and
gives the service's numbers on every KPI cell to 1e-9.

The templates are saved by openpyxl, which writes formulas without cached values: every number
read back below was computed by LibreOffice (the test checks the cells are blank before). The
private LibreOffice profile also sets "recalculate on load: always" for .xlsx files, so a cached
value could not stand in for a computed one. Values are read with python-calamine; error cells,
which calamine reads as blanks, are told apart with openpyxl. A cell the service reports as null
must show an error (or stay blank where test_templates allows it), never a number.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from formulas.tokens.operand import XlError
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.formula import ArrayFormula
from python_calamine import CalamineWorkbook

from tests.excel.test_templates import TEMPLATES, build, compare, service_report

NAMES = sorted(n for n in build.BUILDERS if n.endswith("_builtin.xlsx"))
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None,
                                reason="LibreOffice (soffice) is not installed")


def kpi_sheet(name: str) -> str:
    return build.KPI_TAB["ru" if "_ru" in name else "en"]


def cells(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(
        skip_empty_area=False)


def at(rows: list[list[Any]], ref: str) -> Any:
    r, c = coordinate_to_tuple(ref)
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""


def convert(profile: Path, work: Path, names: list[str]) -> Path:
    """``names`` (in ``work``) as LibreOffice saves them after loading them, in work/out."""
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         "xlsx:Calc MS Excel 2007 XML", "--outdir", str(work / "out"), *names],
        cwd=work, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return work / "out"


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LibreOffice profile of its own (one in use by another process is refused) that
    recalculates every .xlsx on load."""
    profile = tmp_path_factory.mktemp("libreoffice-profile")
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    return profile


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory, profile: Path) -> Path:
    """The built-in templates as LibreOffice saves them after recalculating (one process)."""
    work = tmp_path_factory.mktemp("libreoffice")
    for name in NAMES:
        shutil.copy(TEMPLATES / name, work / name)
    return convert(profile, work, NAMES)


def test_a_stale_cached_value_is_recalculated(recalculated: Path, profile: Path,
                                              tmp_path: Path) -> None:
    """The profile's "always recalculate" works: a wrong cached value does not survive."""
    name = NAMES[0]
    sheet = kpi_sheet(name)
    book = openpyxl.load_workbook(recalculated / name)
    part = f"xl/worksheets/sheet{book.sheetnames.index(sheet) + 1}.xml"
    _, checks = build.build(name)
    ref = next(c.cell for c in checks if isinstance(at(cells(recalculated / name, sheet), c.cell),
                                                      float))
    good = at(cells(recalculated / name, sheet), ref)
    with zipfile.ZipFile(recalculated / name) as src, \
            zipfile.ZipFile(tmp_path / name, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == part:
                data, n = re.subn(
                    rf'(<c r="{ref}"[^>]*><f[^>]*>[^<]*</f><v>)[^<]*(</v>)'.encode(),
                    rb"\g<1>777\g<2>", data)
                assert n == 1, f"{ref} has a formula and a cached value in {part}"
            dst.writestr(item, data)
    assert at(cells(tmp_path / name, sheet), ref) == 777
    again = convert(profile, tmp_path, [name])
    assert at(cells(again / name, sheet), ref) == good != 777


@pytest.mark.parametrize("name", NAMES)
def test_template_cells_have_no_cached_values(name: str) -> None:
    """What LibreOffice shows below, it computed: no KPI formula cell carries a value."""
    wb, checks = build.build(name)
    ws = wb[kpi_sheet(name)]
    formulas = [c.cell for c in checks if isinstance(ws[c.cell].value, ArrayFormula)
                or str(ws[c.cell].value).startswith("=")]
    assert len(formulas) >= 20
    rows = cells(TEMPLATES / name, kpi_sheet(name))
    cached = [ref for ref in formulas if at(rows, ref) not in ("", None)]
    assert not cached, cached[:10]


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_and_service_agree(name: str, recalculated: Path) -> None:
    path = recalculated / name
    _, checks = build.build(name)
    sheet = kpi_sheet(name)
    values = cells(path, sheet)
    shown = openpyxl.load_workbook(path, data_only=True)[sheet]
    report = service_report(TEMPLATES / name)

    def value_at(ref: str) -> Any:
        """calamine's value; an error cell (a blank to calamine) as the XlError openpyxl shows."""
        text = shown[ref].value
        if isinstance(text, str) and text.startswith("#"):
            return XlError(text)
        return at(values, ref)

    mismatches, defined = compare(checks, report, "libreoffice", value_at)
    assert not mismatches, f"{len(mismatches)} of {len(checks)} cells differ:\n" + \
        "\n".join(mismatches[:30])
    assert defined >= 20, "too few defined KPI cells to compare"
