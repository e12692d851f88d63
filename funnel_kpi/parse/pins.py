"""What the user pinned about reading their tabs: a column's role, the pipeline's stage order, the
values that mean won or lost. From funnel.toml::

    [columns]
    "Визиты на сайт" = "traffic"        # a stage key of the funnel
    "Дата первого касания" = "created"  # a field
    "План" = "plan:paid"                # a plan of payments ("plan:revenue" for money)
    "Комментарий" = "ignore"

    [pipeline]
    order = ["Первичный контакт", "Переговоры", "Счёт выставлен"]
    won = ["Оплачено"]
    lost = ["Отказ", "Не дозвонились"]

    [ltv]                               # what the simple LTV assumes (else it is not computed)
    purchases_per_month = 1.0
    lifetime_months = 24                # else 1 / monthly churn

or the same as a job's JSON. A pinned mapping is used as given; a pinned column that is not in
the tabs is an error (funnel_kpi.parse.tabs), so a renamed column never passes silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from funnel_kpi.errors import ConfigError
from funnel_kpi.model import DEFAULT_FUNNEL, Funnel, funnel_from_dict, read_config
from funnel_kpi.parse.headers import DEAL_ALIASES, IGNORE, SUMMARY_ALIASES, normalize

PLAN_KINDS: dict[str, Literal["revenue", "paid"]] = {"plan:revenue": "revenue",
                                                     "plan:paid": "paid"}
FIELDS = frozenset({*DEAL_ALIASES, *SUMMARY_ALIASES, "paid_date"})


@dataclass(frozen=True, slots=True)
class LtvAssumptions:
    """What the simple LTV assumes, set by the user (funnel.toml [ltv]); without a purchase
    frequency the simple LTV is not computed (the headline LTV is then the historical or the
    contractual one)."""

    purchases_per_month: float | None = None  # per customer
    lifetime_months: float | None = None  # else 1 / churn


NO_ASSUMPTIONS = LtvAssumptions()


@dataclass(frozen=True, slots=True)
class Pins:
    columns: Mapping[str, str] = field(default_factory=dict)  # header as written -> target
    stage_order: tuple[str, ...] = ()
    won: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    ltv: LtvAssumptions = NO_ASSUMPTIONS

    @property
    def headers(self) -> Mapping[str, str]:
        """Normalized header -> stage key, field or "ignore" (what header matching uses)."""
        return MappingProxyType({normalize(h): ("plan" if t in PLAN_KINDS else t)
                                 for h, t in self.columns.items()})

    @property
    def plan_of(self) -> Literal["revenue", "paid"] | None:
        return next((PLAN_KINDS[t] for t in self.columns.values() if t in PLAN_KINDS), None)

    def __bool__(self) -> bool:
        return bool(self.columns or self.stage_order or self.won or self.lost)

    def check(self, funnel: Funnel) -> None:
        """Every target is a stage key of ``funnel``, a field, a plan kind or "ignore"."""
        valid = {*funnel.keys, *FIELDS, *PLAN_KINDS, IGNORE}
        for header, target in self.columns.items():
            if target not in valid:
                raise ConfigError.say("error.pin_target", header=header, target=target,
                                      stages=", ".join(funnel.keys),
                                      fields=", ".join(sorted(FIELDS)))

    def to_dict(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "pipeline": {
            "order": list(self.stage_order), "won": list(self.won), "lost": list(self.lost)}}


NO_PINS = Pins()


def pins_from_dict(data: Mapping[str, Any]) -> Pins:
    """``{"columns": {header: target}, "pipeline": {"order": [...], "won": [...],
    "lost": [...]}}``; both tables optional."""
    columns = data.get("columns", {})
    if not isinstance(columns, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
        raise ConfigError.say("error.pins_columns")
    pipeline = data.get("pipeline", {})
    if not isinstance(pipeline, Mapping):
        raise ConfigError.say("error.pins_pipeline")
    ltv = data.get("ltv", {})
    if not isinstance(ltv, Mapping):
        raise ConfigError.say("error.pins_ltv")
    return Pins({k.strip(): v.strip() for k, v in columns.items()},
                _texts(pipeline, "order"), _texts(pipeline, "won"), _texts(pipeline, "lost"),
                LtvAssumptions(_positive(ltv, "purchases_per_month"),
                               _positive(ltv, "lifetime_months")))


def _positive(table: Mapping[str, Any], name: str) -> float | None:
    value = table.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigError.say("error.ltv_positive", name=name, value=repr(value))
    return float(value)


def _texts(table: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = table.get(name, [])
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(
            isinstance(v, str) for v in value):
        raise ConfigError.say("error.pipeline_texts", name=name)
    return tuple(v.strip() for v in value if v.strip())


def config_from_toml(path: str | Path) -> tuple[Funnel, Pins]:
    """funnel.toml: ``[[stage]]`` tables (optional: the default funnel otherwise), ``[columns]``
    and ``[pipeline]`` (optional); the pins are checked against the funnel."""
    return config_from_dict(read_config(path))


def config_from_dict(data: Mapping[str, Any]) -> tuple[Funnel, Pins]:
    """The funnel (``stage`` list, optional) and the pins (``columns``, ``pipeline``) of one
    config: funnel.toml's tables, or a job's ``funnel`` JSON of the same shape."""
    if not isinstance(data, Mapping):
        raise ConfigError.say("error.config_not_table")
    funnel = funnel_from_dict(data) if ("stage" in data or "stages" in data) else DEFAULT_FUNNEL
    pins = pins_from_dict(data)
    pins.check(funnel)
    return funnel, pins
