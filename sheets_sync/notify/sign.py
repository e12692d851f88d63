"""The webhook signature. Every request carries

    X-Funnel-Timestamp: <Unix seconds when it was sent>
    X-Funnel-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with WEBHOOK_SECRET>

A receiver recomputes the HMAC over the timestamp, a dot and the raw body bytes, compares in
constant time, and refuses a timestamp older than a few minutes (a replayed request). ``verify``
is that check, for receivers written in Python and for the tests.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Funnel-Timestamp"
SIGNATURE_HEADER = "X-Funnel-Signature"
MAX_AGE_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(secret: str, timestamp: str, sig: str, body: bytes, *,
           now: float | None = None, max_age: float = MAX_AGE_SECONDS) -> bool:
    """Whether ``sig`` signs ``body`` sent at ``timestamp``, no older than ``max_age``."""
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except ValueError:
        return False
    if abs(age) > max_age:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), sig)


__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "headers", "signature", "verify"]
