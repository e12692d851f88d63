"""Rate limits, with the ``limits`` library (the one behind Flask-Limiter):

    RATE_LIMIT               per token, on every API call and dashboard page it signs in to
    RATE_LIMIT_FAILED_AUTH   per client address, on unknown or revoked tokens and failed sign-ins
    RATE_LIMIT_STORAGE_URL   memory:// (one process) or redis://host:port/db (shared by several)

A limit is text like "600/minute" or "20/second;600/minute"; an empty value switches it off. The
per-address limit on failures is what stops token guessing: a guessed token has no bucket of its
own, so a per-token limit alone would never see the guesses.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from sheets_sync.app.errors import ApiError
from sheets_sync.app.local_window import LocalMovingWindow

EXTENSION_KEY = "sheets_sync.ratelimit"


@dataclass(frozen=True)
class Limits:
    limiter: MovingWindowRateLimiter | LocalMovingWindow
    per_token: tuple[RateLimitItem, ...]
    failed_auth: tuple[RateLimitItem, ...]


def _parse(name: str, value: object) -> tuple[RateLimitItem, ...]:
    text = str(value or "").strip()
    if not text:
        return ()
    try:
        return tuple(parse_many(text))
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a rate limit: write e.g. '600/minute' or "
                         "'20/second;600/minute' (empty: no limit).") from None


def init_rate_limits(app: Flask) -> None:
    cfg = app.config
    url = str(cfg.get("RATE_LIMIT_STORAGE_URL") or "memory://")
    # memory:// is counted here (local_window.py): limits' MemoryStorage starts a timer thread
    # on nearly every request under steady traffic
    limiter = (LocalMovingWindow() if url == "memory://"
               else MovingWindowRateLimiter(storage_from_string(url)))
    app.extensions[EXTENSION_KEY] = Limits(
        limiter, _parse("RATE_LIMIT", cfg.get("RATE_LIMIT")),
        _parse("RATE_LIMIT_FAILED_AUTH", cfg.get("RATE_LIMIT_FAILED_AUTH")))


def _hit(items: tuple[RateLimitItem, ...], *key: str) -> float | None:
    """Count one request; the seconds to wait when a limit is exceeded, else None."""
    lim: Limits = current_app.extensions[EXTENSION_KEY]
    for item in items:
        if not lim.limiter.hit(item, *key):
            reset = lim.limiter.get_window_stats(item, *key).reset_time
            return max(1.0, math.ceil(reset - time.time()))
    return None


def too_many(wait: float) -> ApiError:
    return ApiError(429, "rate_limited", "error.api_wait", {"wait": round(wait)},
                    headers={"Retry-After": f"{wait:.0f}"})


def check_token(token_id: int) -> None:
    """Count a request made with a live token; raise a 429 ApiError when over the limit."""
    lim: Limits = current_app.extensions[EXTENSION_KEY]
    wait = _hit(lim.per_token, "token", str(token_id))
    if wait is not None:
        raise too_many(wait)


def client_address() -> str:
    # Behind a reverse proxy this is the client's only with PROXIES set (security.py).
    return request.remote_addr or "unknown"


def check_failed_auth() -> None:
    """Count a failed authentication from this address; raise a 429 ApiError when over."""
    lim: Limits = current_app.extensions[EXTENSION_KEY]
    wait = _hit(lim.failed_auth, "failed-auth", client_address())
    if wait is not None:
        raise too_many(wait)


def failed_auth_blocked() -> float | None:
    """Seconds to wait when this address is already over its failed-auth limit, else None;
    counts nothing, so that a blocked address cannot keep trying tokens at all."""
    lim: Limits = current_app.extensions[EXTENSION_KEY]
    for item in lim.failed_auth:
        stats = lim.limiter.get_window_stats(item, "failed-auth", client_address())
        if stats.remaining <= 0:
            return max(1.0, math.ceil(stats.reset_time - time.time()))
    return None
