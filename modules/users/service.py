"""The users module's business rules: plain functions that take a session, never HTTP."""

import hashlib
import hmac
import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

import pluggy
from sqlalchemy import ColumnElement, Select, Uuid, bindparam, delete, func, select, true, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from core import (
    PageParams,
    Platform,
    defer,
    fetch_page,
    hooks,
    send_mail,
    serialize_on,
    utc_now,
)
from modules.users.exceptions import (
    AlreadyVerifiedError,
    EmailTakenError,
    InvalidAddressTokenError,
    InvalidResetTokenError,
    NotAuthenticatedError,
    SameEmailError,
    ThrottledError,
    TooManyAddressMailsError,
    TooManyLoginAttemptsError,
    TooManyPasswordResetsError,
    TooManySignUpsError,
    UserNotFoundError,
    WrongPasswordError,
)
from modules.users.hookspecs import ProfileExtra
from modules.users.mails import (
    address_change_notice,
    address_check_mail,
    address_in_use_mail,
    password_reset_mail,
)
from modules.users.metrics import ThrottleMetrics
from modules.users.models import THROTTLE_KEY_LENGTH, LoginAttempt, User
from modules.users.restrictions import refuse_restricted
from modules.users.schemas import Token, UserCreate, UserUpdate, normalize_email
from modules.users.security import (
    InvalidTokenError,
    address_fingerprint,
    hash_password,
    issue_address_token,
    issue_reset_token,
    issue_token,
    password_fingerprint,
    read_address_token,
    read_reset_token,
    read_token,
    verify_against_dummy,
    verify_password,
)
from modules.users.settings import UsersSettings

LOGIN_WINDOW = timedelta(minutes=15)
SIGN_UP_WINDOW = timedelta(hours=1)
RESET_WINDOW = timedelta(hours=1)
RESET_LINK_LIFETIME = timedelta(hours=1)
ADDRESS_MAIL_WINDOW = timedelta(hours=1)
ADDRESS_LINK_LIFETIME = timedelta(days=2)
# Attempts older than every window count for nothing, and are deleted.
_LONGEST_WINDOW = max(LOGIN_WINDOW, SIGN_UP_WINDOW, RESET_WINDOW, ADDRESS_MAIL_WINDOW)
BAD_CREDENTIALS = "incorrect email or password"
INVALID_RESET_LINK = "this reset link is invalid, expired or used already: ask for a new one"
INVALID_ADDRESS_LINK = "this link is invalid, expired or outdated: ask for a new one"


def register_user(
    db: Session, *, data: UserCreate, client_address: str, settings: UsersSettings
) -> User:
    """Create an account, and queue the mail that asks to verify its address; the database's
    unique constraint decides between concurrent twins.

    Sign-ups are counted per client address in the database, before the password is hashed.

    :raises TooManySignUpsError: the address made too many sign-ups in the last hour.
    :raises EmailTakenError: the email is already used, in any letter case.
    """
    limits = {throttle_key("sign-up", client_address): settings.max_signups_per_address_per_hour}
    _count_attempt(
        db, limits=limits, window=SIGN_UP_WINDOW, refusal=TooManySignUpsError, now=utc_now()
    )
    user = User(
        id=uuid.uuid4(),
        email=data.email,
        password_hash=hash_password(data.password, cost=settings.password_hash_cost),
        display_name=data.display_name,
        bio=data.bio,
    )
    db.add(user)
    _defer_address_check(db, user_id=user.id, address=data.email, current_address=data.email)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise EmailTakenError("an account with this email already exists") from None
    return user


def log_in(
    db: Session, *, email: str, password: str, client_address: str, settings: UsersSettings
) -> Token:
    """Check the credentials and issue an access token; a deactivated account is reactivated.

    Failures are counted in the database per account and client address, per account (a
    much higher ceiling, for guesses spread over many addresses) and per address; past a
    limit, the attempts it covers are refused until the window has passed. A stranger's
    guesses thus lock the account only at the stranger's address (OWASP's authentication
    guidance), and a success forgets the failures from its own address.

    :raises TooManyLoginAttemptsError: too many recent failures for the account from this
        address, for the account in all, or from this address.
    :raises NotAuthenticatedError: unknown email or wrong password (the same answer for both).
    """
    email = normalize_email(email)
    pair_key = throttle_key("account-address", json.dumps([email, client_address]))
    limits = {
        pair_key: settings.max_failed_logins_per_account_and_address,
        throttle_key("account", email): settings.max_failed_logins_per_account,
        throttle_key("address", client_address): settings.max_failed_logins_per_address,
    }
    attempts = _count_attempt(
        db, limits=limits, window=LOGIN_WINDOW, refusal=TooManyLoginAttemptsError, now=utc_now()
    )
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        verify_against_dummy(password, cost=settings.password_hash_cost)
    if user is None or not verify_password(password, user.password_hash):
        raise NotAuthenticatedError(BAD_CREDENTIALS)
    refuse_restricted(db, user)
    db.execute(
        delete(LoginAttempt).where((LoginAttempt.key == pair_key) | LoginAttempt.id.in_(attempts))
    )
    if not user.is_active:
        user.is_active = True
        hooks(db).users_user_reactivated(db=db, user_id=user.id)
    db.commit()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    token = issue_token(
        user_id=user.id,
        token_version=user.token_version,
        secret_key=settings.signing_key,
        lifetime=lifetime,
    )
    return Token(access_token=token, expires_in=int(lifetime.total_seconds()))


