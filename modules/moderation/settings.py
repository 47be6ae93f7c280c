"""The moderation module's settings: ``HOBBYMATCH_MODERATION_<FIELD>``."""

from pydantic import Field

from core import ModuleSettings


class ModerationSettings(ModuleSettings):
    """When reports hide their subject before a moderator looks."""

    auto_hide_reports: int = Field(
        default=3,
        ge=0,
        le=1000,
        description="Reports of one subject by this many different people within "
        "HOBBYMATCH_MODERATION_AUTO_HIDE_HOURS hide it until a moderator decides (0: never).",
    )
    auto_hide_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 90,
        description="The window in which HOBBYMATCH_MODERATION_AUTO_HIDE_REPORTS are counted.",
    )
