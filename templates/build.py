"""Build the Excel templates: a monthly summary funnel and a deal log, in Russian and English.

    python templates/build.py            # writes the eight .xlsx files next to this script

Each workbook has an input tab with example data (the headers the service recognises, as in
templates/demo.py) and a KPI sheet named as the service names its KPI tab ("KPI" /
"Показатели"), so that ``sheets-sync compute`` reads the input tab only. In ``*_ru.xlsx`` and
``*_en.xlsx`` the KPI cells call the Funnel KPI functions (excel_udfs); ``*_builtin.xlsx`` compute
the same cells with built-in Excel formulas only, for people without Python.

``build(name)`` also returns, for every KPI cell, where the same number is in the service's JSON
report (``Check``); tests/excel/test_templates.py recalculates each file and compares them.
Functions that return a table are written as array formulas over a fixed range, which every
Excel version (and the formula engine of the test) reads.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter as col
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from funnel_kpi import registry, text

HERE = Path(__file__).resolve().parent
# The demo's headers are the templates' headers: one list, in demo.py.
sys.path.insert(0, str(HERE))
from demo import DEAL_HEADERS, SUMMARY_HEADERS, write_tab  # noqa: E402

STAGE_KEYS = ("traffic", "leads", "qualified", "sal", "meetings", "proposals", "contracts", "paid")
OWNERS = ("marketing", "marketing", "marketing", "sales", "sales", "sales", "sales", "sales")
OWNER_TEXT = {"en": {"marketing": "marketing", "sales": "sales"},
              "ru": {"marketing": "маркетинг", "sales": "продажи"}}
STATUS = {"ru": {"won": "Оплачено", "lost": "Отказ", "open": "В работе"},
          "en": {"won": "Won", "lost": "Lost", "open": "Open"}}
INPUT_TAB = {"ru": ("Воронка", "Сделки"), "en": ("Funnel", "Deals")}
KPI_TAB = {"ru": "Показатели", "en": "KPI"}
FIRST_MONTH, MONTHS, MONTH_ROWS = date(2023, 1, 1), 24, 36  # example months; rows with formulas
DEAL_ROWS = 400  # deal-log rows the KPI formulas cover

COLS = {  # column headers of the KPI sheets' tables: (ru, en)
    # the KPI tab's own words ([label]), so a template and a synced tab head their tables alike
    "stage_cols": tuple(tuple(text(k, lang) for k in ("stage", "count", "step", "cumulative",
                                                      "drop_off", "owner"))
                        for lang in ("ru", "en")),
    "bn_cols": (("Из стадии", "В стадию", "Значение", text("owner", "ru")),
                ("From", "To", "Value", text("owner", "en"))),
    "times_cols": (("Из", "В", "Среднее, дней", "Медиана, дней"),
                   ("From", "To", "Mean days", "Median days")),
    "cohort_cols": (("Месяц", "Выиграно", "Проиграно", "Доля выигранных"),
                    ("Month", "Won", "Lost", "Win rate")),
}
LABEL_WORDS = ("month", "total", "kpi", "value", "owner")  # the report's own words ([label])


def t(key: str, lang: str) -> str:
    """A KPI sheet's label from funnel_kpi's catalogue ([template], or [label] for the report's
    own words)."""
    return text(key if key in LABEL_WORDS else f"template.{key}", lang)


@dataclass(frozen=True)
class Check:
    """A KPI cell and where the service's JSON report has the same value.

    ``path`` is read from the period's JSON object (``periods[i]`` or ``total``): ("kpis", id),
    ("stages", stage key, field) or ("bottleneck", "lowest_conversion" | "largest_loss", field).
    A text cell shows ``texts[value]`` for the report's value.
    """

    cell: str
    period: str  # "YYYY-MM" or "total"
    path: tuple[str, ...]
    texts: Mapping[str, str] | None = None


@dataclass
class Sheet:
    """The KPI sheet being written, and the checks of its cells."""

    ws: Worksheet
    checks: list[Check] = field(default_factory=list)

    def put(self, ref: str, value: object, fmt: str | None = None,
            check: tuple[str, tuple[str, ...]] | None = None,
            texts: Mapping[str, str] | None = None) -> None:
        self.ws[ref] = value
        if fmt:
            self.ws[ref].number_format = fmt
        if check is not None:
            self.checks.append(Check(ref, check[0], check[1], texts))

    def array(self, ref: str, formula: str) -> None:
        first = ref.split(":")[0]
        self.ws[first] = ArrayFormula(ref, formula)


# --- example data ------------------------------------------------------------------------------

def month_start(i: int) -> date:
    y, m = divmod(FIRST_MONTH.month - 1 + i, 12)
    return date(FIRST_MONTH.year + y, m + 1, 1)


def summary_rows(rng: random.Random) -> list[list[object]]:
    """24 months; August 2023 had no payments, so its money KPIs show #DIV/0!."""
    rows: list[list[object]] = []
    customers = 150
    for i in range(MONTHS):
        month = month_start(i)
        season = 1 + 0.15 * math.cos((month.month - 4) / 12 * 2 * math.pi)
        traffic = round(30000 * season * (1 + 0.01 * i) * rng.uniform(0.95, 1.05))
        leads = round(traffic * rng.uniform(0.02, 0.025))
        briefs = round(leads * rng.uniform(0.4, 0.5))
        sal = round(briefs * rng.uniform(0.55, 0.7))
        meetings = round(sal * rng.uniform(0.7, 0.8))
        proposals = round(meetings * rng.uniform(0.6, 0.7))
        contracts = 0 if month == date(2023, 8, 1) else round(proposals * rng.uniform(0.4, 0.5))
        paid = round(contracts * rng.uniform(0.85, 0.95))
        spend = round(traffic * rng.uniform(11, 13), -2)
        revenue = round(paid * rng.uniform(75000, 90000), -2)
        plan = round(2_500_000 * season * (1 + 0.02 * i), -4)
        churned = round(customers * rng.uniform(0.02, 0.04))
        rows.append([datetime(month.year, month.month, 1), traffic, leads, briefs, sal, meetings,
                     proposals, contracts, paid, spend, 300000, revenue, plan, 0.3, customers,
                     churned])
        customers += paid - churned
    return rows


