"""excel-setup's config file (read back by xlwings' own parser) and argument coercion."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from excel_udfs import coerce as C
from excel_udfs.errors import CellError, InputErrorValue, UsageError, error_for
from excel_udfs.setup import setup_steps, write_config


def test_write_config_is_read_by_xlwings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlwings
    from xlwings import utils

    path = write_config(tmp_path / "book")
    assert path == tmp_path / "book" / "xlwings.conf"
    assert path.read_bytes() == b'"UDF MODULES","excel_udfs.udfs"\r\n'  # VBA's Input #
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(path))
    assert utils.read_user_config() == {"udf modules": "excel_udfs.udfs"}


def test_write_config_keeps_other_settings(tmp_path: Path) -> None:
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"INTERPRETER_WIN","C:\\\\py\\\\python.exe"\n"UDF MODULES","old"\n', "utf-8")
    write_config(tmp_path, interpreter=r"C:\venv\python.exe")
    lines = conf.read_text("utf-8").splitlines()
    assert lines == ['"UDF MODULES","excel_udfs.udfs"', '"INTERPRETER_WIN","C:\\venv\\python.exe"']


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_setup_steps(lang: str) -> None:
    text = setup_steps(lang)
    assert "excel_udfs.udfs" in text and "Import Functions" in text and ".xlsm" in text
    assert ("Доверять доступ" in text) == (lang == "ru")
    assert setup_steps("ru_RU") == setup_steps("ru")


def test_errors_and_reasons() -> None:
    assert CellError.DIV0.scode == -2146826281 and CellError.NA.code == 2042
    assert CellError.from_scode(-2146826246) is CellError.NA
    assert error_for("zero_denominator") is error_for("no_entries") is CellError.DIV0
    assert error_for("missing_input") is CellError.NA
    assert error_for("not_finite") is CellError.NUM


def test_numbers_and_errors() -> None:
    assert C.numbers([1.0, "1 234,5", "30%", None, "Leads", True, 7]) == \
        [1.0, 1234.5, 0.3, None, None, None, 7.0]
    with pytest.raises(InputErrorValue) as e:
        C.numbers([1.0, "#N/A"])
    assert e.value.error is CellError.NA
    with pytest.raises(InputErrorValue):
        C.numbers([CellError.REF.scode])
    assert C.cell_error("#BLOCKED!") is CellError.VALUE  # newer error without a CVErr code
    with pytest.raises(InputErrorValue) as e:
        C.number("abc", "x")
    assert e.value.error is CellError.VALUE
    assert C.number(float("inf"), "x") is None


def test_orientation() -> None:
    assert C.vector(((1.0,), (2.0,)), "a") == ([1.0, 2.0], "column")
    assert C.vector(((1.0, 2.0),), "a") == ([1.0, 2.0], "row")
    assert C.vector([1.0, 2.0], "a") == ([1.0, 2.0], "row")  # xlwings' 1-D read of a row
    assert C.vector(5.0, "a") == ([5.0], "row")
    with pytest.raises(UsageError):
        C.vector(((1.0, 2.0), (3.0, 4.0)), "a")
    assert C.shaped([1, 2], "column") == [[1], [2]]


def test_dates() -> None:
    assert C.dates([dt.datetime(2024, 1, 5, 13, 0), 45300.0, "31.01.2024", None, "x"]) == \
        [dt.date(2024, 1, 5), dt.date(2024, 1, 9), dt.date(2024, 1, 31), None, None]


def test_cli_excel_setup_writes_conf(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "sheets_sync", "excel-setup", "--folder",
                           str(tmp_path), "--lang", "ru"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "excel_udfs.udfs" in (tmp_path / "xlwings.conf").read_text("utf-8")
