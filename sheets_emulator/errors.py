"""Google's error bodies, raised anywhere in the emulator and turned into JSON in one place (app).

    ApiError                      a Sheets-style error: {"error": {code, message, status, details?}}
    +-- DriveError                Drive v3 style: {"error": {code, message, errors: [...]}}

Handlers raise these; nothing else escapes to a client (app.py maps any other exception to a
500 INTERNAL body, as Google does).
"""

from __future__ import annotations

from typing import Any

STATUS_BY_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}

BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"


class ApiError(Exception):
    """An error answered to the client with Google's JSON body."""

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE.get(code, "UNKNOWN")
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            err["details"] = self.details
        return {"error": err}


class DriveError(ApiError):
    """Drive v3 keeps the older envelope: an `errors` list with domain and reason."""

    def __init__(
        self, code: int, message: str, reason: str, location: str | None = None
    ) -> None:
        super().__init__(code, message)
        self.reason = reason
        self.location = location

    def body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"message": self.message, "domain": "global", "reason": self.reason}
        if self.location:
            item["location"] = self.location
            item["locationType"] = "parameter"
        return {"error": {"code": self.code, "message": self.message, "errors": [item]}}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def invalid_value(field: str, proto_type: str, value_json: str) -> ApiError:
    """Google's answer to a JSON value of the wrong type (with a BadRequest fieldViolation)."""
    message = f"Invalid value at '{field}' ({proto_type}), {value_json}"
    details = [
        {
            "@type": BAD_REQUEST_TYPE,
            "fieldViolations": [{"field": field, "description": message}],
        }
    ]
    return ApiError(400, message, details=details)


def unknown_field(name: str, where: str) -> ApiError:
    message = (
        f"Invalid JSON payload received. Unknown name \"{name}\" at '{where}': Cannot find field."
    )
    details = [
        {
            "@type": BAD_REQUEST_TYPE,
            "fieldViolations": [
                {"field": where, "description": f'Invalid JSON payload received. Unknown name '
                 f'"{name}" at \'{where}\': Cannot find field.'}
            ],
        }
    ]
    return ApiError(400, message, details=details)


def not_found() -> ApiError:
    return ApiError(404, "Requested entity was not found.")


def permission_denied() -> ApiError:
    return ApiError(403, "The caller does not have permission")


def unable_to_parse(range_text: str) -> ApiError:
    return ApiError(400, f"Unable to parse range: {range_text}")


def grid_limits(range_text: str, rows: int, cols: int) -> ApiError:
    return ApiError(
        400, f"Range ({range_text}) exceeds grid limits. Max rows: {rows}, max columns: {cols}"
    )


CELL_LIMIT = 10_000_000


def cell_limit() -> ApiError:
    return ApiError(
        400,
        "This action would increase the number of cells in the workbook above the limit of "
        f"{CELL_LIMIT} cells.",
    )
