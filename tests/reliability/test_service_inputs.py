"""Service inputs the API must refuse with a 422 that says what and where, never a 500 or a
minute of work: text that is not Unicode (lone surrogates), output tab names the job's backend
cannot take, and tabs too wide to compute.

Each proof counts what it tried (tests/reliability/conftest.py keeps the figures for
docs/reliability.md, section "Service inputs and stale writes").
"""

from __future__ import annotations

import gc
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets_sync.backends.base import Snapshot, WriteResult
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.errors import InputError
from sheets_sync.grid import KpiGrid
from sheets_sync.job import SyncOptions, run_sync
from tests.reliability.conftest import funnel_rows, save_figures

SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "a\ud83d", "\ude00b"]


def post(client: FlaskClient, auth: dict[str, str], body: dict[str, Any],
         query: str = "") -> Any:
    # json.dumps escapes a lone surrogate as \ud800, as a browser or another client would send
    return client.post(f"/api/v1/compute{query}", data=json.dumps(body),
                       headers={**auth, "Content-Type": "application/json"})


def a1(row0: int, col0: int) -> str:
    out, n = "", col0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return f"{out}{row0 + 1}"


# --- item 7: lone surrogates ------------------------------------------------------------------
def test_a_lone_surrogate_anywhere_is_a_422_naming_the_cell(client: FlaskClient,
                                                            auth: dict[str, str]) -> None:
    rng = random.Random(11)
    base = funnel_rows(6)
    tried = 0
    for _ in range(40):
        rows = [list(r) for r in base]
        r, c = rng.randrange(len(rows)), rng.randrange(len(rows[0]))
        bad = rng.choice(SURROGATES)
        rows[r][c] = bad if rng.random() < 0.5 else f"{rows[r][c]}{bad}"
        if rng.random() < 0.5:
            resp, tab = post(client, auth, {"values": rows}), "Sheet1"
        else:  # tabs[].values, behind a clean first tab
            resp, tab = post(client, auth, {"tabs": [{"name": "Plan", "values": base},
                                                     {"name": "Воронка", "values": rows}]}), \
                "Воронка"
        assert resp.status_code == 422, (r, c, resp.get_json())
        err = resp.get_json()["error"]
        assert err["code"] == "bad_text"
        assert err["details"] == [{"field": "cell", "tab": tab, "cell": a1(r, c)}]
        assert f"cell {a1(r, c)}" in err["message"] and repr(tab) in err["message"]
        tried += 1
    # a header, a tab name and a funnel label are named too
    header = [list(r) for r in base]
    header[0][3] = "Qualified\ud800"
    err = post(client, auth, {"values": header}).get_json()["error"]
    assert err["details"][0]["cell"] == "D1"
    resp = post(client, auth, {"tabs": [{"name": "T\udfff", "values": base}]})
    assert resp.status_code == 422 and "tabs.0.name" in resp.get_json()["error"]["message"]
    funnel = {"stage": [{"key": "leads", "en": "Leads\ud800", "ru": "Лиды", "owner": "marketing"},
                        {"key": "paid", "en": "Paid", "ru": "Оплаты", "owner": "sales"}]}
    resp = post(client, auth, {"values": base, "funnel": funnel})
    assert resp.status_code == 422 and "lone surrogate" in resp.get_json()["error"]["message"]
    # and a job's funnel, which was stored until the answer failed to encode (a 500)
    resp = client.post("/api/v1/jobs", data=json.dumps({
        "spreadsheet": "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms", "funnel": funnel}),
        headers={**auth, "Content-Type": "application/json"})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["details"][0]["field"] == "funnel"
    save_figures("service_surrogates", {"surrogate_inputs": tried + 4, "answered_422": tried + 4})


def test_clean_text_still_computes(client: FlaskClient, auth: dict[str, str]) -> None:
    rows = funnel_rows(6)
    rows[0].append("Заметка 😀")  # a real astral character is text, and an ignored column
    resp = post(client, auth, {"values": rows, "today": "2025-01-15"})
    assert resp.status_code == 200, resp.get_json()


# --- item 11: width and answer size -----------------------------------------------------------
def wide(columns: int, rows: int = 3) -> list[list[Any]]:
    out: list[list[Any]] = [["Month", "Leads", "Paid", *[f"x{i}" for i in range(columns - 3)]]]
    for m in range(rows - 1):
        out.append([f"2024-{m + 1:02d}-01", 100 + m, 5 + m, *range(columns - 3)])
    return out


def test_a_tab_wider_than_the_bound_is_refused_at_once(client: FlaskClient,
                                                       auth: dict[str, str]) -> None:
    """40,000 columns x 3 rows (under the cell cap) took 54 s and answered 70 MB."""
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    resp = post(client, auth, {"values": wide(40_000)})
    figures["40000_columns_seconds"] = round(time.perf_counter() - started, 3)
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "too_many_columns" and "40000 columns" in err["message"]
    assert err["details"][0]["limit"] == 500
    assert figures["40000_columns_seconds"] < 5
    # CSV too, and tabs[] names the wide tab
    csv = "\n".join(";".join(map(str, r)) for r in wide(2_000)).encode()
    resp = client.post("/api/v1/compute?tab=Wide", data=csv,
                       headers={**auth, "Content-Type": "text/csv"})
    assert resp.status_code == 422 and "'Wide' has 2000 columns" in \
        resp.get_json()["error"]["message"]
    resp = post(client, auth, {"tabs": [{"name": "Ok", "values": wide(10)},
                                        {"name": "Wide", "values": wide(501)}]})
    assert resp.status_code == 422 and "'Wide'" in resp.get_json()["error"]["message"]
    # trailing blank cells are not columns: Sheets pads nothing, but other clients do
    padded = [[*r, *([None] * 2_000)] for r in wide(20)]
    assert post(client, auth, {"values": padded}).status_code == 200
    at_bound = post(client, auth, {"values": wide(500)})
    assert at_bound.status_code == 200
    figures["500_columns_bytes"] = len(at_bound.data)
    save_figures("service_wide", figures)


