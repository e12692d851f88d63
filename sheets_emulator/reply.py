"""What a handler returns: a JSON body, raw bytes, or nothing (204)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    raw: bytes | None = None
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    wrote: bool = False  # the request changed state (persist, count as a write)
