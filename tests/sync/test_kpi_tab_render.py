"""The KPI tab as people see it: the .xlsx rendered by LibreOffice, the Google tab as the emulator
shows it.

LibreOffice turns the synced demo's KPI sheet into a PDF (its text shows "###" wherever a number
does not fit), a PNG kept under tests/artifacts/ to look at, and a CSV of the displayed text.
The chart must cover no written cell, the sync's own fields must be hidden, money has its
currency and no kopecks from 1,000 on, and the status with its reasons comes first.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from funnel_kpi.catalogue import text as label
from sheets_emulator.testing import EmulatorProcess
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.google_client import make_client
from sheets_sync.job import SyncOptions, SyncOutcome, SyncState, run_sync
from sheets_sync.render import PAD_PX, text_px
from sheets_sync.retry import RetryPolicy
from sheets_sync.text_report import text_report

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
ARTIFACTS = ROOT / "tests" / "artifacts"
TODAY = date(2026, 11, 23)
FIXED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TOOLS = ("soffice", "pdftoppm", "pdftotext")
MISSING = [t for t in TOOLS if shutil.which(t) is None]
needs_office = pytest.mark.skipif(
    bool(MISSING), reason=f"{', '.join(MISSING)} not installed: LibreOffice (soffice) renders "
    "the .xlsx, poppler-utils (pdftoppm, pdftotext) reads its PDF")
KPI_TAB = {"ru": "Показатели", "en": "KPI"}
WARNING_COLOR = "9C5700"


def sync_xlsx(path: Path, state: SyncState | None = None) -> SyncOutcome:
    return run_sync(XlsxBackend(path), SyncOptions(today=TODAY), state, now=lambda: FIXED)


def with_problems(src: Path, dst: Path) -> Path:
    """The demo with a column nobody knows ("Comments") and a text in a count cell (C5)."""
    book = openpyxl.load_workbook(src)
    ws = book.worksheets[0]
    col = ws.max_column + 1
    ws.cell(1, col, "Comments" if "_en" in src.name else "Комментарий")
    ws.cell(2, col, "a note")
    ws.cell(5, 3, "abc")
    book.save(dst)
    return dst


# --- LibreOffice -----------------------------------------------------------------------------

@dataclass
class Rendered:
    lang: str
    xlsx: Path
    outcome: SyncOutcome
    pdf_text: str  # the KPI sheet's page as pdftotext reads it
    shown: list[list[str]]  # the KPI sheet as LibreOffice displays it (CSV "as shown")
    png: Path


def soffice(profile: Path, *args: str, cwd: Path) -> None:
    # A profile of its own: LibreOffice refuses a second process on a profile in use.
    done = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           *args], cwd=cwd, capture_output=True, text=True, timeout=180,
                          check=False)
    assert done.returncode == 0, done.stderr


def render_with_libreoffice(xlsx: Path, sheet: int, out: Path, profile: Path) -> tuple[str, Path]:
    """(the text of sheet ``sheet``'s PDF page, its PNG); one page per sheet."""
    pdf_filter = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
    soffice(profile, "--convert-to", pdf_filter, "--outdir", str(out), xlsx.name, cwd=xlsx.parent)
    pdf = out / (xlsx.stem + ".pdf")
    page = ["-f", str(sheet), "-l", str(sheet)]
    text = subprocess.run(["pdftotext", *page, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    stem = out / f"kpi_tab_{xlsx.stem}"
    subprocess.run(["pdftoppm", *page, "-r", "80", "-singlefile", "-png", str(pdf), str(stem)],
                   capture_output=True, timeout=60, check=True)
    return text, stem.with_suffix(".png")


def shown_values(xlsx: Path, sheet: int, out: Path, profile: Path) -> list[list[str]]:
    # Tokens: comma, quote, UTF-8, from line 1, -, -, -, -, cell content as shown, formulas
    # not, spaces not trimmed, then the 1-based sheet to export.
    csv_filter = ('csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,'
                  f"{sheet}")
    target = out / "csv"
    soffice(profile, "--convert-to", csv_filter, "--outdir", str(target), xlsx.name,
            cwd=xlsx.parent)
    (path,) = target.glob("*.csv")
    with open(path, encoding="utf-8", newline="") as f:
        return [row for row in csv.reader(f)]


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("libreoffice-profile")


@pytest.fixture(scope="module", params=["demo_ru", "demo_en", "check_en"])
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             profile: Path) -> Rendered:
    if MISSING:
        pytest.skip(f"{', '.join(MISSING)} not installed: LibreOffice (soffice) renders the "
                    ".xlsx, poppler-utils (pdftoppm, pdftotext) reads its PDF")
    name: str = request.param
    work = tmp_path_factory.mktemp(name)
    xlsx = work / f"{name}.xlsx"
    if name.startswith("check"):
        with_problems(TEMPLATES / "demo_en.xlsx", xlsx)
    else:
        shutil.copy(TEMPLATES / f"{name}.xlsx", xlsx)
    outcome = sync_xlsx(xlsx)
    lang = "ru" if name.endswith("_ru") else "en"
    sheet = CalamineWorkbook.from_path(str(xlsx)).sheet_names.index(KPI_TAB[lang]) + 1
    text, png = render_with_libreoffice(xlsx, sheet, work / "out", profile)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    kept = ARTIFACTS / png.name
    shutil.copy(png, kept)
    print(f"\nKPI tab of {name} as LibreOffice renders it: {kept}")
    return Rendered(lang, xlsx, outcome, text, shown_values(xlsx, sheet, work / "out", profile),
                    kept)


def kpi_sheet(r: Rendered) -> Any:
    return openpyxl.load_workbook(r.xlsx)[KPI_TAB[r.lang]]


def row_of(shown: list[list[str]], first: str) -> list[str]:
    return next(row for row in shown if row and row[0] == first)


def test_the_png_is_kept(rendered: Rendered) -> None:
    data = rendered.png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000, rendered.png


def test_no_number_shows_hashes(rendered: Rendered) -> None:
    assert "###" not in rendered.pdf_text
    assert rendered.pdf_text.count("\n") > 40, "the KPI sheet's page has its text"


def test_every_column_fits_what_libreoffice_shows(rendered: Rendered) -> None:
    """Each number as LibreOffice formats it fits its column (by the renderer's own measure,
    so a formatted text longer than the one the widths were computed from fails here)."""
    ws = kpi_sheet(rendered)
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    too_narrow = []
    for r, row in enumerate(rendered.shown):
        for c, text in enumerate(row):
            value = values[r][c] if r < len(values) and c < len(values[r]) else None
            if not isinstance(value, int | float) or not text:
                continue
            letter = openpyxl.utils.get_column_letter(c + 1)
            width_px = (ws.column_dimensions[letter].width or 8.43) * 7
            if text_px(text) + PAD_PX > width_px + 0.5:
                too_narrow.append(f"{letter}{r + 1} {text!r} in {width_px:.0f} px")
    assert not too_narrow, too_narrow[:10]


def chart_cells(ws: Any) -> tuple[int, int, int, int]:
    """(first row, first col, end row, end col) of the cells under the chart, 0-based."""
    (chart,) = ws._charts
    a = chart.anchor
    assert type(a).__name__ == "TwoCellAnchor", "the chart is anchored to cells on both corners"
    return a._from.row, a._from.col, a.to.row + (1 if a.to.rowOff else 0), \
        a.to.col + (1 if a.to.colOff else 0)


def test_the_chart_covers_no_written_cell(rendered: Rendered) -> None:
    ws = kpi_sheet(rendered)
    r0, c0, r1, c1 = chart_cells(ws)
    assert r1 - r0 >= 12 and c1 - c0 >= 3, "a readable chart"
    rows = CalamineWorkbook.from_path(str(rendered.xlsx)).get_sheet_by_name(
        KPI_TAB[rendered.lang]).to_python(skip_empty_area=False)
    left_px = sum((ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width or 8.43)
                  * 7 for i in range(c0))
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v in ("", None):
                continue
            assert not (r0 <= r < r1 and c0 <= c < c1), f"the chart covers {r + 1}/{c + 1}: {v!r}"
            if r0 <= r < r1 and isinstance(v, str) and all(x in ("", None) for x in row[c + 1:]):
                # a text with nothing to its right spills over: not under the chart either
                start = sum((ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)]
                             .width or 8.43) * 7 for i in range(c))
                assert start + text_px(v) <= left_px, f"row {r + 1}: {v!r} runs under the chart"


