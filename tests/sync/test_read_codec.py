"""How the Google backend decodes a values answer and hashes the input it read."""

from __future__ import annotations

import json
import math

from funnel_kpi import Tab
from sheets_sync.backends.base import json_values_hash
from sheets_sync.backends.google import decode_json


def test_decode_json_matches_the_json_module() -> None:
    body = '{"valueRanges":[{"range":"\'Сделки\'!A1:C2","values":[["Лид",1,1.5],["",true,null]]}]}'
    got = decode_json(body.encode())
    assert got == json.loads(body) == {"valueRanges": [
        {"range": "'Сделки'!A1:C2", "values": [["Лид", 1, 1.5], ["", True, None]]}]}
    assert [type(v) for v in got["valueRanges"][0]["values"][0]] == [str, int, float]


def test_decode_json_takes_what_only_python_json_takes() -> None:
    got = decode_json(b"[1e400, -1e400]")
    assert got[0] == math.inf and got[1] == -math.inf


def test_input_hash_tells_values_and_types_apart() -> None:
    def h(*rows: list[object]) -> str:
        return json_values_hash([Tab("Deals", list(rows))])

    assert h(["a", 1]) == h(["a", 1])
    assert len({h(["a", 1]), h(["a", 1.0]), h(["a", "1"]), h(["a", True]), h(["a"], [1]),
                h(["a", 1, None])}) == 6
    assert json_values_hash([Tab("Deals", [["a"]])]) != json_values_hash([Tab("Other", [["a"]])])


def test_input_hash_takes_ints_beyond_64_bits() -> None:
    big = 10**30
    assert json_values_hash([Tab("T", [[big]])]) != json_values_hash([Tab("T", [[big + 1]])])
