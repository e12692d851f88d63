"""The OpenAPI 3.1 document of /api/v1, built from the pydantic models the API validates with."""

from __future__ import annotations

from functools import cache
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from funnel_kpi import registry
from sheets_sync.app.jobs import MAX_ID
from sheets_sync.app.schemas import (
    AddonJobIn,
    AddonRef,
    ComputeIn,
    ErrorOut,
    HealthOut,
    JobIn,
    JobList,
    JobOut,
    JobPatch,
    PlanIn,
    ReportOut,
    RunList,
    RunOut,
)
from sheets_sync.notify.schema import NotifyOut
from sheets_sync.store.models import RUN_STATUSES

MODELS: list[tuple[type[BaseModel], Any]] = [
    (JobIn, "validation"), (JobPatch, "validation"), (ComputeIn, "validation"),
    (PlanIn, "validation"),
    (JobOut, "serialization"), (JobList, "serialization"), (RunOut, "serialization"),
    (RunList, "serialization"), (ReportOut, "serialization"), (ErrorOut, "serialization"),
    (HealthOut, "serialization"), (NotifyOut, "serialization"),
    (AddonRef, "validation"), (AddonJobIn, "validation"),
]

_STR, _BOOL = {"type": "string"}, {"type": "boolean"}
_EN_RU = {"type": "object", "required": ["en", "ru"], "properties": {"en": _STR, "ru": _STR}}
# GET /api/v1/kpis: funnel_kpi.registry.catalogue(), a plain dict, so its schema is written here.
KPI_SCHEMAS: dict[str, Any] = {
    "KpiArg": {"type": "object", "required": ["name", "unit", "array", "optional", "help"],
               "properties": {
                   "name": _STR, "unit": {"enum": list(get_args(registry.ArgUnit))},
                   "array": _BOOL, "optional": _BOOL,
                   "default": {"type": ["number", "string", "null"]},
                   "choices": {"type": "array", "items": {"type": "array", "items": _STR}},
                   "same_length_as": {"type": ["string", "null"]}, "help": _EN_RU}},
    "KpiOut": {"type": "object", "required": ["id", "name", "formula", "unit", "scope", "args"],
               "properties": {
                   "id": _STR, "name": _EN_RU, "formula": _EN_RU, "description": _EN_RU,
                   "unit": {"enum": list(get_args(registry.Unit))},
                   "higher_is_better": {"type": ["boolean", "null"]},
                   "scope": {"enum": list(get_args(registry.Scope))},
                   "function": {"type": ["string", "null"]}, "usage": {"type": ["string", "null"]},
                   "args": {"type": "array", "items": {"$ref": "#/components/schemas/KpiArg"}}}},
    "FunctionOut": {"type": "object", "required": ["name", "usage", "help", "args"],
                    "properties": {
                        "name": _STR, "kpi": {"type": ["string", "null"]}, "usage": _STR,
                        "help": _STR, "args": {"type": "array",
                                               "items": {"$ref": "#/components/schemas/KpiArg"}}}},
    # POST /api/v1/functions/<NAME>: msgspec shapes (app/functions.py), written here.
    "Cell": {"type": ["string", "number", "boolean", "null"]},
    "FunctionBatch": {"type": "object", "required": ["calls"], "additionalProperties": False,
                      "properties": {"calls": {"type": "array", "items": {
                          "type": "object", "required": ["args"], "additionalProperties": False,
                          "properties": {"args": {"type": "array", "items": {"anyOf": [
                              {"$ref": "#/components/schemas/Cell"},
                              {"type": "array", "items": {"anyOf": [
                                  {"$ref": "#/components/schemas/Cell"},
                                  {"type": "array",
                                   "items": {"$ref": "#/components/schemas/Cell"}}]}}]}}}}}}},
    "FunctionResults": {"type": "object", "required": ["results"], "properties": {
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "value": {}, "error": _STR, "reason": _STR, "message": _STR,
            "message_ru": _STR}}}}},
    "AddonJobOut": {"type": "object", "required": ["job"],
                    "properties": {"job": {"$ref": "#/components/schemas/JobOut"}}},
    # ?view=1 of GET /jobs/<id>/report and POST /compute: funnel_kpi.view_dict(report_view(...))
    "ReportViewOut": {
        "type": "object", "description": (
            "The report as every surface shows it, in one language: the period shown (the "
            "latest month neither in progress nor pending), its stage rows and KPI rows with "
            "numbers (value, count, step...) beside their text, each change (mom, yoy) with "
            "value, text, direction, up_is_good, noise, tone and arrow; the KPIs by month, "
            "findings, notes, problems, the column read-out, forecast, pipeline, verdicts and "
            "the plan's gap split. Money texts carry the currency when it is known."),
        "required": ["lang", "status", "status_reasons", "period", "in_progress", "pending",
                     "stages", "bottleneck", "kpis", "findings", "notes", "problems",
                     "problem_count", "currency"],
        "properties": {
            "lang": {"enum": ["en", "ru"]}, "status": {"enum": ["ok", "check"]},
            "status_reasons": {"type": "array", "items": _STR},
            "sources": {"type": "array", "items": _STR}, "has_months": _BOOL,
            "period": {"type": "string", "description": "YYYY-MM, or total"},
            "in_progress": _BOOL, "pending": _BOOL,
            "stages": {"type": "array", "items": {"type": "object", "required": [
                "key", "label", "owner", "owner_label", "count", "step", "cumulative",
                "drop_off", "count_text", "step_text", "cumulative_text", "drop_off_text",
                "mom", "yoy", "bottleneck"]}},
            "bottleneck": {"type": ["string", "null"]},
            "kpis": {"type": "array", "items": {"type": "object", "required": [
                "id", "name", "unit", "kind", "value", "text", "mom", "yoy"]}},
            "months": {"type": ["object", "null"]},
            "findings": {"type": "array", "items": _STR},
            "notes": {"type": "array", "items": _STR},
            "problems": {"type": "array", "items": {"type": "object"}},
            "problem_count": {"type": "integer"},
            "readout": {"type": "array"}, "forecast": {"type": "array"},
            "forecast_how": {"type": "array", "items": _STR}, "pipeline": {"type": "array"},
            "forecast_revenue": {"type": ["string", "null"]}, "verdicts": {"type": "array"},
            "plan": {"type": ["object", "null"]},
            "currency": {"type": ["string", "null"], "description": "ISO code, e.g. RUB, USD"}}},
    "KpiCatalogue": {"type": "object", "required": ["kpis", "functions"], "properties": {
        "kpis": {"type": "array", "items": {"$ref": "#/components/schemas/KpiOut"}},
        "functions": {"type": "array", "items": {"$ref": "#/components/schemas/FunctionOut"}}}},
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": ref(name)}}}