def test_the_chart_shows_every_step(rendered: Rendered) -> None:
    (chart,) = kpi_sheet(rendered)._charts
    ref = chart.series[0].val.numRef.f
    assert "$C$" in ref, f"step conversions (column C), not counts: {ref}"
    first, last = (int(n) for n in re.findall(r"\$(\d+)", ref))
    assert last - first + 1 == 7, "a bar for each step of the 8-stage funnel"
    assert chart.dataLabels is not None and chart.dataLabels.showVal


def test_the_syncs_own_fields_are_hidden(rendered: Rendered) -> None:
    ws = kpi_sheet(rendered)
    shown_hash = rendered.outcome.input_hash[:16]
    (row,) = [c.row for c in ws["A"] if c.value == "input"]
    assert ws.cell(row, 2).value == shown_hash
    assert ws.row_dimensions[row].hidden
    assert not any(d.hidden for r, d in ws.row_dimensions.items() if r < row)
    assert ws.protection.sheet, "a protected tab: rows cannot be unhidden by mistake"
    assert shown_hash not in rendered.pdf_text and "input" not in rendered.pdf_text.split()


def test_money_units_and_past_months(rendered: Rendered) -> None:
    ru = rendered.lang == "ru"
    shown = rendered.shown
    revenue = [t for t in row_of(shown, "Выручка" if ru else "Revenue")[1:] if t]
    assert len(revenue) >= 20
    for text in revenue:  # every month's revenue is over 1,000: no kopecks, with the currency
        assert ("₽" in text) if ru else text.startswith("$"), text
        assert not re.search(r"[.,]\d\d(\D*)$", text), text
    cpl = [t for t in row_of(shown, "CPL")[1:] if t]
    assert all(re.search(r"[.,]\d\d(\D*)$", t) for t in cpl), "CPL under 1,000 keeps kopecks"
    cycle = [t for t in row_of(shown, "Цикл сделки" if ru else "Sales cycle")[1:] if t]
    assert cycle and all(t.endswith(" дн." if ru else " d") for t in cycle), cycle
    # Forecast and velocity are of the pipeline now: no month of the past shows one, not 0.
    for name in (("Прогноз выручки", "Скорость воронки") if ru
                 else ("Revenue forecast", "Pipeline velocity")):
        row = row_of(shown, name)
        assert not any(row[1:-1]) and row[-1], row


