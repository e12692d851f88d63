"""Exceptions of the core.

    FunnelError                 anything the core refuses, with a sentence a user can act on
    ├── ConfigError             a funnel config (dict or TOML) that cannot describe a funnel
    └── LayoutError             no recognisable funnel tab, or a required column is missing

Bad cell values are not exceptions: they become ``Problem`` records and the rest is computed.
"""

from __future__ import annotations


class FunnelError(Exception):
    """Base of the core's errors; ``str(e)`` is a complete sentence for the user."""


class ConfigError(FunnelError):
    pass


class LayoutError(FunnelError):
    def __init__(self, message: str, *, tab: str | None = None) -> None:
        super().__init__(message)
        self.tab = tab
