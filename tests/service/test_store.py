"""Config loading, migrations and tokens, on the real database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from sheets_sync.app import create_app
from sheets_sync.app.store_ext import get_store
from sheets_sync.store import Store, StoreError
from sheets_sync.store.migrate import current_revision, downgrade, head_revision, upgrade
from sheets_sync.store.models import Base
from sheets_sync.store.tokens import create_token, list_tokens, revoke_token, verify_token

REPO = Path(__file__).resolve().parents[2]


def test_importing_the_app_reads_nothing() -> None:
    code = ("import os, sys; os.environ['SHEETS_SYNC_DATABASE_URL'] = 'nope://'; "
            "import sheets_sync, sheets_sync.app, sheets_sync.cli_service; "
            "print('flask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "True"  # sheets_sync.app imports Flask, and nothing failed


def test_config_layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text("MAX_CONSECUTIVE_FAILURES = 7\nMISFIRE_GRACE_SECONDS = 9\n")
    for name in ("DATABASE_URL", "XLSX_ROOT", "SECRET_KEY", "MAX_CONSECUTIVE_FAILURES"):
        monkeypatch.delenv(f"SHEETS_SYNC_{name}", raising=False)
    monkeypatch.setenv("SHEETS_SYNC_MISFIRE_GRACE_SECONDS", "11")
    app = create_app({"INSTANCE_PATH": str(instance)})
    try:
        assert app.config["MAX_CONSECUTIVE_FAILURES"] == 7  # instance over defaults
        assert app.config["MISFIRE_GRACE_SECONDS"] == 11  # environment over instance
        assert app.config["SCHEDULER_WORKERS"] == 4  # default
        assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'sheets_sync.db'}"
        assert (instance / "sheets_sync.db").exists()  # migrated on start
        key = app.config["SECRET_KEY"]
        assert len(key) == 64 and (instance / "secret_key").read_text() == key
    finally:
        get_store(app).dispose()
    again = create_app({"INSTANCE_PATH": str(instance)})
    assert again.config["SECRET_KEY"] == key  # kept across restarts
    get_store(again).dispose()


def test_a_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "not a url"})
    with pytest.raises(StoreError, match="No database driver"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "nosuchdb://x/y"})


def test_migrations_match_the_models_and_go_both_ways(db_url: str) -> None:
    store = Store(db_url)
    try:
        upgrade(store.engine)
        upgrade(store.engine)  # applying again is a no-op
        assert current_revision(store.engine) == head_revision() == "0007"
        with store.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
        downgrade(store.engine)
        assert current_revision(store.engine) is None
        names = set(inspect(store.engine).get_table_names()) - {"alembic_version"}
        assert names == set()
    finally:
        store.dispose()


def test_tokens_are_stored_hashed(app: Flask) -> None:
    with get_store(app).session() as s:
        secret, info = create_token(s, "ci")
        assert secret.startswith("sst_") and len(secret) > 40
        assert verify_token(s, secret) is not None
        assert verify_token(s, secret + "x") is None
        from sheets_sync.store.models import ApiToken

        row: Any = s.get(ApiToken, info.id)
        assert secret not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
        assert [t.name for t in list_tokens(s)] == ["ci"]
        assert revoke_token(s, "nope") is None
        assert revoke_token(s, str(info.id)) is not None
        assert verify_token(s, secret) is None


def test_a_token_checked_on_the_engine(app: Flask) -> None:
    """The API's check (the engine, no session): the record, last use written at most once a
    minute, and a revoked token refused at once."""
    from datetime import timedelta

    from sheets_sync.store.models import ApiToken

    store = get_store(app)
    with store.session() as s:
        secret, info = create_token(s, "engine")
    first = verify_token(store.engine, secret)
    assert first is not None and (first.id, first.name, first.prefix) == (
        info.id, "engine", secret[:12])
    assert first.last_used_at is not None and first.revoked_at is None
    again = verify_token(store.engine, secret)
    assert again is not None and again.last_used_at == first.last_used_at  # within the minute
    with store.session() as s:
        row: Any = s.get(ApiToken, info.id)
        assert row.last_used_at == first.last_used_at
        row.last_used_at = first.last_used_at - timedelta(minutes=5)
        s.commit()
    later = verify_token(store.engine, secret)
    assert later is not None and later.last_used_at is not None
    assert later.last_used_at > first.last_used_at - timedelta(minutes=5)
    assert verify_token(store.engine, secret + "x") is None
    with store.session() as s:
        assert revoke_token(s, str(info.id)) is not None
    assert verify_token(store.engine, secret) is None
