"""tests/addon/cases.json holds the Python's answers the add-ons' JavaScript is checked on
(sheets_addon/test, office_addin/test): the Excel functions must still give exactly those, and
the service (POST /functions) the same, so Excel, Sheets, the Office add-in and the service agree.
Rewrite the file with ``python -m tests.addon.cases`` when a function changes on purpose."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from flask.testing import FlaskClient

from tests.addon.cases import CASES, at, build_cases, dumps, spread_shape


def test_the_cases_file_is_what_the_python_answers() -> None:
    fresh = build_cases()
    kept = json.loads(CASES.read_text("utf-8"))
    assert len(fresh) == len(kept)
    for i, (new, old) in enumerate(zip(fresh, kept, strict=True)):
        assert new == old, f"case {i}: {old} now answers {new['expected']!r}"
    assert CASES.read_text("utf-8") == dumps(fresh)


def cell_of(result: dict[str, Any]) -> Any:
    """A result of POST /functions as the Excel function's cell (sheets_addon/lib/run.js)."""
    if "value" in result:
        return result["value"]
    if result["reason"] == "bad_call":
        return f"{result['message']} / {result['message_ru']}"
    return result["error"]


def test_the_service_gives_the_same_answers(client: FlaskClient, auth: dict[str, str]) -> None:
    """One batch per function, every case (a range given for single values: one call per
    cell, as the add-on sends it)."""
    batches: dict[str, list[list[Any]]] = defaultdict(list)
    wanted: dict[str, list[Any]] = defaultdict(list)
    for c in json.loads(CASES.read_text("utf-8")):
        name, args = c["function"], c["args"]
        shape = spread_shape(name, args)
        if isinstance(shape, str):
            continue  # ranges of different sizes: refused by the add-on before any call
        if shape is None:
            batches[name].append(args)
            wanted[name].append(c["expected"])
            continue
        for r in range(shape[0]):
            for col in range(shape[1]):
                batches[name].append(at(name, args, r, col))
                wanted[name].append(c["expected"][r][col])
    assert sum(map(len, batches.values())) > 3000
    for name, argument_lists in batches.items():
        resp = client.post(f"/api/v1/functions/{name}", headers=auth,
                           json={"calls": [{"args": a} for a in argument_lists]})
        assert resp.status_code == 200, resp.get_json()
        got = [cell_of(r) for r in resp.get_json()["results"]]
        for args, g, w in zip(argument_lists, got, wanted[name], strict=True):
            assert g == w, f"{name}({args}): the service {g!r}, Excel {w!r}"
