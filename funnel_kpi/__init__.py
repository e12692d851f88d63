"""funnel_kpi: the pure core. Funnel model, cell parsing, KPI registry, computations, report.

No I/O lives here: callers hand in ``Tab`` objects of raw cell values and get a ``FunnelReport``.
"""

from funnel_kpi.errors import ConfigError, FunnelError, LayoutError
from funnel_kpi.inputs import Deal, DealLog, Problem, SummaryRow, SummaryTable, Tab
from funnel_kpi.model import DEFAULT_FUNNEL, Funnel, Stage, funnel_from_dict, funnel_from_toml
from funnel_kpi.values import Value

__all__ = [
    "DEFAULT_FUNNEL",
    "ConfigError",
    "Deal",
    "DealLog",
    "Funnel",
    "FunnelError",
    "LayoutError",
    "Problem",
    "Stage",
    "SummaryRow",
    "SummaryTable",
    "Tab",
    "Value",
    "funnel_from_dict",
    "funnel_from_toml",
]
