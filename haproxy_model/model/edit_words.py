"""The words of a PATH, KEY or VALUE, read the way HAProxy reads a line."""

from __future__ import annotations

from collections.abc import Sequence

from haproxy_model.base.errors import Error
from haproxy_model.syntax.lexer import diagnose, patterns, split_parts
from haproxy_model.syntax.words import quote, value_of


class EditError(Error, ValueError):
    """A KEY or VALUE that cannot be applied (a bad value, a flag given a value...)."""


def tokenize(text: str, what: str) -> list[str]:
    """Cut ``text`` into words the way HAProxy reads a line; the words' raw text."""
    if "\n" in text or "\r" in text:
        raise EditError(f"{what}: a line break cannot be part of a configuration line")
    if patterns().line.fullmatch(text) is None:
        err = diagnose(text)
        raise EditError(f"{what} {text!r}: {err.message} (at column {err.column + 1})")
    parts = split_parts(text)
    if parts.comment:
        raise EditError(f"{what} {text!r}: '#' starts a comment; quote it or write '\\#'")
    return parts.words


def is_plain(raws: Sequence[str]) -> bool:
    """Whether every word is written the way :func:`quote` would write its value."""
    try:
        return all(quote(value_of(w)) == w for w in raws)
    except ValueError:
        return False