def deal_rows(lang: str, rng: random.Random) -> list[list[object]]:
    """About 150 deals created January-June 2024, each with the date every stage was reached."""
    rows: list[list[object]] = []
    last_day = date(2024, 7, 31)
    for n in range(150):
        created = date(2024, 1, 1) + timedelta(days=rng.randrange(182))
        dates: list[date | None] = [None, None, None, None]
        day, reached = created, 0
        for step, p in enumerate((0.6, 0.75, 0.7, 0.55)):
            day = day + timedelta(days=rng.randint(1, 10 + 4 * step))
            if day > last_day or rng.random() > p:
                break
            dates[step], reached = day, step + 1
        status, reason, paid_amount, paid_date, customer = "open", None, None, None, None
        amount = round(rng.uniform(40000, 150000), -3) if reached >= 3 else None
        if reached == 4 and rng.random() < 0.85:
            status, paid_amount = "won", amount
            paid_date = day + timedelta(days=rng.randint(2, 15))
            customer = f"C{rng.randrange(1, 60):03d}"
        elif (last_day - created).days > 60 and rng.random() < 0.8:
            status, reason = "lost", rng.choice(["Дорого", "Нет бюджета"] if lang == "ru"
                                                 else ["Too expensive", "No budget"])
        response = created + timedelta(days=rng.choice([0, 0, 1, 2]))
        rows.append([1001 + n, created, rng.choice(["SEO", "Ads"]), rng.choice(["A", "B"]),
                     *dates, STATUS[lang][status], reason, amount, paid_amount, paid_date,
                     customer, response])
    rows.sort(key=lambda r: r[1])  # type: ignore[arg-type,return-value]
    return rows


