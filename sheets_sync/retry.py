"""Bounded, jittered retries for calls to Google.

gspread's BackOffHTTPClient retries forever, without jitter, ignoring Retry-After and connection
errors (see shared/SHEETS_API_FACTS.md), so each backend call goes through ``call_with_retries``
instead. The callable builds its request body afresh on every try, because gspread rewrites the
dicts it is given.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import requests
from gspread.exceptions import APIError

from sheets_sync.backends.base import CallStats

T = TypeVar("T")
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    attempts: int = 5  # tries in all, the first included
    base: float = 0.5  # seconds; the n-th wait is drawn from [0, base * 2**n] ("full jitter")
    cap: float = 32.0  # no single wait is longer
    max_retry_after: float = 60.0  # a Retry-After above this is not waited for
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    rng: random.Random = field(default_factory=random.Random, repr=False)


def status_of(exc: BaseException) -> int | None:
    if isinstance(exc, APIError):
        return int(exc.response.status_code)
    return None


def retry_after(exc: BaseException) -> float | None:
    if not isinstance(exc, APIError):
        return None
    value = exc.response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date; Google sends seconds


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return True
    status = status_of(exc)
    return status is not None and status in RETRY_STATUSES


def call_with_retries(fn: Callable[[], T], policy: RetryPolicy, stats: CallStats,
                      before: Callable[[], object] | None = None) -> T:
    """Run ``fn`` until it succeeds, fails with a non-retryable error, or the tries run out.
    ``before`` runs ahead of every try (the quota limiter takes a token there; each try is a
    request Google counts); what it raises is not retried."""
    for attempt in range(policy.attempts):
        if before is not None:
            before()
        stats.requests += 1
        try:
            return fn()
        except Exception as exc:
            if not is_retryable(exc) or attempt == policy.attempts - 1:
                raise
            wait = policy.rng.uniform(0, min(policy.cap, policy.base * 2**attempt))
            hinted = retry_after(exc)
            if hinted is not None:
                if hinted > policy.max_retry_after:
                    raise
                # Several workers told the same Retry-After must not come back in step.
                wait = hinted + policy.rng.uniform(0, policy.base)
            stats.retries += 1
            stats.waited += wait
            policy.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover
