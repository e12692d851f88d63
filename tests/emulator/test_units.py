"""Pure parts: A1 notation, number formats by locale, USER_ENTERED parsing, field masks."""

from __future__ import annotations

import pytest

from sheets_emulator import a1, fieldmask, numfmt, userinput
from sheets_emulator.seed import parse_spec

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("ref", "bounds"),
    [
        ("A1", (0, 1, 0, 1)),
        ("B2:C5", (1, 5, 1, 3)),
        ("C5:B2", (1, 5, 1, 3)),  # reversed corners are normalised
        ("A:A", (None, None, 0, 1)),
        ("1:1", (0, 1, None, None)),
        ("A2:C", (1, None, 0, 3)),
        ("$A$1:$B$2", (0, 2, 0, 2)),
        ("AA10", (9, 10, 26, 27)),
    ],
)
def test_parse_ref(ref: str, bounds: tuple[int | None, ...]) -> None:
    b = a1.parse_ref(ref)
    assert b is not None
    assert (b.r0, b.r1, b.c0, b.c1) == bounds


@pytest.mark.parametrize("ref", ["A0", "B", "2", "A:5", "A1:B2:C3", "", "1A"])
def test_parse_ref_refuses(ref: str) -> None:
    assert a1.parse_ref(ref) is None


def test_columns_and_quoting() -> None:
    assert [a1.col_letters(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert a1.letters_index("AAA") == 702
    assert a1.quote_title("Sheet1") == "Sheet1"
    assert a1.quote_title("My sheet") == "'My sheet'"
    assert a1.quote_title("It's") == "'It''s'"
    assert a1.quote_title("Лист1") == "'Лист1'"
    assert a1.quote_title("A1") == "'A1'"  # looks like a cell
    assert a1.split_sheet("'It''s'!B2") == ("It's", "B2")
    assert a1.split_sheet("'My sheet'") == ("My sheet", None)
    assert a1.format_range("Sheet1", 0, 1000, 0, 26) == "Sheet1!A1:Z1000"
    assert a1.format_range("Sheet1", 4, 5, 2, 3) == "Sheet1!C5"


@pytest.mark.parametrize(
    ("pattern", "value", "locale", "text"),
    [
        # 1234.5 grouped by thousands with one decimal: en "1,234.5", ru "1 234,5" (no-break space)
        ("#,##0.0", 1234.5, "en_US", "1,234.5"),
        ("#,##0.0", 1234.5, "ru_RU", f"1{NBSP}234,5"),
        ("0.0%", 0.1234, "en_US", "12.3%"),  # 0.1234 * 100 = 12.34 -> one decimal
        ("0.0%", 0.1234, "ru_RU", "12,3%"),
        ("#,##0.00 [$₽-419]", 1234.5, "ru_RU", f"1{NBSP}234,50 ₽"),
        ('"$"#,##0.00', -1234.5, "en_US", "-$1,234.50"),
        ("#,##0.00;(#,##0.00)", -5, "en_US", "(5.00)"),
        ("0", 2.5, "en_US", "3"),  # half rounds away from zero
        ("0.00E+00", 12345, "en_US", "1.23E+04"),
        ("dd.mm.yyyy", 45306, "ru_RU", "15.01.2024"),  # serial 45306 = 2024-01-15
        ("yyyy-mm-dd", 45306, "en_US", "2024-01-15"),
        ("M/d/yyyy", 45306, "en_US", "1/15/2024"),
        ("d mmmm yyyy", 45306, "ru_RU", "15 января 2024"),
        ("hh:mm", 45306.75, "en_US", "18:00"),  # .75 of a day = 18:00
    ],
)
def test_number_formats(pattern: str, value: float, locale: str, text: str) -> None:
    assert numfmt.render(pattern, value, locale) == text


@pytest.mark.parametrize(
    ("value", "en", "ru"),
    [
        (1, "1", "1"),
        (1.45, "1.45", "1,45"),
        (1234.5, "1234.5", "1234,5"),  # the automatic format does not group
        (1 / 3, "0.3333333333", "0,3333333333"),  # 10 significant digits
        (2 / 3, "0.6666666667", "0,6666666667"),
        (0.1 + 0.2, "0.3", "0,3"),
        (12345678901.5, "12345678902", "12345678902"),
        (1e20, "1E+20", "1E+20"),
    ],
)
def test_automatic_format(value: float, en: str, ru: str) -> None:
    assert numfmt.general(value, "en_US") == en
    assert numfmt.general(value, "ru_RU") == ru


def test_default_patterns_by_type() -> None:
    assert numfmt.format_number(0.25, {"type": "PERCENT"}, "en_US") == "25.00%"
    assert numfmt.format_number(1234.5, {"type": "NUMBER"}, "ru_RU") == f"1{NBSP}234,50"
    assert numfmt.format_number(45306, {"type": "DATE"}, "ru_RU") == "15.01.2024"
    assert numfmt.format_number(45306, {"type": "DATE"}, "en_US") == "1/15/2024"


@pytest.mark.parametrize(
    ("text", "locale", "value", "kind"),
    [
        ("42", "en_US", 42, None),
        ("1,234.5", "en_US", 1234.5, "NUMBER"),
        ("1,5", "ru_RU", 1.5, None),
        (f"1{NBSP}234,5", "ru_RU", 1234.5, "NUMBER"),
        ("1 234,5", "ru_RU", 1234.5, "NUMBER"),
        ("12%", "en_US", 0.12, "PERCENT"),
        ("12,5%", "ru_RU", 0.125, "PERCENT"),
        ("$1,234.50", "en_US", 1234.5, "CURRENCY"),
        ("2024-01-15", "en_US", 45306, "DATE"),
        ("1/15/2024", "en_US", 45306, "DATE"),
        ("15.01.2024", "ru_RU", 45306, "DATE"),
        ("TRUE", "en_US", True, None),
        ("ложь", "ru_RU", False, None),
        ("hello", "en_US", "hello", None),
        ("'007", "en_US", "007", None),
    ],
)
def test_user_entered(text: str, locale: str, value: object, kind: str | None) -> None:
    got, formula, fmt = userinput.parse(text, locale)
    assert got == value and type(got) is type(value)
    assert formula is None
    assert (fmt or {}).get("type") == kind


def test_user_entered_formula_is_kept() -> None:
    assert userinput.parse("=SUM(A1:A3)", "en_US") == (None, "=SUM(A1:A3)", None)


def test_field_masks() -> None:
    assert fieldmask.parse("sheets(properties(title,sheetId)),namedRanges") == {
        "sheets": {"properties": {"title": {}, "sheetId": {}}}, "namedRanges": {}}
    assert fieldmask.parse("sheets/data/rowData/values/note") == {
        "sheets": {"data": {"rowData": {"values": {"note": {}}}}}}
    target = {"title": "a", "gridProperties": {"rowCount": 5, "columnCount": 2}}
    fieldmask.update(target, {"gridProperties": {"rowCount": 9}},
                     fieldmask.parse("gridProperties.rowCount,title"))
    # named but absent fields are cleared; unnamed fields stay
    assert target == {"gridProperties": {"rowCount": 9, "columnCount": 2}}


def test_seed_specs() -> None:
    spec = parse_spec("templates/demo_ru.xlsx")
    assert (spec.spreadsheet_id, spec.locale) == ("demo_ru", "ru_RU")
    spec = parse_spec("data/My Book.xlsx=book-1@en_GB")
    assert (str(spec.path), spec.spreadsheet_id, spec.locale) == ("data/My Book.xlsx", "book-1",
                                                                 "en_GB")
    assert parse_spec("x/plan.xlsx").locale == "en_US"