def kpi_sheet(wb: Workbook, lang: str, title: str, builtin: bool) -> Sheet:
    ws = wb.create_sheet(KPI_TAB[lang])
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = t("note_builtin" if builtin else "note_udf", lang)
    ws["A2"].font = Font(italic=True, color="666666")
    ws.column_dimensions["A"].width = 22
    return Sheet(ws)


def header_row(s: Sheet, row: int, labels: Sequence[str], first_col: int = 1) -> None:
    for i, label in enumerate(labels):
        c = s.ws.cell(row=row, column=first_col + i, value=label)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="E2EFDA")
        c.alignment = Alignment(wrap_text=True, vertical="top")


# --- formula builders: the same cell with the functions or with built-ins ----------------------

def ratio(num: str, den: str) -> str:
    """Built-in num/den that is #N/A when either is blank, #DIV/0! when den is 0."""
    return f"IF(COUNT({num},{den})<2,NA(),{num}/{den})"


def loss_share_builtin(counts: Sequence[str], owners: Sequence[str], owner: str) -> str:
    """Share of positive losses at steps that end in ``owner``'s stages."""
    losses = [f"MAX(0,{a}-{b})" for a, b in itertools.pairwise(counts)]
    mine = [x for x, o in zip(losses, owners[1:], strict=True) if o == owner]
    return f"({'+'.join(mine)})/({'+'.join(losses)})"


PCT, MONEY, NUM2, DAYS = "0.0%", "#,##0", "0.00", "0.0"
MONTH_FMT = {"ru": "MM.YYYY", "en": "MMM YYYY"}


# --- the summary workbook ----------------------------------------------------------------------

SUM_ROW, OWNER_ROW, HEAD_ROW = 45, 46, 44  # sums of all months, stage owners, input headers
TOTAL_ROW, FIRST_KPI_ROW = 41, 5
FUNNEL_ROW, BN_ROW, STEPS_ROW = 50, 61, 66  # first rows of the stage, bottleneck, steps blocks


def _month_kpis(ref: Callable[[str], str], own: Callable[[str], str], builtin: bool,
                owners: str) -> list[tuple[str, str, str]]:
    """(kpi id, formula, format) of one row of the monthly table.

    ``ref("C")`` is column C of the row's input (a cell of the input tab, or of the sums row);
    ``own("K")`` is column K of the row itself (a KPI computed to its left).
    """
    traffic, leads, briefs, sal, paid, spend, sales_cost, revenue, plan, margin, customers, \
        churned = (ref(c) for c in "BCDEIJKLMNOP")
    counts = [ref(c) for c in "CDEFGHI"]
    churn, cac, ltv_, cpl_ = own("N"), own("J"), own("O"), own("I")
    row_range = f"{ref('C')}:{ref('I').split('!')[-1]}"
    all_range = f"{ref('B')}:{ref('I').split('!')[-1]}"
    if builtin:
        return [
            ("overall_conversion", ratio(paid, traffic), PCT),
            ("lead_to_payment_conversion", ratio(paid, leads), PCT),
            ("marketing_conversion", ratio(briefs, traffic), PCT),
            ("handoff_acceptance", ratio(sal, briefs), PCT),
            ("sales_conversion", ratio(paid, sal), PCT),
            ("marketing_loss_share", loss_share_builtin(counts, OWNERS[1:], "marketing"), PCT),
            ("sales_loss_share", loss_share_builtin(counts, OWNERS[1:], "sales"), PCT),
            ("cpl", ratio(spend, leads), MONEY),
            ("cac", f"IF(COUNT({spend},{paid})<2,NA(),({spend}+{sales_cost})/{paid})", MONEY),
            ("average_deal", ratio(revenue, paid), MONEY),
            ("lost_leads_cost", f"{cpl_}*MAX(0,{leads}-{paid})", MONEY),
            ("plan_fact", ratio(revenue, plan), PCT),
            ("churn_rate", ratio(churned, customers), PCT),
            # the LTV headline of a summary (no deal log): the contractual LTV
            ("ltv", f"({revenue}/{customers})*{margin}/{churn}", MONEY),
            ("ltv_contractual", f"({revenue}/{customers})*{margin}/{churn}", MONEY),
            ("ltv_cac", f"{ltv_}/{cac}", NUM2),
            ("payback_months", f"{cac}/(({revenue}/{customers})*{margin})", NUM2),
        ]
    arpu = f"ARPU({revenue},{customers})"
    return [
        ("overall_conversion", f"OVERALL({all_range})", PCT),
        ("lead_to_payment_conversion", f"CONVERSION({leads},{paid})", PCT),
        ("marketing_conversion", f"CONVERSION({traffic},{briefs})", PCT),
        ("handoff_acceptance", f"CONVERSION({briefs},{sal})", PCT),
        ("sales_conversion", f"CONVERSION({sal},{paid})", PCT),
        ("marketing_loss_share", f'KPI("marketing_loss_share",{row_range},{owners})', PCT),
        ("sales_loss_share", f'KPI("sales_loss_share",{row_range},{owners})', PCT),
        ("cpl", f"CPL({spend},{leads})", MONEY),
        ("cac", f"CAC({spend},{paid},{sales_cost})", MONEY),
        ("average_deal", f"DEALSIZE({revenue},{paid})", MONEY),
        ("lost_leads_cost", f'KPI("lost_leads_cost",{spend},{leads},{paid})', MONEY),
        ("plan_fact", f"PLANFACT({revenue},{plan})", PCT),
        ("churn_rate", f"CHURN({churned},{customers})", PCT),
        ("ltv", f"LTV_CONTRACTUAL({arpu},{churn},{margin})", MONEY),  # the headline
        ("ltv_contractual", f"LTV_CONTRACTUAL({arpu},{churn},{margin})", MONEY),
        ("ltv_cac", f"LTVCAC({ltv_},{cac})", NUM2),
        ("payback_months", f"PAYBACK({cac},{arpu},{margin})", NUM2),
    ]


