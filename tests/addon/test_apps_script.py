"""The Google Sheets add-on's Apps Script code against the real service.

The service runs for real: the Flask app under werkzeug on loopback, a SQLite file, a token made
the way `sheets-sync tokens create` makes one, and Google Sheets played by sheets_emulator over
HTTP. Then:

- node runs sheets_addon/test/apps_script.test.js, which loads Code.gs (and the generated
  functions.gs and lib/) into the stand-in for Apps Script's globals (sheets_addon/standin/);
  its UrlFetchApp makes real HTTP calls to this service;
- Debian's Chromium loads the sidebar as the stand-in renders it, with google.script.run
  carried to the same script by standin/bridge.js, and so to the service. Screenshots are kept
  in test-artifacts/addon/.

Google's own runtime (authorization, quotas, the sandboxed iframe) cannot run here; docs/addon.md
says what is checked instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from gspread.utils import ValueRenderOption

from sheets_emulator.testing import EmulatorProcess, running_emulator
from sheets_sync.google_client import make_client
from tests.conftest import DEMO_EN, DEMO_RU, REPO
from tests.helpers import serving

NODE = shutil.which("node")
ADDON = REPO / "sheets_addon"
ARTIFACTS = REPO / "test-artifacts" / "addon"
CHROMIUM = Path("/usr/bin/chromium")
PROPS = {"url": "FUNNEL_KPI_SERVICE_URL", "token": "FUNNEL_KPI_TOKEN"}

pytestmark = pytest.mark.skipif(NODE is None, reason="no node on PATH (apt-get install nodejs)")


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with running_emulator(seeds=(str(DEMO_RU), str(DEMO_EN))) as emu:
        yield emu


@pytest.fixture
def config(tmp_path: Path, books: Path) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
            "XLSX_ROOT": str(books), "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "addon-test-secret-0123456789"}


@pytest.fixture
def service(app: Flask, emulator: EmulatorProcess,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The service on a loopback port; its Google client talks to the emulator."""
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", emulator.host)
    with serving(app) as url:
        yield url


def copy_of(emu: EmulatorProcess, seed: str, locale: str) -> tuple[str, dict[str, Any]]:
    """A fresh spreadsheet with the seed's values (tests do not see each other's jobs), and
    those values, which the stand-in's SpreadsheetApp holds as the open spreadsheet."""
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    source = next(s for s in emu.spreadsheets() if seed in s.get("title", "") + s.get("id", ""))
    book = client.open_by_key(str(source["id"]))
    tabs = {ws.title: ws.get_values(value_render_option=ValueRenderOption.unformatted)
            for ws in book.worksheets()}
    return emu.create_from_values(f"add-on {seed}", tabs, locale=locale), tabs


def rows_to_check() -> list[list[Any]]:
    """A summary whose status is "check", for two reasons: a computed column (ignored) and a
    month with more meetings than leads (its conversion means nothing)."""
    rows: list[list[Any]] = [["Month", "Leads", "Meetings", "Paid", "Marketing spend",
                              "Revenue", "Conversion, %"]]
    for m in range(12):
        leads, paid = 400 + 10 * m, 30 + m
        meetings = leads + 50 if m == 5 else 120 + 3 * m
        rows.append([f"2024-{m + 1:02d}-01", leads, meetings, paid, 10_000 + 100 * m,
                     50_000 + 900 * m, round(paid / leads * 100, 1)])
    return rows


def tap_counts(output: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"^# (tests|pass|fail|skipped|cancelled) (\d+)$",
                                              output, re.M)}


