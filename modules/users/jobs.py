"""The users module's jobs: its work outside a request (``hobbymatch_jobs``)."""

from sqlalchemy.orm import Session

from core import Platform, job
from modules.users import service
from modules.users.settings import UsersSettings


@job("send_password_reset")
def send_password_reset(db: Session, email: str) -> None:
    """Mail ``email``'s account its reset link, if it has one (deferred by
    ``POST /auth/password-reset``)."""
    settings = Platform.of(db).settings_of(UsersSettings)
    service.send_password_reset(db, email=email, settings=settings)