def throttle_key(kind: str, value: str) -> str:
    """The key under which attempts of ``kind`` for ``value`` (an email, an address, a pair of
    them as JSON) are counted.

    A value that the key column cannot store as it is (too long, or holding a NUL character,
    as a forwarded address may) is counted under its SHA-256 digest instead.
    """
    key = f"{kind}:{value}"
    if len(key) <= THROTTLE_KEY_LENGTH and "\x00" not in key:
        return key
    return f"{kind}:sha256:{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()}"


def user_for_token(db: Session, *, token: str, settings: UsersSettings) -> User:
    """Return the active user that ``token`` was issued to, under their current password.

    :raises NotAuthenticatedError: the token is invalid, expired, or outdated, or its user is
        gone or inactive.
    """
    try:
        user_id, token_version = read_token(token, secret_key=settings.signing_key)
    except InvalidTokenError:
        raise NotAuthenticatedError("invalid or expired token") from None
    user = db.get(User, user_id)
    if user is None or not user.is_active or user.token_version != token_version:
        raise NotAuthenticatedError("invalid or expired token")
    return user


def get_user(
    db: Session,
    *,
    user_id: uuid.UUID,
    viewer_id: uuid.UUID | None = None,
    as_seen_by: uuid.UUID | None = None,
) -> User:
    """Return the active user with ``user_id``, in one query.

    :param viewer_id: who is asking: a user hidden from them either way (``hidden_from``) is
        reported missing; the query is the same whether or not they are.
    :param as_seen_by: who is asking, where only those gone for them (``gone_for``: who
        blocked them) are reported missing, and the people they hid stay reachable. Those are
        read first, so that one gone for them runs the same statements as a deleted account.
    :raises UserNotFoundError: no active user has that id (or it is hidden from the viewer).
    """
    missing = gone_for(db, as_seen_by) if as_seen_by is not None else frozenset()
    queries = _queries(db)
    if viewer_id is None:
        user = db.scalar(queries.active_user, {"user_id": user_id})
    else:
        user = db.scalar(queries.visible_user, {"user_id": user_id, "viewer_id": viewer_id})
    if user is None or user_id in missing:
        raise UserNotFoundError("user not found")
    return user


def read_profile(
    db: Session, *, user_id: uuid.UUID, viewer_id: uuid.UUID
) -> tuple[User, dict[str, object]]:
    """Return the active user with ``user_id`` as :func:`get_user` would for ``viewer_id``, and
    what every ``users_profile_extras`` implementation adds to their profile, in one query.

    :raises UserNotFoundError: no active user has that id (or it is hidden from the viewer).
    """
    queries = _queries(db)
    row = db.execute(queries.profile, {"user_id": user_id, "viewer_id": viewer_id}).first()
    if row is None:
        raise UserNotFoundError("user not found")
    values = iter(row[1:])
    extras = {
        name: extra.shape(*islice(values, len(extra.columns)))
        for name, extra in queries.extras.items()
    }
    return row[0], extras


