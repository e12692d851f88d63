"""Build the demo workbooks: 24 months of a B2B funnel plus a deal log, in Russian and English.

    python templates/demo.py            # writes templates/demo_ru.xlsx and templates/demo_en.xlsx

The numbers are generated from a fixed seed with a yearly season and a slow trend, so the files are
reproducible and the KPIs have something to say (a bottleneck at the handoff, a plan missed in
summer). The files are checked in; rerun this after changing it.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
FIRST_MONTH = date(2024, 11, 1)
MONTHS = 24

SUMMARY_HEADERS = {
    "ru": ["Месяц", "Трафик", "Лиды", "Брифы", "Принятые продажами", "Встречи", "КП", "Договоры",
           "Оплаты", "Бюджет, ₽", "Затраты на продажи, ₽", "Выручка, ₽", "План, ₽", "Маржа",
           "Клиенты на начало", "Ушедшие клиенты"],
    "en": ["Month", "Traffic", "Leads", "Briefs", "Accepted by sales", "Meetings", "Proposals",
           "Contracts", "Paid", "Marketing spend", "Sales cost", "Revenue", "Plan", "Margin",
           "Active customers", "Churned customers"],
}
DEAL_HEADERS = {
    "ru": ["ID", "Дата создания", "Канал", "Менеджер", "Дата брифа", "Дата встречи", "Дата КП",
           "Дата договора", "Статус", "Причина отказа", "Сумма", "Сумма оплаты", "Дата оплаты",
           "ID клиента", "Дата первого ответа"],
    "en": ["Deal ID", "Created", "Channel", "Manager", "Brief date", "Meeting date",
           "Proposal date", "Contract date", "Status", "Lost reason", "Amount", "Paid amount",
           "Paid date", "Customer ID", "First response"],
}
TAB_NAMES = {"ru": ("Воронка", "Сделки"), "en": ("Funnel", "Deals")}
CHANNELS = {"ru": ["Контекст", "SEO", "Рекомендации", "Выставки"],
            "en": ["Paid search", "SEO", "Referrals", "Events"]}
MANAGERS = {"ru": ["Иванова", "Петров", "Сидоров"], "en": ["Ivanova", "Petrov", "Sidorov"]}
STATUS = {"ru": {"won": "Оплачено", "lost": "Отказ", "open": "В работе"},
          "en": {"won": "Won", "lost": "Lost", "open": "Open"}}
REASONS = {"ru": ["Дорого", "Выбрали конкурента", "Нет бюджета", "Не отвечает"],
           "en": ["Too expensive", "Chose a competitor", "No budget", "No response"]}


def month_start(i: int) -> date:
    y, m = divmod(FIRST_MONTH.month - 1 + i, 12)
    return date(FIRST_MONTH.year + y, m + 1, 1)


def summary_rows(lang: str, rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = []
    customers = 180
    for i in range(MONTHS):
        month = month_start(i)
        season = 1 + 0.18 * math.cos((month.month - 3) / 12 * 2 * math.pi)  # spring peak
        trend = 1 + 0.012 * i
        traffic = round(42000 * season * trend * rng.uniform(0.95, 1.05))
        leads = round(traffic * rng.uniform(0.021, 0.025))
        briefs = round(leads * rng.uniform(0.42, 0.48))
        sal = round(briefs * rng.uniform(0.55, 0.68))  # the handoff is where most are lost
        meetings = round(sal * rng.uniform(0.70, 0.78))
        proposals = round(meetings * rng.uniform(0.62, 0.70))
        contracts = round(proposals * rng.uniform(0.40, 0.48))
        paid = round(contracts * rng.uniform(0.86, 0.95))
        spend = round(traffic * rng.uniform(11.5, 12.5), -2)
        sales_cost = round(380000 * trend, -3)
        revenue = round(paid * rng.uniform(78000, 92000), -2)
        plan = round(3_900_000 * season * (1 + 0.025 * i), -4)
        churned = round(customers * rng.uniform(0.025, 0.04))
        rows.append([datetime(month.year, month.month, 1), traffic, leads, briefs, sal, meetings,
                     proposals, contracts, paid, spend, sales_cost, revenue, plan, 0.32,
                     customers, churned])
        customers += paid - churned
    return rows


def deal_rows(lang: str, rng: random.Random) -> list[list[object]]:
    """One row per lead with the date each stage was reached; recent months keep open deals."""
    rows: list[list[object]] = []
    last_day = month_start(MONTHS) - timedelta(days=1)
    deal_id = 1000
    for i in range(MONTHS):
        month = month_start(i)
        for _ in range(rng.randint(34, 46)):
            deal_id += 1
            created = month + timedelta(days=rng.randrange(28))
            channel = rng.choices(CHANNELS[lang], weights=[5, 3, 2, 1])[0]
            manager = rng.choice(MANAGERS[lang])
            dates: list[date | None] = [None, None, None, None]
            status, reason, amount, paid_amount, paid_date = "open", None, None, None, None
            day = created
            reached = 0
            for step, p in enumerate((0.55, 0.72, 0.68, 0.5)):
                day = day + timedelta(days=rng.randint(2, 12 + 4 * step))
                if day > last_day or rng.random() > p:
                    break
                dates[step] = day
                reached = step + 1
            amount = round(rng.uniform(40000, 160000), -3) if reached >= 3 else None
            if reached == 4:
                paid_day = day + timedelta(days=rng.randint(3, 20))
                if paid_day <= last_day and rng.random() < 0.9:
                    status, paid_amount, paid_date = "won", amount, paid_day
            if status == "open" and (last_day - created).days > 75:
                status, reason = "lost", rng.choice(REASONS[lang])
            response = created + timedelta(days=rng.choice([0, 0, 1, 1, 2, 3]))
            customer = f"C{rng.randrange(1, 400):04d}" if status == "won" else None
            rows.append([deal_id, created, channel, manager, *dates, STATUS[lang][status], reason,
                         amount, paid_amount, paid_date, customer, response])
    return rows


def write_tab(wb: Workbook, title: str, headers: Sequence[str], rows: list[list[object]],
              formats: Mapping[int, str], min_width: int = 12) -> None:
    """A data tab (here and in build.py's templates): bold blue headers, the columns' formats,
    widths from the headers, the header row and first column frozen."""
    ws = wb.create_sheet(title)
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        ws.append(row)
    for col, fmt in formats.items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = fmt
    for idx, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = max(min_width, len(header) + 2)
    ws.freeze_panes = "B2"


def build(lang: str) -> Workbook:
    rng = random.Random(20241101)
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    summary_tab, deals_tab = TAB_NAMES[lang]
    money = '#,##0 "₽"' if lang == "ru" else '"$"#,##0'
    day = "DD.MM.YYYY" if lang == "ru" else "YYYY-MM-DD"
    write_tab(wb, summary_tab, SUMMARY_HEADERS[lang], summary_rows(lang, rng),
              {1: "MMMM YYYY" if lang == "en" else "MM.YYYY", 10: money, 11: money, 12: money,
               13: money, 14: "0%"})
    write_tab(wb, deals_tab, DEAL_HEADERS[lang], deal_rows(lang, rng),
              {2: day, 5: day, 6: day, 7: day, 8: day, 11: money, 12: money, 13: day, 15: day})
    return wb


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    for lang in ("ru", "en"):
        path = out / f"demo_{lang}.xlsx"
        build(lang).save(path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