def test_bounds_are_settings_and_a_large_answer_is_a_422(app: Flask, client: FlaskClient,
                                                         auth: dict[str, str]) -> None:
    app.config.update(COMPUTE_MAX_COLUMNS=50, COMPUTE_MAX_RESPONSE_BYTES=200_000)
    resp = post(client, auth, {"values": wide(51)})
    assert resp.status_code == 422 and "at most 50 per tab" in resp.get_json()["error"]["message"]
    # 48 stage columns of 24 months: a report of several hundred KB
    rows = [["Month", *[f"Stage {i}" for i in range(48)]]]
    rows += [[f"2024-{m % 12 + 1:02d}-01".replace("2024", str(2023 + m // 12)),
              *[10_000 - 100 * i + m for i in range(48)]] for m in range(24)]
    resp = post(client, auth, {"values": rows, "today": "2025-06-01"})
    assert resp.status_code == 422, len(resp.data)
    err = resp.get_json()["error"]
    assert err["code"] == "report_too_large" and err["details"][0]["limit"] == 200_000


# --- item 8: output tab names by backend ------------------------------------------------------
EXCEL_BAD = ["KPI: 2024", "a/b", "a\\b", "what?", "*", "[KPI]", "K]", "'KPI", "KPI'", "History",
             "history", "x" * 32, "😀" * 16, " ", "KPI\n2024", "KPI\t"]
EXCEL_GOOD = ["KPI 2024", "KPI's", "x" * 31, "😀" * 15, "Показатели", "History of KPI", "KPI-2024"]
GOOGLE_BAD = ["x" * 101, " ", "KPI\n2024"]
GOOGLE_GOOD = ["KPI: 2024", "a/b", "[KPI]", "'KPI'", "History", "x" * 100, "Показатели?"]
GOOGLE_ID = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"


def test_output_tab_names_are_checked_for_the_jobs_backend(client: FlaskClient,
                                                           auth: dict[str, str]) -> None:
    tried = 0
    cases = [("demo_ru.xlsx", n, False) for n in EXCEL_BAD] + \
            [("demo_ru.xlsx", n, True) for n in EXCEL_GOOD] + \
            [("table.csv", "KPI: 2024", False), ("table.csv", "KPI", True)] + \
            [(GOOGLE_ID, n, False) for n in GOOGLE_BAD] + \
            [(GOOGLE_ID, n, True) for n in GOOGLE_GOOD]
    for ref, name, ok in cases:
        resp = client.post("/api/v1/jobs", json={"spreadsheet": ref, "output_tab": name},
                           headers=auth)
        tried += 1
        if ok:
            assert resp.status_code == 201, (ref, name, resp.get_json())
            continue
        assert resp.status_code == 422, (ref, name, resp.get_json())
        message = resp.get_json()["error"]["message"]
        assert "output_tab" in message and any(
            w in message for w in ("Excel", "Google", "control", "at most 100")), message
    # on update: a new name, and a name that fits Google but not a workbook it moves to
    job = client.post("/api/v1/jobs", json={"spreadsheet": GOOGLE_ID, "output_tab": "KPI: 2024"},
                      headers=auth).get_json()
    resp = client.patch(f"/api/v1/jobs/{job['id']}", json={"spreadsheet": "demo_en.xlsx"},
                        headers=auth)
    assert resp.status_code == 422 and "':'" in resp.get_json()["error"]["message"]
    assert resp.get_json()["error"]["details"][0]["field"] == "output_tab"
    resp = client.patch(f"/api/v1/jobs/{job['id']}", json={"output_tab": "x" * 101},
                        headers=auth)
    assert resp.status_code == 422
    resp = client.patch(f"/api/v1/jobs/{job['id']}",
                        json={"spreadsheet": "demo_en.xlsx", "output_tab": "KPI 2024"},
                        headers=auth)
    assert resp.status_code == 200, resp.get_json()
    tried += 4
    save_figures("service_tab_names", {"names_tried": tried,
                                       "excel_refused": len(EXCEL_BAD) + 1,
                                       "google_refused": len(GOOGLE_BAD)})


def test_a_stored_bad_name_fails_the_run_as_bad_input_not_internal(books: Path) -> None:
    """A job made before the check (or the CLI's --output-tab) fails with the rule, and the
    workbook is left as it was."""
    path = books / "demo_en.xlsx"
    before = path.read_bytes()
    with pytest.raises(InputError, match="must not contain ':'"):
        run_sync(XlsxBackend(path), SyncOptions(output_tab="KPI: 2024"))
    assert path.read_bytes() == before


# --- item 4: the collector stays on for the other threads -------------------------------------
def test_a_sync_leaves_the_collector_on_for_other_threads(books: Path) -> None:
    """gc.disable() is process-wide: around a whole sync (job.py did that) it stopped garbage
    collection for the web threads of `serve --with-scheduler` for as long as the sync ran."""
    seen: list[bool] = []

    class Watching(XlsxBackend):
        def read(self, *args: Any, **kwargs: Any) -> Snapshot:
            seen.append(gc.isenabled())
            return super().read(*args, **kwargs)

        def write(self, grid: KpiGrid, snapshot: Snapshot) -> WriteResult:
            seen.append(gc.isenabled())
            return super().write(grid, snapshot)

    assert gc.isenabled()
    out = run_sync(Watching(books / "demo_en.xlsx"), SyncOptions())
    assert out.status == "written" and seen == [True, True]
