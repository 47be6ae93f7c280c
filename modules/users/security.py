"""Password hashing (Argon2id through pwdlib) and access tokens (JWT, HS256).

Nothing here leaves the module: other modules authenticate callers through the
``current_user`` dependency that the front door exports.
"""

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

TOKEN_AUDIENCE = "hobbymatch"  # noqa: S105 (a claim value, not a secret)
TOKEN_ALGORITHM = "HS256"  # noqa: S105 (an algorithm name, not a secret)

# "standard" is pwdlib's Argon2id default (64 MiB, 3 passes, 4 lanes: about 0.15 s here);
# "fast" (64 KiB, 1 pass) exists for the test kit only, and production settings refuse it.
HashCost = Literal["standard", "fast"]
_HASHERS: dict[HashCost, Argon2Hasher] = {
    "standard": Argon2Hasher(),
    "fast": Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1),
}


class InvalidTokenError(Exception):
    """The token is missing a claim, expired, forged, or for another audience."""


def hash_password(password: str, *, cost: HashCost) -> str:
    """Hash ``password`` with Argon2id and a fresh salt, at ``cost``."""
    return _password_hash(cost).hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (its cost is read from the hash)."""
    return _password_hash("standard").verify(password, password_hash)


def verify_against_dummy(password: str, *, cost: HashCost) -> None:
    """Spend the time of one verification, so that an unknown email answers as slowly as a
    wrong password and cannot be told apart by timing."""
    _password_hash(cost).verify(password, _dummy_hash(cost))


@cache
def _password_hash(cost: HashCost) -> PasswordHash:
    return PasswordHash((_HASHERS[cost],))


@cache
def _dummy_hash(cost: HashCost) -> str:
    return _password_hash(cost).hash(uuid.uuid4().hex)


def issue_token(
    *, user_id: uuid.UUID, token_version: int, secret_key: str, lifetime: timedelta
) -> str:
    """Sign a token for ``user_id`` that expires after ``lifetime``."""
    claims = {"sub": str(user_id), "ver": token_version}
    return _signed(claims, secret_key, TOKEN_AUDIENCE, lifetime)


def _signed(claims: dict[str, Any], secret_key: str, audience: str, lifetime: timedelta) -> str:
    # claims, for audience, issued now and expiring after lifetime, signed with secret_key.
    now = datetime.now(UTC)
    stamped = {**claims, "aud": audience, "iat": now, "exp": now + lifetime}
    return jwt.encode(stamped, secret_key, algorithm=TOKEN_ALGORITHM)


def read_token(token: str, *, secret_key: str) -> tuple[uuid.UUID, int]:
    """Check ``token``'s signature, audience and expiry; return its user id and token version.

    :raises InvalidTokenError: anything about the token is wrong.
    """
    claims = _checked_claims(token, secret_key, TOKEN_AUDIENCE, required=["sub", "ver"])
    try:
        return uuid.UUID(claims["sub"]), int(claims["ver"])
    except (ValueError, TypeError) as error:
        raise InvalidTokenError(str(error)) from None


def _checked_claims(
    token: str, secret_key: str, audience: str, *, required: list[str]
) -> dict[str, Any]:
    # The claims of a token signed with secret_key for audience, unexpired, holding required.
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret_key,
            algorithms=[TOKEN_ALGORITHM],
            audience=audience,
            options={"require": [*required, "aud", "exp"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidTokenError(str(error)) from None
    return claims


RESET_AUDIENCE = "hobbymatch:password-reset"


def issue_reset_token(
    *, user_id: uuid.UUID, password_hash: str, secret_key: str, lifetime: timedelta
) -> str:
    """Sign a password-reset token for ``user_id``, valid for ``lifetime`` and only while the
    password is the one hashed as ``password_hash``: using it, or any other change of the
    password, ends it (so it is single-use)."""
    claims = {
        "sub": str(user_id),
        "pwd": password_fingerprint(password_hash, secret_key=secret_key),
    }
    return _signed(claims, secret_key, RESET_AUDIENCE, lifetime)


def read_reset_token(token: str, *, secret_key: str) -> tuple[uuid.UUID, str]:
    """Check a reset token's signature, audience and expiry; its user id and the fingerprint
    of the password it may replace.

    :raises InvalidTokenError: anything about the token is wrong.
    """
    claims = _checked_claims(token, secret_key, RESET_AUDIENCE, required=["sub", "pwd"])
    try:
        return uuid.UUID(claims["sub"]), str(claims["pwd"])
    except (ValueError, TypeError) as error:
        raise InvalidTokenError(str(error)) from None


def password_fingerprint(password_hash: str, *, secret_key: str) -> str:
    """A keyed digest of ``password_hash``: it changes whenever the password does, and tells
    nothing about the hash to whoever reads a token."""
    return _fingerprint(password_hash, secret_key)


def _fingerprint(value: str, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


ADDRESS_AUDIENCE = "hobbymatch:address-check"


def issue_address_token(
    *,
    user_id: uuid.UUID,
    address: str,
    current_address: str,
    secret_key: str,
    lifetime: timedelta,
) -> str:
    """Sign a token proving that whoever holds it reads mail at ``address``: it verifies
    ``address`` as ``user_id``'s, valid for ``lifetime`` and only while the account's address
    is still ``current_address`` (the same one for a sign-up's check, the old one for a
    change), so that a change of the address ends every earlier link."""
    claims = {
        "sub": str(user_id),
        "adr": address,
        "cur": _fingerprint(current_address, secret_key),
    }
    return _signed(claims, secret_key, ADDRESS_AUDIENCE, lifetime)


def read_address_token(token: str, *, secret_key: str) -> tuple[uuid.UUID, str, str]:
    """Check an address token's signature, audience and expiry; its user id, the address it
    verifies, and the fingerprint of the address the account must still have.

    :raises InvalidTokenError: anything about the token is wrong.
    """
    claims = _checked_claims(token, secret_key, ADDRESS_AUDIENCE, required=["sub", "adr", "cur"])
    try:
        return uuid.UUID(claims["sub"]), str(claims["adr"]), str(claims["cur"])
    except (ValueError, TypeError) as error:
        raise InvalidTokenError(str(error)) from None


def address_fingerprint(address: str, *, secret_key: str) -> str:
    """The keyed digest of an account's address that an address token carries."""
    return _fingerprint(address, secret_key)
