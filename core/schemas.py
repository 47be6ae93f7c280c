"""Request-body bases shared by every module."""

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, model_validator

# A UTF-16 surrogate alone: JSON's "\ud800" escapes decode to it, and no UTF-8 text (a
# database column, a response body) can hold it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# JSON Schema's (ECMA-262) spelling of "no NUL character anywhere".
NO_NUL_PATTERN = "^[^\\u0000]*$"

# Blank characters: what Python's str.strip() removes, and what JSON Schema's \s matches
# (U+FEFF too). Spelled out, so that a schema's pattern means the same to every client, fuzzer
# and regex dialect as the trimming does here.
BLANK_CHARACTERS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_BLANK_CLASS = "".join(f"\\u{ord(character):04x}" for character in BLANK_CHARACTERS)
# Text with at least one character that is neither blank nor NUL, and no NUL anywhere.
TEXT_PATTERN = f"^[^\\u0000]*[^{_BLANK_CLASS}\\u0000][^\\u0000]*$"


def _trimmed(value: Any) -> Any:
    return value.strip(BLANK_CHARACTERS) if isinstance(value, str) else value


# A text field: blank characters trimmed from both ends, then at least one character, no NUL.
# Its schema says so exactly (a pattern requiring one character that is not blank), so that what
# a client may send is what the server accepts. Bound its length where you use it:
# ``Annotated[TrimmedText, Field(max_length=50)]``. (The trimming runs first although written
# last: a before-validator wraps what precedes it, and pydantic would leave the pattern out of
# the schema were it written first.)
TrimmedText = Annotated[
    str, StringConstraints(min_length=1, pattern=TEXT_PATTERN), BeforeValidator(_trimmed)
]


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
