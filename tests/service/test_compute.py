"""POST /api/v1/compute: the report from rows, checked against numbers worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

VALUES = [["Month", "Leads", "Briefs", "Accepted by sales", "Paid", "Marketing spend"],
          ["Jan 2024", 100, 30, 20, 5, 50000],
          ["Feb 2024", 120, 40, 30, 6, 60000]]
CSV_RU = ("Месяц;Лиды;Брифы;Принятые продажами;Оплаты\n"
          "янв. 2024;100;30;20;5\n"
          "фев. 2024;120;40;30;6\n")


def stages(period: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["key"]: s for s in period["stages"]}


def test_values_array(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/api/v1/compute", json={"values": VALUES, "today": "2024-06-01"},
                       headers=auth)
    assert resp.status_code == 200, resp.get_json()
    jan, feb = resp.get_json()["periods"]
    assert (jan["period"], feb["period"]) == ("2024-01", "2024-02")
    s = stages(feb)
    assert s["qualified"]["step_conversion"] == pytest.approx(40 / 120)  # briefs / leads
    assert s["sal"]["step_conversion"] == pytest.approx(30 / 40)  # accepted / briefs
    assert s["paid"]["step_conversion"] == pytest.approx(6 / 30)  # paid / accepted
    assert stages(jan)["sal"]["step_conversion"] == pytest.approx(20 / 30)  # 66.7 %
    k = feb["kpis"]
    assert k["handoff_acceptance"] == pytest.approx(0.75)
    assert k["overall_conversion"] == pytest.approx(6 / 120)  # paid / leads
    assert k["cpl"] == pytest.approx(60000 / 120)  # spend / leads = 500
    assert k["cac"] == pytest.approx(60000 / 6)  # (spend + no sales cost) / paid = 10 000
    # lost: 80 in marketing (120 -> 40), 10 at the handoff and 24 in sales (sales' steps)
    assert k["marketing_loss_share"] == pytest.approx(80 / 114)
    neck = feb["bottleneck"]["lowest_conversion"]
    assert (neck["from"], neck["to"], neck["owner"]) == ("sal", "paid", "sales")
    assert neck["change_vs_previous"] == pytest.approx(6 / 30 - 5 / 20)  # -5 pp


def test_csv_from_russian_excel(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/api/v1/compute?locale=ru_RU&today=2024-06-01&tab=Воронка",
                       data=CSV_RU.encode("cp1251"),
                       headers={**auth, "Content-Type": "text/csv"})
    assert resp.status_code == 200, resp.get_json()
    report = resp.get_json()
    assert report["sources"]["summary"] == "Воронка"
    jan = report["periods"][0]
    assert [(k, s["count"]) for k, s in stages(jan).items()] == [
        ("leads", 100), ("qualified", 30), ("sal", 20), ("paid", 5)]
    assert jan["kpis"]["handoff_acceptance"] == pytest.approx(20 / 30)


def test_inputs_it_cannot_use(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/api/v1/compute", json={"values": [["a", "b"], [1, 2]]}, headers=auth)
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "cannot_compute" and "Month" in err["message"]
    both = client.post("/api/v1/compute", json={"values": VALUES, "tabs": []}, headers=auth)
    assert both.status_code == 422
    empty = client.post("/api/v1/compute", data=b"", headers={**auth,
                                                              "Content-Type": "text/csv"})
    assert empty.status_code == 400 and "CSV" in empty.get_json()["error"]["message"]
    binary = client.post("/api/v1/compute", data=b"\xff\xfe\x00\x00",
                         headers={**auth, "Content-Type": "text/csv"})
    assert binary.status_code == 400
    app = client.application
    app.config["COMPUTE_MAX_CELLS"] = 10
    big = client.post("/api/v1/compute", json={"values": VALUES}, headers=auth)
    assert big.status_code == 413 and "fewer rows" in big.get_json()["error"]["message"]


def test_a_nul_in_a_cell_is_refused_wherever_it_is(client: FlaskClient,
                                                   auth: dict[str, str]) -> None:
    """NUL characters are refused in a cell of a row, of a tab, and in a funnel name, nested
    at any depth, with a message (schemas._no_nul)."""
    rows = [["Month", "Leads", "Paid"], ["2024-01", 10, 2]]
    bad_rows = [["Month", "Leads", "Paid"], ["2024-01", "1\x000", 2]]
    for body in ({"values": bad_rows},
                 {"tabs": [{"name": "Funnel", "values": bad_rows}]},
                 {"values": rows, "funnel": {"stage": [{"key": "a\x00", "en": "A"},
                                                       {"key": "b", "en": "B"}]}}):
        resp = client.post("/api/v1/compute", json=body, headers=auth)
        assert resp.status_code == 422, (body, resp.get_json())
        assert "NUL" in resp.get_json()["error"]["message"] or any(
            "NUL" in d.get("message", "") for d in resp.get_json()["error"].get("details", []))
        assert "NUL" in resp.get_json()["error"]["message_ru"]
        assert "text must not" not in resp.get_json()["error"]["message_ru"]  # said in Russian
    assert client.post("/api/v1/compute", json={"values": rows},
                       headers=auth).status_code == 200
