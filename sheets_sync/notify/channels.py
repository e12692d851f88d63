"""Sending: one e-mail (SMTP) or one webhook POST, each try with a timeout, a few tries with a
doubling pause between them, and the outcome as a ``Delivery`` with its secrets masked.

A try is repeated only when another could succeed: a network error, a timeout, an HTTP 429 or
5xx, an SMTP 4xx. A refusal (HTTP 4xx, a rejected login or address) is final at once. Webhook
requests go through ``http.client``, which logs nothing (urllib3 would log the path, and a
Telegram path holds the bot token), and never follow a redirect to another host.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from funnel_kpi.errors import Param, Said, param_text, phrase
from sheets_sync.notify.mask import mask_url, scrub
from sheets_sync.notify.settings import NotifySettings
from sheets_sync.notify.sign import headers as signed_headers

MAX_ANSWER = 64 * 1024  # bytes of a webhook's answer read (to say why it refused)


class DeliveryError(Said):
    """One try failed, said by a catalogue key; ``retry``: whether another try could succeed."""

    def __init__(self, message: str | None = None, /, *, retry: bool = False,
                 key: str | None = None, params: Mapping[str, Param] | None = None) -> None:
        super().__init__(message, key=key, params=params)
        self.retry = retry


@dataclass(frozen=True)
class Delivery:
    channel: str  # "email", "slack", "telegram"
    target: str  # masked
    ok: bool
    attempts: int
    detail: str | None  # why it failed, masked (English)
    said: dict[str, Any] | None = None  # the same as a catalogue phrase, masked (any language)


def refused(channel: str, target: str, key: str, /, **params: Param) -> Delivery:
    """Not tried at all: a setting it needs is missing (the record says which)."""
    said = phrase(key, **params)
    return Delivery(channel, target, False, 0, param_text(said), said)


def _masked(value: Any, secrets: Sequence[str]) -> Any:
    """A phrase's parameters with every secret masked, however deep."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, Mapping):
        return {k: _masked(v, secrets) for k, v in value.items()}
    return value


