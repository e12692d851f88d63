"""The one place a gspread client is made.

With ``SHEETS_EMULATOR_HOST=host:port`` set (Google's convention for its emulators), every Google
URL gspread builds is sent to that origin over plain HTTP with a dummy bearer token; unset, the
client uses service-account credentials from ``GOOGLE_APPLICATION_CREDENTIALS`` or gspread's
default path. Retries are not here: gspread's BackOffHTTPClient never gives up, so the backend
wraps each call in bounded, jittered retries of its own (sheets_sync.retry). A key file that
cannot be used becomes one SourceError here, for the CLI and every service account alike.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import gspread
import requests
from google.auth.exceptions import GoogleAuthError
from gspread.http_client import HTTPClient

from funnel_kpi.errors import phrase
from sheets_sync.errors import SourceError

# gspread 6 builds URLs on these two origins (gspread/urls.py); the emulator serves their paths.
GOOGLE_ORIGINS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
DEFAULT_TIMEOUT = (5.0, 60.0)  # connect, read (seconds); gspread has none by default


class EmulatorSession(requests.Session):
    """A requests session that sends Google's URLs to a local emulator origin."""

    def __init__(self, host: str, token: str = "emulator") -> None:  # nosec B107: a dummy token for the local emulator
        super().__init__()
        self.origin = host if host.startswith("http") else f"http://{host}"
        self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if isinstance(url, str):
            for google in GOOGLE_ORIGINS:
                if url.startswith(google):
                    url = self.origin + url[len(google):]
                    break
        return super().request(method, url, *args, **kwargs)


def emulator_host(env: Mapping[str, str] | None = None) -> str | None:
    host = (env if env is not None else os.environ).get("SHEETS_EMULATOR_HOST", "").strip()
    return host or None


def service_account_email(env: Mapping[str, str] | None = None) -> str | None:
    """The e-mail a spreadsheet must be shared with, when it can be known without a network call."""
    env = env if env is not None else os.environ
    path = env.get("GOOGLE_APPLICATION_CREDENTIALS")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            email = json.load(f).get("client_email")
    except (OSError, ValueError):
        return None
    return email if isinstance(email, str) else None


def make_client(
    env: Mapping[str, str] | None = None,
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    credentials_file: str | None = None,
    emulator_token: str = "emulator",
    account: str | None = None,
) -> gspread.Client:
    """A gspread client for the emulator (when SHEETS_EMULATOR_HOST is set) or for Google.
    ``credentials_file`` picks one service account's key over GOOGLE_APPLICATION_CREDENTIALS;
    ``emulator_token`` is the bearer token the emulator counts its quota by (one per account);
    ``account`` names the service account in messages. A key that cannot be used is a
    SourceError naming the file and the kind of error only: the error's own text could quote
    the key, and a run's error is shown in the API, on the dashboard and in logs."""
    env = env if env is not None else os.environ
    host = emulator_host(env)
    if host:
        # gspread only refreshes credentials when it has no session of its own; with ours it
        # never touches auth, so None is safe (and no Google library tries the network).
        client = gspread.Client(
            auth=None, session=EmulatorSession(host, emulator_token),  # type: ignore[arg-type]
            http_client=HTTPClient,
        )
    else:
        path = credentials_file or env.get("GOOGLE_APPLICATION_CREDENTIALS")
        try:
            client = (gspread.service_account(filename=path) if path
                      else gspread.service_account())
        except (ValueError, KeyError, TypeError, OSError, GoogleAuthError) as e:
            where = path or phrase("error.default_key_path")
            raise SourceError.say("error.bad_key_of" if account else "error.bad_key",
                                  account=account, where=where,
                                  kind=type(e).__name__) from None
    client.set_timeout(timeout)
    return client
