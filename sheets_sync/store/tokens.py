"""API tokens: made once, shown once, kept only as a hash.

A token is 32 random bytes, so a plain SHA-256 is enough to keep it safe at rest (a slow password
hash protects guessable secrets; nothing here is guessable) and it allows a lookup by hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.orm import Session

from sheets_sync.store.models import ApiToken, utcnow

TOKEN_PREFIX = "sst_"  # nosec B105: a marker that tells a token apart, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=1)  # spare the database a write per request


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def info(row: ApiToken) -> TokenInfo:
    return TokenInfo(row.id, row.name, row.prefix, row.created_at, row.last_used_at,
                     row.revoked_at)


def create_token(session: Session, name: str) -> tuple[str, TokenInfo]:
    """A new token: the secret (show it once) and its record."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip() or "token", prefix=secret[:12],
                   token_hash=hash_token(secret))
    session.add(row)
    session.commit()
    return secret, info(row)


_TOKENS = ApiToken.__table__
# Core, not the ORM: a request's token check is one indexed row, and loading it as an ApiToken
# in a session cost more than the query (200 us against 40 us from the engine, in process)
_BY_HASH = select(_TOKENS.c.id, _TOKENS.c.name, _TOKENS.c.prefix, _TOKENS.c.created_at,
                  _TOKENS.c.last_used_at, _TOKENS.c.revoked_at, _TOKENS.c.token_hash
                  ).where(_TOKENS.c.token_hash == bindparam("digest"))
_USED = update(_TOKENS).where(_TOKENS.c.id == bindparam("token_id"))


def verify_token(db: Session | Engine, secret: str) -> TokenInfo | None:
    """The token's record when ``secret`` is a live token, else None. ``db``: a session, or
    the engine (the API's check on every request: one pooled connection, no session)."""
    if not secret or len(secret) > 200:
        return None
    digest = hash_token(secret)
    if isinstance(db, Engine):
        with db.connect() as conn:
            return _verify(conn, digest)
    return _verify(db, digest)


def _verify(db: Session | Connection, digest: str) -> TokenInfo | None:
    # The lookup is by SHA-256 of the secret, so its timing says nothing usable about any
    # stored token; the comparison itself is constant-time all the same.
    row = db.execute(_BY_HASH, {"digest": digest}).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest) \
            or row.revoked_at is not None:
        return None
    now, last_used = utcnow(), row.last_used_at
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        db.execute(_USED, {"token_id": row.id, "last_used_at": now})
        db.commit()
        last_used = now
    return TokenInfo(row.id, row.name, row.prefix, row.created_at, last_used, row.revoked_at)


def list_tokens(session: Session) -> list[TokenInfo]:
    return [info(r) for r in session.scalars(select(ApiToken).order_by(ApiToken.id))]


def revoke_token(session: Session, ref: str) -> TokenInfo | None:
    """Revoke by id or by the token's prefix; None when nothing matches."""
    ref = ref.strip()
    if ref.isdigit():
        row = session.get(ApiToken, int(ref))
    else:
        rows = list(session.scalars(select(ApiToken).where(ApiToken.prefix == ref[:12])))
        row = rows[0] if len(rows) == 1 else None
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
    return info(row)
