"""Query and body option checks with Google's messages for bad enum values and booleans."""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError, invalid_value

_ENUM_TYPES = {
    "value_render_option": (
        "ValueRenderOption", ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
    ),
    "response_value_render_option": (
        "ValueRenderOption", ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
    ),
    "date_time_render_option": ("DateTimeRenderOption", ("SERIAL_NUMBER", "FORMATTED_STRING")),
    "response_date_time_render_option": (
        "DateTimeRenderOption", ("SERIAL_NUMBER", "FORMATTED_STRING")
    ),
    "major_dimension": ("Dimension", ("ROWS", "COLUMNS", "DIMENSION_UNSPECIFIED")),
    "value_input_option": (
        "ValueInputOption", ("RAW", "USER_ENTERED", "INPUT_VALUE_OPTION_UNSPECIFIED")
    ),
    "insert_data_option": ("InsertDataOption", ("OVERWRITE", "INSERT_ROWS")),
}


def snake(name: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)


def enum(value: Any, field: str, default: str, prefix: str = "") -> str:
    """Validate an enum option; `field` is the camelCase name, `prefix` a body path like data[0]."""
    if value is None or value == "":
        return default
    key = snake(field)
    type_name, allowed = _ENUM_TYPES[key]
    if value not in allowed:
        where = f"{prefix}.{key}" if prefix else key
        raise invalid_value(
            where, f"type.googleapis.com/google.apps.sheets.v4.{type_name}", json.dumps(value)
        )
    if value.endswith("_UNSPECIFIED"):
        return default
    return str(value)


def known_fields(body: dict[str, Any], allowed: tuple[str, ...], where: str = "") -> None:
    """Google refuses JSON keys its message type does not have."""
    for key in body:
        if key not in allowed:
            at = f" at '{where}'" if where else ""
            message = f'Invalid JSON payload received. Unknown name "{key}"{at}: Cannot find field.'
            raise ApiError(400, message, details=[{
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": where, "description": message}] if where else [
                    {"description": message}]}])


def boolean(value: Any, field: str) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    low = str(value).lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0"):
        return False
    raise invalid_value(snake(field), "TYPE_BOOL", json.dumps(value))


def required_input_option(value: Any, prefix: str = "") -> str:
    if value is None or value == "" or value == "INPUT_VALUE_OPTION_UNSPECIFIED":
        raise ApiError(400, "'valueInputOption' is required but not specified")
    return enum(value, "valueInputOption", "RAW", prefix)