def test_apps_script_code_in_the_standin(service: str, token: str, emulator: EmulatorProcess,
                                         tmp_path: Path) -> None:
    """Every test of apps_script.test.js runs, none skipped: menu in ru and en, settings in the
    document properties, Sync now / Inspect columns / Last runs / Schedule / Open dashboard
    through the real service, the batch function call, the clear messages."""
    sheet, values = copy_of(emulator, "demo_ru", "ru_RU")
    sheet_en, _ = copy_of(emulator, "demo_en", "en_US")
    sheet_check = emulator.create_from_values("add-on check", {"Funnel": rows_to_check()})
    values_file = tmp_path / "values.json"
    values_file.write_text(json.dumps(values, ensure_ascii=False, default=str), "utf-8")
    env = {**os.environ, "ADDON_TEST_SERVICE_URL": service, "ADDON_TEST_TOKEN": token,
           "ADDON_TEST_SHEET": sheet, "ADDON_TEST_SHEET_EN": sheet_en,
           "ADDON_TEST_SHEET_CHECK": sheet_check,
           "ADDON_TEST_VALUES": str(values_file)}
    proc = subprocess.run(
        [str(NODE), "--test", "--test-reporter=tap", "sheets_addon/test/apps_script.test.js"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    counts = tap_counts(proc.stdout)
    assert proc.returncode == 0, out[-6000:]
    assert counts.get("fail") == 0 and counts.get("skipped") == 0, out[-3000:]
    assert counts.get("pass", 0) == counts.get("tests", -1) >= 18, counts


class Bridge:
    """standin/bridge.js: the add-on's pages and google.script.run on a loopback port."""

    def __init__(self, config: dict[str, Any], config_file: Path) -> None:
        config_file.write_text(json.dumps(config, default=str, ensure_ascii=False), "utf-8")
        self.proc = subprocess.Popen(
            [str(NODE), str(ADDON / "standin" / "bridge.js")], cwd=REPO, text=True,
            env={**os.environ, "STANDIN_CONFIG": str(config_file)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("listening "):
            self.stop()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"bridge did not start: {line}{err}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def shown(self) -> dict[str, Any]:
        out: dict[str, Any] = requests.get(f"{self.url}/shown", timeout=30).json()
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="no /usr/bin/chromium (apt-get install chromium)")
def test_sidebar_in_chromium_against_the_service(service: str, token: str,
                                                 emulator: EmulatorProcess,
                                                 tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright  # optional: browser tests only

    sheet_en, values_en = copy_of(emulator, "demo_en", "en_US")
    sheet_ru, values_ru = copy_of(emulator, "demo_ru", "ru_RU")
    settings = {PROPS["url"]: service, PROPS["token"]: token}
    en = Bridge({"userLocale": "en", "documentProperties": settings,
                 "spreadsheet": {"id": sheet_en, "locale": "en_US", "timeZone": "Europe/London",
                                 "sheets": values_en}}, tmp_path / "en.json")
    ru = Bridge({"userLocale": "ru", "documentProperties": settings,
                 "spreadsheet": {"id": sheet_ru, "locale": "ru_RU", "timeZone": "Europe/Moscow",
                                 "sheets": values_ru}}, tmp_path / "ru.json")
    sheet_check = emulator.create_from_values("add-on check", {"Funnel": rows_to_check()})
    check = Bridge({"userLocale": "en", "documentProperties": settings,
                    "spreadsheet": {"id": sheet_check, "locale": "en_US", "timeZone": "UTC",
                                    "sheets": {"Funnel": rows_to_check()}}},
                   tmp_path / "check.json")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"])
            try:
                # a sidebar is 300 px wide in Sheets
                page = browser.new_page(locale="en-US", viewport={"width": 300, "height": 900})
                page.on("request", lambda r: requested.append(r.url))

                page.goto(f"{en.url}/page/addonMenuSync")
                expect(page.locator("#run-status")).to_have_text(
                    "Written: the KPI tab is up to date", timeout=60_000)
                data = page.locator("#data-status")
                expect(data).to_be_visible()
                assert data.get_attribute("data-value") in ("ok", "check")
                expect(page.locator("#created")).to_contain_text("as job #")
                expect(page.locator("#job")).to_contain_text("Schedule: no schedule")
                page.screenshot(path=str(ARTIFACTS / "sidebar-sync-en.png"), full_page=True)

                page.click("[data-action=inspect]")
                readout = page.locator("#readout")
                expect(readout).to_be_visible(timeout=60_000)
                direct = requests.post(f"{service}/api/v1/addon/inspect",
                                       json={"spreadsheet": sheet_en},
                                       headers={"Authorization": f"Bearer {token}"},
                                       timeout=60).json()
                columns = [c for t in direct["tabs"] for c in t["columns"]]
                expect(page.locator("table.readout tbody tr")).to_have_count(len(columns))
                for c in columns[:12]:
                    expect(readout).to_contain_text(c["header"])
                expect(page.locator("#pinned")).to_contain_text("Nothing pinned")
                page.screenshot(path=str(ARTIFACTS / "sidebar-inspect-en.png"), full_page=True)

                page.click("[data-action=runs]")
                expect(page.locator("#runs tr.run")).to_have_count(1, timeout=60_000)
                expect(page.locator("#runs tr.run").first).to_contain_text("written")
                page.click("[data-action=sync]")
                expect(page.locator("#run-status")).to_contain_text("Nothing changed",
                                                                    timeout=60_000)
                page.click("[data-action=runs]")
                expect(page.locator("#runs tr.run")).to_have_count(2, timeout=60_000)
                page.screenshot(path=str(ARTIFACTS / "sidebar-runs-en.png"), full_page=True)

                # the sidebar's Settings button asks the script to open the dialog
                page.click("#toolbar [data-action=settings]")
                assert any(s["kind"] == "modal" and s["title"] == "Funnel KPI settings"
                           for s in _wait_shown(en, "modal"))

                # the Settings dialog: the token is never printed back; a wrong one is refused
                page.goto(f"{en.url}/page/addonMenuSettings")
                assert token not in page.content()
                expect(page.locator("#url")).to_have_value(service)
                expect(page.locator("#token-hint")).to_contain_text(f"••••{token[-4:]}")
                page.fill("#token", "a-wrong-token-0000000000")
                page.click("#save")
                expect(page.locator("#result")).to_contain_text(
                    "The service refused the token (401)", timeout=60_000)
                expect(page.locator("#result")).to_have_attribute("data-code", "bad_token")
                page.fill("#token", token)
                page.click("#save")
                expect(page.locator("#result")).to_contain_text("Connected: job #",
                                                                timeout=60_000)
                page.screenshot(path=str(ARTIFACTS / "settings-en.png"), full_page=True)

                # the Schedule dialog sets the job's schedule in the spreadsheet's time zone
                page.goto(f"{en.url}/page/addonMenuSchedule")
                expect(page.locator("#current")).to_contain_text("no schedule")
                page.select_option("#preset", "weekdays")
                page.fill("#time", "07:30")
                page.click("#save")
                expect(page.locator("#result")).to_have_text(
                    "Saved: Monday to Friday at 07:30 (Europe/London).", timeout=60_000)
                page.screenshot(path=str(ARTIFACTS / "schedule-en.png"), full_page=True)
                page.click("#close")
                expect(page.locator("html")).to_have_attribute("data-closed", "true")

                # a run whose data is to check: the warnings are what the sidebar shows first
                page.goto(f"{check.url}/page/addonMenuSync")
                expect(page.locator("#run-status")).to_have_text(
                    "Written: the KPI tab is up to date", timeout=60_000)
                expect(page.locator("#data-status")).to_have_attribute("data-value", "check")
                expect(page.locator("#reasons li")).to_have_count(2)
                expect(page.locator("#reasons")).to_contain_text("column ignored: Funnel!G1")
                page.screenshot(path=str(ARTIFACTS / "sidebar-check-en.png"), full_page=True)

                ru_page = browser.new_page(locale="ru-RU",
                                           viewport={"width": 300, "height": 900})
                ru_page.on("request", lambda r: requested.append(r.url))
                ru_page.goto(f"{ru.url}/page/addonMenuSync")
                expect(ru_page.locator("#run-status")).to_have_text(
                    "Записано: вкладка показателей обновлена", timeout=60_000)
                expect(ru_page.locator("#data-status")).to_contain_text("Данные:")
                expect(ru_page.locator("#toolbar")).to_contain_text("Синхронизировать")
                ru_page.screenshot(path=str(ARTIFACTS / "sidebar-sync-ru.png"), full_page=True)
                ru_page.click("[data-action=inspect]")
                expect(ru_page.locator("#readout")).to_contain_text("Как прочитаны столбцы",
                                                                    timeout=60_000)
                ru_page.screenshot(path=str(ARTIFACTS / "sidebar-inspect-ru.png"),
                                   full_page=True)
            finally:
                browser.close()
    finally:
        for bridge in (en, ru, check):
            bridge.stop()
    # the pages load nothing from anywhere but the script that serves them: no CDN
    outside = [u for u in requested if not u.startswith((en.url, ru.url, check.url))]
    assert outside == [], outside
    kept = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert {"sidebar-sync-en.png", "sidebar-inspect-en.png", "sidebar-sync-ru.png"} <= set(kept)


def _wait_shown(bridge: Bridge, kind: str, tries: int = 50) -> list[dict[str, Any]]:
    """What the script has shown, once it has shown a ``kind`` (google.script.run is async)."""
    shown: list[dict[str, Any]] = []
    for _ in range(tries):
        shown = list(bridge.shown()["shown"])
        if any(s["kind"] == kind for s in shown):
            break
        threading.Event().wait(0.1)
    return shown
