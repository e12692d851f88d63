"""A job's notification settings as the create API and form take them (pydantic), and as the API
shows them (secrets masked). Checked here once: a bad field is a 422 naming it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sheets_sync.notify.settings import NotifySettings

Event = Literal["failed", "paused", "check", "out_of_control"]
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z0-9_]{4,64})$")


DEFAULT_EVENTS: tuple[Event, ...] = ("failed", "paused")


def allowed_hosts() -> tuple[str, ...] | None:
    """The webhook hosts the running app's config allows; None outside an app (no check)."""
    if not has_app_context():
        return None
    return NotifySettings.from_config(current_app.config).allowed_hosts


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookIn(_Strict):
    """``{"kind": "slack", "url": ...}``: a Slack-compatible incoming webhook on a host the
    service allows (WEBHOOK_ALLOWED_HOSTS); ``{"kind": "telegram", "chat_id": ...}``: a chat the
    service's bot (TELEGRAM_BOT_TOKEN) posts to."""

    kind: Literal["slack", "telegram"]
    url: str | None = Field(None, min_length=8, max_length=1000,
                            examples=["https://hooks.slack.com/services/T000/B000/XXXX"])
    chat_id: str | None = Field(None, max_length=65, examples=["-1001234567890"])

    @model_validator(mode="after")
    def _one_target(self) -> WebhookIn:
        if self.kind == "slack":
            if not self.url or self.chat_id is not None:
                raise ValueError("a slack webhook takes 'url' (and no chat_id)")
            if not re.match(r"^https?://[^/\s]+", self.url) or any(c.isspace() for c in
                                                                   self.url):
                raise ValueError(f"url {self.url!r} is not an http(s) URL")
            allowed = allowed_hosts()
            host = (urlsplit(self.url).hostname or "").lower()
            if allowed is not None and host not in allowed:
                raise ValueError(f"the service may not call {host}: it calls only the hosts in "
                                 f"WEBHOOK_ALLOWED_HOSTS (now: {', '.join(allowed) or 'none'}); "
                                 "ask its administrator to add the host")
        else:
            if not self.chat_id or self.url is not None:
                raise ValueError("a telegram webhook takes 'chat_id' (and no url: the bot "
                                 "is the service's, TELEGRAM_BOT_TOKEN)")
            if not CHAT_ID.match(self.chat_id):
                raise ValueError(f"chat_id {self.chat_id!r} is not a Telegram chat: give its "
                                 "number (e.g. -1001234567890) or @channelname")
        return self


class DigestIn(_Strict):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    hour: int = Field(ge=0, le=23, description="In the job's time zone (its schedule's).")


class NotifyIn(_Strict):
    """Who is told what about a job. Events: a failed run, a job paused after repeated
    failures, a run whose data status is check, a funnel step outside its control limits."""

    emails: list[str] = Field(default_factory=list, max_length=20)
    webhooks: list[WebhookIn] = Field(default_factory=list, max_length=10)
    events: list[Event] = Field(default_factory=lambda: list(DEFAULT_EVENTS), max_length=4,
                                description="Default: failed and paused.")
    lang: Literal["en", "ru"] = Field("en", description="The language of the messages.")
    digest: DigestIn | None = Field(None, description="A weekly digest e-mail; null: none.")

    @field_validator("emails")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        out = []
        for address in (a.strip() for a in v):
            if len(address) > 254 or not EMAIL.match(address):
                raise ValueError(f"{address!r} is not an e-mail address (name@example.com)")
            if address not in out:
                out.append(address)
        return out

    @field_validator("events")
    @classmethod
    def _once_each(cls, v: list[Event]) -> list[Event]:
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _digest_has_mail(self) -> NotifyIn:
        if self.digest is not None and not self.emails:
            raise ValueError("a digest is an e-mail: give 'emails' too")
        return self


class NotificationOut(BaseModel):
    id: int
    created_at: datetime
    event: str
    channel: str
    target: str
    outcome: Literal["sent", "failed"]
    attempts: int
    run_id: int | None
    detail: str | None
    detail_ru: str | None = Field(None, description="detail in Russian (null for a message "
                                  "recorded before the service said it by key)")


class NotifyOut(BaseModel):
    settings: dict[str, Any] | None
    notifications: list[NotificationOut]


__all__ = ["DigestIn", "NotificationOut", "NotifyIn", "NotifyOut", "WebhookIn"]
