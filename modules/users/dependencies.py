"""FastAPI dependencies of the users module; ``current_user`` is exported to other modules."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.database import get_db
from modules.users import service
from modules.users.exceptions import NotAuthenticatedError
from modules.users.models import User

# auto_error=False: a missing token is answered by current_user, with the same body and
# WWW-Authenticate header as an invalid one, and optional_current_user may let it through.
bearer_token = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def current_user(
    token: Annotated[str | None, Depends(bearer_token)],
    settings: Annotated[Settings, Depends(get_settings)],
    db: Session = Depends(get_db),
) -> User:
    """The signed-in caller; 401 with ``WWW-Authenticate: Bearer`` without a valid token."""
    if token is None:
        raise NotAuthenticatedError("not authenticated")
    return service.user_for_token(db, token=token, settings=settings)


def optional_current_user(
    token: Annotated[str | None, Depends(bearer_token)],
    settings: Annotated[Settings, Depends(get_settings)],
    db: Session = Depends(get_db),
) -> User | None:
    """The signed-in caller, or ``None`` for an anonymous one; an invalid token is still 401."""
    if token is None:
        return None
    return service.user_for_token(db, token=token, settings=settings)


CurrentUser = Annotated[User, Depends(current_user)]
OptionalCurrentUser = Annotated[User | None, Depends(optional_current_user)]