def users_by_id(db: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
    """The users with these ids (active or not), by id, in one query; none for no ids."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {user.id: user for user in db.scalars(select(User).where(User.id.in_(wanted)))}


def hidden_from(db: Session, user_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """The people hidden from ``user_id``, as every ``users_hidden_from`` implementation says,
    in one query (none when no module answers)."""
    hidden = _queries(db).hidden
    return frozenset() if hidden is None else frozenset(db.scalars(hidden, {"viewer_id": user_id}))


def not_hidden_from(
    db: Session,
    user_id: uuid.UUID,
    column: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID],
) -> ColumnElement[bool]:
    """A SQL condition, true when the user id in ``column`` is none of the people hidden from
    ``user_id``: :func:`hidden_from` folded into the caller's query, with no read of its own."""
    hidden = _queries(db).hidden
    if hidden is None:
        return true()
    return column.not_in(hidden.params(viewer_id=user_id))


def gone_for(db: Session, user_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """The people who must look to ``user_id`` like deleted accounts, as every
    ``users_gone_for`` implementation says, in one query (none when no module answers)."""
    gone = _queries(db).gone
    return frozenset() if gone is None else frozenset(db.scalars(gone, {"viewer_id": user_id}))


@dataclass(frozen=True)
class _Queries:
    """The users module's statements that other modules' extension points shape, built once
    for the set of ``implementations`` and run with bound ids (``:user_id``, ``:viewer_id``):
    building a statement costs more than running it. Kept on the app's platform."""

    implementations: tuple[object, ...]
    hidden: Select[uuid.UUID] | None
    gone: Select[uuid.UUID] | None
    active_user: Select[User]
    visible_user: Select[User]
    profile: Select[Any]
    extras: dict[str, ProfileExtra]


def _queries(db: Session) -> _Queries:
    platform = Platform.of(db)
    relay = platform.hook
    callers = (relay.users_hidden_from, relay.users_gone_for, relay.users_profile_extras)
    implementations = tuple(impl.function for caller in callers for impl in caller.get_hookimpls())
    built = platform.find_state(_Queries)
    if built is None or built.implementations != implementations:  # a plugin came or went
        built = _build_queries(relay, implementations)
        platform.keep(built)
    return built


def _build_queries(relay: pluggy.HookRelay, implementations: tuple[object, ...]) -> _Queries:
    viewer_id = bindparam("viewer_id", type_=Uuid())
    hidden = _union(relay.users_hidden_from(user_id=viewer_id))
    gone = _union(relay.users_gone_for(user_id=viewer_id))
    extras: dict[str, ProfileExtra] = {}
    for answer in relay.users_profile_extras(user_id=User.id):
        extras.update(answer or {})
    active = select(User).where(User.id == bindparam("user_id"), User.is_active.is_(True))
    visible = active if hidden is None else active.where(User.id.not_in(hidden))
    columns = [column for extra in extras.values() for column in extra.columns]
    return _Queries(
        implementations=implementations,
        hidden=hidden,
        gone=gone,
        active_user=active,
        visible_user=visible,
        profile=visible.add_columns(*columns),
        extras=extras,
    )


def _union(selects: Iterable[Select[uuid.UUID] | None]) -> Select[uuid.UUID] | None:
    answered = [selected for selected in selects if selected is not None]
    if len(answered) <= 1:
        return answered[0] if answered else None
    return select(union(*answered).subquery().c[0])


def hide_from_each_other(db: Session, *, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """Tell every module that the two are now hidden from each other (``users_hidden_pair``),
    so that each ends what links them, in the caller's transaction (not committed here)."""
    hooks(db).users_hidden_pair(db=db, user_id=user_id, other_user_id=other_user_id)


def list_users(
    db: Session, *, query: str | None, page: PageParams, viewer_id: uuid.UUID
) -> tuple[list[User], int]:
    """Return one page of active users not hidden from ``viewer_id``, by display name then id,
    and how many match in all.

    :param query: keep only display names containing it, ignoring case.
    """
    condition = User.is_active.is_(True) & not_hidden_from(db, viewer_id, User.id)
    if query:
        condition = condition & func.lower(User.display_name).contains(
            query.lower(), autoescape=True
        )
    statement = select(User).where(condition).order_by(func.lower(User.display_name), User.id)
    return fetch_page(db, statement, page)


def update_profile(db: Session, *, user: User, changes: UserUpdate) -> User:
    """Apply the fields present in ``changes`` to ``user``'s profile."""
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    db.commit()
    return user


def change_password(
    db: Session,
    *,
    user: User,
    current_password: str,
    new_password: str,
    settings: UsersSettings,
) -> None:
    """Replace the password; every token issued before stops working.

    :raises WrongPasswordError: ``current_password`` is wrong.
    """
    if not verify_password(current_password, user.password_hash):
        raise WrongPasswordError("the current password is wrong")
    user.password_hash = hash_password(new_password, cost=settings.password_hash_cost)
    user.token_version += 1
    db.commit()


def delete_user(db: Session, *, user: User) -> None:
    """Delete the account; the database removes what every module keeps for it (cascade), and
    the ``users_user_deleted`` event runs in the same transaction."""
    db.execute(delete(User).where(User.id == user.id))
    hooks(db).users_user_deleted(db=db, user_id=user.id)
    db.commit()


def deactivate_user(db: Session, *, user: User) -> None:
    """Hide the account from every listing and match and end its tokens, keeping its data;
    the ``users_user_deactivated`` event runs in the same transaction. Signing in with the
    account's password reactivates it."""
    user.is_active = False
    user.token_version += 1
    hooks(db).users_user_deactivated(db=db, user_id=user.id)
    db.commit()


def request_password_reset(
    db: Session, *, email: str, client_address: str, settings: UsersSettings
) -> None:
    """Queue the mail with a reset link for ``email``'s account, if there is one.

    The request does the same work whether or not the address has an account (the job looks
    it up), so that neither its answer nor its time tells. Counted per address and per client.

    :raises TooManyPasswordResetsError: too many resets asked for this address, or from this
        client, in the last hour.
    """
    email = normalize_email(email)
    limits = {
        throttle_key("reset-email", email): settings.max_password_resets_per_email,
        throttle_key("reset-address", client_address): settings.max_password_resets_per_address,
    }
    _count_attempt(
        db, limits=limits, window=RESET_WINDOW, refusal=TooManyPasswordResetsError, now=utc_now()
    )
    defer(db, "users.send_password_reset", {"email": email})
    db.commit()


def send_password_reset(db: Session, *, email: str, settings: UsersSettings) -> None:
    """Mail ``email``'s account a link that resets its password within the hour; nothing if no
    account has the address."""
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        return
    token = issue_reset_token(
        user_id=user.id,
        password_hash=user.password_hash,
        secret_key=settings.signing_key,
        lifetime=RESET_LINK_LIFETIME,
    )
    link = f"{Platform.of(db).settings.public_url}/auth/password-reset/confirm?token={token}"
    send_mail(db, password_reset_mail(to=user.email, name=user.display_name, link=link))


def reset_password(db: Session, *, token: str, new_password: str, settings: UsersSettings) -> None:
    """Set the password of the account ``token`` was mailed to; every access token and live
    stream of the account ends, and so does the reset token.

    :raises InvalidResetTokenError: the token is forged, expired, used, or outdated by a
        change of the password.
    """
    try:
        user_id, fingerprint = read_reset_token(token, secret_key=settings.signing_key)
    except InvalidTokenError:
        raise InvalidResetTokenError(INVALID_RESET_LINK) from None
    user = db.get(User, user_id, with_for_update=True)
    current = (
        password_fingerprint(user.password_hash, secret_key=settings.signing_key) if user else ""
    )
    if user is None or not hmac.compare_digest(fingerprint, current):
        raise InvalidResetTokenError(INVALID_RESET_LINK)
    user.password_hash = hash_password(new_password, cost=settings.password_hash_cost)
    user.token_version += 1
    db.commit()


def request_address_check(db: Session, *, user: User, settings: UsersSettings) -> None:
    """Queue a new mail with a link that verifies ``user``'s address (the first may be lost,
    or its two days over). Counted per account.

    :raises AlreadyVerifiedError: the address is verified already.
    :raises TooManyAddressMailsError: the account asked too often in the last hour.
    """
    if user.email_verified:
        raise AlreadyVerifiedError("your address is verified already")
    limits = {throttle_key("address-account", str(user.id)): settings.max_address_mails_per_account}
    _count_attempt(
        db,
        limits=limits,
        window=ADDRESS_MAIL_WINDOW,
        refusal=TooManyAddressMailsError,
        now=utc_now(),
    )
    _defer_address_check(db, user_id=user.id, address=user.email, current_address=user.email)
    db.commit()


def change_email(
    db: Session, *, user: User, email: str, current_password: str, settings: UsersSettings
) -> None:
    """Ask to move ``user``'s account to ``email``: a mail to it with a link that makes the
    change, and a notice to the current address. The address changes only once the link is
    followed; whether ``email`` has an account already, only its own mail tells.

    Counted per account (a wrong password included, so that a stolen token cannot guess the
    password here) and per new address, before the password is checked.

    :raises TooManyAddressMailsError: too many changes asked for by this account, or to this
        address, in the last hour.
    :raises WrongPasswordError: ``current_password`` is wrong.
    :raises SameEmailError: the account has this address already.
    """
    limits = {
        throttle_key("address-account", str(user.id)): settings.max_address_mails_per_account,
        throttle_key("address-email", email): settings.max_address_mails_per_email,
    }
    _count_attempt(
        db,
        limits=limits,
        window=ADDRESS_MAIL_WINDOW,
        refusal=TooManyAddressMailsError,
        now=utc_now(),
    )
    if not verify_password(current_password, user.password_hash):
        raise WrongPasswordError("the current password is wrong")
    if email == user.email:
        raise SameEmailError("this is your address already")
    _defer_address_check(db, user_id=user.id, address=email, current_address=user.email)
    defer(
        db,
        "users.tell_old_address",
        {"user_id": str(user.id), "old_address": user.email, "new_address": email},
    )
    db.commit()


def _defer_address_check(
    db: Session, *, user_id: uuid.UUID, address: str, current_address: str
) -> None:
    # In the caller's transaction: a sign-up or change that rolls back mails nothing.
    payload = {"user_id": str(user_id), "address": address, "current_address": current_address}
    defer(db, "users.send_address_check", payload)


def send_address_check(
    db: Session, *, user_id: uuid.UUID, address: str, current_address: str, settings: UsersSettings
) -> None:
    """Mail ``address`` a link that verifies it as ``user_id``'s address, valid two days and
    only while the account's address is ``current_address``: nothing if the account is gone or
    its address changed since; to an address that has an account of its own, a mail saying so
    instead."""
    user = db.get(User, user_id)
    if user is None or user.email != current_address:
        return
    is_change = address != current_address
    if is_change and db.scalar(select(User.id).where(User.email == address)) is not None:
        send_mail(db, address_in_use_mail(to=address))
        return
    token = issue_address_token(
        user_id=user.id,
        address=address,
        current_address=current_address,
        secret_key=settings.signing_key,
        lifetime=ADDRESS_LINK_LIFETIME,
    )
    link = f"{Platform.of(db).settings.public_url}/auth/verify-email?token={token}"
    mail = address_check_mail(to=address, name=user.display_name, link=link, is_change=is_change)
    send_mail(db, mail)


def tell_old_address(
    db: Session, *, user_id: uuid.UUID, old_address: str, new_address: str
) -> None:
    """Tell ``old_address`` that its account asked to move to ``new_address``; nothing if the
    account is gone."""
    user = db.get(User, user_id)
    if user is None:
        return
    notice = address_change_notice(to=old_address, name=user.display_name, new_address=new_address)
    send_mail(db, notice)


def verify_address(db: Session, *, token: str, settings: UsersSettings) -> None:
    """Verify the address that ``token`` was mailed to: the account's own (its sign-up check,
    again a no-op once done), or the one it asked to change to, which becomes its address.

    :raises InvalidAddressTokenError: the token is forged or expired, the account is gone or
        its address changed since the token was mailed, or another account took the new
        address meanwhile.
    """
    try:
        user_id, address, fingerprint = read_address_token(token, secret_key=settings.signing_key)
    except InvalidTokenError:
        raise InvalidAddressTokenError(INVALID_ADDRESS_LINK) from None
    user = db.get(User, user_id, with_for_update=True)
    current = address_fingerprint(user.email, secret_key=settings.signing_key) if user else ""
    if user is None or not hmac.compare_digest(fingerprint, current):
        raise InvalidAddressTokenError(INVALID_ADDRESS_LINK)
    if user.email == address and user.email_verified:
        return
    user.email = address
    user.email_verified_at = utc_now()
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise InvalidAddressTokenError("another account has this address now") from None


def _count_attempt(
    db: Session,
    *,
    limits: dict[str, int],
    window: timedelta,
    refusal: type[ThrottledError],
    now: datetime,
) -> list[int]:
    # Counted before the costly work (a password hash) and under a lock per key, so that
    # parallel attempts cannot all pass the limit by counting before any is recorded. The
    # caller may delete the rows (returned by id) again: a successful login does.
    for key in sorted(limits):
        serialize_on(db, f"users.throttle:{key}")
    _refuse_over_limit(db, limits=limits, window=window, refusal=refusal, now=now)
    db.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= now - _LONGEST_WINDOW))
    attempts = [LoginAttempt(key=key, attempted_at=now) for key in limits]
    db.add_all(attempts)
    db.commit()
    return [attempt.id for attempt in attempts]


def _refuse_over_limit(
    db: Session,
    *,
    limits: dict[str, int],
    window: timedelta,
    refusal: type[ThrottledError],
    now: datetime,
) -> None:
    for key, limit in limits.items():
        count, oldest = db.execute(
            select(func.count(), func.min(LoginAttempt.attempted_at)).where(
                LoginAttempt.key == key, LoginAttempt.attempted_at > now - window
            )
        ).one()
        if count >= limit and oldest is not None:
            retry_after = max(1, math.ceil((oldest + window - now).total_seconds()))
            metrics = Platform.of(db).find_state(ThrottleMetrics)
            if metrics is not None:
                metrics.refusals.labels(refusal.limit).inc()
            raise refusal(retry_after)
