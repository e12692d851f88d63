"""The notifiers' settings, from the app's config (``SHEETS_SYNC_<KEY>`` or the instance config):

    SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_FROM, SMTP_STARTTLS, SMTP_SSL
        the mail server; no SMTP_HOST: no e-mail is sent (each one is recorded as failed)
    WEBHOOK_SECRET
        signs every webhook request (sign.py); unset: no webhook is sent
    WEBHOOK_ALLOWED_HOSTS
        the only hosts a job's Slack-compatible webhook URL may name
    TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL
        the bot that posts to a job's Telegram chats, and Telegram's API root
    BASE_URL
        the dashboard's address, for the link to the job page in every message
    NOTIFY_TIMEOUT_SECONDS, NOTIFY_TRIES, NOTIFY_BACKOFF_SECONDS
        each request's timeout, the tries per message, the first pause between tries (doubled)

Nothing here is logged or stored: the secrets stay in this object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NOTIFY_DEFAULTS: dict[str, Any] = {
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,  # nosec B105: no secret by default; the config sets it
    "SMTP_FROM": None,  # default: SMTP_USER, else funnel-kpi@<SMTP_HOST>
    "SMTP_STARTTLS": True,
    "SMTP_SSL": False,  # TLS from the first byte (port 465) instead of STARTTLS
    "WEBHOOK_SECRET": None,  # nosec B105: no secret by default; the config sets it
    "WEBHOOK_ALLOWED_HOSTS": ["hooks.slack.com"],
    "TELEGRAM_BOT_TOKEN": None,  # nosec B105: no secret by default; the config sets it
    "TELEGRAM_API_URL": "https://api.telegram.org",
    "BASE_URL": None,  # e.g. https://kpi.example.com: messages link to the job's page
    "NOTIFY_TIMEOUT_SECONDS": 10.0,
    "NOTIFY_TRIES": 3,
    "NOTIFY_BACKOFF_SECONDS": 1.0,
}


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _hosts(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return tuple(str(h).strip().lower() for h in items if str(h).strip())


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclass(frozen=True)
class NotifySettings:
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    webhook_secret: str | None = field(default=None, repr=False)
    allowed_hosts: tuple[str, ...] = ("hooks.slack.com",)
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api: str = "https://api.telegram.org"
    base_url: str | None = None
    timeout: float = 10.0
    tries: int = 3
    backoff: float = 1.0

    @property
    def sender(self) -> str:
        return self.smtp_from or self.smtp_user or f"funnel-kpi@{self.smtp_host or 'localhost'}"

    def secrets(self) -> tuple[str, ...]:
        """Every secret, for masking whatever text an error brings back."""
        return tuple(s for s in (self.smtp_password, self.webhook_secret, self.telegram_token)
                     if s)

    def job_url(self, job_id: int) -> str | None:
        return f"{self.base_url.rstrip('/')}/jobs/{job_id}" if self.base_url else None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NotifySettings:
        c = {**NOTIFY_DEFAULTS, **{k: v for k, v in config.items() if k in NOTIFY_DEFAULTS}}
        return cls(smtp_host=_text(c["SMTP_HOST"]), smtp_port=int(c["SMTP_PORT"]),
                   smtp_user=_text(c["SMTP_USER"]), smtp_password=_text(c["SMTP_PASSWORD"]),
                   smtp_from=_text(c["SMTP_FROM"]), smtp_starttls=_bool(c["SMTP_STARTTLS"]),
                   smtp_ssl=_bool(c["SMTP_SSL"]), webhook_secret=_text(c["WEBHOOK_SECRET"]),
                   allowed_hosts=_hosts(c["WEBHOOK_ALLOWED_HOSTS"]),
                   telegram_token=_text(c["TELEGRAM_BOT_TOKEN"]),
                   telegram_api=(_text(c["TELEGRAM_API_URL"]) or "").rstrip("/"),
                   base_url=_text(c["BASE_URL"]),
                   timeout=max(0.1, float(c["NOTIFY_TIMEOUT_SECONDS"])),
                   tries=max(1, int(c["NOTIFY_TRIES"])),
                   backoff=max(0.0, float(c["NOTIFY_BACKOFF_SECONDS"])))


__all__ = ["NOTIFY_DEFAULTS", "NotifySettings"]
