"""Fixtures of the service tests: the real app on a real database file (SQLite), and the same
suite on PostgreSQL when SHEETS_SYNC_TEST_POSTGRES_URL is set (each test in a fresh schema)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

PG_ENV = "SHEETS_SYNC_TEST_POSTGRES_URL"
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not os.environ.get(PG_ENV), reason=f"{PG_ENV} is not set"))]


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.db'}"
        return
    base = os.environ[PG_ENV]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def config(db_url: str, books: Path, tmp_path: Path) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": db_url, "XLSX_ROOT": str(books),
            "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test-secret"}
