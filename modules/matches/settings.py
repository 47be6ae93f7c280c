"""The matches module's settings: ``HOBBYMATCH_MATCHES_<FIELD>``."""

from pydantic import Field

from core import ModuleSettings


class MatchesSettings(ModuleSettings):
    """How each worker's in-memory matching index is kept, and how often people may ask each
    other to connect."""

    index: bool = Field(
        default=True, description="Rank from the in-memory index; off: every ranking in SQL."
    )
    rebuild_after_changes: int = Field(
        default=5_000,
        ge=1,
        description="Users changed since the last build past which the index is rebuilt.",
    )
    change_log_minutes: int = Field(
        default=60, ge=5, description="How long the change log keeps a change."
    )
    gap_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a sequence number missing from the change log is waited for "
        "(a transaction still open); longer than any transaction lives.",
    )
    requests_per_day: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description="Connection requests one person may send in 24 hours, withdrawn and "
        "declined ones included; more get 429 with Retry-After.",
    )
    decline_cooldown_days: int = Field(
        default=30,
        ge=0,
        le=3_650,
        description="Days after a decline before its sender may ask that person again (0: at "
        "once); the person who declined may ask them at any time.",
    )
    withdrawal_cooldown_hours: int = Field(
        default=24,
        ge=0,
        le=8_760,
        description="Hours after withdrawing a request before its sender may ask that person "
        "again (0: at once).",
    )
