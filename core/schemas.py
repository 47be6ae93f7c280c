"""Request-body bases shared by every module."""

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class StrictBody(BaseModel):
    """A request body that refuses fields it does not know, and NUL characters in any text
    (PostgreSQL cannot store them, so they would otherwise fail deep in the database)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        texts = data.values() if isinstance(data, dict) else ()
        if any(isinstance(value, str) and "\x00" in value for value in texts):
            raise ValueError("text may not contain NUL characters")
        return data
