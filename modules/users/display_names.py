"""What a display name may be, so that no name can pass for another or hide in a page.

People may share a name (the id is the identity); what is refused is a name that shows
something other than it is. In order, after the usual trimming:

1. Unicode NFKC: compatibility forms become their plain letters (fullwidth A, U+FF21, or
   the ligature fi, U+FB01) and accents compose (``e`` + U+0301 is ``é``), so that one look
   has one spelling; the result still holds 1 to ``MAX_LENGTH`` characters.
2. No character that draws nothing or moves the text: control (Cc), format (Cf: zero-width
   spaces and joiners, bidirectional overrides), line and paragraph separators, private-use,
   surrogate or unassigned code points, and the letters and marks that are invisible
   (Hangul fillers, the blank braille pattern, variation selectors...).
3. At least one letter or digit.
4. Combining marks attach to a character before them (never first), at most
   ``MAX_MARKS_IN_A_ROW`` on one character (Vietnamese, Devanagari or Hebrew need fewer),
   none that overlays or strikes through its character (Unicode's canonical combining class
   1, such as U+0336) and none that encloses it (category Me).
5. No mixed-script look-alikes (Unicode TR39): a name of several scripts in which a character
   of one looks like a character of another (a Cyrillic A, U+0410, for the Latin one of
   Alice), as ``confusable-homoglyphs`` finds them. Latin, Han and the Japanese kana,
   Bopomofo or Hangul go together, as TR39's highly restrictive level allows.
"""

import unicodedata

from confusable_homoglyphs import categories, confusables
from pydantic_core import PydanticCustomError

from core import BLANK_CHARACTERS

MAX_LENGTH = 50
MAX_MARKS_IN_A_ROW = 4

# Letters, marks and symbols that draw nothing, beside the categories refused as a whole.
INVISIBLE_CHARACTERS = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
    + "".join(chr(code) for code in range(0xFE00, 0xFE10))
    + "".join(chr(code) for code in range(0xE0100, 0xE01F0))
)
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# The characters that the schema's pattern excludes too, so that clients and fuzzers know:
# each is refused anywhere in a name, as it is and after NFKC.
SCHEMA_EXCLUDED = "".join(
    sorted(
        {chr(code) for code in [*range(0x01, 0x20), *range(0x7F, 0xA0)]}
        | set("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2028\u2029")
        | {chr(code) for code in range(0x202A, 0x202F)}
        | {chr(code) for code in range(0x2060, 0x2070)}
        | set("\ufeff\ufff9\ufffa\ufffb")
        | {character for character in INVISIBLE_CHARACTERS if character <= "\uffff"}
    )
)
# TR39's highly restrictive level: these scripts together count as one.
_SCRIPTS_THAT_GO_TOGETHER = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_NO_SCRIPT = frozenset({"COMMON", "INHERITED"})


def checked_display_name(name: str) -> str:
    """``name`` (already trimmed) in NFKC, trimmed again, once it follows every rule above.

    :raises PydanticCustomError: of type ``display_name``, saying which rule it breaks.
    """
    name = unicodedata.normalize("NFKC", name).strip(BLANK_CHARACTERS)
    if not 1 <= len(name) <= MAX_LENGTH:
        _refuse(f"must have 1 to {MAX_LENGTH} characters once normalized (NFKC)")
    _refuse_hidden_characters(name)
    if not any(unicodedata.category(character)[0] in "LN" for character in name):
        _refuse("needs at least one letter or digit")
    _refuse_stacked_marks(name)
    _refuse_look_alikes(name)
    return name


def _refuse(reason: str) -> None:
    raise PydanticCustomError("display_name", "display name {reason}", {"reason": reason})


def _refuse_hidden_characters(name: str) -> None:
    for character in name:
        if character in _LINE_BREAKS:
            _refuse("may not contain line breaks")
        if (
            character in INVISIBLE_CHARACTERS
            or unicodedata.category(character) in _REFUSED_CATEGORIES
        ):
            _refuse(
                "may not contain control, format or invisible characters "
                f"(found {_described(character)})"
            )


def _refuse_stacked_marks(name: str) -> None:
    in_a_row = 0
    for position, character in enumerate(name):
        category = unicodedata.category(character)
        if category == "Me" or unicodedata.combining(character) == 1:
            _refuse(
                f"may not contain overlaying or enclosing marks (found {_described(character)})"
            )
        if not category.startswith("M"):
            in_a_row = 0
            continue
        if position == 0:
            _refuse("may not start with a combining mark")
        in_a_row += category == "Mn"
        if in_a_row > MAX_MARKS_IN_A_ROW:
            _refuse(f"may not stack more than {MAX_MARKS_IN_A_ROW} combining marks on a character")


def _refuse_look_alikes(name: str) -> None:
    scripts = frozenset(categories.unique_aliases(name)) - _NO_SCRIPT
    if len(scripts) < 2 or any(scripts <= together for together in _SCRIPTS_THAT_GO_TOGETHER):
        return
    for script in sorted(scripts):
        if confusables.is_dangerous(name, preferred_aliases=[script]):
            mixed = " and ".join(sorted(each.title() for each in scripts))
            _refuse(f"mixes {mixed} letters that look alike; write it in one script")


def _described(character: str) -> str:
    return f"U+{ord(character):04X} {unicodedata.name(character, 'unnamed')}"
