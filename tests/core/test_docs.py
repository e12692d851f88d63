"""docs/kpis.md is generated from the registry; this keeps it so (`make docs` regenerates)."""

from __future__ import annotations

from pathlib import Path

import pytest

from funnel_kpi import registry

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize(("lang", "name"), [("en", "kpis.md"), ("ru", "kpis.ru.md")])
def test_kpi_docs_are_generated_from_the_registry(lang: str, name: str) -> None:
    text = (DOCS / name).read_text("utf-8")
    assert text == registry.markdown(lang), f"docs/{name} is stale: run `make docs`"
    for kpi in registry.REGISTRY.values():
        assert f"`{kpi.id}`" in text, f"{kpi.id} is not documented"
