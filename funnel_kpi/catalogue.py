"""The one catalogue of labels and messages in English and Russian (``catalogue.toml`` beside
this module, read once): the KPI tab, the text report, the dashboard and the core's problem and
reason texts all look their words up here, with ``text(key, lang, **fmt)``."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

LANGS = ("en", "ru")
BARE_TABLES = ("label", "notify")  # their keys are looked up without the table's name


class CatalogueError(KeyError):
    pass


@cache
def entries() -> Mapping[str, tuple[str, str]]:
    """key -> (en, ru), every table flattened."""
    raw = tomllib.loads(files("funnel_kpi").joinpath("catalogue.toml").read_text("utf-8"))
    out: dict[str, tuple[str, str]] = {}
    for table, rows in raw.items():
        for key, pair in rows.items():
            name = key if table in BARE_TABLES else f"{table}.{key}"
            if name in out or len(pair) != 2:
                raise CatalogueError(f"catalogue.toml: {name!r} is repeated or not [en, ru]")
            out[name] = (str(pair[0]), str(pair[1]))
    return MappingProxyType(out)


def has(key: str) -> bool:
    return key in entries()


def text(key: str, lang: str = "en", **fmt: Any) -> str:
    """The text of ``key`` in ``lang`` (Russian for "ru", else English), formatted with ``fmt``."""
    try:
        en, ru = entries()[key]
    except KeyError:
        raise CatalogueError(f"no text {key!r} in funnel_kpi/catalogue.toml") from None
    chosen = ru if lang == "ru" else en
    return chosen.format(**fmt) if fmt else chosen


def pair(key: str) -> tuple[str, str]:
    """(en, ru) of ``key``: where both languages are wanted at once."""
    return text(key, "en"), text(key, "ru")


def code_text(table: str, code: str, lang: str = "en") -> str:
    """A stable code's text ("problem", "not_a_number"); an unknown code reads as itself."""
    key = f"{table}.{code}"
    return text(key, lang) if key in entries() else code.replace("_", " ")
