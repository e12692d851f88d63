"""Exceptions of the core.

    FunnelError                 code "cannot_compute": anything the core refuses, with a sentence
    │                           a user can act on
    ├── ConfigError             "cannot_compute": a funnel config (dict or TOML) that cannot
    │                           describe a funnel
    ├── LayoutError             "cannot_compute": no recognisable funnel tab, or a required
    │                           column is missing
    ├── PlanError               (report/plan.py) "cannot_plan": no such month, no plan, or too
    │                           few complete months to learn from
    └── ReportFormatError       (report/funnel_report.py) a stored report that cannot be read

``code`` is what the service's API answers with (``{"error": {"code": ...}}``); the subclasses
repeat the API's one code rather than each having its own, so that no client sees a new code.
The core knows nothing of HTTP: the service maps a ``FunnelError`` to its status.

Bad cell values are not exceptions: they become ``Problem`` records and the rest is computed.
"""

from __future__ import annotations


class FunnelError(Exception):
    """Base of the core's errors; ``str(e)`` is a complete sentence for the user."""

    code = "cannot_compute"


class ConfigError(FunnelError):
    code = "cannot_compute"


class LayoutError(FunnelError):
    code = "cannot_compute"

    def __init__(self, message: str, *, tab: str | None = None) -> None:
        super().__init__(message)
        self.tab = tab
