"""The places module's settings: ``HOBBYMATCH_PLACES_<FIELD>``."""

from pydantic import Field

from core import ModuleSettings


class PlacesSettings(ModuleSettings):
    """How far "near" may reach, and how often one may move."""

    max_within_km: int = Field(
        default=500,
        ge=1,
        le=20_038,
        description="How far GET /users/nearby reaches (a larger within_km is capped to it), and "
        "the largest within_km of GET /matches (more get 422). Half the Earth's circumference "
        "at most.",
    )
    changes_per_day: int = Field(
        default=4,
        ge=1,
        le=1_000,
        description="How many times one person may set their place in 24 hours; more get 429. "
        "Few, so that nobody can walk their own place across the map to locate others.",
    )
