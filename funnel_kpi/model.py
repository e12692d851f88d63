"""The funnel: an ordered list of stages, each owned by marketing or sales.

The handoff is the first sales-owned stage: conversion into it is the rate at which sales
accepts what marketing hands over. Funnels come from the default below, a dict, or a TOML file
(``[[stage]]`` tables with ``key``, ``en``, ``ru``, ``owner`` and optional ``aliases``).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from funnel_kpi.errors import ConfigError

Owner = Literal["marketing", "sales"]
OWNERS: tuple[Owner, ...] = ("marketing", "sales")


@dataclass(frozen=True, slots=True)
class Stage:
    key: str
    en: str
    ru: str
    owner: Owner
    aliases: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en


@dataclass(frozen=True, slots=True)
class Funnel:
    stages: tuple[Stage, ...]
    # True when the stages were taken from a sheet's unknown columns rather than configured:
    # the report says so, because owners are then guessed.
    inferred: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.stages) < 2:
            raise ConfigError.say("error.two_stages")
        dupes = sorted(k for k, n in Counter(s.key for s in self.stages).items() if n > 1)
        if dupes:
            raise ConfigError.say("error.stage_keys_repeated", keys=", ".join(dupes))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages)

    def stage(self, key: str) -> Stage:
        for s in self.stages:
            if s.key == key:
                return s
        raise KeyError(key)

    def index(self, key: str) -> int:
        return self.keys.index(key)


DEFAULT_FUNNEL = Funnel(
    (
        Stage("traffic", "Traffic", "Трафик", "marketing",
              ("traffic", "visits", "sessions", "visitors", "clicks", "трафик", "визиты",
               "посещения", "сеансы", "посетители", "клики")),
        Stage("leads", "Leads", "Лиды", "marketing",
              ("leads", "requests", "inquiries", "enquiries", "new leads", "лиды", "заявки",
               "обращения", "новые лиды", "входящие заявки")),
        Stage("qualified", "Qualified (MQL)", "Брифы / MQL", "marketing",
              ("qualified", "briefs", "mql", "qualified leads", "брифы", "квалифицированные",
               "квалифицированные лиды", "квал лиды", "целевые лиды", "целевые заявки",
               "квалифицированные заявки", "mqls", "marketing qualified leads")),
        Stage("sal", "Accepted by sales (SAL)", "Принятые продажами (SAL)", "sales",
              ("sal", "accepted by sales", "accepted", "sales accepted", "принятые продажами",
               "приняты продажами", "принято продажами", "sal", "sql", "sqls",
               "sales qualified leads", "sales accepted leads")),
        Stage("meetings", "Meetings", "Встречи", "sales",
              ("meetings", "demos", "meetings demos", "presentations", "встречи", "демо",
               "встречи демо", "демонстрации", "презентации")),
        Stage("proposals", "Proposals", "КП", "sales",
              ("proposals", "quotes", "offers", "кп", "коммерческие предложения", "предложения",
               "отправленные кп")),
        Stage("contracts", "Contracts", "Договоры", "sales",
              ("contracts", "signed", "signed contracts", "договоры", "договора", "контракты",
               "подписано", "подписанные договоры")),
        Stage("paid", "Paid", "Оплаты", "sales",
              ("paid", "won", "customers", "payments", "new customers", "deals won",
               "closed won", "оплаты", "продажи", "клиенты", "оплачено", "сделки",
               "новые клиенты", "успешные сделки", "выигранные сделки")),
    )
)


def funnel_from_dict(data: Mapping[str, Any]) -> Funnel:
    """Build a funnel from ``{"stage": [{"key", "en", "ru", "owner", "aliases"?}, ...]}``."""
    raw = data.get("stage", data.get("stages"))
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise ConfigError.say("error.no_stage_list")
    stages = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise ConfigError.say("error.stage_not_table", i=i)
        key = item.get("key")
        if not isinstance(key, str) or not key.strip():
            raise ConfigError.say("error.stage_no_key", i=i)
        owner = item.get("owner", "sales")
        if owner not in OWNERS:
            raise ConfigError.say("error.stage_owner", key=key, owner=repr(owner))
        en = str(item.get("en") or key)
        ru = str(item.get("ru") or en)
        aliases = item.get("aliases", [])
        if isinstance(aliases, str) or not isinstance(aliases, Sequence):
            raise ConfigError.say("error.stage_aliases", key=key)
        stages.append(Stage(key.strip(), en, ru, owner, tuple(str(a) for a in aliases)))
    return Funnel(tuple(stages))


def funnel_from_toml(path: str | Path) -> Funnel:
    return funnel_from_dict(read_config(path))


def read_config(path: str | Path) -> dict[str, Any]:
    """A funnel.toml's tables; ConfigError when the file cannot be read or is not TOML."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ConfigError.say("error.config_unreadable", path=str(path), why=e.strerror) from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError.say("error.config_not_toml", path=str(path), why=str(e)) from e
