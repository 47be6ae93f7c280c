"""The users module's request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from fastapi import Form
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from core import Page, StrictBody, TrimmedTo
from modules.users.display_names import MAX_LENGTH as MAX_DISPLAY_NAME_LENGTH
from modules.users.display_names import SCHEMA_EXCLUDED, checked_display_name

DisplayName = Annotated[
    str,
    TrimmedTo(MAX_DISPLAY_NAME_LENGTH, excluded=SCHEMA_EXCLUDED),
    AfterValidator(checked_display_name),
]
DISPLAY_NAME_RULES = (
    "Stored in Unicode NFKC, 1 to 50 characters; at least one letter or digit; no control, "
    "format, invisible or line-break characters; no overlaying, enclosing or more than four "
    "stacked combining marks; no mix of scripts with look-alike letters (Unicode TR39). "
    "Names need not be unique."
)
Bio = Annotated[str, Field(max_length=500)]
# Stored trimmed, in email-validator's normal form (Unicode NFC, the domain in Unicode rather
# than punycode) and lower-case, so that one address cannot hold two accounts. Login looks
# accounts up through normalize_email, the same rules.
NormalizedEmail = Annotated[
    EmailStr,
    BeforeValidator(lambda value: value.strip() if isinstance(value, str) else value),
    AfterValidator(str.lower),
]
MAX_EMAIL_LENGTH = 320
MAX_PASSWORD_LENGTH = 128
Password = Annotated[str, Field(min_length=8, max_length=MAX_PASSWORD_LENGTH)]
# What a login form may carry: the lengths an account can have, and no NUL character (which
# no text column can store: PostgreSQL's driver refuses it).
_NO_NUL = r"^[^\x00]*$"

_email_adapter: TypeAdapter[str] = TypeAdapter(NormalizedEmail)


def normalize_email(value: str) -> str:
    """``value`` as registration stores it; a string that is no valid email comes back trimmed
    and lower-case (no account can have it, so it matches none)."""
    try:
        return _email_adapter.validate_python(value)
    except ValidationError:
        return value.strip().lower()


class LoginForm(OAuth2PasswordRequestForm):
    """``POST /auth/token``'s OAuth2 password form, refusing what no account could match."""

    def __init__(
        self,
        *,
        username: Annotated[str, Form(max_length=MAX_EMAIL_LENGTH, pattern=_NO_NUL)],
        password: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH, pattern=_NO_NUL)],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[str, Form(max_length=1000, pattern=_NO_NUL)] = "",
    ) -> None:
        super().__init__(grant_type=grant_type, username=username, password=password, scope=scope)


class UserCreate(StrictBody):
    """``POST /users``: a new account."""

    email: NormalizedEmail
    password: Password
    display_name: DisplayName = Field(description=DISPLAY_NAME_RULES)
    bio: Bio | None = None


def _not_nullable(schema: dict[str, Any]) -> None:
    # An optional field whose absence means "unchanged" but whose null is refused: the schema
    # keeps the non-null member of pydantic's anyOf, so that clients and fuzzers know.
    members = [member for member in schema.pop("anyOf", []) if member.get("type") != "null"]
    if len(members) == 1:
        schema.update(members[0])


class UserUpdate(StrictBody):
    """``PATCH /users/me``: only the fields given change; ``bio: null`` clears the bio.

    ``display_name`` may be left out but not null: its schema says so (a string, not
    nullable), since the default None is never validated.
    """

    display_name: DisplayName | None = Field(
        default=None, description=DISPLAY_NAME_RULES, json_schema_extra=_not_nullable
    )
    bio: Bio | None = None

    @model_validator(mode="after")
    def _display_name_not_null(self) -> Self:
        if "display_name" in self.model_fields_set and self.display_name is None:
            raise ValueError("display_name cannot be null")
        return self


class PasswordChange(StrictBody):
    """``POST /users/me/password``."""

    current_password: Annotated[str, Field(max_length=128)]
    new_password: Password


class PasswordResetRequest(StrictBody):
    """``POST /auth/password-reset``: the address to mail a reset link to."""

    email: NormalizedEmail


class PasswordReset(StrictBody):
    """``POST /auth/password-reset/confirm``: the token from the mailed link, and the new
    password."""

    token: Annotated[str, Field(min_length=1, max_length=2000, pattern=_NO_NUL)]
    new_password: Password


class EmailChange(StrictBody):
    """``PATCH /users/me/email``: the new address, and the current password that allows it."""

    email: NormalizedEmail
    current_password: Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]


class AddressCheck(StrictBody):
    """``POST /auth/verify-email``: the token from the mailed link."""

    token: Annotated[str, Field(min_length=1, max_length=2000, pattern=_NO_NUL)]


class Accepted(BaseModel):
    """A request taken on, whose outcome is told by other means (a mail)."""

    detail: str


class UserPublic(BaseModel):
    """What anyone may see of a user: never the email or the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    display_name: str
    bio: str | None
    created_at: datetime


class UserProfile(UserPublic):
    """``GET /users/{user_id}``: the public profile, with what other modules add to it."""

    extras: dict[str, Any] = Field(
        default_factory=dict,
        description="Fields that other modules add, named after them (meetups_reliability...)",
    )


class UserPrivate(UserPublic):
    """What a user sees of their own account."""

    email: str
    email_verified: bool = Field(description="Whether a mailed link proved the address")


class UserPage(Page[UserPublic]):
    """A page of public profiles."""


class Token(BaseModel):
    """``POST /auth/token``'s answer: an OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int = Field(description="Seconds until the token expires")