def ok(name: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, **json_body(name)}


def any_json(description: str) -> dict[str, Any]:
    """An answer whose JSON has no schema of its own here (a report, a read-out): said in words."""
    return {"description": description,
            "content": {"application/json": {"schema": {"type": "object"}}}}


def errors(*codes: int) -> dict[str, Any]:
    text = {400: "Bad request", 401: "No or bad token", 404: "Not found", 409: "Conflict",
            413: "Too large", 422: "A field is invalid", 429: "Too many requests",
            503: "Unavailable"}
    if 401 in codes:  # every operation that takes a token is rate limited (ratelimit.py)
        codes = (*codes, 429)
    out = {str(c): {"description": text[c], **json_body("ErrorOut")} for c in codes}
    if "429" in out:
        out["429"]["headers"] = {"Retry-After": {
            "description": "Seconds to wait before trying again", "schema": {"type": "integer"}}}
    return out


def int_param(name: str, where: str = "query", required: bool = False,
              high: int = MAX_ID, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "description": description,
            "schema": {"type": "integer", "minimum": 1, "maximum": high}}


JOB_ID = int_param("job_id", "path")
SPREADSHEET = {"name": "spreadsheet", "in": "query", "required": True,
               "description": "The Google spreadsheet's id (or its URL).",
               "schema": {"type": "string", "minLength": 1, "maxLength": 1000}}