def with_retries(cfg: NotifySettings, channel: str, target: str,
                 send: Callable[[], None], sleep: Callable[[float], None] = time.sleep
                 ) -> Delivery:
    """Up to ``cfg.tries`` tries of ``send``; never raises."""
    detail: str | None = None
    said: dict[str, Any] | None = None
    for attempt in range(1, cfg.tries + 1):
        try:
            send()
            return Delivery(channel, target, True, attempt, None)
        except DeliveryError as e:
            detail, retry = str(e), e.retry
            said = phrase(e.key, **e.params) if e.key is not None else None
        except Exception as e:  # a bug or an unforeseen library error: recorded, not raised
            detail, retry, said = f"{e.__class__.__name__}: {e}", False, None
        if not retry or attempt == cfg.tries:
            secrets = cfg.secrets()
            return Delivery(channel, target, False, attempt, scrub(detail, secrets),
                            _masked(said, secrets))
        sleep(cfg.backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable")  # the loop returns on its last try


# --- e-mail ----------------------------------------------------------------------------------

def mail(cfg: NotifySettings, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """A multipart/alternative message: the plain text first, the HTML preferred."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = cfg.sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=(cfg.sender.rpartition("@")[2] or None))
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def _smtp_try(cfg: NotifySettings, msg: EmailMessage) -> None:
    if not cfg.smtp_host:
        raise DeliveryError(key="error.notify_no_smtp", retry=False)
    try:
        smtp: smtplib.SMTP
        if cfg.smtp_ssl:
            smtp = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout)
        with smtp:
            if cfg.smtp_starttls and not cfg.smtp_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.smtp_user:
                smtp.login(cfg.smtp_user, cfg.smtp_password or "")
            smtp.send_message(msg)
    except smtplib.SMTPNotSupportedError as e:
        raise DeliveryError(key="error.notify_smtp_unsupported",
                            params={"host": cfg.smtp_host, "why": str(e)}, retry=False) from None
    except smtplib.SMTPAuthenticationError as e:
        raise DeliveryError(key="error.notify_smtp_login", params={
            "host": cfg.smtp_host, "user": cfg.smtp_user, "code": e.smtp_code}, retry=False) \
            from None
    except smtplib.SMTPRecipientsRefused as e:
        codes = sorted({code for code, _ in e.recipients.values()})
        raise DeliveryError(key="error.notify_smtp_address", params={
            "addresses": ", ".join(e.recipients), "codes": ", ".join(map(str, codes))},
            retry=all(400 <= c < 500 for c in codes)) from None
    except smtplib.SMTPResponseException as e:
        answer = e.smtp_error.decode("utf-8", "replace") if isinstance(
            e.smtp_error, bytes) else str(e.smtp_error)
        raise DeliveryError(key="error.notify_smtp_answer",
                            params={"code": e.smtp_code, "answer": answer},
                            retry=400 <= e.smtp_code < 500) from None
    except (smtplib.SMTPException, OSError) as e:
        raise DeliveryError(key="error.notify_smtp_unreachable", params={
            "host": cfg.smtp_host, "port": cfg.smtp_port, "why": f"{e.__class__.__name__}: {e}"},
            retry=True) from None


def send_mail(cfg: NotifySettings, msg: EmailMessage, *,
              sleep: Callable[[float], None] = time.sleep) -> Delivery:
    return with_retries(cfg, "email", str(msg["To"]), lambda: _smtp_try(cfg, msg), sleep)


# --- webhooks --------------------------------------------------------------------------------

def host_allowed(cfg: NotifySettings, url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in cfg.allowed_hosts


def _post_try(cfg: NotifySettings, url: str, body: bytes, channel: str) -> None:
    parts = urlsplit(url)
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port,
                                           timeout=cfg.timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=cfg.timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = {"Content-Type": "application/json; charset=utf-8",
            "User-Agent": "funnel-kpi-notify/1", **signed_headers(cfg.webhook_secret or "", body)}
    where = mask_url(url)
    try:
        conn.request("POST", path, body=body, headers=head)
        resp = conn.getresponse()
        answer = resp.read(MAX_ANSWER)
    except TimeoutError:
        raise DeliveryError(key="error.notify_hook_timeout",
                            params={"where": where, "seconds": f"{cfg.timeout:g}"},
                            retry=True) from None
    except (OSError, http.client.HTTPException) as e:
        raise DeliveryError(key="error.notify_hook_unreachable",
                            params={"where": where, "why": f"{e.__class__.__name__}: {e}"},
                            retry=True) from None
    finally:
        conn.close()
    if 200 <= resp.status < 300:
        return
    said = _why(answer, channel)
    raise DeliveryError(key="error.notify_hook_refused",
                        params={"where": where, "status": str(resp.status), "said": said},
                        retry=resp.status == 429 or resp.status >= 500)


def _why(answer: bytes, channel: str) -> str:
    """The reason a webhook gives for a refusal (Telegram's ``description``, Slack's text)."""
    text = answer.decode("utf-8", "replace").strip()
    if channel == "telegram":
        with contextlib.suppress(ValueError, AttributeError):  # not Telegram's JSON
            text = str(json.loads(text).get("description") or "")
    return f": {text[:300]}" if text else ""


def post_webhook(cfg: NotifySettings, channel: str, url: str, target: str,
                 payload: dict[str, object], *,
                 sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """POST ``payload`` as signed JSON to ``url``; ``target`` is what the record shows."""
    if not cfg.webhook_secret:
        return refused(channel, target, "error.notify_no_secret")
    body = json.dumps(payload, ensure_ascii=False).encode()
    return with_retries(cfg, channel, target, lambda: _post_try(cfg, url, body, channel), sleep)


def telegram_url(cfg: NotifySettings) -> str | None:
    if not cfg.telegram_token:
        return None
    return f"{cfg.telegram_api}/bot{cfg.telegram_token}/sendMessage"


__all__ = ["Delivery", "DeliveryError", "host_allowed", "mail", "post_webhook", "send_mail",
           "telegram_url", "with_retries"]
