"""Cell parsing: numbers, dates and text as Google and Excel hand them over, ru and en."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from funnel_kpi.parse.cells import (
    FORMULA_ERROR,
    NOT_A_DATE,
    NOT_A_NUMBER,
    CellIssue,
    a1,
    col_letter,
    parse_date,
    parse_month,
    parse_number,
    parse_text,
    raw_text,
)
from funnel_kpi.parse.columns import TextCells, date_array, number_array

NBSP, THIN, NARROW = "\u00a0", "\u2009", "\u202f"


@pytest.mark.parametrize(("text", "expected"), [
    ("1 234,56", 1234.56),
    ("1,234.56", 1234.56),
    ("1234,5", 1234.5),
    ("1234.5", 1234.5),
    ("30%", 0.3),  # percent text is a ratio: 30 / 100
    ("12,5 %", 0.125),
    ("12.5%", 0.125),
    ("1 200 ₽", 1200.0),
    ("1200 руб.", 1200.0),
    ("1200р.", 1200.0),
    ("€ 3.5", 3.5),
    (f"1{NBSP}234{NBSP}567,8", 1234567.8),
    (f"1{THIN}234", 1234.0),
    (f"1{NARROW}234,5", 1234.5),
    ("\u22125", -5.0),  # U+2212 minus
    ("\u201312,5", -12.5),  # en dash as minus
    ("(1 200)", -1200.0),  # accounting negative
    ("+7", 7.0),
    ("1e3", 1000.0),
    ("2,5E-1", 0.25),
    ("1,5", 1.5),
    ("0,123", 0.123),  # a leading zero cannot start a thousands group
    ("1.234.567", 1234567.0),
    ("1.234,5", 1234.5),
    ("1'234", 1234.0),
    (".5", 0.5),
    ("  42  ", 42.0),
])
def test_number_text_reads_the_same_in_every_locale(text: str, expected: float) -> None:
    for locale in (None, "en_US", "ru_RU"):
        assert parse_number(text, locale=locale) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(("text", "en", "ru"), [
    ("1,234", 1234.0, 1.234),  # one comma, three digits: thousands in English, decimal in ru
    ("12,345", 12345.0, 12.345),
    ("-1,234", -1234.0, -1.234),
    ("1,234,567", 1234567.0, 1234567.0),  # two commas can only be thousands
    ("1234,567", 1234.567, 1234.567),  # four digits before: not a thousands group
    ("$1,200", 1200.0, 1.2),  # the locale decides, whatever the currency sign
    ("-$1,200", -1200.0, -1.2),
    ("$1,200.50", 1200.5, 1200.5),
])
def test_ambiguous_comma_follows_locale(text: str, en: float, ru: float) -> None:
    assert parse_number(text) == en
    assert parse_number(text, locale="en") == en
    assert parse_number(text, locale="ru") == ru
    assert parse_number(text, locale="ru-RU") == ru


def test_native_numbers_pass_through() -> None:
    assert parse_number(7) == 7 and type(parse_number(7)) is int
    assert parse_number(2.5) == 2.5
    assert parse_number(Decimal("1.25")) == 1.25


@pytest.mark.parametrize("value", [None, "", "   ", NBSP, "\t"])
def test_blank_is_none_not_a_problem(value: object) -> None:
    assert parse_number(value) is None
    assert parse_date(value) is None
    assert parse_text(value) is None


@pytest.mark.parametrize("value", [
    True, False, math.nan, math.inf, -math.inf, "abc", "1 2", "1,2,3", "12abc", "--5", "(-5)",
    "$5€", "5%%", date(2024, 1, 1), datetime(2024, 1, 1), [1], {"a": 1}, "1e99999", "1e400",
    "١٢",  # Arabic-Indic digits are not read as numbers
])
def test_unreadable_numbers(value: object) -> None:
    assert parse_number(value) == NOT_A_NUMBER


ERRORS = ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#ERROR!",
          "#SPILL!", "#CALC!", "#GETTING_DATA", "#div/0!"]


@pytest.mark.parametrize("value", ERRORS)
def test_formula_errors(value: str) -> None:
    assert parse_number(value) == FORMULA_ERROR
    assert parse_date(value) == FORMULA_ERROR
    assert FORMULA_ERROR.code == "formula_error"


def test_error_cells_of_a_real_xlsx(tmp_path: Path) -> None:
    """openpyxl writes "#DIV/0!" as an error cell (t="e"). Read back, openpyxl gives the error
    text (a problem); python-calamine 0.9 gives "" (a blank: the error cannot be seen)."""
    path = tmp_path / "errors.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Spend", "Leads"])
    ws.append(["#DIV/0!", "#N/A"])
    wb.save(path)

    values = [c.value for c in openpyxl.load_workbook(path, data_only=True).active[2]]
    assert values == ["#DIV/0!", "#N/A"]
    assert [parse_number(v) for v in values] == [FORMULA_ERROR, FORMULA_ERROR]

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[1] == ["", ""]
    assert [parse_number(v) for v in rows[1]] == [None, None]


@pytest.mark.parametrize(("text", "expected"), [
    ("31.01.2024", date(2024, 1, 31)),
    ("31.01.24", date(2024, 1, 31)),
    ("1.2.2024", date(2024, 2, 1)),
    ("2024-01-31", date(2024, 1, 31)),
    ("2024-01-31T10:00:00", date(2024, 1, 31)),
    ("2024-01-31 10:00", date(2024, 1, 31)),
    ("2024-01-31T10:00:00.5+03:00", date(2024, 1, 31)),
    ("31.01.2024 18:45", date(2024, 1, 31)),
    ("01/31/2024", date(2024, 1, 31)),  # month > 12 is impossible: day-first fails, so M/D/Y
    ("31/01/2024", date(2024, 1, 31)),
    ("Jan 2024", date(2024, 1, 1)),
    ("January 2024", date(2024, 1, 1)),
    ("sept. 2024", date(2024, 9, 1)),
    ("январь 2024", date(2024, 1, 1)),
    ("Январь 2024 г.", date(2024, 1, 1)),
    ("Январь 2024 года", date(2024, 1, 1)),
    ("янв. 2024", date(2024, 1, 1)),
    ("янв 24", date(2024, 1, 1)),
    ("Май 2023", date(2023, 5, 1)),
    ("31 января 2024", date(2024, 1, 31)),
    ("31 января 2024 г.", date(2024, 1, 31)),
    ("1 мая 2024 года", date(2024, 5, 1)),
    ("Jan 31, 2024", date(2024, 1, 31)),
    ("31 Jan 2024", date(2024, 1, 31)),
    ("Wed, 31 Jan 2024", date(2024, 1, 31)),
    ("2024-01", date(2024, 1, 1)),
    ("01.2024", date(2024, 1, 1)),
    ("1/2024", date(2024, 1, 1)),
    ("Ёлка"[:0] + "февраль 2024", date(2024, 2, 1)),
])
def test_date_text(text: str, expected: date) -> None:
    for locale in (None, "en_US", "ru_RU"):
        assert parse_date(text, locale=locale) == expected


def test_slash_dates_follow_locale_when_ambiguous() -> None:
    assert parse_date("05/06/2024") == date(2024, 5, 6)  # en: M/D/Y
    assert parse_date("05/06/2024", locale="en_US") == date(2024, 5, 6)
    assert parse_date("05/06/2024", locale="ru_RU") == date(2024, 6, 5)  # ru: D/M/Y
    assert parse_date("05/06/2024", locale="en_GB") == date(2024, 6, 5)
    assert parse_date("05.06.2024") == date(2024, 6, 5)  # dots are day-first everywhere


def test_serial_numbers() -> None:
    # Google and Excel count days from 1899-12-30: 45322 is 2024-01-31 (45322 - 45292 = 30
    # days after 2024-01-01, itself 45292); the fraction is the time of day.
    assert parse_date(45292) == date(2024, 1, 1)
    assert parse_date(45322) == date(2024, 1, 31)
    assert parse_date(45322.99) == date(2024, 1, 31)
    assert parse_date(1) == date(1899, 12, 31)
    assert parse_date(2958465) == date(9999, 12, 31)
    for bad in (0, -5, 0.5, 2958466, math.nan, math.inf, True):
        assert parse_date(bad) == NOT_A_DATE


def test_native_dates() -> None:
    assert parse_date(date(2024, 3, 5)) == date(2024, 3, 5)
    assert parse_date(datetime(2024, 3, 5, 23, 59)) == date(2024, 3, 5)


@pytest.mark.parametrize("text", [
    "31.02.2024", "2024-13-01", "31 января", "Jan", "abc", "2024", "32.01.2024", "январь 2024 3",
    "31 xyz 2024", "00.2024", "1/2/3/4",
])
def test_unreadable_dates(text: str) -> None:
    assert parse_date(text) == NOT_A_DATE


def test_parse_month_is_the_first_day() -> None:
    assert parse_month("31.01.2024") == date(2024, 1, 1)
    assert parse_month(45322.5) == date(2024, 1, 1)
    assert parse_month("Январь 2024 г.") == date(2024, 1, 1)
    assert parse_month("x") == NOT_A_DATE
    assert parse_month("") is None


@pytest.mark.parametrize(("value", "expected"), [
    ("  Google Ads ", "Google Ads"),
    (1001, "1001"),
    (1001.0, "1001"),  # an id read as a float
    (12.5, "12.5"),
    (True, "TRUE"),
    (date(2024, 1, 2), "2024-01-02"),
    (math.nan, None),
    (Decimal("7"), "7"),
])
def test_parse_text(value: object, expected: str | None) -> None:
    assert parse_text(value) == expected


def test_addresses() -> None:
    assert [col_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
    assert a1(7, 2) == "C7"
    assert a1(1, 0) == "A1"
    with pytest.raises(ValueError, match="column index"):
        col_letter(-1)


def test_raw_text() -> None:
    assert raw_text(None) == ""
    assert raw_text(True) == "TRUE"
    assert raw_text(1.5) == "1.5"
    assert raw_text("x" * 200).endswith("…") and len(raw_text("x" * 200)) == 100


def test_number_column_reports_positions_and_keeps_bools_apart() -> None:
    values, issues = number_array([1, "2,5", True, "x", None, 1])
    assert [None if math.isnan(v) else v for v in values] == [1, 2.5, None, None, None, 1]
    assert issues == [(2, NOT_A_NUMBER), (3, NOT_A_NUMBER)]


def test_date_column_with_times_and_gaps() -> None:
    day = date(2024, 1, 31).toordinal()  # 0: no date
    ordinals, issues = date_array([45322.25, 45322.75, None, "31.01.2024", math.nan, 0.5])
    assert list(ordinals) == [day, day, 0, day, 0, 0]
    assert issues == [(4, NOT_A_DATE), (5, NOT_A_DATE)]
    ordinals, issues = date_array([45322.25, math.inf])  # all floats, one not finite
    assert list(ordinals) == [day, 0] and issues == [(1, NOT_A_DATE)]
    texts = TextCells()
    texts.feed([" a ", 3.0, None, 1])
    assert [texts.names[c] for c in texts.result()] == ["a", "3", None, "1"]


# ---------------------------------------------------------------- properties

CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
    st.dates(), st.datetimes(), st.decimals(allow_nan=True),
    st.text(alphabet="0123456789 ,.-+%$€₽()eE\u00a0\u2212", max_size=12),
    st.sampled_from([*ERRORS, "янв 2024", "31.01.2024", "1,234"]),
)


@given(CELLS, st.sampled_from([None, "ru", "en_US", "ru_RU", "de", ""]))
def test_parsers_never_raise(value: object, locale: str | None) -> None:
    n = parse_number(value, locale=locale)
    assert n is None or isinstance(n, CellIssue) or (isinstance(n, int | float)
                                                     and math.isfinite(n))
    d = parse_date(value, locale=locale)
    assert d is None or isinstance(d, date | CellIssue)
    assert parse_month(value, locale=locale) is None or parse_month(value) is not None
    t = parse_text(value)
    assert t is None or (isinstance(t, str) and t == t.strip() and t)
    assert isinstance(raw_text(value), str)


def ru_style(text: str, sep: str) -> str:
    """English "1,234,567.89" -> Russian "1 234 567,89" with the given group separator."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", sep)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
       st.integers(min_value=0, max_value=6), st.sampled_from([" ", NBSP, THIN, NARROW]))
