"""Google access for syncs: the service accounts, the limiter in front of them, and a gspread
client per account and thread (a client holds an OAuth token and a connection pool, so it is
worth keeping; a requests session is not shared between threads).

The service's long-running commands (serve, scheduler, worker) put one ``GoogleAccess`` in
``app.extensions`` (``app/store_ext.attach_google_access``), and the runners made from that app
are given it. A runner without one (the library, most tests) opens its backends as the CLI does:
one account, no limiter.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import gspread

from sheets_sync.backends.base import Backend
from sheets_sync.connect import GoogleConnection, open_backend
from sheets_sync.errors import SettingsError
from sheets_sync.google_client import make_client
from sheets_sync.quota.accounts import ServiceAccount, assign, load_accounts
from sheets_sync.quota.limiter import Kind, Limiter, MemoryLimiter, Quotas
from sheets_sync.settings import ScaleSettings


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
        """The account's client in this thread (made once; a bad key is make_client's
        SourceError)."""
        cache: dict[str, gspread.Client] = self._local.__dict__.setdefault("clients", {})
        client = cache.get(account.name)
        if client is None:
            client = make_client(self.env, credentials_file=account.key_file,
                                 emulator_token=account.name, account=account.name)
            cache[account.name] = client
        return client

    def throttle(self, account: ServiceAccount) -> Callable[[str], float] | None:
        limiter = self.limiter
        if limiter is None:
            return None

        def take(kind: str) -> float:
            return limiter.acquire(account, "write" if kind == "write" else "read")

        return take

    def connection(self, account: ServiceAccount) -> GoogleConnection:
        email = account.name if "@" in account.name else None
        return GoogleConnection(self.client(account), self.throttle(account), email)

    def open_backend(self, ref: str, account: ServiceAccount | None, *,
                     xlsx_root: Path | None = None) -> Backend:
        """``connect.open_backend`` with the account's client and quota (none: the default)."""
        if account is None:
            return open_backend(ref, xlsx_root=xlsx_root)
        return open_backend(ref, xlsx_root=xlsx_root, google=lambda: self.connection(account))


def make_limiter(settings: ScaleSettings) -> Limiter | None:
    if not settings.quota_enabled:
        return None
    quotas = Quotas(settings.account_reads, settings.account_writes, settings.project_reads,
                    settings.project_writes, settings.window, settings.burst, settings.margin)
    url = settings.limiter_url
    if url is None:
        return MemoryLimiter(quotas, max_wait=settings.max_wait)
    try:
        from sheets_sync.quota.redis_limiter import RedisLimiter  # optional: redis
    except ImportError as e:
        raise SettingsError.say("error.needs_redis", url=url, why=e) from e
    return RedisLimiter.from_url(url, quotas, prefix=settings.key_prefix,
                                 max_wait=settings.max_wait)


def from_settings(settings: ScaleSettings, env: Mapping[str, str] | None = None) -> GoogleAccess:
    return GoogleAccess(load_accounts(settings.service_accounts, env), make_limiter(settings),
                        env)


__all__ = ["GoogleAccess", "Kind", "from_settings", "make_limiter"]
