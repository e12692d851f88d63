"""Workbooks with what openpyxl cannot keep (charts, images, pivot tables, comments, validation,
conditional formats, defined names, tables, VBA), built with xlsxwriter as Excel writes them, and
LibreOffice (headless) to open and recalculate a synced file."""

from __future__ import annotations

import csv
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "xlsx_fixtures"
MONTHS = 8


def png(width: int = 4, height: int = 3) -> bytes:
    """A small real PNG (xlsxwriter reads its size from the header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def rich_book(path: Path, *, vba: bytes | None = None) -> Path:
    """A funnel tab with formulas, a comment, validation, conditional formats and a table, and
    a "Charts" tab with a chart and an image; workbook and sheet defined names."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    if vba is not None:
        image = path.with_suffix(".bin")
        image.write_bytes(vba)
        book.add_vba_project(str(image))
    ws = book.add_worksheet("Funnel")
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    money = book.add_format({"num_format": "#,##0.00 [$$-409]"})
    headers = ["Month", "Leads", "Meetings", "Contracts", "Paid", "Marketing spend", "Revenue"]
    ws.write_row(0, 0, headers, bold)
    for i in range(MONTHS):
        r = i + 1
        leads = 400 + 12 * i
        ws.write_string(r, 0, f"2025-{i + 1:02d}")
        ws.write_number(r, 1, leads)
        # a formula with its cached value, as Excel saves it
        ws.write_formula(r, 2, f"=ROUND(B{r + 1}/4,0)", None, round(leads / 4))
        ws.write_number(r, 3, 40 + i)
        ws.write_number(r, 4, 30 + i)
        ws.write_number(r, 5, 100000 + 1000 * i, money)
        ws.write_formula(r, 6, f"=E{r + 1}*5000", money, (30 + i) * 5000)
    ws.write_comment("B1", "Leads from every channel")
    ws.data_validation(1, 1, MONTHS, 1, {"validate": "integer", "criteria": ">=", "value": 0})
    ws.conditional_format(1, 4, MONTHS, 4, {"type": "3_color_scale"})
    ws.conditional_format(1, 3, MONTHS, 3, {"type": "cell", "criteria": ">", "value": 44,
                                            "format": book.add_format({"font_color": "#9C0006"})})
    ws.add_table(MONTHS + 3, 0, MONTHS + 5, 1, {"name": "Targets", "columns": [
        {"header": "Goal"}, {"header": "Value"}]})
    book.define_name("LeadsRange", f"=Funnel!$B$2:$B${MONTHS + 1}")
    book.define_name("Funnel!LocalNote", '="local"')
    charts = book.add_worksheet("Charts")
    chart = book.add_chart({"type": "column"})
    chart.add_series({"name": "Paid", "categories": f"=Funnel!$A$2:$A${MONTHS + 1}",
                      "values": f"=Funnel!$E$2:$E${MONTHS + 1}"})
    charts.insert_chart("B2", chart)
    charts.write_formula("A1", "=SUM(LeadsRange)", None,
                         sum(400 + 12 * i for i in range(MONTHS)))
    image = path.with_suffix(".png")
    image.write_bytes(png())
    charts.insert_image("J2", str(image))
    book.close()
    return path


def parts(path: Path) -> dict[str, tuple[bytes, int]]:
    """Every part of a package: its bytes and its compression, in the package's order."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i.compress_type) for i in z.infolist()}


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    return exe


# Recalculate every formula when a file is loaded, whatever wrote it (the default trusts the
# cached values of files from Excel and never recalculates them).
RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def libreoffice_sheets(path: Path, work: Path) -> dict[str, list[list[str]]]:
    """Open ``path`` in LibreOffice, recalculate it and export every sheet as CSV: sheet name
    -> rows. Fails when LibreOffice cannot load the file."""
    exe = soffice()
    profile = work / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC, "utf-8")
    out = work / "lo-out"
    out.mkdir(exist_ok=True)
    # CSV filter options: comma, quote, UTF-8, line 1, no formats, ..., sheet -1 = every sheet
    flt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    done = subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                           "--norestore", "--convert-to", flt, "--outdir", str(out), str(path)],
                          capture_output=True, text=True, timeout=180, check=False)
    files = sorted(out.glob(f"{path.stem}-*.csv"))
    assert done.returncode == 0 and files, f"LibreOffice could not open {path.name}: " \
        f"{done.stdout} {done.stderr}"
    sheets = {}
    for f in files:
        with open(f, encoding="utf-8", newline="") as fh:
            sheets[f.stem[len(path.stem) + 1:]] = list(csv.reader(fh))
    return sheets


LO_ERRORS = ("Err:", "#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!")


def errors_in(rows: list[list[str]]) -> list[str]:
    return [v for row in rows for v in row if v.startswith(LO_ERRORS)]
