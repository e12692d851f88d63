"""Google access for scheduled syncs: the service accounts, the limiter in front of them, and a
gspread client per account and thread (a client holds an OAuth token and a connection pool, so
it is worth keeping; a requests session is not shared between threads).

The service's long-running commands (serve, scheduler, worker) install one ``GoogleAccess``
for their process with ``install(from_settings(...))``; the runner uses the installed one. With
none installed (the library, most tests) a sync opens its backend as it always did: one
account, no limiter.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from google.auth.exceptions import GoogleAuthError

from sheets_sync.errors import SourceError
from sheets_sync.executor.settings import ScaleSettings, SettingsError
from sheets_sync.quota.accounts import ServiceAccount, assign, load_accounts
from sheets_sync.quota.limiter import Kind, Limiter, MemoryLimiter, Quotas

if TYPE_CHECKING:
    import gspread

    from sheets_sync.backends.base import Backend


class GoogleAccess:
    def __init__(self, accounts: Sequence[ServiceAccount], limiter: Limiter | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        if not accounts:
            raise ValueError("at least one service account is needed")
        self.accounts = tuple(accounts)
        self.limiter = limiter
        self.env = dict(env if env is not None else os.environ)
        self._local = threading.local()

    def account_for(self, job_id: int, current: str | None) -> ServiceAccount:
        return assign(self.accounts, job_id, current)

    def client(self, account: ServiceAccount) -> gspread.Client:
        from sheets_sync.google_client import make_client

        cache: dict[str, gspread.Client] = self._local.__dict__.setdefault("clients", {})
        client = cache.get(account.name)
        if client is None:
            try:
                client = make_client(self.env, credentials_file=account.key_file,
                                     emulator_token=account.name)
            except (ValueError, KeyError, TypeError, OSError, GoogleAuthError) as e:
                # the error's own text could quote the key: name the file and the kind only
                raise SourceError(
                    f"The key of the service account {account.name} "
                    f"({account.key_file or 'the default path'}) cannot be used "
                    f"({type(e).__name__}): download a new JSON key for it.") from None
            cache[account.name] = client
        return client

    def throttle(self, account: ServiceAccount) -> Callable[[str], float] | None:
        limiter = self.limiter
        if limiter is None:
            return None

        def take(kind: str) -> float:
            return limiter.acquire(account, "write" if kind == "write" else "read")

        return take

    def open_backend(self, ref: str, account: ServiceAccount | None, *,
                     xlsx_root: Path | None = None) -> Backend:
        from sheets_sync.connect import is_xlsx, open_backend

        if is_xlsx(ref) or account is None:
            return open_backend(ref, xlsx_root=xlsx_root)
        from sheets_sync.backends.google import GoogleBackend

        email = account.name if "@" in account.name else None
        return GoogleBackend(self.client(account), ref, throttle=self.throttle(account),
                             account_email=email)


def make_limiter(settings: ScaleSettings) -> Limiter | None:
    if not settings.quota_enabled:
        return None
    quotas = Quotas(settings.account_reads, settings.account_writes, settings.project_reads,
                    settings.project_writes, settings.window, settings.burst, settings.margin)
    url = settings.limiter_url
    if url is None:
        return MemoryLimiter(quotas, max_wait=settings.max_wait)
    try:
        from sheets_sync.quota.redis_limiter import RedisLimiter
    except ImportError as e:
        raise SettingsError(f"Quota buckets in Redis ({url}) need the redis package: "
                            f"pip install 'funnel-kpi[scale]' ({e}).") from e

    return RedisLimiter.from_url(url, quotas, prefix=settings.key_prefix,
                                 max_wait=settings.max_wait)


def from_settings(settings: ScaleSettings, env: Mapping[str, str] | None = None) -> GoogleAccess:
    return GoogleAccess(load_accounts(settings.service_accounts, env), make_limiter(settings),
                        env)


_installed: GoogleAccess | None = None


def install(access: GoogleAccess | None) -> None:
    global _installed
    _installed = access


def installed() -> GoogleAccess | None:
    return _installed


__all__ = ["GoogleAccess", "Kind", "from_settings", "install", "installed", "make_limiter"]
