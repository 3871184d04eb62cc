"""Find the Lark grammar and compile what the parsers need from it.

The grammar is the single statement of haproxy.cfg's lexical and line
structure.  A wheel ships it as ``haproxy_model/grammar/haproxy.lark``; a
checkout or an editable install reads ``grammar/haproxy.lark`` beside the
package.  Everything is compiled once, on first use.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

import lark

from haproxy_model.base.errors import MissingFile

GRAMMAR_NAME = "haproxy.lark"


def grammar_text() -> str:
    """Return the text of ``haproxy.lark`` (packaged copy first, then the checkout's)."""
    packaged = resources.files("haproxy_model").joinpath("grammar").joinpath(GRAMMAR_NAME)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "grammar" / GRAMMAR_NAME
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    raise MissingFile(
        f"cannot find {GRAMMAR_NAME}: neither in the installed package nor at {checkout}"
    )


@functools.lru_cache(maxsize=1)
def lark_parser() -> lark.Lark:
    """The reference LALR parser; start symbols ``start`` (a file) and ``word``."""
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        start=["start", "word"],
        maybe_placeholders=False,
        propagate_positions=False,
    )


def terminal_pattern(name: str) -> str:
    """The regular expression of one terminal, exactly as Lark compiles it."""
    return str(lark_parser().get_terminal(name).pattern.to_regexp())


@functools.cache
def compiled(name: str) -> re.Pattern[str]:
    """A compiled terminal pattern (cached)."""
    return re.compile(terminal_pattern(name))


def section_keywords() -> frozenset[str]:
    """The section keywords the grammar recognises at the start of a line."""
    pattern = terminal_pattern("SECTION_KEYWORD")
    inner = pattern[pattern.index("(?:") + 3 : pattern.index(")")]
    return frozenset(inner.split("|"))
