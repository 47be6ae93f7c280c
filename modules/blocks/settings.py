"""The blocks module's settings: ``HOBBYMATCH_BLOCKS_<FIELD>``."""

from pydantic import Field

from core import ModuleSettings


class BlocksSettings(ModuleSettings):
    """Limits of blocking."""

    max_blocks_per_user: int = Field(
        default=1_000,
        ge=1,
        le=100_000,
        description="How many people one person may block; every listing a person sees leaves "
        "them all out, so the list stays bounded.",
    )
