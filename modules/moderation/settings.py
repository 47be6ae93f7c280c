"""The moderation module's settings: ``HOBBYMATCH_MODERATION_<FIELD>``."""

from pydantic import Field

from core import ModuleSettings


class ModerationSettings(ModuleSettings):
    """How many reports one person may file, and when reports hide their subject before a
    moderator looks."""

    reports_per_day: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description="Reports one person may file in 24 hours; more get 429 with Retry-After.",
    )
    auto_hide_reports: int = Field(
        default=3,
        ge=0,
        le=1000,
        description="Reports of one subject by this many different people within "
        "HOBBYMATCH_MODERATION_AUTO_HIDE_HOURS hide it until a moderator decides (0: never). "
        "Only people with a verified address and an account of "
        "HOBBYMATCH_MODERATION_AUTO_HIDE_MIN_ACCOUNT_DAYS count; a moderator is never hidden.",
    )
    auto_hide_min_account_days: int = Field(
        default=7,
        ge=0,
        le=365,
        description="How old a reporter's account must be for their report to count towards "
        "hiding a subject (so that new accounts made for it do not).",
    )
    auto_hide_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 90,
        description="The window in which HOBBYMATCH_MODERATION_AUTO_HIDE_REPORTS are counted.",
    )
