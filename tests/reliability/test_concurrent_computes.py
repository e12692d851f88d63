"""Header recognition from many threads at once: 400 computes of tabs with new header names, 20
at a time, through the real app (its WSGI stack in threads). Before the stemmers became
per-thread this gave HTTP 500s (IndexError inside snowballstemmer)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

COMPUTES, AT_ONCE = 400, 20


@pytest.fixture
def config(config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {**config, "RATE_LIMIT": ""}  # the per-token limit would answer 429 first


def test_four_hundred_computes_twenty_at_a_time(client: FlaskClient,
                                                auth: dict[str, str]) -> None:
    def one(i: int) -> int:
        # header words nobody has stemmed yet, so every call goes through the stemmers
        values = [["Месяц", f"Визитёры{i}", f"Заявочки{i}", f"Встречались{i}", "Оплаты"],
                  ["01.2024", 1000, 100, 30, 5], ["02.2024", 1100, 110, 33, 6]]
        resp = client.post("/api/v1/compute", json={"values": values, "today": "2024-06-01"},
                           headers=auth)
        return resp.status_code

    with ThreadPoolExecutor(AT_ONCE) as pool:
        codes = list(pool.map(one, range(COMPUTES)))
    assert codes.count(200) == COMPUTES, {c: codes.count(c) for c in set(codes)}
