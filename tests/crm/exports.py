"""Deal exports of amoCRM/Kommo, Bitrix24, HubSpot, Pipedrive and Salesforce, with values picked
here and every figure worked out by hand in the comments.

Headers and stage names follow /work/shared/CRM_EXPORT_FACTS.md; where it says UNVERIFIED the
choice made and what was (or was not) found is said at the builder. Each builder returns a
``Fixture``: the tab, the rows as the export gives them (header row + one row per deal, cell
values as the CRM writes them), the deals' truth and the ``Expected`` figures.

Conventions of the hand work below: deals are numbered 1..n in row order (deal k is sheet row
k + 1); "reach" is how far after "leads" a deal got (0 = only "leads"; won = every stage and
"paid"); cycles are calendar days from created to close date (2024 is a leap year: February has
29 days).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from tests.crm.model import Cell, CsvFormat, Deal, Expected, Figures, Fixture, Status

D = date


def ru_date(d: date | None) -> str:
    return "" if d is None else d.strftime("%d.%m.%Y")


def iso_date(d: date | None) -> str:
    return "" if d is None else d.isoformat()


def us_date(d: date | None) -> str:
    return "" if d is None else f"{d.month}/{d.day}/{d.year}"


def ru_money(x: float | None, sep: str = " ") -> str:
    """150000 -> "150 000", 1234.56 -> "1 234,56" (the Russian way)."""
    if x is None:
        return ""
    text = f"{x:,.2f}" if x % 1 else f"{x:,.0f}"
    return text.replace(",", sep).replace(".", ",")


def en_money(x: float | None, decimals: int | None = None) -> str:
    """1234.5 -> "1,234.50" (with decimals=2), 1500 -> "1,500"."""
    if x is None:
        return ""
    if decimals is None:
        decimals = 2 if x % 1 else 0
    return f"{x:,.{decimals}f}"


def _deal(stage: str, status: Status, amount: float | None, created: date, closed: date | None,
          manager: str, channel: str, reason: str = "") -> Deal:
    return Deal(stage, status, amount, created, closed, manager, channel, reason)


# ---------------------------------------------------------------------------------------------
# 1. amoCRM, Russian (.xlsx, and CSV in cp1251 with ";")
#
# Headers: ID, Название сделки, Бюджет, Этап сделки, Воронка, Ответственный, Дата создания,
# Дата закрытия, utm_source are the aliases a third-party amoCRM-export parser knows (FACTS §1).
# "Причина отказа" is UNVERIFIED (FACTS); kept, as the task names it. The file format (cp1251,
# ";") is a third-party importer's expectation, not a verified fact (FACTS §1).
# Stages: "Неразобранное" is the system first stage, the inbox every new lead sits in: it is the
# "leads" stage itself, not a working stage, so a deal there reached only "leads".
# "Успешно реализовано" (142) and "Закрыто и не реализовано" (143) are the system final stages
# (FACTS §1). The working stages of the default RU
# pipeline, Первичный контакт, Переговоры, Принимают решение, Согласование договора, are
# UNVERIFIED officially; the search tool found them only in third-party code (a select of amo
# stages in that order, and an account's stage list with "Принимают решение"). Every working
# stage has a deal in it, so the funnel is the same whether the product lists the stages of the
# known default pipeline or only those the data shows.
# ---------------------------------------------------------------------------------------------

AMO_STAGES = ("Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора")
AMO_WON, AMO_LOST = "Успешно реализовано", "Закрыто и не реализовано"
IVANOV, PETROVA = "Иванов Иван", "Петрова Анна"


def _amo_deals() -> tuple[Deal, ...]:
    w, lo = AMO_WON, AMO_LOST
    return (
        _deal(w, "won", 150_000, D(2024, 1, 10), D(2024, 2, 20), IVANOV, "yandex"),   # 1
        _deal(w, "won", 80_000, D(2024, 1, 15), D(2024, 2, 5), PETROVA, "google"),    # 2
        _deal(lo, "lost", 50_000, D(2024, 1, 16), D(2024, 1, 30), IVANOV, "google",
              "Дорого"),                                                                # 3
        _deal("Переговоры", "open", 120_000, D(2024, 1, 22), None, PETROVA, "yandex"),  # 4
        _deal(w, "won", 45_500, D(2024, 2, 3), D(2024, 3, 14), IVANOV, "google"),     # 5
        _deal("Неразобранное", "open", None, D(2024, 2, 7), None, PETROVA, "yandex"),   # 6
        _deal("Первичный контакт", "open", 30_000, D(2024, 2, 12), None, IVANOV,
              "yandex"),                                                                # 7
        _deal(lo, "lost", 200_000, D(2024, 2, 14), D(2024, 3, 1), PETROVA, "yandex",
              "Выбрали конкурента"),                                                    # 8
        _deal("Принимают решение", "open", 1_234.56, D(2024, 2, 19), None, IVANOV,
              "google"),                                                                # 9
        _deal(w, "won", 99_999.50, D(2024, 2, 26), D(2024, 3, 18), PETROVA, "google"),  # 10
        _deal("Согласование договора", "open", 75_000, D(2024, 3, 1), None, PETROVA,
              "google"),                                                                # 11
        _deal(lo, "lost", 60_000, D(2024, 3, 5), D(2024, 3, 12), IVANOV, "yandex",
              "Нет бюджета"),                                                           # 12
        _deal("Переговоры", "open", 40_000, D(2024, 3, 11), None, IVANOV, "google"),    # 13
        _deal(w, "won", 110_000, D(2024, 3, 18), D(2024, 3, 29), IVANOV, "yandex"),   # 14
        _deal(lo, "lost", 25_000, D(2024, 3, 20), D(2024, 3, 27), PETROVA, "google",
              "Не отвечает"),                                                           # 15
    )


def amocrm_ru() -> Fixture:
    """Every cell text, as a CSV or a text-only .xlsx export gives it ("150 000", "10.01.2024")."""
    return _amo("amocrm_ru", typed=False)


def amocrm_ru_typed() -> Fixture:
    """The same deals in an .xlsx whose cells are typed: amounts are numbers, dates are Excel
    dates (whether amoCRM's .xlsx does this is UNVERIFIED, so both are read)."""
    return replace(_amo("amocrm_ru_typed", typed=True), csv=None)


def _amo(name: str, typed: bool) -> Fixture:
    deals = _amo_deals()
    header: list[Cell] = ["ID", "Название сделки", "Бюджет", "Этап сделки", "Воронка",
                          "Ответственный", "Дата создания", "Дата закрытия", "Причина отказа",
                          "utm_source"]
    rows: list[list[Cell]] = [header]
    for i, d in enumerate(deals, 1):
        if typed:
            money: Cell = d.amount
            created: Cell = d.created
            closed: Cell = d.closed
        else:
            money, created, closed = ru_money(d.amount), ru_date(d.created), ru_date(d.closed)
        rows.append([30_100 + i if typed else str(30_100 + i), f"Сделка #{30_100 + i}", money,
                     d.stage, "Воронка", d.manager, created, closed, d.reason, d.channel])
    # Funnel: leads, Первичный контакт, Переговоры, Принимают решение, Согласование договора,
    # paid (reach 0..5).
    # won  = deals 1, 2, 5, 10, 14 -> 5
    # lost = deals 3, 8, 12, 15 (stage "Закрыто и не реализовано": reach 0) -> 4
    # open = deals 4 (Переговоры, 2), 6 (Неразобранное = leads, 0), 7 (Первичный контакт, 1),
    #        9 (Принимают решение, 3), 11 (Согласование договора, 4), 13 (Переговоры, 2) -> 6
    # revenue = 150 000 + 80 000 + 45 500 + 99 999,50 + 110 000 = 485 499,50
    # average deal = 485 499,50 / 5 = 97 099,90; win rate = 5 / (5 + 4) = 5/9
    # cycles: 1: 10.01->20.02 = 21 + 20 = 41; 2: 15.01->05.02 = 16 + 5 = 21;
    #   5: 03.02->14.03 = 26 + 14 = 40; 10: 26.02->18.03 = 3 + 18 = 21; 14: 18.03->29.03 = 11
    #   mean = (41 + 21 + 40 + 21 + 11) / 5 = 134 / 5 = 26.8; median of 11,21,21,40,41 = 21
    # counts: leads 15; Первичный контакт (reach >= 1) = 5 won + {4,7,9,11,13} = 10;
    #   Переговоры (>= 2) = 5 + {4,9,11,13} = 9; Принимают решение (>= 3) = 5 + {9,11} = 7;
    #   Согласование договора (>= 4) = 5 + {11} = 6; paid = 5
    total = Figures(5, 4, 6, 485_499.5, 5 / 9, 97_099.9, 26.8, (15, 10, 9, 7, 6, 5))
    # Иванов: deals 1 w, 3 l, 5 w, 7 o(1), 9 o(3), 12 l, 13 o(2), 14 w -> won 3, lost 2, open 3
    #   revenue 150 000 + 45 500 + 110 000 = 305 500; average 305 500 / 3; win rate 3/5
    #   cycles 41, 40, 11 -> mean 92/3; counts: 8; >=1 3+{7,9,13} = 6; >=2 3+{9,13} = 5;
    #   >=3 3+{9} = 4; >=4 3; paid 3
    # Петрова: deals 2 w, 4 o(2), 6 o(0), 8 l, 10 w, 11 o(4), 15 l -> won 2, lost 2, open 3
    #   revenue 80 000 + 99 999,50 = 179 999,50; average 89 999,75; win rate 2/4
    #   cycles 21, 21 -> 21; counts: 7; >=1 2+{4,11} = 4; >=2 2+{4,11} = 4; >=3 2+{11} = 3;
    #   >=4 2+{11} = 3; paid 2
    by_manager = {
        IVANOV: Figures(3, 2, 3, 305_500, 3 / 5, 305_500 / 3, 92 / 3, (8, 6, 5, 4, 3, 3)),
        PETROVA: Figures(2, 2, 3, 179_999.5, 2 / 4, 89_999.75, 21, (7, 4, 4, 3, 3, 2)),
    }
    # yandex: deals 1 w, 4 o(2), 6 o(0), 7 o(1), 8 l, 12 l, 14 w -> won 2, lost 2, open 3
    #   revenue 150 000 + 110 000 = 260 000; average 130 000; win rate 1/2; cycles 41, 11 -> 26
    #   counts: 7; >=1 2+{4,7} = 4; >=2 2+{4} = 3; >=3 2; >=4 2; paid 2
    # google: deals 2 w, 3 l, 5 w, 9 o(3), 10 w, 11 o(4), 13 o(2), 15 l -> won 3, lost 2, open 3
    #   revenue 80 000 + 45 500 + 99 999,50 = 225 499,50; average 75 166,50; win rate 3/5
    #   cycles 21, 40, 21 -> 82/3; counts: 8; >=1 3+3 = 6; >=2 6; >=3 3+{9,11} = 5;
    #   >=4 3+{11} = 4; paid 3
    by_channel = {
        "yandex": Figures(2, 2, 3, 260_000, 1 / 2, 130_000, 26, (7, 4, 3, 2, 2, 2)),
        "google": Figures(3, 2, 3, 225_499.5, 3 / 5, 75_166.5, 82 / 3, (8, 6, 6, 5, 4, 3)),
    }
    expected = Expected(
        status="ok", stages=AMO_STAGES, total=total,
        steps=(None, 10 / 15, 9 / 10, 7 / 9, 6 / 7, 5 / 6), cycle_median=21,
        by_manager=by_manager, by_channel=by_channel)
    return Fixture(name, "Сделки", rows, deals, AMO_STAGES, expected, D(2024, 6, 30),
                   CsvFormat("cp1251", ";"))


# ---------------------------------------------------------------------------------------------
# 2. Kommo, English (.xlsx)
#
# Kommo's export headers are UNVERIFIED (FACTS §1) and the search tool found no export sample.
# Found (kommo.com/support/kb/import-advanced, official): the lead's money field is called
# "Sale"; an import file names the stage column "Lead status" (values such as "Offer made",
# "Initial contact") beside a "pipeline" column; dates are DD.MM.YYYY or MM.DD.YYYY. The export
# is assumed to use Kommo's own names.
# Chosen: "ID", "Lead name", "Sale", "Pipeline", "Lead status", "Responsible user",
# "Date created", "Closed at", "Loss reason", "Source"; dates DD.MM.YYYY (every date column has
# days over 12, so the day-month order can be told); money "1,500" / "12,750.50".
# Stages: the default pipeline of a new Kommo account is Initial Contact, Offer Made,
# Negotiation, Closed - Won, Closed - Lost (kommo.com/support/kb/pipelines, FACTS §1), after the
# system inbox "Incoming leads", which is the "leads" stage itself (a deal there reached only
# "leads"). The product's list of Kommo stages may hold more (amoCRM's translated ones): only
# those three hold deals here, and the funnel must show only them.
# The final stages are written with an en dash, as in the FACTS table ("Closed – Won").
# ---------------------------------------------------------------------------------------------

KOMMO_STAGES = ("Initial Contact", "Offer Made", "Negotiation")
KOMMO_WON, KOMMO_LOST = "Closed – Won", "Closed – Lost"
SMITH, GARCIA = "John Smith", "Maria Garcia"


def kommo_en() -> Fixture:
    w, lo = KOMMO_WON, KOMMO_LOST
    fb, web = "Facebook", "Website"
    deals = (
        _deal(w, "won", 1_500, D(2024, 4, 2), D(2024, 4, 16), SMITH, fb),              # 1
        _deal(lo, "lost", 900, D(2024, 4, 3), D(2024, 4, 10), SMITH, web,
              "Too expensive"),                                                         # 2
        _deal("Offer Made", "open", 2_250, D(2024, 4, 8), None, GARCIA, fb),            # 3
        _deal(w, "won", 12_750.50, D(2024, 4, 15), D(2024, 5, 20), GARCIA, web),        # 4
        _deal("Incoming leads", "open", None, D(2024, 4, 22), None, SMITH, fb),         # 5
        _deal(lo, "lost", 3_000, D(2024, 4, 29), D(2024, 5, 13), GARCIA, fb,
              "No budget"),                                                             # 6
        _deal("Negotiation", "open", 8_400, D(2024, 5, 6), None, SMITH, web),           # 7
        _deal(w, "won", 4_200, D(2024, 5, 13), D(2024, 6, 3), SMITH, fb),               # 8
        _deal("Initial Contact", "open", 1_100, D(2024, 5, 17), None, GARCIA, web),     # 9
        _deal(lo, "lost", 5_600, D(2024, 5, 21), D(2024, 5, 28), SMITH, fb,
              "Chose a competitor"),                                                    # 10
        _deal(w, "won", 2_000, D(2024, 6, 3), D(2024, 6, 17), GARCIA, fb),              # 11
        _deal("Offer Made", "open", 6_300, D(2024, 6, 10), None, GARCIA, web),          # 12
        _deal(lo, "lost", 750, D(2024, 6, 14), D(2024, 6, 21), GARCIA, web,
              "No answer"),                                                             # 13
        _deal("Initial Contact", "open", 1_950, D(2024, 6, 24), None, SMITH, web),      # 14
    )
    header: list[Cell] = ["ID", "Lead name", "Sale", "Pipeline", "Lead status",
                          "Responsible user", "Date created", "Closed at", "Loss reason",
                          "Source"]
    rows: list[list[Cell]] = [header]
    for i, d in enumerate(deals, 1):
        rows.append([str(7_700_100 + i), f"Lead #{7_700_100 + i}", en_money(d.amount),
                     "Sales pipeline", d.stage, d.manager, ru_date(d.created), ru_date(d.closed),
                     d.reason, d.channel])
    # Funnel: leads, Initial Contact, Offer Made, Negotiation, paid.
    # won = 1, 4, 8, 11 -> 4; lost = 2, 6, 10, 13 (reach 0) -> 4
    # open = 3 (Offer Made, 2), 5 (Incoming leads = leads, 0), 7 (Negotiation, 3),
    #        9 (Initial, 1), 12 (Offer Made, 2), 14 (Initial, 1) -> 6
    # revenue = 1 500 + 12 750.50 + 4 200 + 2 000 = 20 450.50; average 20 450.50 / 4 = 5 112.625
    # win rate 4/8; cycles: 1: 14; 4: 15.04->20.05 = 30 + 5 = 35; 8: 13.05->03.06 = 18 + 3 = 21;
    #   11: 14 -> mean (14 + 35 + 21 + 14) / 4 = 21; median of 14,14,21,35 = 17.5
    # counts: 14; >=1 4+{3,7,9,12,14} = 9; >=2 4+{3,7,12} = 7; >=3 4+{7} = 5; paid 4
    total = Figures(4, 4, 6, 20_450.5, 4 / 8, 5_112.625, 21, (14, 9, 7, 5, 4))
    # Smith: 1 w, 2 l, 5 o(0), 7 o(3), 8 w, 10 l, 14 o(1) -> won 2, lost 2, open 3
    #   revenue 1 500 + 4 200 = 5 700; average 2 850; cycles 14, 21 -> 17.5
    #   counts 7; >=1 2+{7,14} = 4; >=2 2+{7} = 3; >=3 3; paid 2
    # Garcia: 3 o(2), 4 w, 6 l, 9 o(1), 11 w, 12 o(2), 13 l -> won 2, lost 2, open 3
    #   revenue 12 750.50 + 2 000 = 14 750.50; average 7 375.25; cycles 35, 14 -> 24.5
    #   counts 7; >=1 2+{3,9,12} = 5; >=2 2+{3,12} = 4; >=3 2; paid 2
    by_manager = {
        SMITH: Figures(2, 2, 3, 5_700, 1 / 2, 2_850, 17.5, (7, 4, 3, 3, 2)),
        GARCIA: Figures(2, 2, 3, 14_750.5, 1 / 2, 7_375.25, 24.5, (7, 5, 4, 2, 2)),
    }
    # Facebook: 1 w, 3 o(2), 5 o(0), 6 l, 8 w, 10 l, 11 w -> won 3, lost 2, open 2
    #   revenue 1 500 + 4 200 + 2 000 = 7 700; average 7 700 / 3; win rate 3/5
    #   cycles 14, 21, 14 -> 49/3; counts 7; >=1 3+{3} = 4; >=2 4; >=3 3; paid 3
    # Website: 2 l, 4 w, 7 o(3), 9 o(1), 12 o(2), 13 l, 14 o(1) -> won 1, lost 2, open 4
    #   revenue 12 750.50; average 12 750.50; win rate 1/3; cycle 35
    #   counts 7; >=1 1+4 = 5; >=2 1+{7,12} = 3; >=3 1+{7} = 2; paid 1
    by_channel = {
        fb: Figures(3, 2, 2, 7_700, 3 / 5, 7_700 / 3, 49 / 3, (7, 4, 4, 3, 3)),
        web: Figures(1, 2, 4, 12_750.5, 1 / 3, 12_750.5, 35, (7, 5, 3, 2, 1)),
    }
    expected = Expected(
        status="ok", stages=KOMMO_STAGES, total=total,
        steps=(None, 9 / 14, 7 / 9, 5 / 7, 4 / 5), cycle_median=17.5,
        by_manager=by_manager, by_channel=by_channel)
    return Fixture("kommo_en", "Leads", rows, deals, KOMMO_STAGES, expected, D(2024, 9, 30))


# ---------------------------------------------------------------------------------------------
# 3. Bitrix24, Russian (.xlsx, and CSV in UTF-8 with BOM and ";")
#
# Headers: the deal card's field titles in Bitrix24's own RU language file (third-party copy of
# bitrix24 core, crm.deal.details lang/ru, found with the search tool): Название, Стадия,
# Сумма, Валюта, Ответственный, Дата начала, Дата завершения; the list export's own titles are
# UNVERIFIED (FACTS §2). Chosen: "ID", "Название", "Стадия сделки", "Сумма", "Валюта",
# "Ответственный", "Дата создания", "Дата завершения", "Источник", "Направление".
# "Дата завершения" (CLOSEDATE) is filled on open deals too (the planned date, Bitrix sets one by
# default), so the fixture puts one on every open deal: it must be ignored.
# Stages: the default general-direction stages and names as crm.status.list returns them in
# Bitrix24's REST docs (bitrix-tools/b24-rest-docs, found with the search tool): NEW "Новая",
# PREPARATION "Подготовка документов", PREPAYMENT_INVOICE "Счет на предоплату" (the docs' sample
# spells it with a Latin "C"; Cyrillic here), EXECUTING "В работе", FINAL_INVOICE "Финальный
# счет", WON "Сделка успешна", LOSE "Сделка провалена", APOLOGY "Анализ причины провала" (the
# last two are failure semantics: lost). Money "150 000", one "310 000" with a no-break space.
# ---------------------------------------------------------------------------------------------

BITRIX_STAGES = ("Новая", "Подготовка документов", "Счет на предоплату", "В работе",
                 "Финальный счет")
BITRIX_IDS = {"Новая": "C1:NEW", "Подготовка документов": "C1:PREPARATION",
              "Счет на предоплату": "C1:PREPAYMENT_INVOICE", "В работе": "C1:EXECUTING",
              "Финальный счет": "C1:FINAL_INVOICE", "Сделка успешна": "C1:WON",
              "Сделка провалена": "C1:LOSE", "Анализ причины провала": "C1:APOLOGY"}
SMIRNOV, KUZNETSOVA = "Смирнов Олег", "Кузнецова Мария"


def _bitrix_deals() -> tuple[Deal, ...]:
    w, lo, apology = "Сделка успешна", "Сделка провалена", "Анализ причины провала"
    call, site = "Звонок", "Веб-сайт"
    return (
        _deal(w, "won", 150_000, D(2024, 2, 1), D(2024, 2, 26), SMIRNOV, call),              # 1
        _deal("Новая", "open", 12_000, D(2024, 2, 5), D(2024, 2, 12), KUZNETSOVA, site),      # 2
        _deal(lo, "lost", 48_000, D(2024, 2, 6), D(2024, 2, 20), SMIRNOV, site),             # 3
        _deal("Подготовка документов", "open", 67_500, D(2024, 2, 13), D(2024, 2, 20),
              SMIRNOV, call),                                                                 # 4
        _deal(w, "won", 23_456.78, D(2024, 2, 14), D(2024, 3, 6), KUZNETSOVA, call),         # 5
        _deal("Счет на предоплату", "open", 90_000, D(2024, 2, 20), D(2024, 2, 27),
              KUZNETSOVA, site),                                                              # 6
        _deal(apology, "lost", 35_000, D(2024, 2, 27), D(2024, 3, 11), KUZNETSOVA, call),    # 7
        _deal("В работе", "open", 210_000, D(2024, 3, 4), D(2024, 3, 11), SMIRNOV, site),    # 8
        _deal(w, "won", 310_000, D(2024, 3, 6), D(2024, 4, 15), SMIRNOV, site),              # 9
        _deal("Финальный счет", "open", 54_321.50, D(2024, 3, 12), D(2024, 3, 19),
              KUZNETSOVA, call),                                                              # 10
        _deal(lo, "lost", 15_000, D(2024, 3, 19), D(2024, 3, 25), SMIRNOV, call),            # 11
        _deal("Новая", "open", None, D(2024, 3, 26), D(2024, 4, 2), SMIRNOV, call),          # 12
        _deal(w, "won", 76_000, D(2024, 4, 2), D(2024, 4, 16), KUZNETSOVA, site),            # 13
        _deal("В работе", "open", 120_000, D(2024, 4, 9), D(2024, 4, 16), KUZNETSOVA, site),  # 14
        _deal(lo, "lost", 8_900, D(2024, 4, 17), D(2024, 4, 22), KUZNETSOVA, site),          # 15
    )


def _bitrix(name: str, stage_of: Callable[[str], str], direction: str) -> Fixture:
    deals = tuple(replace(d, stage=stage_of(d.stage)) for d in _bitrix_deals())
    header: list[Cell] = ["ID", "Название", "Стадия сделки", "Сумма", "Валюта", "Ответственный",
                          "Дата создания", "Дата завершения", "Источник", "Направление"]
    rows: list[list[Cell]] = [header]
    for i, d in enumerate(deals, 1):
        money = ru_money(d.amount, "\u00a0" if i == 9 else " ")
        rows.append([str(500 + i), f"Заказ {500 + i}", d.stage, money, "RUB", d.manager,
                     ru_date(d.created), ru_date(d.closed), d.channel, direction])
    open_stages = tuple(stage_of(s) for s in BITRIX_STAGES)
    # Funnel: leads, Новая, Подготовка документов, Счет на предоплату, В работе, Финальный
    # счет, paid. won = 1, 5, 9, 13 -> 4; lost = 3, 7 (APOLOGY), 11, 15 -> 4 (reach 0)
    # open = 2 (Новая, 1), 4 (Подготовка, 2), 6 (Счет, 3), 8 (В работе, 4), 10 (Финальный, 5),
    #        12 (Новая, 1), 14 (В работе, 4) -> 7; their "Дата завершения" is a plan: ignored.
    # revenue = 150 000 + 23 456,78 + 310 000 + 76 000 = 559 456,78; average / 4 = 139 864,195
    # win rate 4/8; cycles: 1: 01.02->26.02 = 25; 5: 14.02->06.03 = 15 + 6 = 21;
    #   9: 06.03->15.04 = 25 + 15 = 40; 13: 02.04->16.04 = 14 -> mean 100/4 = 25;
    #   median of 14,21,25,40 = 23
    # counts: 15; >=1 4+7 = 11; >=2 4+{4,6,8,10,14} = 9; >=3 4+{6,8,10,14} = 8;
    #   >=4 4+{8,10,14} = 7; >=5 4+{10} = 5; paid 4
    total = Figures(4, 4, 7, 559_456.78, 4 / 8, 139_864.195, 25, (15, 11, 9, 8, 7, 5, 4))
    # Смирнов: 1 w, 3 l, 4 o(2), 8 o(4), 9 w, 11 l, 12 o(1) -> won 2, lost 2, open 3
    #   revenue 150 000 + 310 000 = 460 000; average 230 000; cycles 25, 40 -> 32.5
    #   counts 7; >=1 5; >=2 2+{4,8} = 4; >=3 2+{8} = 3; >=4 3; >=5 2; paid 2
    # Кузнецова: 2 o(1), 5 w, 6 o(3), 7 l, 10 o(5), 13 w, 14 o(4), 15 l -> won 2, lost 2, open 4
    #   revenue 23 456,78 + 76 000 = 99 456,78; average 49 728,39; cycles 21, 14 -> 17.5
    #   counts 8; >=1 6; >=2 2+{6,10,14} = 5; >=3 5; >=4 2+{10,14} = 4; >=5 2+{10} = 3; paid 2
    by_manager = {
        SMIRNOV: Figures(2, 2, 3, 460_000, 1 / 2, 230_000, 32.5, (7, 5, 4, 3, 3, 2, 2)),
        KUZNETSOVA: Figures(2, 2, 4, 99_456.78, 1 / 2, 49_728.39, 17.5, (8, 6, 5, 5, 4, 3, 2)),
    }
    # Звонок: 1 w, 4 o(2), 5 w, 7 l, 10 o(5), 11 l, 12 o(1) -> won 2, lost 2, open 3
    #   revenue 150 000 + 23 456,78 = 173 456,78; average 86 728,39; cycles 25, 21 -> 23
    #   counts 7; >=1 5; >=2 2+{4,10} = 4; >=3 2+{10} = 3; >=4 3; >=5 3; paid 2
    # Веб-сайт: 2 o(1), 3 l, 6 o(3), 8 o(4), 9 w, 13 w, 14 o(4), 15 l -> won 2, lost 2, open 4
    #   revenue 310 000 + 76 000 = 386 000; average 193 000; cycles 40, 14 -> 27
    #   counts 8; >=1 6; >=2 2+{6,8,14} = 5; >=3 5; >=4 2+{8,14} = 4; >=5 2; paid 2
    by_channel = {
        "Звонок": Figures(2, 2, 3, 173_456.78, 1 / 2, 86_728.39, 23, (7, 5, 4, 3, 3, 3, 2)),
        "Веб-сайт": Figures(2, 2, 4, 386_000, 1 / 2, 193_000, 27, (8, 6, 5, 5, 4, 2, 2)),
    }
    names_shown = open_stages == BITRIX_STAGES
    expected = Expected(
        status="ok", stages=BITRIX_STAGES if names_shown else (None,) * len(BITRIX_STAGES),
        total=total, steps=(None, 11 / 15, 9 / 11, 8 / 9, 7 / 8, 5 / 7, 4 / 5), cycle_median=23,
        by_manager=by_manager, by_channel=by_channel)
    return Fixture(name, "Сделки", rows, deals, open_stages, expected, D(2024, 7, 31),
                   CsvFormat("utf-8-sig", ";"))


def bitrix24_ru() -> Fixture:
    return _bitrix("bitrix24_ru", lambda s: s, "Общая")


def bitrix24_ru_ids() -> Fixture:
    """The same deals in a second direction ("C1"), the stage column holding stage ids
    (C1:NEW ... C1:WON, C1:LOSE, C1:APOLOGY, FACTS §2): the same figures."""
    return _bitrix("bitrix24_ru_ids", lambda s: BITRIX_IDS[s], "Опт")


# ---------------------------------------------------------------------------------------------
# 4. HubSpot, English (.xlsx, and CSV in UTF-8 with ",")
#
# Headers seen in several third-party fixtures of HubSpot exports (FACTS §3): Record ID, Deal
# Name, Deal Stage, Amount, Create Date, Close Date, Deal owner, Original Source, Pipeline. The
# date format of the file is UNVERIFIED: ISO dates here. Amounts are numbers (an .xlsx export).
# Stages: the default pipeline's labels in order (FACTS §3). Close Date is "the day the deal is
# expected to close, or was closed" and defaults to the last day of the creation month: every
# open deal has one here, which must be ignored. Deal 7 is won with a blank Amount: it is a
# customer but not in the average deal.
# Original Source values are HubSpot's own labels ("Organic Search", "Paid Search").
# ---------------------------------------------------------------------------------------------

HUBSPOT_STAGES = ("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
                  "Decision Maker Bought-In", "Contract Sent")
BROWN, LEE = "Alice Brown", "Bob Lee"
ORGANIC, PAID = "Organic Search", "Paid Search"


def _hubspot_deals() -> tuple[Deal, ...]:
    w, lo = "Closed Won", "Closed Lost"
    return (
        _deal(w, "won", 12_000, D(2024, 9, 2), D(2024, 9, 30), BROWN, ORGANIC),              # 1
        _deal("Appointment Scheduled", "open", 5_000, D(2024, 9, 4), D(2024, 9, 30), LEE,
              PAID),                                                                          # 2
        _deal(lo, "lost", 7_000, D(2024, 9, 10), D(2024, 9, 24), BROWN, PAID),               # 3
        _deal("Qualified To Buy", "open", 9_500, D(2024, 9, 16), D(2024, 9, 30), BROWN,
              ORGANIC),                                                                       # 4
        _deal(w, "won", 4_250.5, D(2024, 9, 23), D(2024, 10, 14), LEE, PAID),                # 5
        _deal("Presentation Scheduled", "open", 15_000, D(2024, 10, 1), D(2024, 10, 31), LEE,
              ORGANIC),                                                                       # 6
        _deal(w, "won", None, D(2024, 10, 3), D(2024, 10, 24), BROWN, PAID),                 # 7
        _deal(lo, "lost", 3_000, D(2024, 10, 8), D(2024, 10, 29), LEE, ORGANIC),             # 8
        _deal("Decision Maker Bought-In", "open", 22_000, D(2024, 10, 15), D(2024, 10, 31),
              BROWN, PAID),                                                                   # 9
        _deal("Contract Sent", "open", 18_000, D(2024, 10, 21), D(2024, 11, 30), LEE, PAID),  # 10
        _deal(w, "won", 30_000, D(2024, 10, 28), D(2024, 12, 9), LEE, ORGANIC),              # 11
        _deal(lo, "lost", 2_500, D(2024, 11, 4), D(2024, 11, 11), BROWN, ORGANIC),           # 12
        _deal("Appointment Scheduled", "open", 6_000, D(2024, 11, 12), D(2024, 11, 30), BROWN,
              ORGANIC),                                                                       # 13
        _deal(w, "won", 8_750, D(2024, 11, 14), D(2024, 11, 28), BROWN, ORGANIC),            # 14
        _deal("Qualified To Buy", "open", 11_000, D(2024, 11, 20), D(2024, 11, 30), LEE,
              PAID),                                                                          # 15
        _deal(lo, "lost", 4_000, D(2024, 11, 25), D(2024, 12, 6), LEE, PAID),                # 16
    )


def _hubspot_rows(deals: tuple[Deal, ...], pipeline: str = "Sales Pipeline") -> list[list[Cell]]:
    rows: list[list[Cell]] = [["Record ID", "Deal Name", "Deal Stage", "Amount", "Create Date",
                               "Close Date", "Deal owner", "Original Source", "Pipeline"]]
    for i, d in enumerate(deals, 1):
        rows.append([18_800_000_000 + i, f"Deal {i:02d}", d.stage, d.amount, iso_date(d.created),
                     iso_date(d.closed), d.manager, d.channel, pipeline])
    return rows


def hubspot_en() -> Fixture:
    deals = _hubspot_deals()
    # won = 1, 5, 7, 11, 14 -> 5; lost = 3, 8, 12, 16 (reach 0) -> 4
    # open = 2 (Appointment, 1), 4 (Qualified, 2), 6 (Presentation, 3), 9 (Decision, 4),
    #        10 (Contract Sent, 5), 13 (Appointment, 1), 15 (Qualified, 2) -> 7
    # revenue = 12 000 + 4 250.50 + (7: blank) + 30 000 + 8 750 = 55 000.50
    # average deal = 55 000.50 / 4 won deals with an amount = 13 750.125; win rate 5/9
    # cycles: 1: 09-02->09-30 = 28; 5: 09-23->10-14 = 7 + 14 = 21; 7: 10-03->10-24 = 21;
    #   11: 10-28->12-09 = 3 + 30 + 9 = 42; 14: 11-14->11-28 = 14
    #   mean = 126 / 5 = 25.2; median of 14,21,21,28,42 = 21
    # counts: 16; >=1 5+7 = 12; >=2 5+{4,6,9,10,15} = 10; >=3 5+{6,9,10} = 8;
    #   >=4 5+{9,10} = 7; >=5 5+{10} = 6; paid 5
    total = Figures(5, 4, 7, 55_000.5, 5 / 9, 13_750.125, 25.2, (16, 12, 10, 8, 7, 6, 5))
    # Brown: 1 w, 3 l, 4 o(2), 7 w (no amount), 9 o(4), 12 l, 13 o(1), 14 w -> 3 won, 2 lost,
    #   3 open; revenue 12 000 + 8 750 = 20 750; average 20 750 / 2 = 10 375; win rate 3/5;
    #   cycles 28, 21, 14 -> 21; counts 8; >=1 6; >=2 3+{4,9} = 5; >=3 3+{9} = 4; >=4 4;
    #   >=5 3; paid 3
    # Lee: 2 o(1), 5 w, 6 o(3), 8 l, 10 o(5), 11 w, 15 o(2), 16 l -> 2 won, 2 lost, 4 open
    #   revenue 4 250.50 + 30 000 = 34 250.50; average 17 125.25; cycles 21, 42 -> 31.5
    #   counts 8; >=1 6; >=2 2+{6,10,15} = 5; >=3 2+{6,10} = 4; >=4 2+{10} = 3; >=5 3; paid 2
    by_manager = {
        BROWN: Figures(3, 2, 3, 20_750, 3 / 5, 10_375, 21, (8, 6, 5, 4, 4, 3, 3)),
        LEE: Figures(2, 2, 4, 34_250.5, 1 / 2, 17_125.25, 31.5, (8, 6, 5, 4, 3, 3, 2)),
    }
    # Organic: 1 w, 4 o(2), 6 o(3), 8 l, 11 w, 12 l, 13 o(1), 14 w -> 3 won, 2 lost, 3 open
    #   revenue 12 000 + 30 000 + 8 750 = 50 750; average 50 750 / 3; cycles 28, 42, 14 -> 28
    #   counts 8; >=1 6; >=2 3+{4,6} = 5; >=3 3+{6} = 4; >=4 3; >=5 3; paid 3
    # Paid: 2 o(1), 3 l, 5 w, 7 w (no amount), 9 o(4), 10 o(5), 15 o(2), 16 l -> 2 won, 2 lost,
    #   4 open; revenue 4 250.50; average 4 250.50 / 1; cycles 21, 21 -> 21
    #   counts 8; >=1 6; >=2 2+{9,10,15} = 5; >=3 2+{9,10} = 4; >=4 4; >=5 2+{10} = 3; paid 2
    by_channel = {
        ORGANIC: Figures(3, 2, 3, 50_750, 3 / 5, 50_750 / 3, 28, (8, 6, 5, 4, 3, 3, 3)),
        PAID: Figures(2, 2, 4, 4_250.5, 1 / 2, 4_250.5, 21, (8, 6, 5, 4, 4, 3, 2)),
    }
    expected = Expected(
        status="ok", stages=HUBSPOT_STAGES, total=total,
        steps=(None, 12 / 16, 10 / 12, 8 / 10, 7 / 8, 6 / 7, 5 / 6), cycle_median=21,
        by_manager=by_manager, by_channel=by_channel)
    return Fixture("hubspot_en", "Deals", _hubspot_rows(deals), deals, HUBSPOT_STAGES, expected,
                   D(2025, 1, 31), CsvFormat("utf-8", ","))


def hubspot_en_internal_values() -> Fixture:
    """The same export made with exportInternalValuesOptions = VALUES (FACTS §3): the stage
    column holds the stages' internal ids ("appointmentscheduled", "closedwon", ...) and the
    pipeline its id "default". The same figures; stage labels are the product's choice."""
    base = hubspot_en()
    ids = {s: s.lower().replace(" ", "").replace("-", "")
           for s in (*HUBSPOT_STAGES, "Closed Won", "Closed Lost")}
    deals = tuple(replace(d, stage=ids[d.stage]) for d in base.deals)
    expected = replace(base.expected, stages=(None,) * len(HUBSPOT_STAGES))
    return replace(base, name="hubspot_en_internal_values", rows=_hubspot_rows(deals, "default"),
                   deals=deals, open_stages=tuple(ids[s] for s in HUBSPOT_STAGES),
                   expected=expected, csv=None)


# ---------------------------------------------------------------------------------------------
# 7. One log with a stage value nobody knows: the HubSpot log above, deal 13's stage
# "Appointment Scheduled" written "Waiting for budget" (not a stage of HubSpot's default
# pipeline, which every other value matches). Its cell C14 is a problem "unknown_stage", the
# deal is open and reached only "leads"; the report's status is "check".
# ---------------------------------------------------------------------------------------------

def hubspot_unknown_stage() -> Fixture:
    base = hubspot_en()
    deals = tuple(replace(d, stage="Waiting for budget") if i == 13 else d
                  for i, d in enumerate(base.deals, 1))
    # Only the Appointment Scheduled count moves: deal 13 (Brown, Organic) reached 1 before,
    # 0 now. Totals: >=1 = 12 - 1 = 11; open still 7 (deal 13 is open either way).
    # Steps: Appointment 11/16, Qualified 10/11; the rest as in hubspot_en.
    t = base.expected.total
    total = replace(t, counts=(16, 11, *t.counts[2:]))
    brown = base.expected.by_manager[BROWN]
    organic = base.expected.by_channel[ORGANIC]
    expected = replace(
        base.expected, status="check", total=total,
        steps=(None, 11 / 16, 10 / 11, *base.expected.steps[3:]),
        by_manager={**base.expected.by_manager,
                    BROWN: replace(brown, counts=(8, 5, *brown.counts[2:]))},
        by_channel={**base.expected.by_channel,
                    ORGANIC: replace(organic, counts=(8, 5, *organic.counts[2:]))},
        problems=(("C14", "unknown_stage"),))
    return replace(base, name="hubspot_unknown_stage", rows=_hubspot_rows(deals), deals=deals,
                   expected=expected, csv=None)


# ---------------------------------------------------------------------------------------------
# 5. Pipedrive, English (.xlsx)
#
# Headers "Deal - X" as seen in third-party parsers of real exports (FACTS §4). Status (Open /
# Won / Lost) is its own column; the stage is where the deal is or was when it closed, so a lost
# deal reached its stage. Dates "YYYY-MM-DD HH:MM:SS" as the API gives them (the export's own
# format is UNVERIFIED). A won deal's "Deal closed on" and "Won time" carry the same time of day
# as its "Deal created", so the cycle is a whole number of days whichever way it is counted.
# Open deals have only an expected close date. Values are numbers, currency EUR.
# Stages: Qualified, Contact Made, Demo Scheduled, Proposal Made, Negotiations Started (default
# pipeline, third-party code only: UNVERIFIED officially, FACTS §4).
# ---------------------------------------------------------------------------------------------

PIPEDRIVE_STAGES = ("Qualified", "Contact Made", "Demo Scheduled", "Proposal Made",
                    "Negotiations Started")
SCHMIDT, BECKER = "Anna Schmidt", "Tom Becker"


def pipedrive_en() -> Fixture:
    q, cm, ds, pm, ns = PIPEDRIVE_STAGES
    ref, web = "Referral", "Web forms"
    # (deal, created time, closed time)
    table: tuple[tuple[Deal, str, str], ...] = (
        (_deal(ns, "won", 5_400, D(2024, 5, 2), D(2024, 5, 30), SCHMIDT, ref),
         "09:30:00", "09:30:00"),                                                             # 1
        (_deal(cm, "lost", 1_200, D(2024, 5, 6), D(2024, 5, 14), BECKER, web, "Price"),
         "11:00:00", "16:20:00"),                                                             # 2
        (_deal(q, "open", 800, D(2024, 5, 9), None, BECKER, ref), "14:10:00", ""),            # 3
        (_deal(pm, "lost", 9_600, D(2024, 5, 15), D(2024, 6, 10), SCHMIDT, web,
               "Went with a competitor"), "10:00:00", "12:00:00"),                            # 4
        (_deal(pm, "won", 3_150.75, D(2024, 5, 20), D(2024, 6, 10), BECKER, web),
         "08:45:00", "08:45:00"),                                                             # 5
        (_deal(ds, "open", 2_700, D(2024, 5, 28), None, SCHMIDT, ref), "15:00:00", ""),       # 6
        (_deal(ns, "open", 7_300, D(2024, 6, 3), None, BECKER, ref), "09:00:00", ""),         # 7
        (_deal(q, "lost", 600, D(2024, 6, 5), D(2024, 6, 7), BECKER, web, "No budget"),
         "13:30:00", "17:00:00"),                                                             # 8
        (_deal(ns, "won", 12_800, D(2024, 6, 11), D(2024, 7, 21), SCHMIDT, web),
         "10:20:00", "10:20:00"),                                                             # 9
        (_deal(cm, "open", 1_900, D(2024, 6, 17), None, SCHMIDT, web), "16:45:00", ""),       # 10
        (_deal(ds, "lost", 4_100, D(2024, 6, 24), D(2024, 7, 8), SCHMIDT, ref, "Timing"),
         "09:15:00", "11:40:00"),                                                             # 11
        (_deal(pm, "open", 6_600, D(2024, 7, 1), None, BECKER, web), "12:00:00", ""),         # 12
        (_deal(ds, "won", 2_250, D(2024, 7, 8), D(2024, 7, 22), BECKER, ref),
         "14:00:00", "14:00:00"),                                                             # 13
        (_deal(q, "open", 950, D(2024, 7, 15), None, SCHMIDT, ref), "10:30:00", ""),          # 14
        (_deal(ns, "lost", 8_800, D(2024, 7, 18), D(2024, 8, 19), BECKER, ref, "Price"),
         "11:11:00", "15:00:00"),                                                             # 15
    )
    deals = tuple(d for d, _, _ in table)
    expected_close = (D(2024, 6, 15), D(2024, 6, 1), D(2024, 6, 30), D(2024, 7, 1),
                      D(2024, 6, 20), D(2024, 7, 15), D(2024, 7, 5), D(2024, 6, 30),
                      D(2024, 7, 31), D(2024, 7, 31), D(2024, 7, 31), D(2024, 8, 15),
                      D(2024, 8, 1), D(2024, 8, 31), D(2024, 8, 30))
    header: list[Cell] = ["Deal - ID", "Deal - Title", "Deal - Value", "Deal - Currency of Value",
                          "Deal - Status", "Deal - Stage", "Deal - Owner", "Deal - Deal created",
                          "Deal - Deal closed on", "Deal - Won time", "Deal - Lost time",
                          "Deal - Lost reason", "Deal - Source", "Deal - Expected close date"]
    rows: list[list[Cell]] = [header]
    pairs = zip(table, expected_close, strict=True)
    for i, ((d, t_created, t_closed), planned) in enumerate(pairs, 1):
        closed = f"{iso_date(d.closed)} {t_closed}" if d.closed else ""
        rows.append([i, f"{d.channel} deal {i}", d.amount, "EUR", d.status.capitalize(), d.stage,
                     d.manager, f"{iso_date(d.created)} {t_created}", closed,
                     closed if d.status == "won" else "", closed if d.status == "lost" else "",
                     d.reason, d.channel, iso_date(planned)])
    # Funnel: leads, Qualified, Contact Made, Demo Scheduled, Proposal Made, Negotiations
    # Started, paid. Status decides; a lost deal reached its stage.
    # won = 1, 5, 9, 13 -> 4 (whatever their stage); lost = 2 (CM, 2), 4 (PM, 4), 8 (Q, 1),
    #   11 (DS, 3), 15 (NS, 5) -> 5; open = 3 (Q, 1), 6 (DS, 3), 7 (NS, 5), 10 (CM, 2),
    #   12 (PM, 4), 14 (Q, 1) -> 6
    # revenue = 5 400 + 3 150.75 + 12 800 + 2 250 = 23 600.75; average / 4 = 5 900.1875
    # win rate 4/9; cycles: 1: 05-02->05-30 = 28; 5: 05-20->06-10 = 11 + 10 = 21;
    #   9: 06-11->07-21 = 19 + 21 = 40; 13: 07-08->07-22 = 14 -> mean 103/4 = 25.75;
    #   median of 14,21,28,40 = 24.5
    # counts: 15; >=1 15 (every deal has a stage); >=2 4 + lost{2,4,11,15} + open{6,7,10,12}
    #   = 12; >=3 4 + {4,11,15} + {6,7,12} = 10; >=4 4 + {4,15} + {7,12} = 8;
    #   >=5 4 + {15} + {7} = 6; paid 4
    total = Figures(4, 5, 6, 23_600.75, 4 / 9, 5_900.1875, 25.75, (15, 15, 12, 10, 8, 6, 4))
    # Schmidt: 1 w, 4 l(4), 6 o(3), 9 w, 10 o(2), 11 l(3), 14 o(1) -> won 2, lost 2, open 3
    #   revenue 5 400 + 12 800 = 18 200; average 9 100; cycles 28, 40 -> 34
    #   counts 7; >=1 7; >=2 2+{4,6,10,11} = 6; >=3 2+{4,6,11} = 5; >=4 2+{4} = 3; >=5 2; paid 2
    # Becker: 2 l(2), 3 o(1), 5 w, 7 o(5), 8 l(1), 12 o(4), 13 w, 15 l(5) -> won 2, lost 3,
    #   open 3; revenue 3 150.75 + 2 250 = 5 400.75; average 2 700.375; win rate 2/5;
    #   cycles 21, 14 -> 17.5; counts 8; >=1 8; >=2 2+{2,7,12,15} = 6; >=3 2+{7,12,15} = 5;
    #   >=4 5; >=5 2+{7,15} = 4; paid 2
    by_manager = {
        SCHMIDT: Figures(2, 2, 3, 18_200, 1 / 2, 9_100, 34, (7, 7, 6, 5, 3, 2, 2)),
        BECKER: Figures(2, 3, 3, 5_400.75, 2 / 5, 2_700.375, 17.5, (8, 8, 6, 5, 5, 4, 2)),
    }
    # Referral: 1 w, 3 o(1), 6 o(3), 7 o(5), 11 l(3), 13 w, 14 o(1), 15 l(5) -> won 2, lost 2,
    #   open 4; revenue 5 400 + 2 250 = 7 650; average 3 825; cycles 28, 14 -> 21
    #   counts 8; >=1 8; >=2 2+{6,7,11,15} = 6; >=3 6; >=4 2+{7,15} = 4; >=5 4; paid 2
    # Web forms: 2 l(2), 4 l(4), 5 w, 8 l(1), 9 w, 10 o(2), 12 o(4) -> won 2, lost 3, open 2
    #   revenue 3 150.75 + 12 800 = 15 950.75; average 7 975.375; win rate 2/5;
    #   cycles 21, 40 -> 30.5; counts 7; >=1 7; >=2 2+{2,4,10,12} = 6; >=3 2+{4,12} = 4;
    #   >=4 4; >=5 2; paid 2
    by_channel = {
        ref: Figures(2, 2, 4, 7_650, 1 / 2, 3_825, 21, (8, 8, 6, 6, 4, 4, 2)),
        web: Figures(2, 3, 2, 15_950.75, 2 / 5, 7_975.375, 30.5, (7, 7, 6, 4, 4, 2, 2)),
    }
    expected = Expected(
        status="ok", stages=PIPEDRIVE_STAGES, total=total,
        steps=(None, 15 / 15, 12 / 15, 10 / 12, 8 / 10, 6 / 8, 4 / 6), cycle_median=24.5,
        by_manager=by_manager, by_channel=by_channel)
    return Fixture("pipedrive_en", "Deals", rows, deals, PIPEDRIVE_STAGES, expected,
                   D(2024, 10, 31))


# ---------------------------------------------------------------------------------------------
# 6. Salesforce opportunity report, English (.xlsx, and CSV in UTF-8 with every value quoted)
#
# Field labels Close Date, Created Date, Amount, Lead Source, Won, Closed, Probability (%) are
# official (FACTS §5); report titles Opportunity Name, Account Name, Stage, Opportunity Owner
# come from third-party tools (UNVERIFIED officially). Dates M/D/YYYY (US locale); amounts
# "12,500.00". Won / Closed flags as 1 / 0; the status comes from them (Won=1 -> won; Closed=1,
# Won=0 -> lost; else open), consistent with the stage names here. Close Date of an open
# opportunity is its expected date: ignored. Every account is different, so customers = won.
# Stages: the default StageName picklist (FACTS §5, third-party sources).
# Lead Source values from Salesforce's default picklist ("Web", "Partner Referral").
# A Salesforce CSV quotes every value (an old blog, FACTS §5); the footer lines that blog
# mentions are left out (not verified for today's exports).
# ---------------------------------------------------------------------------------------------

SALESFORCE_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
                     "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
                     "Negotiation/Review")
