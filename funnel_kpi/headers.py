"""Header recognition: which column of a tab holds which field or stage, in Russian or English.

A header is compared after ``normalize`` (case, spaces, punctuation, "ё", units in brackets or
after a comma do not matter). Fields match their alias exactly; stages match a stage's key,
labels or aliases exactly, else word by word after Snowball stemming, so "Встреча", "Встречи"
and "Meeting" all find the stage whose alias is "встречи"/"meetings". The same header can mean
different things in the two shapes of input:

    summary  period, money fields, segment (channel/manager), stage COUNT columns
    deals    deal fields (id, created, ...), stage DATE columns ("Дата встречи", "Meeting date",
             "Встреча (дата)", or a bare stage name)

so every lookup is made for one shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import snowballstemmer  # type: ignore[import-untyped]

from funnel_kpi.model import Funnel, Stage

Shape = Literal["summary", "deals"]
SHAPES: tuple[Shape, ...] = ("summary", "deals")
HEADER_SCAN_ROWS = 30  # the header row may be anywhere in the first 30 rows

SEGMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "channel": ("Канал", "Источник", "Канал привлечения", "Источник трафика", "Channel",
                "Source", "UTM source", "utm_source", "Lead source"),
    "manager": ("Менеджер", "Ответственный", "Ответственный менеджер", "Продавец", "Manager",
                "Owner", "Sales rep", "Salesperson", "Responsible"),
}

SUMMARY_ALIASES: dict[str, tuple[str, ...]] = {
    "period": ("Период", "Месяц", "Дата", "Отчетный период", "Отчетный месяц", "Месяц год",
               "Month", "Period", "Date", "Reporting period"),
    "spend": ("Бюджет", "Расходы на маркетинг", "Маркетинговый бюджет", "Рекламный бюджет",
              "Расходы на рекламу", "Затраты на маркетинг", "Затраты на рекламу", "Расход",
              "Spend", "Budget", "Marketing spend", "Ad spend", "Marketing budget",
              "Marketing cost", "Ad cost", "Cost"),
    "sales_cost": ("Затраты на продажи", "Расходы на продажи", "Расходы отдела продаж",
                   "Затраты отдела продаж", "Sales cost", "Sales costs", "Cost of sales",
                   "Sales spend", "Sales expenses"),
    "revenue": ("Выручка", "Доход", "Сумма оплат", "Оборот", "Поступления", "Revenue", "Income",
                "Sales revenue", "Payments received"),
    "plan": ("План", "План оплат", "План продаж", "План выручки", "План по выручке", "Plan",
             "Revenue plan", "Sales plan", "Target", "Revenue target"),
    "margin": ("Маржа", "Маржинальность", "Валовая маржа", "Margin", "Gross margin"),
    "customers": ("Клиенты на начало", "Клиентов на начало", "Активные клиенты",
                  "Клиенты на начало месяца", "Active customers", "Customers at start",
                  "Customers at start of month", "Active clients"),
    "churned": ("Ушедшие клиенты", "Отток клиентов", "Отток", "Ушедшие", "Churned customers",
                "Churned", "Churn", "Lost customers"),
    **SEGMENT_ALIASES,
}

DEAL_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("ID", "№", "Номер", "Номер сделки", "ID сделки", "Сделка", "Лид", "ID лида", "Deal",
           "Deal id", "Lead id", "Lead", "Deal number", "#"),
    "created": ("Дата создания", "Создана", "Создано", "Создан", "Дата заявки", "Дата лида",
                "Дата обращения", "Created", "Created at", "Created on", "Created date",
                "Creation date", "Lead date", "Date created"),
    "status": ("Статус", "Этап", "Статус сделки", "Этап сделки", "Стадия", "Status", "State",
               "Deal status", "Stage"),
    "lost_reason": ("Причина отказа", "Причина проигрыша", "Причина", "Причина закрытия",
                    "Lost reason", "Reason", "Loss reason", "Reason lost"),
    "amount": ("Сумма", "Сумма сделки", "Бюджет сделки", "Бюджет", "Amount", "Deal amount",
               "Value", "Deal value", "Deal size"),
    "paid_amount": ("Сумма оплаты", "Оплачено", "Сумма оплат", "Paid amount", "Amount paid",
                    "Payment amount"),
    "paid_date": ("Дата оплаты", "Оплачено когда", "Paid date", "Payment date", "Date paid",
                  "Paid at", "Paid on", "Won date", "Close date", "Closed date"),
    "customer_id": ("Клиент", "ID клиента", "Компания", "Контакт", "Customer", "Customer id",
                    "Client", "Client id", "Company", "Account"),
    "first_response": ("Дата первого ответа", "Первый ответ", "Дата первого контакта",
                       "Первый контакт", "First response", "First response at",
                       "First response date", "First contact", "First contact date"),
    **SEGMENT_ALIASES,
}

# Words that turn a stage name into "the date the deal reached it", and filler around it.
DATE_WORDS = frozenset({"дата", "даты", "date", "dt", "когда", "when", "day", "день"})
_STAGE_FILLER = frozenset({
    "of", "the", "at", "on", "to", "reached", "reach", "stage", "этап", "этапа", "стадия",
    "стадии", "на", "в", "перехода", "достижения", "кол", "во", "количество", "число",
    "number", "count", "qty", "шт", "no", "ед", "#",
})
# Units that may follow a header ("Бюджет, ₽", "Spend ($)", "Лиды, шт."): dropped.
_UNIT_WORDS = frozenset({
    "руб", "рублей", "р", "rub", "usd", "eur", "долл", "тыс", "млн", "k", "m", "шт", "pcs",
    "ед", "тг", "грн", "gbp", "в", "net", "gross", "ндс", "с", "без",
})
_UNIT_SYMBOLS = "₽$€£¥₴₸%"

_SPACE_LIKE = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " ", "ё": "е"})
_BRACKETS = re.compile(r"[(\[]([^)\]]*)[)\]]")
_NON_WORD = re.compile(r"[^\w№#]+|_")


def _is_units(text: str) -> bool:
    words = _NON_WORD.sub(" ", text).replace("#", " ").split()
    has_symbol = any(ch in _UNIT_SYMBOLS for ch in text)
    return (has_symbol or bool(words)) and all(w in _UNIT_WORDS for w in words)


def normalize(text: object) -> str:
    """Header text -> lower-case words separated by single spaces; units and punctuation go.

    "Бюджет, ₽" -> "бюджет"; "Spend ($)" -> "spend"; "Встреча (дата)" -> "встреча дата";
    "Кол-во лидов" -> "кол во лидов"; "Ёмкость" -> "емкость".
    """
    s = str(text).lower().translate(_SPACE_LIKE) if text is not None else ""
    s = _BRACKETS.sub(lambda m: " " if _is_units(m[1]) else f" {m[1]} ", s)
    head, comma, tail = s.rpartition(",")
    if comma and head.strip() and _is_units(tail):
        s = head
    return " ".join(_NON_WORD.sub(" ", s).split())


_RU = snowballstemmer.stemmer("russian")
_EN = snowballstemmer.stemmer("english")


def stems(words: Sequence[str]) -> tuple[str, ...]:
    out = []
    for w in words:
        stemmer = _RU if any("а" <= ch <= "я" for ch in w) else _EN
        out.append(str(stemmer.stemWord(w)))
    return tuple(out)


def stage_names(stage: Stage) -> set[str]:
    """Normalized names a stage answers to: key, labels (and their "/" parts), aliases."""
    names = {normalize(stage.key.replace("_", " "))}
    for label in (stage.en, stage.ru, *stage.aliases):
        for part in (label, *label.split("/")):
            names.add(normalize(part))
            names.add(normalize(_BRACKETS.sub(" ", part)))
            names.update(normalize(m) for m in _BRACKETS.findall(part))
    names.discard("")
    return names


@dataclass(frozen=True, slots=True)
class Match:
    role: Literal["field", "stage"]
    key: str  # field name, or stage key


class HeaderLookup:
    """Alias tables for one funnel, built once (see ``lookup_for``)."""

    def __init__(self, funnel: Funnel) -> None:
        self.funnel = funnel
        self.fields: dict[Shape, dict[str, str]] = {
            "summary": _alias_table(SUMMARY_ALIASES),
            "deals": _alias_table(DEAL_ALIASES),
        }
        self.stage_exact: dict[str, str] = {}
        self.stage_stems: dict[tuple[str, ...], str] = {}
        for stage in funnel.stages:  # an alias shared by two stages goes to the earlier one
            for name in sorted(stage_names(stage)):
                self.stage_exact.setdefault(name, stage.key)
                self.stage_stems.setdefault(stems(name.split()), stage.key)
        self._cache: dict[tuple[Shape, str], Match | None] = {}

    def match(self, text: object, shape: Shape) -> Match | None:
        if not isinstance(text, str):
            return None
        key = (shape, text)
        if key not in self._cache:
            if len(self._cache) > 50_000:  # a long-running service sees endless sheets
                self._cache.clear()
            self._cache[key] = self._match(normalize(text), shape)
        return self._cache[key]

    def _match(self, norm: str, shape: Shape) -> Match | None:
        if not norm:
            return None
        field = self.fields[shape].get(norm)
        if field is not None:
            return Match("field", field)
        words = norm.split()
        dated = any(w in DATE_WORDS for w in words)
        if dated and shape == "summary":
            return None  # "Дата встречи" in a summary is not a count of meetings
        core = [w for w in words if w not in DATE_WORDS and w not in _STAGE_FILLER] or words
        stage = self.stage(" ".join(core))
        return Match("stage", stage) if stage is not None else None

    def stage(self, norm: str) -> str | None:
        """Stage key for normalized text: exact name first, then stemmed words."""
        if norm in self.stage_exact:
            return self.stage_exact[norm]
        return self.stage_stems.get(stems(norm.split()))


def _alias_table(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for field, names in aliases.items():
        for name in names:
            table.setdefault(normalize(name), field)
    return table


@lru_cache(maxsize=32)
def lookup_for(funnel: Funnel) -> HeaderLookup:
    return HeaderLookup(funnel)


def match_header(text: object, funnel: Funnel, shape: Shape) -> Match | None:
    """What a header cell means in a tab of the given shape, or None when not recognised."""
    return lookup_for(funnel).match(text, shape)


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """The recognised header row of a tab; column numbers are 0-based."""

    shape: Shape
    row: int  # 0-based index of the header row in the tab's rows
    headers: tuple[str, ...]  # header text per column ("" for blank/merged cells)
    fields: Mapping[str, int]  # field name -> column
    stages: Mapping[str, int]  # stage key -> column (counts in a summary, dates in a deal log)
    unknown: tuple[int, ...]  # columns with a header that is not recognised
    duplicates: tuple[int, ...]  # columns repeating a recognised one; the first one is used

    @property
    def score(self) -> int:
        return len(self.fields) + len(self.stages)


def map_header_row(row: Sequence[object], row_index: int, funnel: Funnel,
                   shape: Shape) -> HeaderMap:
    lookup = lookup_for(funnel)
    fields: dict[str, int] = {}
    stages: dict[str, int] = {}
    unknown: list[int] = []
    duplicates: list[int] = []
    headers: list[str] = []
    for col, cell in enumerate(row):
        text = cell.strip() if isinstance(cell, str) else ""
        headers.append(text)
        if not text:
            continue
        m = lookup.match(text, shape)
        if m is None:
            unknown.append(col)
            continue
        target = fields if m.role == "field" else stages
        if m.key in target:
            duplicates.append(col)
        else:
            target[m.key] = col
    return HeaderMap(shape, row_index, tuple(headers), fields, stages, tuple(unknown),
                     tuple(duplicates))


def find_header_row(rows: Sequence[Sequence[object]], funnel: Funnel,
                    shape: Shape | None = None) -> tuple[int, HeaderMap] | None:
    """The header row among the first 30: the one with most recognised headers (first on ties).

    With ``shape`` None both shapes are tried and the better-scoring one is returned. None when
    no row has a single recognised header.
    """
    best: HeaderMap | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if not any(isinstance(c, str) for c in row):
            continue
        for sh in SHAPES if shape is None else (shape,):
            hm = map_header_row(row, i, funnel, sh)
            if hm.score and (best is None or hm.score > best.score):
                best = hm
    return None if best is None else (best.row, best)
