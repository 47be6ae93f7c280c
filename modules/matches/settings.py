"""The matches module's settings: ``HOBBYMATCH_MATCHES_<FIELD>``."""

from pydantic import Field

from core.config import ModuleSettings


class MatchesSettings(ModuleSettings):
    """How each worker's in-memory matching index is kept."""

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