SF_PROBABILITY = dict(zip((*SALESFORCE_STAGES, "Closed Won", "Closed Lost"),
                          (10, 10, 20, 50, 60, 70, 75, 90, 100, 0), strict=True))
CONNOR, ROSS = "Sarah Connor", "Mike Ross"


def salesforce_en() -> Fixture:
    return _salesforce("salesforce_en", lambda flag: int(flag))


def salesforce_en_true_false() -> Fixture:
    """The same report with the Won / Closed checkboxes written TRUE / FALSE."""
    return replace(_salesforce("salesforce_en_true_false", lambda flag: str(flag).upper()),
                   csv=None)


def _salesforce(name: str, flag: Callable[[bool], Cell]) -> Fixture:
    st = SALESFORCE_STAGES
    w, lo, web, partner = "Closed Won", "Closed Lost", "Web", "Partner Referral"
    deals = (
        _deal(w, "won", 25_000, D(2024, 8, 1), D(2024, 8, 29), CONNOR, web),                 # 1
        _deal(st[0], "open", 4_000, D(2024, 8, 5), D(2024, 9, 30), ROSS, partner),           # 2
        _deal(lo, "lost", 9_000, D(2024, 8, 7), D(2024, 8, 21), CONNOR, partner),            # 3
        _deal(st[1], "open", 6_500, D(2024, 8, 13), D(2024, 10, 15), CONNOR, web),           # 4
        _deal(st[2], "open", 14_000, D(2024, 8, 19), D(2024, 10, 31), ROSS, web),            # 5
        _deal(w, "won", 1_234.5, D(2024, 8, 22), D(2024, 9, 12), ROSS, partner),             # 6
        _deal(st[3], "open", 18_000, D(2024, 8, 28), D(2024, 11, 15), CONNOR, partner),      # 7
        _deal(lo, "lost", 3_500, D(2024, 9, 3), D(2024, 9, 17), ROSS, web),                  # 8
        _deal(st[4], "open", 22_000, D(2024, 9, 9), D(2024, 11, 29), ROSS, partner),         # 9
        _deal(st[5], "open", 31_000, D(2024, 9, 16), D(2024, 12, 13), CONNOR, web),          # 10
        _deal(w, "won", 48_750, D(2024, 9, 18), D(2024, 10, 28), CONNOR, partner),           # 11
        _deal(st[6], "open", 27_500, D(2024, 9, 24), D(2024, 11, 22), ROSS, web),            # 12
        _deal(st[7], "open", 40_000, D(2024, 10, 1), D(2024, 11, 14), CONNOR, web),          # 13
        _deal(lo, "lost", 12_000, D(2024, 10, 7), D(2024, 10, 21), CONNOR, web),             # 14
        _deal(w, "won", 9_999.99, D(2024, 10, 14), D(2024, 11, 4), ROSS, web),               # 15
        _deal(st[0], "open", 2_000, D(2024, 10, 16), D(2024, 12, 31), CONNOR, partner),      # 16
        _deal(lo, "lost", 7_250, D(2024, 10, 22), D(2024, 10, 30), ROSS, partner),           # 17
        _deal(st[7], "open", 15_500, D(2024, 10, 29), D(2024, 12, 20), ROSS, partner),       # 18
    )
    header: list[Cell] = ["Opportunity Name", "Account Name", "Stage", "Amount", "Close Date",
                          "Created Date", "Opportunity Owner", "Lead Source", "Won", "Closed",
                          "Probability (%)"]
    rows: list[list[Cell]] = [header]
    for i, d in enumerate(deals, 1):
        rows.append([f"Opportunity {i:02d}", f"Account {chr(64 + i)} Ltd", d.stage,
                     en_money(d.amount, 2), us_date(d.closed), us_date(d.created), d.manager,
                     d.channel, flag(d.status == "won"), flag(d.status != "open"),
                     SF_PROBABILITY[d.stage]])
    # Funnel: leads, the 8 open stages, paid.
    # won = 1, 6, 11, 15 -> 4; lost = 3, 8, 14, 17 (Closed Lost: reach 0) -> 4
    # open = 2 (1), 4 (2), 5 (3), 7 (4), 9 (5), 10 (6), 12 (7), 13 (8), 16 (1), 18 (8) -> 10
    # revenue = 25 000 + 1 234.50 + 48 750 + 9 999.99 = 84 984.49; average / 4 = 21 246.1225
    # win rate 4/8; cycles: 1: 8/1->8/29 = 28; 6: 8/22->9/12 = 9 + 12 = 21;
    #   11: 9/18->10/28 = 30 + 10 = 40; 15: 10/14->11/4 = 17 + 4 = 21
    #   mean 110/4 = 27.5; median of 21,21,28,40 = 24.5
    # counts (open reaches 1,2,3,4,5,6,7,8,1,8): 18; >=1 4+10 = 14; >=2 4+8 = 12; >=3 4+7 = 11;
    #   >=4 4+6 = 10; >=5 4+5 = 9; >=6 4+4 = 8; >=7 4+3 = 7; >=8 4+2 = 6; paid 4
    total = Figures(4, 4, 10, 84_984.49, 4 / 8, 21_246.1225, 27.5,
                    (18, 14, 12, 11, 10, 9, 8, 7, 6, 4))
    # Connor: 1 w, 3 l, 4 o(2), 7 o(4), 10 o(6), 11 w, 13 o(8), 14 l, 16 o(1) -> won 2, lost 2,
    #   open 5; revenue 25 000 + 48 750 = 73 750; average 36 875; cycles 28, 40 -> 34
    #   counts 9; >=1 7; >=2 2+4 = 6; >=3 2+{7,10,13} = 5; >=4 5; >=5 2+{10,13} = 4; >=6 4;
    #   >=7 2+{13} = 3; >=8 3; paid 2
    # Ross: 2 o(1), 5 o(3), 6 w, 8 l, 9 o(5), 12 o(7), 15 w, 17 l, 18 o(8) -> won 2, lost 2,
    #   open 5; revenue 1 234.50 + 9 999.99 = 11 234.49; average 5 617.245; cycles 21, 21 -> 21
    #   counts 9; >=1 7; >=2 2+4 = 6; >=3 6; >=4 2+{9,12,18} = 5; >=5 5; >=6 2+{12,18} = 4;
    #   >=7 4; >=8 2+{18} = 3; paid 2
    by_manager = {
        CONNOR: Figures(2, 2, 5, 73_750, 1 / 2, 36_875, 34, (9, 7, 6, 5, 5, 4, 4, 3, 3, 2)),
        ROSS: Figures(2, 2, 5, 11_234.49, 1 / 2, 5_617.245, 21, (9, 7, 6, 6, 5, 5, 4, 4, 3, 2)),
    }
    # Web: 1 w, 4 o(2), 5 o(3), 8 l, 10 o(6), 12 o(7), 13 o(8), 14 l, 15 w -> won 2, lost 2,
    #   open 5; revenue 25 000 + 9 999.99 = 34 999.99; average 17 499.995; cycles 28, 21 -> 24.5
    #   counts 9; >=1 7; >=2 7; >=3 2+4 = 6; >=4 2+3 = 5; >=5 5; >=6 5; >=7 2+2 = 4;
    #   >=8 2+1 = 3; paid 2
    # Partner Referral: 2 o(1), 3 l, 6 w, 7 o(4), 9 o(5), 11 w, 16 o(1), 17 l, 18 o(8) -> won 2,
    #   lost 2, open 5; revenue 1 234.50 + 48 750 = 49 984.50; average 24 992.25;
    #   cycles 21, 40 -> 30.5; counts 9; >=1 7; >=2 2+3 = 5; >=3 5; >=4 5; >=5 2+2 = 4;
    #   >=6 2+1 = 3; >=7 3; >=8 3; paid 2
    by_channel = {
        web: Figures(2, 2, 5, 34_999.99, 1 / 2, 17_499.995, 24.5,
                     (9, 7, 7, 6, 5, 5, 5, 4, 3, 2)),
        partner: Figures(2, 2, 5, 49_984.5, 1 / 2, 24_992.25, 30.5,
                         (9, 7, 5, 5, 5, 4, 3, 3, 3, 2)),
    }
    expected = Expected(
        status="ok", stages=SALESFORCE_STAGES, total=total,
        steps=(None, 14 / 18, 12 / 14, 11 / 12, 10 / 11, 9 / 10, 8 / 9, 7 / 8, 6 / 7, 4 / 6),
        cycle_median=24.5, by_manager=by_manager, by_channel=by_channel)
    return Fixture(name, "Opportunities", rows, deals, SALESFORCE_STAGES, expected,
                   D(2025, 1, 31), CsvFormat("utf-8", ",", quote_all=True))


FIXTURES: tuple[Callable[[], Fixture], ...] = (
    amocrm_ru, amocrm_ru_typed, kommo_en, bitrix24_ru, bitrix24_ru_ids, hubspot_en,
    hubspot_en_internal_values, pipedrive_en, salesforce_en, salesforce_en_true_false,
    hubspot_unknown_stage,
)
