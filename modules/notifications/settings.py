"""The notifications module's settings: ``HOBBYMATCH_NOTIFICATIONS_<FIELD>``."""

from pydantic import Field, SecretStr

from core import ModuleSettings


class NotificationsSettings(ModuleSettings):
    """How live notifications reach their streams, and when unread ones are mailed."""

    listen_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL of a direct (session) connection for LISTEN; default: "
        "HOBBYMATCH_DATABASE_URL. Set it when that URL points at a pooler in transaction mode.",
    )
    heartbeat_seconds: float = Field(
        default=15.0, gt=0, le=300, description="Seconds between a stream's heartbeat comments."
    )
    poll_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often a stream looks for new notifications without a wake-up: always "
        "on SQLite, and on PostgreSQL while its listening connection is down.",
    )
    ticket_seconds: int = Field(
        default=30, ge=1, le=600, description="How long a stream ticket may wait to be used."
    )
    revocation_check_seconds: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="How often each worker checks, in one query, that the accounts of its open "
        "streams are active and at the token version their tickets were issued under; a stream "
        "ends this long at most after a password change, a deactivation or a deletion.",
    )
    digest_quiet_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="Minutes without a new notification before unread ones are mailed in a "
        "digest, so that no mail goes out while a conversation goes on.",
    )
