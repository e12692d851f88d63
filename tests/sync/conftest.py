from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from sheets_emulator.testing import EmulatorProcess, running_emulator

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def demo_ru(tmp_path: Path) -> Path:
    path = tmp_path / "demo_ru.xlsx"
    shutil.copy(TEMPLATES / "demo_ru.xlsx", path)
    return path


@pytest.fixture
def demo_en(tmp_path: Path) -> Path:
    path = tmp_path / "demo_en.xlsx"
    shutil.copy(TEMPLATES / "demo_en.xlsx", path)
    return path


def tab_hashes(path: Path, tabs: list[str]) -> dict[str, str]:
    """A hash of every value of the named tabs, to prove a sync never wrote them."""
    book = CalamineWorkbook.from_path(str(path))
    return {t: hashlib.sha256(repr(book.get_sheet_by_name(t).to_python(skip_empty_area=False))
                              .encode()).hexdigest() for t in tabs}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    """The local Google Sheets API over HTTP, seeded with the demo workbooks (a module's own:
    its spreadsheets are not another module's)."""
    with running_emulator(seeds=(str(TEMPLATES / "demo_ru.xlsx"),
                                 str(TEMPLATES / "demo_en.xlsx"))) as emu:
        yield emu
