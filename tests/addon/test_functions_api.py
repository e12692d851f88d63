"""POST /api/v1/functions/<NAME>: the batch, its refusals, the token and CORS, over a real HTTP
server on loopback and the Flask test client."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.addon.conftest import ADDIN_ORIGIN

URL = "/api/v1/functions"


def calls(*argument_lists: list[Any]) -> dict[str, Any]:
    return {"calls": [{"args": a} for a in argument_lists]}


def test_a_batch_over_http_answers_every_call_in_order(live: str, token: str) -> None:
    batch = calls(*([[1000 + i, 10 + i % 7] for i in range(300)]))
    resp = requests.post(f"{live}{URL}/CPL", json=batch, timeout=30,
                         headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["value"] for r in results] == [(1000 + i) / (10 + i % 7) for i in range(300)]


def test_hand_worked_values_and_the_excel_errors(client: FlaskClient,
                                                 auth: dict[str, str]) -> None:
    # CAC = (marketing + sales cost) / new customers: (150 000 + 50 000) / 40 = 5 000.
    # Text cells are read as the service reads a sheet: "1 234,56 ₽" is 1234.56, "12%" 0.12.
    resp = client.post(f"{URL}/cac", headers=auth, json=calls(
        [150000, 40, 50000], [150000, 40], [150000, 0], ["", 40], ["abc", 40], ["#REF!", 40],
        ["1 234,56 ₽", "12%"], [[[100]], [[4]]]))
    assert resp.status_code == 200
    r = resp.get_json()["results"]
    assert r[0] == {"value": 5000.0}
    assert r[1] == {"value": 3750.0}  # no sales cost: it counts as 0
    assert r[2] == {"error": "#DIV/0!", "reason": "zero_denominator",
                    "message": "division by zero", "message_ru": "деление на ноль"}
    assert r[3]["error"] == "#N/A" and r[3]["reason"] == "missing_input"
    assert r[4]["error"] == "#VALUE!" and r[4]["reason"] == "not_a_number"
    assert r[5]["error"] == "#REF!" and r[5]["reason"] == "input_error"
    assert r[6]["value"] == pytest.approx(1234.56 / 0.12, rel=1e-12)
    assert r[7] == {"value": 25.0}  # a 1x1 range is one cell


def test_tables_and_the_forecast_through_the_core(client: FlaskClient,
                                                  auth: dict[str, str]) -> None:
    funnel = client.post(f"{URL}/FUNNEL", headers=auth, json=calls(
        [[["Leads"], ["Meetings"], ["Paid"]], [[100], [20], [5]]])).get_json()["results"][0]
    assert funnel == {"value": [["Leads", 100.0, None, 1.0, None, "marketing"],
                                ["Meetings", 20.0, 0.2, 0.2, 80.0, "sales"],
                                ["Paid", 5.0, 0.25, 0.05, 15.0, "sales"]]}
    worst = client.post(f"{URL}/BOTTLENECK", headers=auth, json=calls(
        [[["Leads", "Meetings", "Paid"]], [[100, 20, 5]], "conversion"])).get_json()
    assert worst["results"] == [{"value": [["Leads", "Meetings", 0.2, "sales"]]}]
    # 1000 x 0.5 + 2000 x 0.8 + 500 x 0.5 = 2350; stage names match as headers do.
    forecast = client.post(f"{URL}/REVENUEFORECAST", headers=auth, json=calls(
        [[["Proposal"], ["Contract"], ["proposal "]], [[1000], [2000], [500]],
         [["PROPOSAL", "contract"]], [[0.5, 0.8]]])).get_json()
    assert forecast["results"] == [{"value": 2350.0}]
    days = client.post(f"{URL}/STAGETIME", headers=auth, json=calls(
        [[["2024-01-01"], [45295]], [["2024-01-11"], ["2024-01-09"]], "median"])).get_json()
    assert days["results"] == [{"value": 7.5}]  # 10 days and 5 days (45295 is 2024-01-04)
    steps = client.post(f"{URL}/CONVERSIONS", headers=auth,
                        json=calls([[[100, 50, 0, 10]]])).get_json()
    assert steps["results"] == [{"value": [[0.5, 0.0, "#DIV/0!"]]}]


def test_a_failed_call_never_fails_the_batch(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post(f"{URL}/GROWTHRATE", headers=auth, json=calls(
        [120, 100], [120, 100, "bogus"], [120, 100, "abs", "extra"], [120, 0], [120, 100, "abs"]))
    assert resp.status_code == 200
    r = resp.get_json()["results"]
    assert r[0]["value"] == pytest.approx(0.2)
    assert r[1]["error"] == "#VALUE!" and r[1]["reason"] == "bad_call"
    assert "bogus" in r[1]["message"] and "допустимо" in r[1]["message_ru"]
    assert r[2]["reason"] == "bad_call" and r[2]["message"].startswith("use GROWTHRATE(")
    assert r[3]["error"] == "#DIV/0!"
    assert r[4] == {"value": 20.0}
    funnel = client.post(f"{URL}/FUNNEL", headers=auth, json=calls(
        [[["a"]], [[1]]], [[["a", "b"]], [[1, 2]], [["sales", "x"]]])).get_json()["results"]
    assert funnel[0]["reason"] == "bad_call"
    assert funnel[0]["message_ru"] == "в воронке должно быть не меньше двух стадий"
    assert funnel[1]["reason"] == "bad_call" and "'x'" in funnel[1]["message"]


def test_numbers_past_the_float_range(client: FlaskClient, auth: dict[str, str]) -> None:
    huge = b"9" * 400
    resp = client.post(f"{URL}/CPL", headers=auth, content_type="application/json",
                       data=b'{"calls": [{"args": [' + huge + b', 1]}, {"args": [1, 1]}]}')
    assert resp.status_code == 200
    assert [r.get("error", r.get("value")) for r in resp.get_json()["results"]] == ["#VALUE!", 1.0]
    too_big = client.post(f"{URL}/CPL", headers=auth, content_type="application/json",
                          data=b'{"calls": [{"args": [1e400, 1]}]}')
    assert too_big.status_code == 422
    assert too_big.get_json()["error"]["details"][0]["field"] == "$.calls[0].args[0]"


def test_an_unknown_function_is_a_404_naming_close_ones(client: FlaskClient,
                                                        auth: dict[str, str]) -> None:
    resp = client.post(f"{URL}/CONVERSON", headers=auth, json=calls([1, 2]))
    assert resp.status_code == 404
    err = resp.get_json()["error"]
    assert err["code"] == "unknown_function"
    assert "did you mean CONVERSION" in err["message"]
    assert "CAC" in err["details"]["functions"]


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"", 400, "missing_body"),
    (b"{not json", 400, "bad_request"),
    (b"[1, 2]", 422, "invalid_request"),
    (b'{"calls": 5}', 422, "invalid_request"),
    (b'{"calls": [{"args": [{"a": 1}]}]}', 422, "invalid_request"),
    (b'{"calls": [{"args": [[[[1]]]]}]}', 422, "invalid_request"),
    (b'{"calls": [{"arguments": []}]}', 422, "invalid_request"),
    (b'{"calls": [], "extra": 1}', 422, "invalid_request"),
])
def test_a_malformed_body_is_refused_with_where(client: FlaskClient, auth: dict[str, str],
                                                body: bytes, status: int, code: str) -> None:
    resp = client.post(f"{URL}/CPL", headers=auth, data=body, content_type="application/json")
    assert resp.status_code == status, resp.get_json()
    err = resp.get_json()["error"]
    assert err["code"] == code
    if status == 422:
        assert err["details"][0]["field"].startswith("$")


def test_an_empty_batch_is_an_empty_answer(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post(f"{URL}/CPL", headers=auth, json={"calls": []})
    assert resp.status_code == 200 and resp.get_json() == {"results": []}


def test_limits(app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    app.config["FUNCTIONS_MAX_CALLS"] = 3
    ok = client.post(f"{URL}/CPL", headers=auth, json=calls(*[[1, 1]] * 3))
    assert ok.status_code == 200
    over = client.post(f"{URL}/CPL", headers=auth, json=calls(*[[1, 1]] * 4))
    assert over.status_code == 413
    assert over.get_json()["error"]["code"] == "too_many_calls"
    assert over.get_json()["error"]["details"] == [{"field": "calls", "calls": 4, "limit": 3}]
    app.config["COMPUTE_MAX_CELLS"] = 100
    wide = client.post(f"{URL}/CONVERSIONS", headers=auth, json=calls([[list(range(200))]]))
    assert wide.status_code == 413 and wide.get_json()["error"]["code"] == "too_many_cells"


def test_the_default_limit_is_5000_calls(app: Flask) -> None:
    assert app.config["FUNCTIONS_MAX_CALLS"] == 5000


def test_the_token_is_required(live: str, token: str) -> None:
    missing = requests.post(f"{live}{URL}/CPL", json=calls([1, 1]), timeout=10)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    wrong = requests.post(f"{live}{URL}/CPL", json=calls([1, 1]), timeout=10,
                          headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_token"


def test_cors_for_the_allowed_origin_only(live: str, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    pre = requests.options(f"{live}{URL}/CPL", timeout=10, headers={
        "Origin": ADDIN_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == ADDIN_ORIGIN
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    post = requests.post(f"{live}{URL}/CPL", json=calls([1, 1]), timeout=10,
                         headers={**auth, "Origin": ADDIN_ORIGIN})
    assert post.headers["Access-Control-Allow-Origin"] == ADDIN_ORIGIN
    assert "Origin" in post.headers["Vary"]
    refused = requests.post(f"{live}{URL}/CPL", json=calls([1, 1]), timeout=10,
                            headers={**auth, "Origin": "https://evil.example.com"})
    assert refused.status_code == 200  # answered, but a browser keeps it from that page
    assert "Access-Control-Allow-Origin" not in refused.headers
    pre_refused = requests.options(f"{live}{URL}/CPL", timeout=10, headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in pre_refused.headers
    # An error is readable by the add-in too (it says what to fix), and CORS covers only the
    # add-on's paths.
    unauthorized = requests.post(f"{live}{URL}/CPL", json=calls([1, 1]), timeout=10,
                                 headers={"Origin": ADDIN_ORIGIN})
    assert unauthorized.headers["Access-Control-Allow-Origin"] == ADDIN_ORIGIN
    jobs = requests.get(f"{live}/api/v1/jobs", timeout=10, headers={**auth, "Origin": ADDIN_ORIGIN})
    assert "Access-Control-Allow-Origin" not in jobs.headers


def test_no_cors_header_by_default(app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    app.config["ADDON_ALLOWED_ORIGINS"] = []
    resp = client.post(f"{URL}/CPL", headers={**auth, "Origin": ADDIN_ORIGIN},
                       json=calls([1, 1]))
    assert "Access-Control-Allow-Origin" not in resp.headers
    app.config["ADDON_ALLOWED_ORIGINS"] = f"https://other.example, {ADDIN_ORIGIN}/"
    resp = client.post(f"{URL}/CPL", headers={**auth, "Origin": ADDIN_ORIGIN},
                       json=calls([1, 1]))
    assert resp.headers["Access-Control-Allow-Origin"] == ADDIN_ORIGIN  # as an env var gives it
