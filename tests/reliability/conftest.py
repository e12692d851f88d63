"""Fixtures of the reliability suite: the real service app on a SQLite file, a token, the
emulator as a process, and a funnel spreadsheet in it.

Heavy proofs are marked ``slow`` and left out of the default run; run them with
``.venv/bin/pytest tests/reliability -m slow -s`` (figures go to test-artifacts/reliability/).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sheets_emulator.testing import EmulatorProcess, running_emulator
from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts" / "reliability"
STAGES = ["Traffic", "Leads", "Qualified", "SAL", "Meetings", "Proposals", "Contracts", "Paid"]


def funnel_rows(months: int = 12, base: int = 20_000) -> list[list[Any]]:
    """A summary tab: a month per row, a column per default stage, counts falling by ~half."""
    rows: list[list[Any]] = [["Month", *STAGES, "Marketing spend", "Revenue"]]
    for m in range(months):
        counts, n = [], base + 500 * m
        for _ in STAGES:
            counts.append(n)
            n = max(1, n // 2)
        rows.append([f"2024-{m + 1:02d}-01", *counts, 10_000 + 100 * m, 50_000 + 900 * m])
    return rows


def save_figures(name: str, figures: dict[str, Any]) -> Path:
    """Keep a proof's figures for docs/reliability.md (and print them for ``-s`` runs)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str), "utf-8")
    print(f"\n{name}: {json.dumps(figures, ensure_ascii=False, default=str)}")
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow proofs run only when asked for with ``-m slow`` (or any -m naming "slow")."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow proof: run with -m slow (see docs/reliability.md)")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


@pytest.fixture
def config(tmp_path: Path, books: Path) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
            "XLSX_ROOT": str(books), "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "reliability-secret-key-0123456789"}


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with running_emulator() as e:
        yield e
