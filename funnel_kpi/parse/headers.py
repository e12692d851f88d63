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
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import snowballstemmer  # type: ignore[import-untyped]

from funnel_kpi.model import Funnel, Stage

Shape = Literal["summary", "deals"]
SHAPES: tuple[Shape, ...] = ("summary", "deals")
HEADER_SCAN_ROWS = 30  # the header row may be anywhere in the first 30 rows

SEGMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "channel": ("Канал", "Источник", "Канал привлечения", "Источник трафика", "Channel",
                "Source", "UTM source", "utm_source", "Lead source", "Original source",
                "Deal - Source"),
    "manager": ("Менеджер", "Ответственный", "Ответственный менеджер", "Продавец", "Manager",
                "Owner", "Sales rep", "Salesperson", "Responsible", "Responsible user",
                "Deal owner", "Deal - Owner", "Opportunity owner"),
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
    # What a plan plans (a count of payments or money) is told by funnel_kpi.parse.plans from the
    # header's words and units, else from its size against the candidates.
    "plan": ("План", "План оплат", "План продаж", "План выручки", "План по выручке",
             "План по оплатам", "План сделок", "План по продажам", "План клиентов", "Plan",
             "Revenue plan", "Sales plan", "Target", "Revenue target", "Deals target",
             "Payments plan", "Deals plan", "Sales target", "Quota", "Revenue goal"),
    "margin": ("Маржа", "Маржинальность", "Валовая маржа", "Margin", "Gross margin"),
    "customers": ("Клиенты на начало", "Клиентов на начало", "Активные клиенты",
                  "Клиенты на начало месяца", "Active customers", "Customers at start",
                  "Customers at start of month", "Active clients"),
    "churned": ("Ушедшие клиенты", "Отток клиентов", "Отток", "Ушедшие", "Churned customers",
                "Churned", "Churn", "Lost customers"),
    **SEGMENT_ALIASES,
}

