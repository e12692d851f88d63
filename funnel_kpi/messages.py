"""User-facing texts for problem codes and undefined-value reasons, in English and Russian: the
``[problem]`` and ``[undefined]`` tables of the catalogue (funnel_kpi/catalogue.toml).

Codes are stable (they appear in JSON); texts may be improved freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from funnel_kpi.catalogue import code_text, entries


def _table(name: str) -> Mapping[str, tuple[str, str]]:
    head = name + "."
    return MappingProxyType({k[len(head):]: v for k, v in entries().items()
                             if k.startswith(head)})


PROBLEMS = _table("problem")  # why a cell or tab could not be used
UNDEFINED = _table("undefined")  # why a KPI value is not defined


def problem_text(code: str, lang: str = "en") -> str:
    return code_text("problem", code, lang)


def undefined_text(code: str, lang: str = "en") -> str:
    return code_text("undefined", code, lang)
