"""sheets_sync: the CLI and the service. ``create_app`` is loaded on first use, so the CLI does
not import Flask and SQLAlchemy for commands that need neither (``flask --app sheets_sync run``
works)."""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from sheets_sync.app import create_app

        return create_app
    raise AttributeError(f"module 'sheets_sync' has no attribute {name!r}")
