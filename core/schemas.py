"""Request-body bases shared by every module."""

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

# A UTF-16 surrogate alone: JSON's "\ud800" escapes decode to it, and no UTF-8 text (a
# database column, a response body) can hold it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# JSON Schema's (ECMA-262) spelling of "no NUL character anywhere".
NO_NUL_PATTERN = "^[^\\u0000]*$"


def _document_the_nul_ban(schema: dict[str, Any]) -> None:
    # Every free-text property says, in the schema, that it refuses NUL characters, so that
    # clients and fuzzers know it; formats (an email) and enumerations say enough already.
    for field in schema.get("properties", {}).values():
        for member in [field, *field.get("anyOf", [])]:
            free_text = member.get("type") == "string" and not {"format", "enum"} & set(member)
            if free_text:
                member.setdefault("pattern", NO_NUL_PATTERN)


class StrictBody(BaseModel):
    """A request body that refuses fields it does not know, and NUL characters or lone
    surrogates in any text (no database can store them, so they would otherwise fail deep in
    the database driver)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_the_nul_ban)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        texts = data.values() if isinstance(data, dict) else ()
        if any(isinstance(value, str) and "\x00" in value for value in texts):
            raise ValueError("text may not contain NUL characters")
        if any(isinstance(value, str) and _LONE_SURROGATE.search(value) for value in texts):
            raise ValueError("text may not contain lone surrogates (invalid Unicode)")
        return data
