"""The users module's request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from core.pagination import Page
from core.schemas import StrictBody

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Bio = Annotated[str, Field(max_length=500)]
# Stored trimmed and lower-case, so that one address cannot hold two accounts.
NormalizedEmail = Annotated[
    EmailStr,
    BeforeValidator(lambda value: value.strip() if isinstance(value, str) else value),
    AfterValidator(str.lower),
]
Password = Annotated[str, Field(min_length=8, max_length=128)]


class UserCreate(StrictBody):
    """``POST /users``: a new account."""

    email: NormalizedEmail
    password: Password
    display_name: DisplayName
    bio: Bio | None = None


class UserUpdate(StrictBody):
    """``PATCH /users/me``: only the fields given change; ``bio: null`` clears the bio."""

    display_name: DisplayName | None = None
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


class UserPublic(BaseModel):
    """What anyone may see of a user: never the email or the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    display_name: str
    bio: str | None
    created_at: datetime


class UserPrivate(UserPublic):
    """What a user sees of their own account."""

    email: str


class UserPage(Page[UserPublic]):
    """A page of public profiles."""


class Token(BaseModel):
    """``POST /auth/token``'s answer: an OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int = Field(description="Seconds until the token expires")
