"""Secrets out of whatever is logged, stored or shown: a webhook URL's path (a Slack URL's path
is its key), the bot token in a Telegram URL, and any configured secret an error message echoes."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

MASK = "***"


def mask_url(url: str) -> str:
    """scheme://host[:port]/*** : who is called, never the key in the path or the query."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/{MASK}"


def form_hint(url: str) -> str:
    """A stored webhook URL as the edit form shows it: its host and the last four characters,
    enough to tell two URLs apart without handing the key to whoever opens the page."""
    return f"{mask_url(url)}{url[-4:]}"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


__all__ = ["MASK", "mask_url", "scrub"]