def test_status_comes_first(rendered: Rendered) -> None:
    ws = kpi_sheet(rendered)
    lang = rendered.lang
    assert ws["A2"].value == label("status", lang)
    if rendered.outcome.report.status == "ok":
        assert ws["B2"].value == label("ok", lang)
        assert ws["A3"].value == label("synced", lang)
        return
    assert ws["B2"].value == label("check", lang)
    reasons = list(rendered.outcome.report.status_reasons(lang))
    assert [ws.cell(3 + i, 2).value for i in range(len(reasons))] == reasons
    assert any("Funnel!C5" in r for r in reasons) and any("Comments" in r for r in reasons)
    for r in range(2, 3 + len(reasons)):
        cell = ws.cell(r, 2)
        assert cell.font.color.rgb.endswith(WARNING_COLOR) and cell.fill.fill_type == "solid", \
            f"row {r} is styled as a warning"
    assert ws.cell(3 + len(reasons), 1).value == label("synced", lang)
    assert "Check the data" in "".join(rendered.pdf_text.splitlines()[:3])


# --- status first without LibreOffice ----------------------------------------------------------

@pytest.mark.parametrize("lang", ["ru", "en"])
def test_status_and_reasons_head_the_tab_and_the_text(tmp_path: Path, lang: str) -> None:
    book = with_problems(TEMPLATES / f"demo_{lang}.xlsx", tmp_path / f"demo_{lang}.xlsx")
    outcome = sync_xlsx(book)
    report = outcome.report
    assert report.status == "check"
    reasons = report.status_reasons(lang)
    assert len(reasons) >= 2
    rows = [list(r) for r in openpyxl.load_workbook(book)[KPI_TAB[lang]].iter_rows(
        max_row=2 + len(reasons), max_col=2, values_only=True)]
    assert rows[1] == [label("status", lang), label("check", lang)]
    assert [r[1] for r in rows[2:]] == list(reasons)
    text = text_report(report, lang).splitlines()
    assert text[0] == f"{label('status', lang)}: {label('check', lang)}"
    assert text[1:1 + len(reasons)] == [f"! {r}" for r in reasons]
    assert not any("OK" in line for line in text[:1 + len(reasons)])


def test_ok_status_is_one_line(tmp_path: Path) -> None:
    book = tmp_path / "demo_en.xlsx"
    shutil.copy(TEMPLATES / "demo_en.xlsx", book)
    outcome = sync_xlsx(book)
    assert outcome.report.status == "ok"
    ws = openpyxl.load_workbook(book)["KPI"]
    assert (ws["A2"].value, ws["B2"].value) == ("Status", "OK")
    assert ws["B2"].fill.fill_type is None, "not styled as a warning"
    assert text_report(outcome.report, "en").splitlines()[0] == "Status: OK"


# --- Google, through the emulator --------------------------------------------------------------

FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05, max_retry_after=2.0)


def copy_of(emu: EmulatorProcess, seed: str, locale: str) -> str:
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    sid = next(str(s["id"]) for s in emu.spreadsheets() if seed in s.get("title", ""))
    tabs = {ws.title: ws.get_values(value_render_option="UNFORMATTED_VALUE")
            for ws in client.open_by_key(sid).worksheets()}
    return emu.create_from_values(f"copy of {seed}", tabs, locale=locale)


