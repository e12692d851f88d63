"""The report: figures per period, comparisons, findings, notes, forecast, plan and verdicts."""
