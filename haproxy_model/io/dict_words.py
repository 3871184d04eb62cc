"""The dict's WORDs and HAProxy's words, both ways, with the one rule for ``$``.

A WORD is a word's value, quotes and escapes resolved, where a reference to an
environment variable (HAProxy expands those inside double quotes) stands for
that expansion and a literal ``$`` that would read as one is written ``$$``
(see :mod:`haproxy_model.io.convert` for the whole schema).
"""

from __future__ import annotations

import functools
import re

from haproxy_model.syntax import _grammar
from haproxy_model.syntax.words import _dq_pieces, _unescape, _word_pieces, brace, quote, value_of

#: A word as pieces: (text, True) is an environment variable reference as
#: written, (text, False) literal text.
Pieces = list[tuple[str, bool]]


@functools.cache
def _env_var() -> re.Pattern[str]:
    return _grammar.compiled("ENV_VAR")


def _raw_pieces(raw: str) -> Pieces:
    """The pieces of a word as written in a file (``raw`` is a valid word)."""
    out: Pieces = []
    pos, end = 0, len(raw)
    while pos < end:
        m = _word_pieces().match(raw, pos)
        assert m is not None
        pos = m.end()
        kind = m.lastgroup
        if kind == "bare":
            out.append((m.group(), False))
        elif kind == "esc":
            out.append((_unescape(m.group()), False))
        elif kind == "lone":
            out.append(("\\", False))
        elif kind == "sq":
            out.append((m.group()[1:-1], False))
        else:
            while True:
                d = _dq_pieces().match(raw, pos)
                assert d is not None
                pos = d.end()
                dkind = d.lastgroup
                if dkind == "end":
                    break
                if dkind == "run":
                    out.append((d.group(), False))
                elif dkind == "esc":
                    out.append((_unescape(d.group()), False))
                elif dkind == "lone":
                    out.append(("\\", False))
                else:
                    # "$A" followed by "b" must not come back as "$Ab"
                    out.append((brace(d.group()), True))
    return out


def pieces_of_dict_word(text: str) -> Pieces:
    """The pieces of a WORD of the dict (``$$`` is a literal ``$``)."""
    out: Pieces = []
    literal: list[str] = []
    pos, end = 0, len(text)
    while pos < end:
        dollar = text.find("$", pos)
        if dollar < 0:
            literal.append(text[pos:])
            break
        literal.append(text[pos:dollar])
        m = _env_var().match(text, dollar)
        if text.startswith("$$", dollar):
            literal.append("$")
            pos = dollar + 2
        elif m is not None:
            out.append(("".join(literal), False))
            literal = []
            out.append((brace(m.group()), True))
            pos = m.end()
        else:
            literal.append("$")
            pos = dollar + 1
    out.append(("".join(literal), False))
    return [p for p in out if p[0]]


def dict_word(pieces: Pieces) -> str:
    """The dict's WORD for pieces: a literal ``$`` that would misread becomes ``$$``."""
    out: list[str] = []  # built backwards
    for text, is_ref in reversed(pieces):
        if is_ref:
            out.append(text)
            continue
        for ch in reversed(text):
            if ch == "$":
                suffix = "".join(reversed(out))
                if suffix.startswith("$") or _env_var().match("$" + suffix):
                    ch = "$$"
            out.append(ch)
    return "".join(reversed(out))


def dict_word_of_raw(raw: str) -> str:
    """The dict's WORD for a word as written in a file."""
    value = value_of(raw)
    if "$" not in value:
        return value
    return dict_word(_raw_pieces(raw))


_DQ_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "\r": "\\r", "\n": "\\n", "\x00": "\\x00"}
_NEEDS_DQ = re.compile(r"[\r\n\x00]")


def file_word(pieces: Pieces, path: str) -> str:
    """A word HAProxy reads as these pieces."""
    value = "".join(text for text, _ in pieces)
    if not any(is_ref for _, is_ref in pieces) and not _NEEDS_DQ.search(value):
        return quote(value, field=path) if value else '""'
    inner = [
        text if is_ref else "".join(_DQ_ESCAPES.get(ch, ch) for ch in text)
        for text, is_ref in pieces
    ]
    return '"' + "".join(inner) + '"'
