"""Who is calling: a bearer token on the API, a signed-in session on the dashboard.

The dashboard's sign-in takes the same tokens; the session keeps the token's id (never the token)
and every request checks that the token is still live, so revoking a token signs its users out.
Every request made with a live token counts against that token's rate limit; unknown tokens and
failed sign-ins count against the caller's address, which stops guessing (see ratelimit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, request, session, url_for

from sheets_sync.app.errors import ApiError
from sheets_sync.app.ratelimit import check_failed_auth, check_token, failed_auth_blocked, too_many
from sheets_sync.app.store_ext import db, get_store
from sheets_sync.store.models import ApiToken
from sheets_sync.store.tokens import TokenInfo, info, verify_token

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require_token(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        secret = bearer_token()
        if secret is None:
            raise ApiError(401, "unauthorized", "error.http_401",
                           headers={"WWW-Authenticate": "Bearer"})
        wait = failed_auth_blocked()
        if wait is not None:  # this address has guessed too often: no more tries for now
            raise too_many(wait)
        token = verify_token(get_store().engine, secret)
        if token is None:
            check_failed_auth()
            raise ApiError(401, "invalid_token", "error.api_bad_token",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        check_token(token.id)
        g.token = token
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def signed_in_token() -> TokenInfo | None:
    token_id = session.get("token_id")
    if not isinstance(token_id, int):
        return None
    row = db().get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        session.pop("token_id", None)
        return None
    return info(row)


def sign_in(token: TokenInfo) -> None:
    session.clear()  # a new session on sign-in: no fixation of an earlier one
    session["token_id"] = token.id


def require_sign_in(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = signed_in_token()
        if token is None:
            return redirect(url_for("dashboard.signin", next=request.full_path.rstrip("?")))
        check_token(token.id)
        g.token = token
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
