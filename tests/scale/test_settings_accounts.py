"""Scale settings from the app's config layers, and service accounts from key files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sheets_sync.app import create_app
from sheets_sync.app.store_ext import get_store
from sheets_sync.errors import SettingsError
from sheets_sync.quota import ServiceAccount, assign, load_accounts
from sheets_sync.quota.access import from_settings
from sheets_sync.quota.limiter import MemoryLimiter
from sheets_sync.quota.redis_limiter import RedisLimiter
from sheets_sync.settings import ScaleSettings


def key_file(folder: Path, email: str, project: str = "funnel-prod") -> str:
    path = folder / f"{email.split('@')[0]}.json"
    path.write_text(json.dumps({"type": "service_account", "client_email": email,
                                "project_id": project, "private_key": "not used here"}))
    return str(path)


def test_defaults_keep_one_process_setup() -> None:
    s = ScaleSettings.from_config({})
    assert (s.executor, s.limiter_url, s.service_accounts) == ("inprocess", None, ())
    assert (s.account_reads, s.account_writes, s.project_reads, s.project_writes) == (
        60, 60, 300, 300)
    celery = ScaleSettings.from_config({"EXECUTOR": "Celery"})
    assert celery.limiter_url == "redis://127.0.0.1:6379/0"  # the broker holds the buckets
    own = ScaleSettings.from_config({"EXECUTOR": "celery", "QUOTA_REDIS_URL": "redis://q/1"})
    assert own.limiter_url == "redis://q/1"


def test_environment_reaches_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    monkeypatch.setenv("SHEETS_SYNC_EXECUTOR", "celery")
    monkeypatch.setenv("SHEETS_SYNC_SERVICE_ACCOUNTS", '["/k/a.json", "/k/b.json"]')
    monkeypatch.setenv("SHEETS_SYNC_QUOTA_ACCOUNT_READS", "30")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL":
                      f"sqlite:///{tmp_path / 'db.sqlite'}"})
    try:
        s = ScaleSettings.from_config(app.config)
    finally:
        get_store(app).dispose()
    assert s.executor == "celery" and s.account_reads == 30
    assert s.service_accounts == ("/k/a.json", "/k/b.json")
    assert ScaleSettings.from_config({"SERVICE_ACCOUNTS": "/k/a.json, /k/b.json"}
                                     ).service_accounts == ("/k/a.json", "/k/b.json")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("EXECUTOR", "threads", "is not an executor: use 'inprocess'"),
    ("QUOTA_ACCOUNT_READS", 0, "QUOTA_ACCOUNT_READS must be a whole number above 0"),
    ("QUOTA_BURST", "many", "QUOTA_BURST must be a whole number above 0"),
    ("QUOTA_WINDOW_SECONDS", "soon", "QUOTA_WINDOW_SECONDS must be a number of seconds"),
    ("QUOTA_ENABLED", "perhaps", "QUOTA_ENABLED must be true or false"),
    ("CELERY_BROKER_URL", "", "CELERY_BROKER_URL must be a non-empty text"),
    ("SERVICE_ACCOUNTS", 5, "must be a list of key files"),
])
def test_bad_settings_are_named(key: str, value: object, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        ScaleSettings.from_config({key: value})


def test_accounts_from_key_files(tmp_path: Path) -> None:
    a = key_file(tmp_path, "sync-a@funnel-prod.iam.gserviceaccount.com")
    b = key_file(tmp_path, "sync-b@funnel-prod.iam.gserviceaccount.com")
    c = key_file(tmp_path, "sync-c@other.iam.gserviceaccount.com", project="other")
    accounts = load_accounts([a, b, c], env={})
    assert accounts == (
        ServiceAccount("sync-a@funnel-prod.iam.gserviceaccount.com", "funnel-prod", a),
        ServiceAccount("sync-b@funnel-prod.iam.gserviceaccount.com", "funnel-prod", b),
        ServiceAccount("sync-c@other.iam.gserviceaccount.com", "other", c))
    # no list: the one account of GOOGLE_APPLICATION_CREDENTIALS, as before
    assert load_accounts([], env={"GOOGLE_APPLICATION_CREDENTIALS": a}) == (accounts[0],)
    # with the emulator, names are accounts (its quota is per bearer token)
    emulated = load_accounts(["sa-1", "sa-2"], env={"SHEETS_EMULATOR_HOST": "127.0.0.1:1"})
    assert [x.name for x in emulated] == ["sa-1", "sa-2"]
    assert {x.project for x in emulated} == {"emulator"}


@pytest.mark.parametrize(("content", "message"), [
    (None, "is not a file"),
    ("{not json", "is not a service account key \\(not JSON\\)"),
    ('{"type": "authorized_user"}', "no client_email"),
])
def test_bad_key_files_are_named(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SettingsError, match=message):
        load_accounts([str(path)], env={})


def test_the_same_account_twice_is_refused(tmp_path: Path) -> None:
    a = key_file(tmp_path, "sync-a@funnel-prod.iam.gserviceaccount.com")
    with pytest.raises(SettingsError, match="listed twice"):
        load_accounts([a, a], env={})


def test_jobs_are_spread_and_keep_their_account() -> None:
    accounts = [ServiceAccount(f"sa-{i}", "p") for i in range(3)]
    # job ids count up: consecutive jobs go to the accounts in turn
    assert [assign(accounts, job_id, None).name for job_id in range(1, 7)] == [
        "sa-1", "sa-2", "sa-0", "sa-1", "sa-2", "sa-0"]
    # a job keeps its account while it is configured, even when accounts are added
    assert assign(accounts, 1, "sa-0").name == "sa-0"
    assert assign(accounts, 4, "gone@x").name == "sa-1"  # a removed one is replaced


def test_limiter_follows_the_executor(tmp_path: Path) -> None:
    env = {"SHEETS_EMULATOR_HOST": "127.0.0.1:1"}
    memory = from_settings(ScaleSettings.from_config({}), env)
    assert isinstance(memory.limiter, MemoryLimiter)
    shared = from_settings(ScaleSettings.from_config({"EXECUTOR": "celery"}), env)
    assert isinstance(shared.limiter, RedisLimiter)
    off = from_settings(ScaleSettings.from_config({"QUOTA_ENABLED": False}), env)
    assert off.limiter is None
