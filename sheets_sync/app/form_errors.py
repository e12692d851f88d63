"""A refused job form said in the page's language, field by field, from the catalogue ([form] in
funnel_kpi/catalogue.toml), instead of pydantic's English ("Field 'schedule': Value error, ...").

The API keeps its JSON errors (code, field, message); the form maps the same refusals to
sentences that name the form's own fields and say what a good value is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from funnel_kpi import text
from funnel_kpi.errors import param_text
from sheets_sync.app.errors import ApiError
from sheets_sync.app.schemas import output_tab_problem
from sheets_sync.errors import ScheduleError
from sheets_sync.notify.schema import EMAIL
from sheets_sync.scheduler.triggers import make_schedule
from sheets_sync.tab_names import tab_name_problem

FIELD_LABELS = {"name": "name", "spreadsheet": "spreadsheet", "input_tabs": "input_tabs",
                "output_tab": "output_tab", "funnel": "mapping", "schedule": "schedule",
                "enabled": "enabled", "notify": "notifications"}


def _zone_ok(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _cron_ok(cron: str) -> bool:
    try:
        make_schedule(cron, None, "UTC")
    except ScheduleError:
        return False
    return True


def _schedule(form: Mapping[str, Any], lang: str) -> str:
    """Which part of the schedule is wrong: the form has three fields, pydantic one error."""
    zone = (form.get("timezone") or "UTC").strip() or "UTC"
    cron, minutes = form.get("cron", "").strip(), form.get("interval_minutes", "").strip()
    if not _zone_ok(zone):
        return text("form.timezone", lang, value=zone)
    if cron and minutes:
        return text("form.schedule_one", lang)
    if cron and not _cron_ok(cron):
        return text("form.cron", lang, value=cron)
    return text("form.interval", lang)


def _notify(loc: tuple[Any, ...], err: Mapping[str, Any], lang: str) -> str:
    part = loc[1] if len(loc) > 1 else ""
    value = err.get("input")
    if part == "emails":
        given = value if isinstance(value, list) else [value]
        wrong = next((v for v in given if isinstance(v, str) and not EMAIL.match(v)), None)
        return text("form.email", lang, value=wrong) if wrong is not None \
            else text("form.emails", lang)
    if part == "webhooks":
        shown = value.get("url") or value.get("chat_id") if isinstance(value, dict) else value
        return text("form.webhook", lang, value=str(shown or ""))
    if part == "digest":
        return text("form.digest", lang)
    if part == "events":
        return text("form.events", lang)
    return text("form.other", lang, field=text("notifications", lang))


def _output_tab(form: Mapping[str, Any], lang: str) -> str:
    """The rule the name breaks, in the page's language (sheets_sync/tab_names.py)."""
    name = form.get("output_tab", "").strip()
    problem = tab_name_problem(name, form.get("spreadsheet", "").strip())
    why = param_text(problem, lang) if problem else ""
    return text("form.output_tab", lang, name=name, why=why)


def _whole_form(form: Mapping[str, Any], lang: str) -> str:
    """A check across fields (loc ()): the output tab against the input tabs and the source."""
    output = form.get("output_tab", "").strip()
    inputs = [x.strip() for x in form.get("input_tabs", "").split(",") if x.strip()]
    if output and output in inputs:
        return text("form.output_is_input", lang)
    if output and output_tab_problem(output, form.get("spreadsheet", "").strip()):
        return _output_tab(form, lang)
    return text("form.other", lang, field=text("output_tab", lang))


def one_error(err: Mapping[str, Any], form: Mapping[str, Any], lang: str) -> str:
    loc = tuple(err.get("loc", ()))
    field = str(loc[0]) if loc else ""
    match field:
        case "":
            return _whole_form(form, lang)
        case "schedule":
            return _schedule(form, lang)
        case "notify":
            return _notify(loc, err, lang)
        case "output_tab":
            return _output_tab(form, lang)
        case "funnel":
            return text("form.mapping", lang)
        case "spreadsheet" | "name" | "input_tabs":
            return text(f"form.{field}", lang)
    return text("form.other", lang, field=text(FIELD_LABELS.get(field, "value"), lang))


def form_errors(e: ValidationError | ApiError, form: Mapping[str, Any], lang: str) -> list[str]:
    """Each refused field once, in the form's order of fields."""
    if isinstance(e, ApiError):  # the source checked against the service (app/jobs.py)
        fields = [d.get("field") for d in e.details or ()]
        if "spreadsheet" in fields:
            return [text("form.outside_root", lang, root=e.params["root"])
                    if e.key == "error.api_outside_root" else text("form.spreadsheet", lang)]
        return [text("form.other", lang, field=text(FIELD_LABELS.get(str(fields[0]), "value"),
                                                    lang))] if fields else [e.message]
    out: list[str] = []
    for err in e.errors():
        message = one_error(err, form, lang)
        if message not in out:
            out.append(message)
    return out