RUN_QUERY = [int_param("limit", high=500, description="At most this many (default 50)."),
             int_param("before", description="Only runs with a smaller id (paging)."),
             {"name": "status", "in": "query", "required": False,
              "schema": {"type": "string", "enum": list(RUN_STATUSES)}}]

VIEW_QUERY = [{"name": "view", "in": "query", "required": False,
               "description": "1: the report's view (ReportViewOut) instead of its JSON.",
               "schema": {"type": "integer", "enum": [0, 1]}},
              {"name": "lang", "in": "query", "required": False,
               "description": "The view's language (with view=1; default en).",
               "schema": {"type": "string", "enum": ["en", "ru"]}}]


def paths() -> dict[str, Any]:
    open_: dict[str, Any] = {"security": []}
    return {
        "/healthz": {"get": {**open_, "summary": "Health of the service and its database",
                             "responses": {"200": ok("HealthOut"),
                                           "503": ok("HealthOut", "Database unavailable")}}},
        "/api/v1/openapi.json": {"get": {**open_, "summary": "This document",
                                         "responses": {"200": {"description": "OpenAPI"}}}},
        "/api/v1/jobs": {
            "get": {"summary": "List sync jobs", "responses": {"200": ok("JobList"),
                                                               **errors(401)}},
            "post": {"summary": "Create a sync job", "requestBody": {
                "required": True, **json_body("JobIn")},
                "responses": {"201": ok("JobOut", "Created"), **errors(400, 401, 422)}}},
        "/api/v1/jobs/{job_id}": {
            "parameters": [JOB_ID],
            "get": {"summary": "A job", "responses": {"200": ok("JobOut"), **errors(401, 404)}},
            "patch": {"summary": "Change a job (only the fields given)",
                      "requestBody": {"required": True, **json_body("JobPatch")},
                      "responses": {"200": ok("JobOut"), **errors(400, 401, 404, 422)}},
            "delete": {"summary": "Delete a job and its runs",
                       "responses": {"204": {"description": "Deleted"}, **errors(401, 404)}}},
        "/api/v1/jobs/{job_id}/run": {"post": {
            "summary": "Run a job now and wait for it",
            "parameters": [JOB_ID, {"name": "force", "in": "query", "required": False,
                                    "description": "Write even when the input is unchanged.",
                                    "schema": {"type": "boolean"}}],
            "responses": {"201": ok("RunOut", "The finished run (its status may be failed)"),
                          **errors(401, 404, 409)}}},
        "/api/v1/jobs/{job_id}/runs": {"get": {
            "summary": "Runs of a job, newest first", "parameters": [JOB_ID, *RUN_QUERY],
            "responses": {"200": ok("RunList"), **errors(400, 401, 404)}}},
        "/api/v1/jobs/{job_id}/report": {"get": {
            "summary": "The report of the job's latest successful run (or, with view=1, "
                       "its view)",
            "parameters": [JOB_ID, *VIEW_QUERY],
            "responses": {"200": {"description": "ReportOut; ReportViewOut with view=1",
                                  "content": {"application/json": {"schema": {"oneOf": [
                                      ref("ReportOut"), ref("ReportViewOut")]}}}},
                          **errors(400, 401, 404, 409)}}},
        "/api/v1/jobs/{job_id}/notifications": {"get": {
            "summary": "The job's notification settings (secrets masked) and latest messages",
            "parameters": [JOB_ID],
            "responses": {"200": ok("NotifyOut"), **errors(401, 404)}}},
        "/api/v1/kpis": {"get": {
            "summary": "Every KPI and spreadsheet function of the registry, with arguments",
            "responses": {"200": ok("KpiCatalogue"), **errors(401)}}},
        "/api/v1/functions/{name}": {"post": {
            "summary": "Run one spreadsheet function on a batch of calls (the add-ons' path)",
            "parameters": [{"name": "name", "in": "path", "required": True,
                            "schema": {"type": "string", "maxLength": 40},
                            "description": "A function of GET /api/v1/kpis, e.g. CONVERSION."}],
            "requestBody": {"required": True, **json_body("FunctionBatch")},
            "responses": {"200": ok("FunctionResults", "One result per call, in order"),
                          **errors(400, 401, 404, 413, 422)}}},
        "/api/v1/addon/job": {
            "get": {"summary": "The job that reads a Google spreadsheet",
                    "parameters": [SPREADSHEET],
                    "responses": {"200": ok("AddonJobOut"), **errors(401, 404, 422)}},
            "post": {"summary": "Create the spreadsheet's job (or answer the existing one)",
                     "requestBody": {"required": True, **json_body("AddonJobIn")},
                     "responses": {"200": ok("AddonJobOut", "The existing job"),
                                   "201": ok("AddonJobOut", "Created"),
                                   **errors(400, 401, 422)}}},
        "/api/v1/addon/sync": {"post": {
            "summary": "Run the spreadsheet's job now and wait for it",
            "requestBody": {"required": True, **json_body("AddonRef")},
            "responses": {"201": any_json("The finished run (its status may be failed)"),
                          **errors(400, 401, 404, 409, 422)}}},
        "/api/v1/addon/runs": {"get": {
            "summary": "The spreadsheet's job's runs, newest first",
            "parameters": [SPREADSHEET, int_param("limit", high=500,
                                                  description="At most this many (default 10).")],
            "responses": {"200": ok("RunList"), **errors(400, 401, 404, 422)}}},
        "/api/v1/addon/inspect": {"post": {
            "summary": "How every column of the spreadsheet's job input is read",
            "requestBody": {"required": True, **json_body("AddonRef")},
            "responses": {"200": any_json("As POST /api/v1/inspect"),
                          **errors(400, 401, 404, 409, 422, 503)}}},
        "/api/v1/runs": {"get": {
            "summary": "Runs of every job, newest first",
            "parameters": [int_param("job_id"), *RUN_QUERY],
            "responses": {"200": ok("RunList"), **errors(400, 401)}}},
        "/api/v1/runs/{run_id}": {"get": {
            "summary": "A run", "parameters": [int_param("run_id", "path")],
            "responses": {"200": ok("RunOut"), **errors(401, 404)}}},
        "/api/v1/compute": {"post": {
            "summary": "Compute a report from rows (stateless)",
            "parameters": [
                {"name": "tab", "in": "query", "required": False,
                 "description": "CSV only: the tab name to report.",
                 "schema": {"type": "string", "maxLength": 100}},
                {"name": "locale", "in": "query", "required": False,
                 "description": "CSV only: ru_RU or en_US.",
                 "schema": {"type": "string", "pattern": "^[a-z]{2}(_[A-Z]{2})?$"}},
                {"name": "today", "in": "query", "required": False,
                 "description": "CSV only: compute as of this date.",
                 "schema": {"type": "string", "format": "date"}}, *VIEW_QUERY],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": ref("ComputeIn")},
                "text/csv": {"schema": {"type": "string"}}}},
            "responses": {"200": any_json("The FunnelReport JSON; ReportViewOut with "
                                                 "view=1"),
                **errors(400, 401, 413, 422)}}},
        "/api/v1/inspect": {"post": {
            "summary": "How every column of the rows is read, status first (stateless)",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": ref("ComputeIn")},
                "text/csv": {"schema": {"type": "string"}}}},
            "responses": {"200": any_json("status, status_reasons, funnel, and per tab "
                                                 "every column's role, evidence and samples"),
                          **errors(400, 401, 413, 422)}}},
        "/api/v1/plan": {"post": {
            "summary": "The last planned month's gap split and what the next month needs",
            "requestBody": {"required": True, **json_body("PlanIn")},
            "responses": {"200": any_json("gap (LMDI split) and needs (backwards "
                                                 "funnel with ranges)"),
                          **errors(400, 401, 413, 422)}}},
    }


@cache
def document(title: str = "sheets-sync") -> dict[str, Any]:
    _, schemas = models_json_schema(MODELS, ref_template="#/components/schemas/{model}")
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1",
                 "description": "Sales-funnel KPIs: sync jobs, run history, reports, compute."},
        "paths": paths(),
        "components": {"schemas": {**schemas.get("$defs", {}), **KPI_SCHEMAS},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
