"""The messages module's settings: ``HOBBYMATCH_MESSAGES_<FIELD>``."""

from pydantic import Field

from core import ModuleSettings


class MessagesSettings(ModuleSettings):
    """Limits of messaging."""

    per_minute: int = Field(
        default=30,
        ge=1,
        le=10_000,
        description="How many messages one person may send in a minute; more get 429.",
    )
