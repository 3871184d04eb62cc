"""Find the Lark grammar and compile what the parsers need from it.

The grammar is the single statement of haproxy.cfg's lexical and line
structure.  A wheel ships it as ``haproxy_model/grammar/haproxy.lark``; a
checkout or an editable install reads ``grammar/haproxy.lark`` beside the
package.  Everything is compiled once, on first use.

The terminals' regular expressions, which the fast path needs, are read from
``_terminals.py`` (written by ``tools/gen_terminals.py``) when that table was
made from this very grammar text, so parsing does not import Lark or build the
LALR tables; when the grammar was edited and the table not regenerated, they
come from Lark as before (``tests/test_grammar_terminals.py`` fails until the
table is regenerated).
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from haproxy_model.base.errors import MissingFile

if TYPE_CHECKING:
    import lark

GRAMMAR_NAME = "haproxy.lark"


def grammar_text() -> str:
    """Return the text of ``haproxy.lark`` (packaged copy first, then the checkout's).

    Both are read as files; :mod:`importlib.resources` (slower to import than the
    file is to read) only where the package is not a folder (a zip).
    """
    here = Path(__file__).resolve().parents
    packaged_file, checkout = here[1] / "grammar" / GRAMMAR_NAME, here[2] / "grammar" / GRAMMAR_NAME
    for path in (packaged_file, checkout):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    from importlib import resources

    packaged = resources.files("haproxy_model").joinpath("grammar").joinpath(GRAMMAR_NAME)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    raise MissingFile(
        f"cannot find {GRAMMAR_NAME}: neither in the installed package nor at {checkout}"
    )


@functools.lru_cache(maxsize=1)
def lark_parser() -> lark.Lark:
    """The reference LALR parser; start symbols ``start`` (a file) and ``word``."""
    import lark

    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        start=["start", "word"],
        maybe_placeholders=False,
        propagate_positions=False,
    )


def grammar_checksum(text: str) -> str:
    """A checksum of the grammar text: tells whether ``_terminals.py`` was made from it."""
    data = text.encode("utf-8")
    return f"{len(data)}:{zlib.crc32(data):08x}"


def lark_terminals() -> dict[str, str]:
    """Every terminal's regular expression, exactly as Lark compiles it."""
    return {t.name: str(t.pattern.to_regexp()) for t in lark_parser().terminals}


@functools.lru_cache(maxsize=1)
def terminals() -> Mapping[str, str]:
    """Every terminal's regular expression: the generated table when it is current."""
    from haproxy_model.syntax import _terminals

    if grammar_checksum(grammar_text()) == _terminals.GRAMMAR_CHECKSUM:
        return _terminals.TERMINALS
    return lark_terminals()  # the grammar changed since the table was generated


def terminal_pattern(name: str) -> str:
    """The regular expression of one terminal, exactly as Lark compiles it."""
    return terminals()[name]


@functools.cache
def compiled(name: str) -> re.Pattern[str]:
    """A compiled terminal pattern (cached)."""
    return re.compile(terminal_pattern(name))


def section_keywords() -> frozenset[str]:
    """The section keywords the grammar recognises at the start of a line."""
    pattern = terminal_pattern("SECTION_KEYWORD")
    inner = pattern[pattern.index("(?:") + 3 : pattern.index(")")]
    return frozenset(inner.split("|"))