def test_formatted_numbers_round_trip(x: float, places: int, sep: str) -> None:
    expected = float(f"{x:.{places}f}")  # the number as the sheet shows it
    en = f"{x:,.{places}f}"
    assert parse_number(en) == expected
    assert parse_number(en, locale="en_US") == expected
    assert parse_number(ru_style(en, sep), locale="ru_RU") == expected
    assert parse_number(f"{x:.{places}f}".replace(".", ","), locale="ru") == expected
    assert parse_number(repr(x)) == x


@given(st.integers(min_value=-10**6, max_value=10**6), st.integers(min_value=0, max_value=3))
def test_percent_round_trip(n: int, places: int) -> None:
    text = f"{n / 10**places:.{places}f}"
    assert parse_number(text + "%") == pytest.approx(float(text) / 100, rel=1e-15)
    assert parse_number(text.replace(".", ",") + " %", locale="ru") == pytest.approx(
        float(text) / 100, rel=1e-15)


RU_GENITIVE = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
               "сентября", "октября", "ноября", "декабря"]
RU_MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
             "октябрь", "ноябрь", "декабрь"]


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2200, 12, 31)))
def test_formatted_dates_round_trip(d: date) -> None:
    assert parse_date(d.strftime("%d.%m.%Y")) == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%m/%d/%Y"), locale="en_US") == d
    assert parse_date(d.strftime("%d/%m/%Y"), locale="ru_RU") == d
    assert parse_date(f"{d.day} {RU_GENITIVE[d.month - 1]} {d.year} г.") == d
    assert parse_date(d.strftime("%B %d, %Y")) == d
    first = d.replace(day=1)
    assert parse_month(f"{RU_MONTHS[d.month - 1].capitalize()} {d.year}") == first
    assert parse_month(d.strftime("%b %Y")) == first
    serial = (d - date(1899, 12, 30)).days
    assert parse_date(serial) == d
    assert parse_date(serial + 0.999) == d
    assert parse_date(datetime(d.year, d.month, d.day) + timedelta(hours=5)) == d