def sync_google(emu: EmulatorProcess, sid: str, state: SyncState | None = None) -> SyncOutcome:
    backend = GoogleBackend(make_client({"SHEETS_EMULATOR_HOST": emu.host}), sid, policy=FAST)
    return run_sync(backend, SyncOptions(today=TODAY), state, now=lambda: FIXED)


def google_tab(emu: EmulatorProcess, sid: str, tab: str) -> tuple[dict[str, Any], list[list[str]]]:
    """(the tab's sheet with grid data and charts, its cells as the sheet displays them)."""
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    meta = client.http_client.fetch_sheet_metadata(sid, params={
        "includeGridData": "true", "ranges": f"'{tab}'"})
    sheet = next(s for s in meta["sheets"] if s["properties"]["title"] == tab)
    return sheet, client.open_by_key(sid).worksheet(tab).get_values()


@pytest.mark.parametrize(("seed", "locale"), [("demo_ru", "ru_RU"), ("demo_en", "en_US")])
def test_google_tab_widths_formats_chart_and_hidden_rows(emulator: EmulatorProcess, seed: str,
                                                         locale: str) -> None:
    sid = copy_of(emulator, seed, locale)
    outcome = sync_google(emulator, sid)
    tab = outcome.output_tab
    sheet, shown = google_tab(emulator, sid, tab)
    data = sheet["data"][0]
    cols = [m["pixelSize"] for m in data["columnMetadata"]]
    rows_meta = data["rowMetadata"]
    entered = [[v.get("userEnteredValue", {}) for v in r.get("values", [])]
               for r in data.get("rowData", [])]
    formats = [[v.get("userEnteredFormat", {}).get("numberFormat", {}).get("pattern")
                for v in r.get("values", [])] for r in data.get("rowData", [])]

    too_narrow = [f"{r + 1}/{c + 1} {text!r} in {cols[c]} px"
                  for r, row in enumerate(shown) for c, text in enumerate(row)
                  if "numberValue" in (entered[r][c] if c < len(entered[r]) else {})
                  and text_px(text) + PAD_PX > cols[c]]
    assert not too_narrow, too_narrow[:10]

    revenue = next(r for r, row in enumerate(entered) if row and row[0].get("stringValue") in (
        "Выручка", "Revenue"))
    money = [(e["numberValue"], p) for e, p in zip(entered[revenue], formats[revenue],
                                                    strict=False) if "numberValue" in e]
    assert money and all(".00" not in str(p) for v, p in money if abs(v) >= 1000)
    assert all(("₽" in p) if locale == "ru_RU" else ("$" in p) for _, p in money)

    hash_row = next(r for r, row in enumerate(entered)
                    if row and row[0].get("stringValue") == "input")
    assert rows_meta[hash_row].get("hiddenByUser") is True
    assert not any(m.get("hiddenByUser") for m in rows_meta[:hash_row])

    (chart,) = sheet["charts"]
    pos = chart["position"]["overlayPosition"]
    r0, c0 = pos["anchorCell"]["rowIndex"], pos["anchorCell"]["columnIndex"]
    c1, px = c0, 0
    while px < pos["widthPixels"]:
        px, c1 = px + cols[c1], c1 + 1
    r1, px = r0, 0
    while px < pos["heightPixels"]:
        px, r1 = px + rows_meta[r1]["pixelSize"], r1 + 1
    covered = [(r, c) for r in range(r0, r1) for c in range(c0, c1)
               if c < len(entered[r]) and entered[r][c]] if r1 <= len(entered) else ["beyond"]
    assert not covered, covered
    series = chart["spec"]["basicChart"]["series"][0]["series"]["sourceRange"]["sources"][0]
    assert series["startColumnIndex"] == 2, "the chart shows step conversions"


def test_google_rows_hidden_before_are_shown_again(emulator: EmulatorProcess) -> None:
    """A longer tab moves the hash row down: the row that was hidden holds data now and shows."""
    sid = copy_of(emulator, "demo_en", "en_US")
    first = sync_google(emulator, sid)
    _, before = google_tab(emulator, sid, "KPI")
    client = make_client({"SHEETS_EMULATOR_HOST": emulator.host})
    client.open_by_key(sid).worksheet("Funnel").update([["abc"]], "C5")
    second = sync_google(emulator, sid, first.state)
    assert second.status == "written" and second.report.status == "check"
    sheet, after = google_tab(emulator, sid, "KPI")
    rows_meta = sheet["data"][0]["rowMetadata"]
    hidden = [r for r, m in enumerate(rows_meta) if m.get("hiddenByUser")]
    assert len(after) > len(before)
    assert hidden and all(after[r][:1] == ["input"] or not any(after[r]) for r in hidden
                          if r < len(after)), hidden
    assert len(before) - 1 not in hidden
