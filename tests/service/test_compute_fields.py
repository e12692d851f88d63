"""POST /api/v1/compute answers: ?fields= for less, gzip when the client takes it, msgspec JSON
equal to the report's to_dict."""

from __future__ import annotations

import gzip
import json
from typing import Any

from flask.testing import FlaskClient

from funnel_kpi import Tab
from funnel_kpi.api import compute_report
from funnel_kpi.report.funnel_report import REPORT_FIELDS

HEADER = ["Month", "Leads", "Briefs", "Accepted by sales", "Paid", "Marketing spend", "Revenue"]
VALUES: list[list[Any]] = [HEADER] + [
    [f"{2023 + i // 12}-{i % 12 + 1:02d}-01", 100 + i, 40, 30, 6 + i % 3, 50000, 600000 + i]
    for i in range(24)]
TODAY = "2025-03-10"


def post(client: FlaskClient, auth: dict[str, str], query: str = "",
         **headers: str) -> Any:
    return client.post(f"/api/v1/compute{query}", json={"values": VALUES, "today": TODAY},
                       headers={**auth, **headers})


def test_the_answer_is_the_reports_to_dict(client: FlaskClient, auth: dict[str, str]) -> None:
    from datetime import date

    resp = post(client, auth)
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    expected = compute_report([Tab("Sheet1", VALUES)], today=date(2025, 3, 10)).to_dict()
    assert json.loads(resp.data) == json.loads(json.dumps(expected))
    # every top-level key in REPORT_FIELDS' order; currency only when the input names one
    assert tuple(json.loads(resp.data)) == tuple(f for f in REPORT_FIELDS if f != "currency")


def test_fields_keep_only_what_is_asked(client: FlaskClient, auth: dict[str, str]) -> None:
    full = post(client, auth).get_json()
    resp = post(client, auth, "?fields=periods, status,total")
    assert resp.status_code == 200, resp.get_json()
    part = resp.get_json()
    assert list(part) == ["status", "periods", "total"]  # the report's order, not the query's
    assert part == {k: full[k] for k in ("status", "periods", "total")}
    assert len(resp.data) < len(post(client, auth).data)


def test_an_unknown_field_is_a_400_naming_it(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = post(client, auth, "?fields=status,periodz")
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert err["code"] == "bad_parameter"
    assert "'periodz'" in err["message"] and "periods" in err["message"]
    assert err["details"]["unknown"] == ["periodz"]


def test_large_answers_are_gzipped_for_clients_that_accept_it(
        client: FlaskClient, auth: dict[str, str]) -> None:
    plain = post(client, auth)
    assert "Content-Encoding" not in plain.headers  # the test client asks for no encoding
    assert "Accept-Encoding" in plain.headers.get("Vary", "")
    zipped = post(client, auth, **{"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.data) < len(plain.data) / 2
    assert gzip.decompress(zipped.data) == plain.data
    refused = post(client, auth, **{"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_small_answers_stay_plain(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = post(client, auth, "?fields=status,version", **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in resp.headers
    assert resp.get_json() == {"version": 1, "status": "ok"}
