"""POST /api/v1/compute answers the very bytes it answered before the work that made it cheaper
(issue 19, goal 2): the demo's and every template's input tabs, with a "today" after the data
and one inside it (a month in progress, cohorts pending), and a ``?fields=`` request.

The files in tests/service/compute_json/ are the answers (the uncompressed JSON, xz-compressed
to keep the repository small), written by running this module in a checkout:

    PYTHONPATH=. .venv/bin/python tests/service/test_compute_json_stable.py [OUT_DIR]

first at commit 2250855, before the work on speed; the speed work kept every byte. A change
that means to change the answer rewrites them the same way from its own tree and says so in
its commit (066ebd3 did, for the arrow in findings and notes: "A → B").
"""

from __future__ import annotations

import json
import lzma
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from python_calamine import CalamineWorkbook

from sheets_sync.app import create_app
from sheets_sync.app.store_ext import get_store
from sheets_sync.store.tokens import create_token

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
FIXTURES = Path(__file__).resolve().parent / "compute_json"


TABS = {"en": {"summary": "Funnel", "deals": "Deals"}, "ru": {"summary": "Воронка",
                                                               "deals": "Сделки"}}


@dataclass(frozen=True)
class Case:
    book: str  # in templates/
    parts: tuple[str, ...]  # the input tabs sent: "summary", "deals"
    today: str
    fields: str | None = None

    @property
    def lang(self) -> str:
        return "ru" if self.book.endswith("_ru.xlsx") else "en"

    @property
    def name(self) -> str:
        extra = f".fields={self.fields}" if self.fields else ""
        return f"{Path(self.book).stem}.{'+'.join(self.parts)}.{self.today}{extra}"


def _cases() -> list[Case]:
    # the *_builtin templates hold the same input tabs as their twins: not repeated
    out = []
    for lang in ("en", "ru"):
        demo = f"demo_{lang}.xlsx"
        out += [Case(demo, ("summary",), "2026-12-07"),  # what bench/load.py sends
                Case(demo, ("summary",), "2026-10-15"),  # the last month in progress
                Case(demo, ("summary", "deals"), "2026-12-07"),  # summary + deal log
                Case(demo, ("deals",), "2026-10-20"),  # cohorts pending
                Case(f"funnel_summary_{lang}.xlsx", ("summary",), "2025-02-01"),
                Case(f"funnel_summary_{lang}.xlsx", ("summary",), "2024-12-10"),
                Case(f"deal_log_{lang}.xlsx", ("deals",), "2024-07-10"),
                Case(f"deal_log_{lang}.xlsx", ("deals",), "2024-06-20")]
    out.append(Case("demo_en.xlsx", ("summary",), "2026-12-07", fields="status,total,periods"))
    return out


CASES = _cases()


def _cell(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v  # as JSON carries dates


def request_body(case: Case) -> dict[str, Any]:
    book = CalamineWorkbook.from_path(str(TEMPLATES / case.book))
    names = [TABS[case.lang][p] for p in case.parts]
    tabs = [{"name": t, "values": [[_cell(v) for v in row]
                                   for row in book.get_sheet_by_name(t).to_python()]}
            for t in names]
    return {"tabs": tabs, "locale": "ru_RU" if case.lang == "ru" else "en_US",
            "today": case.today}


def answer(client: FlaskClient, auth: dict[str, str], case: Case) -> bytes:
    url = "/api/v1/compute" + (f"?fields={case.fields}" if case.fields else "")
    resp = client.post(url, json=request_body(case),
                       headers={**auth, "Accept-Encoding": "identity"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp.get_data()


def _first_difference(a: Any, b: Any, path: str = "$") -> str:
    """Where two JSON values first differ, for a readable failure."""
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        return next((d for k in a if (d := _first_difference(a[k], b[k], f"{path}.{k}"))), "")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b, strict=True))
                     if (d := _first_difference(x, y, f"{path}[{i}]"))), "")
    return "" if a == b else f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_answer_is_byte_identical(client: FlaskClient, auth: dict[str, str], case: Case) -> None:
    expected = lzma.decompress((FIXTURES / f"{case.name}.json.xz").read_bytes())
    got = answer(client, auth, case)
    if got != expected:
        where = _first_difference(json.loads(got), json.loads(expected)) or "only in the bytes"
        pytest.fail(f"{case.name}: the answer changed ({len(got)} B, was {len(expected)} B); "
                    f"first difference: {where}")


def write_fixtures(out: Path) -> None:
    """The answers of the tree on sys.path, into ``out``."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp}/s.db",
                          "XLSX_ROOT": tmp, "INSTANCE_PATH": f"{tmp}/instance",
                          "SECRET_KEY": "fixtures"})
        with get_store(app).session() as s:
            secret, _ = create_token(s, "fixtures")
        client = app.test_client()
        out.mkdir(parents=True, exist_ok=True)
        for case in CASES:
            data = answer(client, {"Authorization": f"Bearer {secret}"}, case)
            (out / f"{case.name}.json.xz").write_bytes(lzma.compress(data, preset=9))
            print(f"{case.name}: {len(data):,} B")
        get_store(app).dispose()


if __name__ == "__main__":
    write_fixtures(Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES)