def kpi_label(kpi_id: str, lang: str) -> str:
    """A column header of the monthly table: the KPI's name in the registry."""
    return registry.get(kpi_id).name(lang)


def build_summary(lang: str, builtin: bool) -> tuple[Workbook, list[Check]]:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    tab = INPUT_TAB[lang][0]
    money = '#,##0 "₽"' if lang == "ru" else '"$"#,##0'
    data = summary_rows(random.Random(20230101))
    write_tab(wb, tab, SUMMARY_HEADERS[lang], data,
              {1: MONTH_FMT[lang], 10: money, 11: money, 12: money, 13: money, 14: "0%"},
              min_width=11)
    s = kpi_sheet(wb, lang, t("title_summary", lang), builtin)
    q = f"'{tab}'!"
    last_in = MONTH_ROWS + 1

    def inp(c: str, i: int) -> str:
        return f"{q}{c}{i}"

    def whole(c: str) -> str:
        return f"{q}${c}$2:${c}${last_in}"

    ids = [i for i, _, _ in _month_kpis(lambda c: c, lambda c: c, builtin, "")]
    extra = ["revenue_growth", "average_deal_growth"] + ([] if builtin else ["seasonal_index"])
    columns = ids + extra  # KPI table columns B.. in this order
    header_row(s, 4, [t("month", lang)] + [kpi_label(i, lang) for i in columns])
    owners = f"$C${OWNER_ROW}:$I${OWNER_ROW}"
    col_of = {kpi_id: col(2 + n) for n, kpi_id in enumerate(columns)}
    for m in range(MONTH_ROWS):
        i, r = 2 + m, FIRST_KPI_ROW + m
        period = f"{month_start(m):%Y-%m}" if m < len(data) else None
        blank = f'{inp("A", i)}=""'
        s.put(f"A{r}", f'=IF({blank},"",{inp("A", i)})', MONTH_FMT[lang])
        cells = _month_kpis(lambda c, i=i: inp(c, i), lambda c, r=r: f"{c}{r}", builtin, owners)
        if m == 0:
            growth = [(k, "NA()") for k in ("revenue_growth", "average_deal_growth")]
        else:
            same = (f"DATE(YEAR({inp('A', i - 1)}),MONTH({inp('A', i - 1)})+1,1)"
                    f"=DATE(YEAR({inp('A', i)}),MONTH({inp('A', i)}),1)")
            pairs = {"revenue_growth": (inp("L", i), inp("L", i - 1)),
                     "average_deal_growth": (f"{col_of['average_deal']}{r}",
                                             f"{col_of['average_deal']}{r - 1}")}
            growth = [(k, f"IF({same},{_growth(a, b, builtin)},NA())")
                      for k, (a, b) in pairs.items()]
        cells += [(k, f, PCT) for k, f in growth]
        if not builtin:
            cells.append(("seasonal_index", f'KPI("seasonal_index",{whole("A")},{whole("L")},'
                                            f'{inp("A", i)})', NUM2))
        for kpi_id, formula, fmt in cells:
            s.put(f"{col_of[kpi_id]}{r}", f'=IF({blank},"",{formula})', fmt,
                  (period, ("kpis", kpi_id)) if period else None)

    # Totals: the same KPIs over the sums of all months.
    s.put(f"A{TOTAL_ROW}", t("total", lang))
    s.ws[f"A{TOTAL_ROW}"].font = Font(bold=True)
    for kpi_id, formula, fmt in _month_kpis(lambda c: f"{c}{SUM_ROW}",
                                            lambda c: f"{c}{TOTAL_ROW}", builtin, owners):
        s.put(f"{col_of[kpi_id]}{TOTAL_ROW}", "=" + formula, fmt, ("total", ("kpis", kpi_id)))
    plan_fact = col_of["plan_fact"]
    fact = f'SUMPRODUCT({whole("L")}*({whole("M")}<>""))'
    s.put(f"{plan_fact}{TOTAL_ROW}", "=" + (ratio(fact, f"M{SUM_ROW}") if builtin
                                            else f"PLANFACT({fact},M{SUM_ROW})"), PCT,
          ("total", ("kpis", "plan_fact")))

    s.put(f"A{HEAD_ROW - 1}", t("all_months", lang))
    s.ws[f"A{HEAD_ROW - 1}"].font = Font(bold=True)
    header_row(s, HEAD_ROW, SUMMARY_HEADERS[lang][1:], first_col=2)
    s.put(f"A{SUM_ROW}", t("sum", lang))
    s.put(f"A{OWNER_ROW}", t("owner", lang))
    for n in range(1, 16):
        c = col(n + 1)
        formula = f"=SUM({whole(c)})"
        if c == "M":  # plan of the months that have a fact, as the service compares them
            formula = f'=SUMPRODUCT({whole("M")}*({whole("L")}<>""))'
        elif c == "N":  # margin: the months' average (ratios)
            formula = f"=AVERAGE({whole('N')})"
        s.put(f"{c}{SUM_ROW}", formula, "0.00" if c == "N" else "#,##0")
        if n <= len(OWNERS):
            s.put(f"{c}{OWNER_ROW}", OWNER_TEXT[lang][OWNERS[n - 1]])
    _stage_blocks(s, lang, builtin, tab)
    return wb, s.checks


