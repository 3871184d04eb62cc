"""The checks of a line's own text: ``raw`` holds no line break, ``newline`` is a line end
the parser itself produces, an indentation is blanks only.

The parser sets these fields directly (its lines are valid by construction); these
checks guard what a user gives to a constructor or a setter.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from haproxy_model.base.errors import InvalidType, InvalidValue

#: the characters HAProxy reads as blanks between words
BLANKS = " \t\x0b\x0c"


def check_raw(value: object) -> str:
    """``value`` when it is a line's text: a str without CR, LF or NUL."""
    if not isinstance(value, str):
        raise InvalidType(f"a line's raw text is a str, not {type(value).__name__}")
    if "\n" in value or "\r" in value:
        raise InvalidValue(
            f"a line's raw text cannot hold a line break: {value!r} (add each line on its own)"
        )
    if "\x00" in value:
        raise InvalidValue(f"a line's raw text cannot hold a NUL character: {value!r}")
    return value


def check_newline(value: object) -> str:
    """``value`` when it is a line end the parser produces: ``""`` (a last line without
    one), ``"\\n"``, or a CR-led end (``"\\r\\n"``; what follows a line's first CR is
    kept in its line end), ending in ``"\\n"`` unless it is the last line's."""
    if value == "\n" or value == "":
        return value
    if not isinstance(value, str):
        raise InvalidType(f"a line end is a str, not {type(value).__name__}")
    if value[0] != "\r" or "\n" in value[:-1] or "\x00" in value:
        raise InvalidValue(
            f'not a line end: {value!r} (write "\\n", "\\r\\n", or "" for a last line)'
        )
    return value


def check_indent(value: Any, field: str = "indent") -> str:
    """``value`` when it is an indentation: blanks only (spaces, tabs, \\v, \\f)."""
    if not isinstance(value, str):
        raise InvalidType(f"{field}: expected a str of blanks, got {value!r}")
    if value.strip(BLANKS):
        raise InvalidValue(f"{field}: an indentation is blanks only (spaces, tabs), not {value!r}")
    return value


def check_words(values: Any, field: str = "words") -> list[Any]:
    """``values`` as a list when it is a sequence of words (a str is not one: it would
    be read as its characters)."""
    if isinstance(values, str):
        raise InvalidType(
            f"{field}: expected a sequence of words, not a str: write {values.split()!r}"
        )
    if isinstance(values, (bytes, bytearray)) or not isinstance(values, Iterable):
        raise InvalidType(f"{field}: expected a sequence of words, got {values!r}")
    return list(values)


__all__ = ["BLANKS", "check_indent", "check_newline", "check_raw", "check_words"]
