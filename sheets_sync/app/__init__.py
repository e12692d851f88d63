"""The service: a Flask app with the JSON API (/api/v1), the dashboard and /healthz.

    create_app(test_config=None) -> Flask

Config comes from defaults, the instance folder, ``SHEETS_SYNC_*`` variables and ``test_config``
(see config.py). The database is migrated on start. The scheduler is not started here: run
``sheets-sync scheduler``, or ``sheets-sync serve --with-scheduler`` for one process.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from sheets_sync.app import addon, compute, functions, notifications, plan  # noqa: F401 (routes)
from sheets_sync.app.api import api, health
from sheets_sync.app.config import default_instance_path, load_config
from sheets_sync.app.dashboard import bp, template_globals
from sheets_sync.app.errors import register_error_handlers
from sheets_sync.app.ratelimit import init_rate_limits
from sheets_sync.app.security import init_security
from sheets_sync.app.store_ext import init_store

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    instance = (test_config or {}).get("INSTANCE_PATH") or default_instance_path()
    app = Flask("sheets_sync", instance_path=str(Path(instance).resolve()) if instance else None,
                instance_relative_config=True,
                template_folder=str(PACKAGE_DIR / "templates"),
                static_folder=str(PACKAGE_DIR / "static"))
    load_config(app, test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    init_store(app)
    init_rate_limits(app)
    init_security(app)
    csrf = CSRFProtect(app)
    csrf.exempt(api)  # bearer tokens, no cookies: nothing for a forged form to ride on
    csrf.exempt(health)
    app.register_blueprint(api)
    app.register_blueprint(health)
    app.register_blueprint(bp)
    app.context_processor(template_globals)
    register_error_handlers(app)
    return app
