"""Password hashing (Argon2id through pwdlib) and access tokens (JWT, HS256).

Nothing here leaves the module: other modules authenticate callers through the
``current_user`` dependency that the front door exports.
"""

import uuid
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

TOKEN_AUDIENCE = "hobbymatch"  # noqa: S105 (a claim value, not a secret)
TOKEN_ALGORITHM = "HS256"  # noqa: S105 (an algorithm name, not a secret)

_password_hash = PasswordHash((Argon2Hasher(),))


class InvalidTokenError(Exception):
    """The token is missing a claim, expired, forged, or for another audience."""


def hash_password(password: str) -> str:
    """Hash ``password`` with Argon2id and a fresh salt."""
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    return _password_hash.verify(password, password_hash)


def verify_against_dummy(password: str) -> None:
    """Spend the time of one verification, so that an unknown email answers as slowly as a
    wrong password and cannot be told apart by timing."""
    _password_hash.verify(password, _dummy_hash())


@cache
def _dummy_hash() -> str:
    return _password_hash.hash(uuid.uuid4().hex)


def issue_token(
    *, user_id: uuid.UUID, token_version: int, secret_key: str, lifetime: timedelta
) -> str:
    """Sign a token for ``user_id`` that expires after ``lifetime``."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "ver": token_version,
        "aud": TOKEN_AUDIENCE,
        "iat": now,
        "exp": now + lifetime,
    }
    return jwt.encode(claims, secret_key, algorithm=TOKEN_ALGORITHM)


def read_token(token: str, *, secret_key: str) -> tuple[uuid.UUID, int]:
    """Check ``token``'s signature, audience and expiry; return its user id and token version.

    :raises InvalidTokenError: anything about the token is wrong.
    """
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[TOKEN_ALGORITHM],
            audience=TOKEN_AUDIENCE,
            options={"require": ["sub", "ver", "aud", "exp"]},
        )
        return uuid.UUID(claims["sub"]), int(claims["ver"])
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise InvalidTokenError(str(error)) from None