def _growth(current: str, previous: str, builtin: bool) -> str:
    return (f"({current}-{previous})/ABS({previous})" if builtin
            else f"GROWTHRATE({current},{previous})")


def _stage_blocks(s: Sheet, lang: str, builtin: bool, tab: str) -> None:
    """The stage table and bottleneck of all months, and step conversions by month."""
    names = SUMMARY_HEADERS[lang][1:9]
    label = dict(zip(STAGE_KEYS, names, strict=True))
    own_text = OWNER_TEXT[lang]
    s.put(f"A{FUNNEL_ROW - 2}", t("stages", lang))
    s.ws[f"A{FUNNEL_ROW - 2}"].font = Font(bold=True)
    header_row(s, FUNNEL_ROW - 1, COLS["stage_cols"][lang == "en"])
    last = FUNNEL_ROW + len(STAGE_KEYS) - 1
    if not builtin:
        s.array(f"A{FUNNEL_ROW}:F{last}",
                f"=FUNNEL($B${HEAD_ROW}:$I${HEAD_ROW},$B${SUM_ROW}:$I${SUM_ROW})")
    for k, key in enumerate(STAGE_KEYS):
        r, count = FUNNEL_ROW + k, f"{col(2 + k)}{SUM_ROW}"
        prev, first = f"{col(1 + k)}{SUM_ROW}", f"B{SUM_ROW}"
        fields = [("B", "count", f"={count}", "#,##0"),
                  ("C", "step_conversion", f"={ratio(count, prev)}" if k else None, PCT),
                  ("D", "cumulative_conversion", f"={ratio(count, first)}", PCT),
                  ("E", "drop_off", f"=IF(COUNT({prev},{count})<2,NA(),{prev}-{count})"
                   if k else None, "#,##0"),
                  ("F", "owner", own_text[OWNERS[k]], None)]
        if builtin:
            s.put(f"A{r}", names[k])
        for c, name, formula, fmt in fields:
            if builtin and formula is not None:
                s.put(f"{c}{r}", formula)
            if fmt:
                s.ws[f"{c}{r}"].number_format = fmt
            s.checks.append(Check(f"{c}{r}", "total", ("stages", key, name),
                                  own_text if name == "owner" else None))

    s.put(f"A{BN_ROW - 2}", t("bottleneck", lang))
    s.ws[f"A{BN_ROW - 2}"].font = Font(bold=True)
    header_row(s, BN_ROW - 1, COLS["bn_cols"][lang == "en"])
    if builtin:
        steps, drops = f"$C${FUNNEL_ROW + 2}:$C${last}", f"$E${FUNNEL_ROW + 2}:$E${last}"
        for r, pick in ((BN_ROW, f"MIN({steps})"), (BN_ROW + 1, f"MAX({drops})")):
            where = f"MATCH({pick},{steps if r == BN_ROW else drops},0)"
            s.put(f"A{r}", f"=INDEX($A${FUNNEL_ROW + 1}:$A${last - 1},{where})")
            s.put(f"B{r}", f"=INDEX($A${FUNNEL_ROW + 2}:$A${last},{where})")
            s.put(f"C{r}", f"={pick}")
            s.put(f"D{r}", f"=INDEX($F${FUNNEL_ROW + 2}:$F${last},{where})")
    else:
        s.array(f"A{BN_ROW}:D{BN_ROW + 1}",
                f"=BOTTLENECK($C${HEAD_ROW}:$I${HEAD_ROW},$C${SUM_ROW}:$I${SUM_ROW})")
    for r, which, value, fmt in ((BN_ROW, "lowest_conversion", "conversion", PCT),
                                 (BN_ROW + 1, "largest_loss", "lost", "#,##0")):
        s.ws[f"C{r}"].number_format = fmt
        for c, name, texts in (("A", "from", label), ("B", "to", label), ("C", value, None),
                               ("D", "owner", own_text)):
            s.checks.append(Check(f"{c}{r}", "total", ("bottleneck", which, name), texts))

    s.put(f"A{STEPS_ROW - 2}", t("steps", lang))
    s.ws[f"A{STEPS_ROW - 2}"].font = Font(bold=True)
    header_row(s, STEPS_ROW - 1, [t("month", lang)] + [f"{a} → {b}" for a, b in
                                                       itertools.pairwise(names)])
    q = f"'{tab}'!"
    for m in range(MONTH_ROWS):
        i, r = 2 + m, STEPS_ROW + m
        blank = f'{q}A{i}=""'
        s.put(f"A{r}", f'=IF({blank},"",{q}A{i})', MONTH_FMT[lang])
        if not builtin:
            s.array(f"B{r}:H{r}", f'=IF({blank},"",CONVERSIONS({q}B{i}:I{i}))')
        for k in range(1, len(STAGE_KEYS)):
            ref = f"{col(1 + k)}{r}"
            if builtin:
                s.put(ref, f'=IF({blank},"",{ratio(f"{q}{col(2 + k)}{i}", f"{q}{col(1 + k)}{i}")})')
            s.ws[ref].number_format = PCT
            if m < MONTHS:
                s.checks.append(Check(ref, f"{month_start(m):%Y-%m}",
                                      ("stages", STAGE_KEYS[k], "step_conversion")))


