"""The dashboard's words, looked up in the one ru/en catalogue (funnel_kpi/catalogue.toml: add
a key there), and how the language is chosen: the switch (kept in the session), else the
browser's Accept-Language, else English."""

from __future__ import annotations

from typing import Any

from flask import request, session

from funnel_kpi import text

LANGS = ("en", "ru")


def current_lang() -> str:
    chosen = session.get("lang")
    if chosen in LANGS:
        return str(chosen)
    return request.accept_languages.best_match(LANGS, default="en") or "en"


def t(key: str, **kw: Any) -> str:
    return text(key, current_lang(), **kw)