DEAL_ALIASES: dict[str, tuple[str, ...]] = {
    # CRM exports' own headers (amoCRM/Kommo, Bitrix24, HubSpot, Pipedrive "Deal - X",
    # Salesforce opportunity reports): see ../shared/CRM_EXPORT_FACTS.md.
    "id": ("ID", "№", "Номер", "Номер сделки", "ID сделки", "Лид", "ID лида", "Deal",
           "Deal id", "Lead id", "Lead", "Deal number", "#", "Record ID", "Deal - ID",
           "Opportunity ID"),
    "name": ("Название", "Название сделки", "Сделка", "Наименование", "Deal name", "Deal title",
             "Deal - Title", "Opportunity name", "Name", "Title", "Lead name"),
    "created": ("Дата создания", "Создана", "Создано", "Создан", "Дата заявки", "Дата лида",
                "Дата обращения", "Дата начала", "Дата создания сделки", "Created", "Created at",
                "Created on", "Created date", "Create date", "Creation date", "Lead date",
                "Date created", "Deal created", "Deal created on", "Deal - Deal created",
                "Deal - Deal created on", "Created time"),
    "status": ("Статус", "Статус сделки", "Состояние", "Status", "State", "Deal status",
               "Deal - Status", "Lead status"),
    "stage": ("Этап", "Этап сделки", "Стадия", "Стадия сделки", "Этап воронки", "Stage",
              "Deal stage", "Deal - Stage", "Stage name", "Pipeline stage", "Opportunity stage"),
    "pipeline": ("Воронка", "Направление", "Воронка продаж", "Pipeline", "Deal - Pipeline",
                 "Sales pipeline"),
    "closed": ("Дата закрытия", "Дата завершения", "Дата закрытия сделки", "Закрыта",
               "Close date", "Closed date", "Closed at", "Closed on", "Date closed",
               "Deal closed on", "Deal - Deal closed on", "Deal - Close date"),
    "lost_date": ("Дата проигрыша", "Дата отказа", "Lost date", "Lost time", "Deal - Lost time",
                  "Lost on"),
    "expected_close": ("Плановая дата закрытия", "Ожидаемая дата закрытия",
                       "Предполагаемая дата закрытия", "Expected close date",
                       "Deal - Expected close date", "Expected close"),
    "won_flag": ("Won", "Is won", "IsWon", "Выиграна", "Успешна"),
    "closed_flag": ("Closed", "Is closed", "IsClosed", "Завершена", "Закрыта ли"),
    "probability": ("Вероятность", "Вероятность %", "Probability", "Probability %",
                    "Deal - Probability"),
    "currency": ("Валюта", "Currency", "Deal - Currency of Value", "Deal - Currency",
                 "Opportunity currency", "Currency of value"),
    "lost_reason": ("Причина отказа", "Причина проигрыша", "Причина", "Причина закрытия",
                    "Lost reason", "Reason", "Loss reason", "Reason lost", "Closed lost reason",
                    "Deal - Lost reason"),
    "amount": ("Сумма", "Сумма сделки", "Бюджет сделки", "Бюджет", "Amount", "Deal amount",
               "Value", "Deal value", "Deal size", "Deal - Value", "Deal - Deal value", "Sale",
               "Opportunity amount"),
    "paid_amount": ("Сумма оплаты", "Оплачено", "Сумма оплат", "Paid amount", "Amount paid",
                    "Payment amount"),
    "paid_date": ("Дата оплаты", "Оплачено когда", "Дата успешного закрытия", "Paid date",
                  "Payment date", "Date paid", "Paid at", "Paid on", "Won date", "Won time",
                  "Deal - Won time"),
    "customer_id": ("Клиент", "ID клиента", "Компания", "Контакт", "Основной контакт",
                    "Customer", "Customer id", "Client", "Client id", "Company", "Account",
                    "Account name", "Organization", "Deal - Organization"),
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
    # what teams write after a stage's name: "Встречи проведены", "КП отправлено", "Визиты на
    # сайт", "Demos held", "Contracts signed"
    "проведены", "проведено", "проведенные", "назначены", "назначено", "отправлено",
    "отправлены", "отправленные", "подписан", "подписаны", "сайт", "сайта", "сайте", "всего",
    "held", "sent", "signed", "scheduled", "booked", "completed", "done", "website", "site",
    "total",
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
    # the same header and label texts come back in every tab and request: remembered
    return _normalize_text(text) if isinstance(text, str) else _normalize(text)


@lru_cache(maxsize=4096)
def _normalize_text(text: str) -> str:
    return _normalize(text)


def _normalize(text: object) -> str:
    s = str(text).lower().translate(_SPACE_LIKE) if text is not None else ""
    s = _BRACKETS.sub(lambda m: " " if _is_units(m[1]) else f" {m[1]} ", s)
    head, comma, tail = s.rpartition(",")
    if comma and head.strip() and _is_units(tail):
        s = head
    return " ".join(_NON_WORD.sub(" ", s).split())


def slug(text: str) -> str:
    """A stage key from a header: "Визиты на сайт" -> "vizity_na_sayt"."""
    table = str.maketrans({
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
        "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    })
    words = normalize(text).translate(table).split()
    return "_".join("".join(ch for ch in w if ch.isascii() and ch.isalnum()) for w in words
                    ).strip("_")


class _Stemmers(threading.local):
    """Snowball stemmers keep their state in the object: one pair per thread, or two threads
    stemming at once corrupt each other's words (IndexError inside snowballstemmer)."""

    def __init__(self) -> None:
        self.ru = snowballstemmer.stemmer("russian")
        self.en = snowballstemmer.stemmer("english")


_STEMMERS = _Stemmers()


def stems(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(map(_stem, words))


@lru_cache(maxsize=1 << 16)  # a wide tab stems the same header words several times
def _stem(word: str) -> str:
    stemmers = _STEMMERS
    return str((stemmers.ru if any("а" <= ch <= "я" for ch in word) else stemmers.en)
               .stemWord(word))


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


_MISSING = object()


@dataclass(frozen=True, slots=True)
class Match:
    role: Literal["field", "stage"]
    key: str  # field name, or stage key
    evidence: str = field(default="alias", compare=False)  # "alias"/"stem"/"pinned"


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
        # Read once and return what was read or computed: another thread may clear the cache
        # between a store and a second read.
        found = self._cache.get(key, _MISSING)
        if found is _MISSING:
            found = self._match(normalize(text), shape)
            if len(self._cache) > 50_000:  # a long-running service sees endless sheets
                self._cache.clear()
            self._cache[key] = found
        return found  # type: ignore[return-value]

    def _match(self, norm: str, shape: Shape) -> Match | None:
        if not norm:
            return None
        known = self.fields[shape].get(norm)
        if known is not None:
            return Match("field", known)
        words = norm.split()
        dated = any(w in DATE_WORDS for w in words)
        if dated and shape == "summary":
            return None  # "Дата встречи" in a summary is not a count of meetings
        core = " ".join([w for w in words if w not in DATE_WORDS and w not in _STAGE_FILLER]
                        or words)
        if core in self.stage_exact:
            return Match("stage", self.stage_exact[core])
        stage = self.stage_stems.get(stems(core.split()))
        return Match("stage", stage, "stem") if stage is not None else None

    def stage(self, norm: str) -> str | None:
        """Stage key for normalized text: exact name first, then stemmed words."""
        if norm in self.stage_exact:
            return self.stage_exact[norm]
        return self.stage_stems.get(stems(norm.split()))


def _alias_table(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for name_of, names in aliases.items():
        for name in names:
            table.setdefault(normalize(name), name_of)
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
    evidence: Mapping[int, str] = field(default_factory=dict)  # column -> Match.evidence
    ignored: tuple[int, ...] = ()  # columns the user pinned as "ignore"

    @property
    def score(self) -> int:
        return len(self.fields) + len(self.stages)


IGNORE = "ignore"  # a pinned column the user wants left out


def map_header_row(row: Sequence[object], row_index: int, funnel: Funnel,
                   shape: Shape, pins: Mapping[str, str] | None = None) -> HeaderMap:
    """``pins``: normalized header -> stage key, field name or "ignore" (funnel_kpi.parse.pins)."""
    return _map_row(row, row_index, funnel, lookup_for(funnel), shape, pins)


def _map_row(row: Sequence[object], row_index: int, funnel: Funnel, lookup: HeaderLookup,
             shape: Shape, pins: Mapping[str, str] | None) -> HeaderMap:
    fields: dict[str, int] = {}
    stages: dict[str, int] = {}
    unknown: list[int] = []
    duplicates: list[int] = []
    ignored: list[int] = []
    headers: list[str] = []
    evidence: dict[int, str] = {}
    for col, cell in enumerate(row):
        text = cell.strip() if isinstance(cell, str) else ""
        headers.append(text)
        if not text:
            continue
        pinned = pins.get(normalize(text)) if pins else None
        if pinned == IGNORE:
            ignored.append(col)
            evidence[col] = "pinned"
            continue
        if pinned is not None:
            m: Match | None = Match("stage" if pinned in funnel.keys else "field", pinned,
                                    "pinned")
        else:
            m = lookup.match(text, shape)
        if m is None:
            unknown.append(col)
            continue
        target = fields if m.role == "field" else stages
        if m.key in target:
            if m.evidence != "pinned" or evidence.get(target[m.key]) == "pinned":
                duplicates.append(col)
                continue
            duplicates.append(target[m.key])  # a pinned column wins over a recognised one
        target[m.key] = col
        evidence[col] = m.evidence
    return HeaderMap(shape, row_index, tuple(headers), fields, stages, tuple(unknown),
                     tuple(duplicates), evidence, tuple(ignored))


def _may_score(row: Sequence[object], lookup: HeaderLookup, shape: Shape,
               pins: Mapping[str, str] | None) -> bool:
    """Whether some cell of ``row`` is a header ``_map_row`` would count (recognised, or pinned
    to something other than "ignore"): without one its score is 0."""
    for cell in row:
        if not isinstance(cell, str):
            continue
        text = cell.strip()
        if not text:
            continue
        if pins:
            pinned = pins.get(normalize(text))
            if pinned is not None:
                if pinned != IGNORE:
                    return True
                continue
        if lookup.match(text, shape) is not None:
            return True
    return False


def find_header_row(rows: Sequence[Sequence[object]], funnel: Funnel,
                    shape: Shape | None = None, pins: Mapping[str, str] | None = None,
                    ) -> tuple[int, HeaderMap] | None:
    """The header row among the first 30: the one with most recognised headers (first on ties).

    With ``shape`` None both shapes are tried and the better-scoring one is returned. None when
    no row has a single recognised header.
    """
    best: HeaderMap | None = None
    lookup = lookup_for(funnel)  # once: hashing the funnel for the cache costs more than a row
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if not any(isinstance(c, str) for c in row):
            continue
        for sh in SHAPES if shape is None else (shape,):
            if not _may_score(row, lookup, sh, pins):
                continue  # most rows scanned are data: no header in them, no map to make
            hm = _map_row(row, i, funnel, lookup, sh, pins)
            if hm.score and (best is None or hm.score > best.score):
                best = hm
    return None if best is None else (best.row, best)
