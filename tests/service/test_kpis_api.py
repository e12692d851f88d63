"""GET /api/v1/kpis: the registry as JSON, with the same token rules as the other read endpoints,
through Flask's test client and through a real HTTP server on loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from funnel_kpi import registry
from tests.helpers import serving


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


def _check(body: dict[str, Any]) -> None:
    assert body == json.loads(json.dumps(registry.catalogue()))
    by_id = {k["id"]: k for k in body["kpis"]}
    assert set(by_id) == set(registry.REGISTRY)
    cac = by_id["cac"]
    assert cac["name"] == {"en": "CAC", "ru": "CAC"} and cac["unit"] == "money"
    assert cac["higher_is_better"] is False and cac["scope"] == "period"
    assert cac["formula"]["ru"] == "(маркетинговый бюджет + затраты на продажи) / новые клиенты"
    assert cac["function"] == "CAC" and cac["usage"] == "CAC(spend, new_customers, [sales_cost])"
    assert [(a["name"], a["unit"], a["optional"]) for a in cac["args"]] == [
        ("spend", "money", False), ("new_customers", "count", False),
        ("sales_cost", "money", True)]
    median = by_id["median_days_in_stage"]
    assert median["usage"] == 'STAGETIME(start_dates, end_dates, "median")'
    assert [a["name"] for a in median["args"]] == ["start_dates", "end_dates"]
    assert by_id["revenue"]["function"] is None and by_id["revenue"]["args"] == []
    assert {f["name"] for f in body["functions"]} == set(registry.FUNCTIONS)


def test_kpis_over_the_test_client(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.get("/api/v1/kpis", headers=auth)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    _check(resp.get_json())
    denied = client.get("/api/v1/kpis")
    assert denied.status_code == 401 and denied.get_json()["error"]["code"] == "unauthorized"
    bad = client.get("/api/v1/kpis", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_kpis_in_the_openapi_document(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/kpis"]["get"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/KpiCatalogue"}
    assert "401" in op["responses"]
    assert {"KpiCatalogue", "KpiOut", "KpiArg", "FunctionOut"} <= set(doc["components"]["schemas"])


def test_kpis_over_real_http(live_url: str, token: str) -> None:
    req = urllib.request.Request(f"{live_url}/api/v1/kpis", headers={
        "Authorization": f"Bearer {token}", "Accept-Encoding": "identity"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
        _check(json.loads(resp.read().decode("utf-8")))
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"{live_url}/api/v1/kpis", timeout=30)
    assert denied.value.code == 401
    assert json.loads(denied.value.read())["error"]["code"] == "unauthorized"