# --- the deal-log workbook ---------------------------------------------------------------------

# (from stage key, to label index) of each tracked step: created -> brief -> meeting -> proposal
# -> contract -> paid, by the input columns B, E, F, G, H, M.
DEAL_STEPS = (("leads", "B", "E"), ("qualified", "E", "F"), ("meetings", "F", "G"),
              ("proposals", "G", "H"), ("contracts", "H", "M"))


def _days_builtin(start: str, end: str, stat: str) -> str:
    both = f"({start}<>\"\")*({end}<>\"\")*({end}>={start})"
    if stat == "median":
        return f"MEDIAN(IF({both},{end}-{start}))"
    return f"SUMPRODUCT({both}*({end}-{start}))/SUMPRODUCT({both})"


def build_deals(lang: str, builtin: bool) -> tuple[Workbook, list[Check]]:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    tab = INPUT_TAB[lang][1]
    day = "DD.MM.YYYY" if lang == "ru" else "YYYY-MM-DD"
    money = '#,##0 "₽"' if lang == "ru" else '"$"#,##0'
    data = deal_rows(lang, random.Random(20240101))
    write_tab(wb, tab, DEAL_HEADERS[lang], data,
              {2: day, 5: day, 6: day, 7: day, 8: day, 11: money, 12: money, 13: day, 15: day},
              min_width=11)
    s = kpi_sheet(wb, lang, t("title_deals", lang), builtin)
    s.ws.column_dimensions["A"].width = 34

    def rng(c: str) -> str:
        return f"'{tab}'!${c}$2:${c}${DEAL_ROWS + 1}"

    status = rng("I")
    won, lost, opened = (f'COUNTIF({status},"{STATUS[lang][k]}")' for k in ("won", "lost", "open"))
    won_paid = f'SUMPRODUCT(({status}="{STATUS[lang]["won"]}")*({rng("L")}<>""))'

    def days(start: str, end: str, stat: str = "mean") -> str:
        if builtin:
            return _days_builtin(rng(start), rng(end), stat)
        return (f"STAGETIME({rng(start)},{rng(end)})" if stat == "mean"
                else f'STAGETIME({rng(start)},{rng(end)},"median")')

    rows = [  # (kpi id, formula, format); B5 is the win rate, B8 the average deal
        ("win_rate", f"{won}/({won}+{lost})" if builtin else f"WINRATE({won},{lost})", PCT),
        ("lost_deals", lost, "0"),
        ("revenue", f'SUMIFS({rng("L")},{status},"{STATUS[lang]["won"]}")', MONEY),
        ("average_deal", f"B7/{won_paid}" if builtin else f"DEALSIZE(B7,{won_paid})", MONEY),
        ("sales_cycle_days", days("B", "M"), DAYS),
        ("first_response_days", days("B", "O"), DAYS),
        ("proposal_prep_days", days("F", "G"), DAYS),
        ("contract_prep_days", days("G", "H"), DAYS),
        ("pipeline_velocity",
         f"{opened}*B5*B8/{days('B', 'M', 'median')}" if builtin else
         f'KPI("pipeline_velocity",{opened},B5,B8,{days("B", "M", "median")})', MONEY),
    ]
    header_row(s, 4, [t("kpi", lang), t("value", lang)])
    names = {"win_rate": ("Доля выигранных", "Win rate"),
             "lost_deals": ("Проигранные сделки", "Lost deals"),
             "revenue": ("Выручка", "Revenue"), "average_deal": ("Средний чек", "Average deal"),
             "sales_cycle_days": ("Цикл сделки, дней", "Sales cycle, days"),
             "first_response_days": ("Время первого ответа, дней", "First response, days"),
             "proposal_prep_days": ("Подготовка КП, дней", "Proposal preparation, days"),
             "contract_prep_days": ("Подготовка договора, дней", "Contract preparation, days"),
             "pipeline_velocity": ("Скорость воронки, в день", "Pipeline velocity, per day")}
    for n, (kpi_id, formula, fmt) in enumerate(rows):
        r = 5 + n
        s.put(f"A{r}", names[kpi_id][lang == "en"])
        if builtin and "MEDIAN(" in formula:
            s.array(f"B{r}", "=" + formula)
            s.ws[f"B{r}"].number_format = fmt
            s.checks.append(Check(f"B{r}", "total", ("kpis", kpi_id)))
        else:
            s.put(f"B{r}", "=" + formula, fmt, ("total", ("kpis", kpi_id)))

    top = 16
    s.put(f"A{top - 1}", t("times", lang))
    s.ws[f"A{top - 1}"].font = Font(bold=True)
    header_row(s, top, COLS["times_cols"][lang == "en"])
    headers = dict(zip("ABCDEFGHIJKLMNO", DEAL_HEADERS[lang], strict=True))
    for n, (key, start, end) in enumerate(DEAL_STEPS):
        r = top + 1 + n
        s.put(f"A{r}", headers[start])
        s.put(f"B{r}", headers[end])
        for c, stat, field_name in (("C", "mean", "avg_days_in_stage"),
                                    ("D", "median", "median_days_in_stage")):
            formula = "=" + days(start, end, stat)
            if builtin and stat == "median":
                s.array(f"{c}{r}", formula)
            else:
                s.put(f"{c}{r}", formula)
            s.ws[f"{c}{r}"].number_format = DAYS
            s.checks.append(Check(f"{c}{r}", "total", ("stages", key, field_name)))

    top = 25
    s.put(f"A{top - 1}", t("cohorts", lang))
    s.ws[f"A{top - 1}"].font = Font(bold=True)
    header_row(s, top, COLS["cohort_cols"][lang == "en"])
    created = rng("B")
    months = sorted({d.replace(day=1) for d in (row[1] for row in data)})  # type: ignore[union-attr]
    for m in range(12):
        r = top + 1 + m
        if m == 0:
            month = f"=DATE(YEAR(MIN({created})),MONTH(MIN({created})),1)"
        else:  # the next month while the log has deals created in it or later
            nxt = f"DATE(YEAR(A{r - 1}),MONTH(A{r - 1})+1,1)"
            month = f'=IF(A{r - 1}="","",IF(MAX({created})<{nxt},"",{nxt}))'
        s.put(f"A{r}", month, MONTH_FMT[lang])
        period = f"DATE(YEAR(A{r}),MONTH(A{r})+1,1)"
        for c, k in (("B", "won"), ("C", "lost")):
            s.put(f"{c}{r}", f'=IF(A{r}="","",COUNTIFS({status},"{STATUS[lang][k]}",'
                             f'{created},">="&A{r},{created},"<"&{period}))')
        rate = f"B{r}/(B{r}+C{r})" if builtin else f"WINRATE(B{r},C{r})"
        s.put(f"D{r}", f'=IF(A{r}="","",{rate})', PCT,
              (f"{months[m]:%Y-%m}", ("kpis", "win_rate")) if m < len(months) else None)
    return wb, s.checks


# --- all templates -----------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[], tuple[Workbook, list[Check]]]] = {}
for _lang in ("ru", "en"):
    for _kind, _fn in (("funnel_summary", build_summary), ("deal_log", build_deals)):
        BUILDERS[f"{_kind}_{_lang}.xlsx"] = (
            lambda fn=_fn, lang=_lang: fn(lang, False))
        BUILDERS[f"{_kind}_{_lang}_builtin.xlsx"] = (
            lambda fn=_fn, lang=_lang: fn(lang, True))


def build(name: str) -> tuple[Workbook, list[Check]]:
    """The workbook ``name`` (a key of BUILDERS) and the checks of its KPI cells."""
    return BUILDERS[name]()


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    out.mkdir(parents=True, exist_ok=True)
    for name in BUILDERS:
        wb, _ = build(name)
        wb.save(out / name)
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
