"""Configuration: defaults, then the instance folder (config.py or config.toml), then environment
variables with the prefix ``SHEETS_SYNC_`` (values parsed as JSON when they can be, so
``SHEETS_SYNC_MAX_CONSECUTIVE_FAILURES=5`` is a number), then a test's mapping. Nothing is read at
import time: ``create_app`` calls ``load_config``. The keys of the syncs' parts and their checks
are sheets_sync/settings.py's; this module only layers the sources.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from sheets_sync.notify.settings import NOTIFY_DEFAULTS
from sheets_sync.settings import SYNC_DEFAULTS

ENV_PREFIX = "SHEETS_SYNC"

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # default: sqlite:///<instance>/sheets_sync.db
    "MIGRATE_ON_START": True,
    "COMPUTE_MAX_CELLS": 500_000,
    # /compute: a wider tab or a larger report is a 422 (app/limits.py). A funnel needs tens of
    # columns; 40,000 columns x 3 rows took 54 s and answered 70 MB before these bounds.
    "COMPUTE_MAX_COLUMNS": 500,
    "COMPUTE_MAX_RESPONSE_BYTES": 8 * 1024 * 1024,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": "auto",  # Secure except plain HTTP on loopback (security.py)
    "RATE_LIMIT": "100/second;3000/minute",  # per token (ratelimit.py); "" switches it off
    "RATE_LIMIT_FAILED_AUTH": "60/minute",  # per client address: bad tokens, failed sign-ins
    "RATE_LIMIT_STORAGE_URL": "memory://",  # redis://host:6379/0 to share between processes
    "PROXIES": 0,  # trusted reverse proxies in front (X-Forwarded-*); 1 behind one HTTPS proxy
    "WTF_CSRF_TIME_LIMIT": None,  # the form token lives as long as the session
    "JSON_SORT_KEYS": False,
    # POST /functions/<NAME> (app/functions.py): calls in one request; Apps Script sends one
    # request per range, and a column of 5,000 rows is one request.
    "FUNCTIONS_MAX_CALLS": 5000,
    "ADDON_ALLOWED_ORIGINS": [],  # CORS for the Office add-in's origin(s) only (app/addon.py)
    **SYNC_DEFAULTS,  # runner, scheduler, executor, quotas, service accounts (settings.py)
    **NOTIFY_DEFAULTS,  # SMTP, webhooks, BASE_URL (notify/settings.py; README, Notifications)
}


def default_instance_path() -> str | None:
    return os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH") or None


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_file("config.toml", load=tomllib.load, text=False, silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    if test_config:
        app.config.from_mapping(test_config)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'sheets_sync.db'}"
    if not app.config.get("XLSX_ROOT"):
        app.config["XLSX_ROOT"] = str(instance / "workbooks")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(instance)


def instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder, so sessions survive restarts without setup."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text("utf-8").strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it just now
        return path.read_text("utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key)
    return key
