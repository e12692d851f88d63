"""The service accounts syncs use, and which one a job uses.

Each account is a key file (``SHEETS_SYNC_SERVICE_ACCOUNTS``); its e-mail names it and its
project decides which project quota it draws on. With no list, the one account of
``GOOGLE_APPLICATION_CREDENTIALS`` (or gspread's default key) is used, as before. With
``SHEETS_EMULATOR_HOST`` set, an entry that is not a file is a name: the emulator counts its
quota per bearer token, and each account sends its name as its token.

A job keeps the account it was given (``sync_jobs.service_account``), so the e-mail its
spreadsheet must be shared with does not change when accounts are added.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sheets_sync.errors import SettingsError

DEFAULT_NAME = "default"
EMULATOR_PROJECT = "emulator"


@dataclass(frozen=True)
class ServiceAccount:
    name: str  # the account's e-mail, or its name in the emulator
    project: str  # the Google Cloud project whose quota it shares with the project's others
    key_file: str | None = None


def from_key_file(path: str) -> ServiceAccount:
    try:
        with open(path, encoding="utf-8") as f:
            key = json.load(f)
    except OSError as e:
        raise SettingsError.say("error.key_unreadable", path=str(path), why=e.strerror or e) from e
    except ValueError as e:
        raise SettingsError.say("error.key_not_json", path=str(path)) from e
    email = key.get("client_email") if isinstance(key, dict) else None
    if not isinstance(email, str) or not email:
        raise SettingsError.say("error.key_no_email", path=str(path))
    project = key.get("project_id")
    return ServiceAccount(email, str(project) if project else DEFAULT_NAME, path)


def load_accounts(entries: Sequence[str], env: Mapping[str, str] | None = None
                  ) -> tuple[ServiceAccount, ...]:
    env = env if env is not None else os.environ
    emulated = bool(env.get("SHEETS_EMULATOR_HOST", "").strip())
    if not entries:
        path = env.get("GOOGLE_APPLICATION_CREDENTIALS")
        if path and Path(path).is_file() and not emulated:
            return (from_key_file(path),)
        return (ServiceAccount(DEFAULT_NAME, EMULATOR_PROJECT if emulated else DEFAULT_NAME,
                               path or None),)
    accounts: list[ServiceAccount] = []
    for entry in entries:
        if Path(entry).is_file():
            account = from_key_file(entry)
            if emulated:
                account = ServiceAccount(account.name, EMULATOR_PROJECT, entry)
        elif emulated:
            account = ServiceAccount(entry, EMULATOR_PROJECT)
        else:
            raise SettingsError.say("error.key_not_file", entry=repr(entry))
        if any(a.name == account.name for a in accounts):
            raise SettingsError.say("error.account_twice", name=account.name)
        accounts.append(account)
    return tuple(accounts)


def assign(accounts: Sequence[ServiceAccount], job_id: int, current: str | None
           ) -> ServiceAccount:
    """The job's account: the one it has while it is still configured, else the next in turn
    (job ids count up, so jobs made together land on different accounts)."""
    for account in accounts:
        if account.name == current:
            return account
    return accounts[job_id % len(accounts)]
