"""Request-body bases shared by every module."""

import re
from functools import cache
from itertools import islice
from typing import Any, ClassVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

# A UTF-16 surrogate alone: JSON's "\ud800" escapes decode to it, and no UTF-8 text (a
# database column, a response body) can hold it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# How many problems a 422 reports, at most: the first ones. Reporting each of 60,000 unknown
# fields cost 0.8 s of CPU and a 5 MB answer; clients act on the first few anyway.
MAX_REPORTED_ERRORS = 10

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


def _pattern_escape(character: str) -> str:
    # A character as JSON Schema's (ECMA-262) patterns spell it in a class: \uXXXX.
    return f"\\u{ord(character):04x}"


def _class_ranges(characters: str) -> str:
    # The inside of a pattern's character class holding ``characters``, runs as ranges.
    codes = sorted({ord(character) for character in characters})
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(
        _pattern_escape(chr(first)) + (f"-{_pattern_escape(chr(last))}" if last > first else "")
        for first, last in runs
    )


_BLANK_CLASS = "".join(_pattern_escape(character) for character in BLANK_CHARACTERS)


def _trimmed(value: Any) -> Any:
    return value.strip(BLANK_CHARACTERS) if isinstance(value, str) else value


class TrimmedTo:
    """Metadata for a text field: ``Annotated[str, TrimmedTo(50)]``. Blank characters are
    trimmed from both ends, then the text must hold 1 to ``max_length`` characters and no NUL.

    Its schema states exactly that, as one pattern (blanks around a core of 1 to
    ``max_length`` characters that starts and ends with a non-blank one) rather than a
    ``maxLength`` that would count the blanks: what a client may send is what the server
    accepts, and the reverse.

    :param excluded: characters that the field's own validators refuse anywhere inside the
        trimmed text, which the pattern then excludes too (trimming is checked here; refusing
        them, with a message of its own, is the field's).
    """

    def __init__(self, max_length: int, *, excluded: str = "") -> None:
        if max_length < 2:
            raise ValueError("TrimmedTo needs a max_length of at least 2")
        self.max_length = max_length
        self.excluded = _class_ranges(excluded)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Trim, then check the length and that no NUL is left."""
        checked = core_schema.str_schema(
            min_length=1, max_length=self.max_length, pattern=_NO_NUL_CORE
        )
        return core_schema.no_info_before_validator_function(_trimmed, checked)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """A string matching the one pattern that says it all."""
        blank, core = f"[{_BLANK_CLASS}]*", f"[^{_BLANK_CLASS}\\u0000{self.excluded}]"
        middle = f"[^\\u0000{self.excluded}]{{0,{self.max_length - 2}}}"
        return {"type": "string", "pattern": f"^{blank}{core}(?:{middle}{core})?{blank}$"}


_NO_NUL_CORE = "^[^\\x00]*$"


def _document_the_nul_ban(schema: dict[str, Any]) -> None:
    # Every free-text property says, in the schema, that it refuses NUL characters, so that
    # clients and fuzzers know it; formats (an email) and enumerations say enough already.
    for field in schema.get("properties", {}).values():
        for member in [field, *field.get("anyOf", [])]:
            free_text = member.get("type") == "string" and not {"format", "enum"} & set(member)
            if free_text:
                member.setdefault("pattern", NO_NUL_PATTERN)


class StrictBody(BaseModel):
    """A request body that refuses fields it does not know (naming the first
    ``MAX_REPORTED_ERRORS`` of them), true or false for an integer (which pydantic alone takes
    for 1 and 0), and NUL characters or lone surrogates in any text (no
    database can store them, so they would otherwise fail deep in the database driver); a
    route reading one refuses a body over ``max_body_bytes`` unparsed (413)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_the_nul_ban)

    # A body larger than this is refused 413 before it is parsed (core.routing): far above
    # any valid body of a model whose texts hold at most a few thousand characters, and
    # cheap to parse. A model with longer texts raises it.
    max_body_bytes: ClassVar[int] = 64 * 1024

    @model_validator(mode="before")
    @classmethod
    def _screened(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = cls._with_few_unknown_fields(data)
        texts = data.values()
        if any(isinstance(value, str) and "\x00" in value for value in texts):
            raise ValueError("text may not contain NUL characters")
        if any(isinstance(value, str) and _LONE_SURROGATE.search(value) for value in texts):
            raise ValueError("text may not contain lone surrogates (invalid Unicode)")
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_or_false_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic takes true and false for integers (1 and 0); JSON Schema's integer does not.
        if info.field_name not in _integer_fields(cls):
            return value
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, bool) for item in items):
            raise ValueError("must be a number, not true or false")
        return value

    @classmethod
    def _with_few_unknown_fields(cls, data: dict[Any, Any]) -> dict[Any, Any]:
        # extra="forbid" makes an error of every unknown field, and each costs far more to
        # build and send than it cost to parse. Past one more than a 422 reports (so that it
        # says some were left out), the rest are dropped before pydantic sees them: the body
        # is refused all the same, for the unknown fields that are kept.
        kept = MAX_REPORTED_ERRORS + 1
        if len(data) <= len(cls.model_fields) + kept:
            return data
        known = set(cls.model_fields) | {
            field.alias for field in cls.model_fields.values() if field.alias
        }
        unknown = islice((key for key in data if key not in known), kept)
        return {key: value for key, value in data.items() if key in known} | {
            key: data[key] for key in unknown
        }


@cache
def _integer_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that hold integers, alone or in a list (not booleans)."""
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if _holds(field.annotation, int) and not _holds(field.annotation, bool)
    )


def _holds(annotation: Any, kind: type) -> bool:
    if annotation is kind:
        return True
    return any(_holds(argument, kind) for argument in get_args(annotation))
