"""Line-level scanning with patterns compiled from the grammar's terminals.

This is the fast path's lexer: one regular-expression match per line, built
from the same terminals (WS, WORD, COMMENT, ...) that the Lark grammar uses,
so both cut a line the same way (``tests/test_fast_path.py`` checks it).
When a line does not match, :func:`diagnose` walks it piece by piece to say
exactly what is wrong and where.
"""

from __future__ import annotations

import functools
import re

import attrs

from haproxy_model.syntax import _grammar

#: HAProxy's own limit on words per line (MAX_LINE_ARGS in include/haproxy/defaults.h).
MAX_WORDS = 64

#: HAProxy grows its line buffer without a fixed limit; we stop at 1 MiB so
#: that a runaway line fails fast with a clear error instead of using memory
#: without bound.  Real lines are a few hundred characters; the longest ones
#: (long ACL pattern lists, log formats, Lua) stay far below a few KiB.
MAX_LINE_LENGTH = 1 << 20

#: HAProxy's limit on `.if` nesting (MAXNESTEDCONDS: a 100th level is refused).
MAX_NESTING = 99


class Patterns:
    """The compiled patterns of one grammar, each compiled when first used (the line
    pattern alone takes sre a few milliseconds: a short command should pay only for
    the patterns it uses)."""

    @functools.cached_property
    def line(self) -> re.Pattern[str]:
        """A whole line: indent, first word, the other words, trailing blanks, comment."""
        ws, word, comment = _terminal("WS"), _terminal("WORD"), _terminal("COMMENT")
        line = re.compile(
            f"(?P<indent>{ws})?(?:(?P<first>{word})(?P<rest>(?:{ws}{word})*))?"
            f"(?P<trail>{ws})?(?P<comment>{comment})?"
        )
        # the parser reads groups by number; the terminals must not capture
        assert line.groupindex == {"indent": 1, "first": 2, "rest": 3, "trail": 4, "comment": 5}
        assert line.groups == 5
        return line

    @functools.cached_property
    def parts(self) -> re.Pattern[str]:
        """One piece of a line: blanks, a word or the comment."""
        ws, word, comment = _terminal("WS"), _terminal("WORD"), _terminal("COMMENT")
        return re.compile(f"(?P<ws>{ws})|(?P<word>{word})|(?P<comment>{comment})")

    @functools.cached_property
    def ws(self) -> re.Pattern[str]:
        """Blanks between words."""
        return re.compile(_terminal("WS"))

    @functools.cached_property
    def word(self) -> re.Pattern[str]:
        """One word, quotes and escapes included."""
        return re.compile(_terminal("WORD"))

    @functools.cached_property
    def section_keyword(self) -> re.Pattern[str]:
        """A keyword that opens a section."""
        return re.compile(_terminal("SECTION_KEYWORD"))

    @functools.cached_property
    def message_keyword(self) -> re.Pattern[str]:
        """A message directive (``.diag``, ``.notice``, ...)."""
        return re.compile(_terminal("MESSAGE_KEYWORD"))


def _terminal(name: str) -> str:
    return _grammar.terminal_pattern(name)


@functools.lru_cache(maxsize=1)
def patterns() -> Patterns:
    """The fast path's patterns, from the grammar's terminals (compiled on first use)."""
    return Patterns()


@attrs.define
class LineParts:
    """A directive line cut into its pieces; joining them gives the line back."""

    indent: str
    words: list[str]
    separators: list[str]  # separators[i] stands before words[i + 1]
    trailing: str
    comment: str

    def render(self) -> str:
        """Join the pieces back into the line's text."""
        out = [self.indent]
        for i, word in enumerate(self.words):
            if i:
                out.append(self.separators[i - 1])
            out.append(word)
        out.append(self.trailing)
        out.append(self.comment)
        return "".join(out)


_split_blanks = re.compile(r"([ \t\x0b\x0c]+)").split


def split_parts(content: str) -> LineParts:
    """Cut a valid line (without its line end) into indent, words, blanks and comment."""
    if '"' not in content and "'" not in content and "\\" not in content and "#" not in content:
        # a plain line: its words are the runs between blanks
        pieces = _split_blanks(content)
        runs = pieces[0::2]
        blanks = pieces[1::2]
        plain_indent = ""
        plain_trailing = ""
        if blanks and runs[0] == "":
            plain_indent = blanks.pop(0)
            del runs[0]
        if blanks and runs[-1] == "":
            plain_trailing = blanks.pop()
            runs.pop()
        if runs == [""]:
            runs = []
        return LineParts(plain_indent, runs, blanks, plain_trailing, "")
    indent = ""
    words: list[str] = []
    seps: list[str] = []
    pending_ws = ""
    comment = ""
    for m in patterns().parts.finditer(content):
        kind = m.lastgroup
        text = m.group()
        if kind == "ws":
            if words:
                pending_ws = text
            else:
                indent = text
        elif kind == "word":
            if words:
                seps.append(pending_ws)
            words.append(text)
            pending_ws = ""
        else:
            comment = text
            break
    return LineParts(indent, words, seps, pending_ws, comment)


Cut = tuple[str, tuple[str, ...], tuple[str, ...], str, str]


@functools.lru_cache(maxsize=4096)
def cut(raw: str) -> Cut:
    """:func:`split_parts` as tuples, for a bounded number of recent texts (a line keeps
    no cut of its own)."""
    p = split_parts(raw)
    return (p.indent, tuple(p.words), tuple(p.separators), p.trailing, p.comment)


#: What ``str.split()`` would cut differently from HAProxy, or what is not a bare word:
#: quotes, backslash, ``#``, CR, LF, the separators 0x1c-0x1f and anything not ASCII.
#: Written as the ASCII characters that are plain, negated: a class naming the range
#: up to U+10FFFF takes sre 5 ms to compile, a sixth of a short command's own time.
not_plain = re.compile("[^\x00-\x09\x0b\x0c\x0e-\x1b !$-&(-\\[\\]-\x7f]").search


class LexError(Exception):
    """A line HAProxy would not tokenize; ``column`` is 0-based."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def diagnose(content: str) -> LexError:
    """Find the first lexical error in ``content`` (a line without its line end)."""
    t = _grammar.compiled
    pos = 0
    end = len(content)
    while pos < end:
        ch = content[pos]
        if ch == "\x00":
            return LexError(pos, "NUL character in the configuration")
        if ch == "#":
            return LexError(end, "unexpected text")  # pragma: no cover - comments always match
        m = t("WS").match(content, pos) or t("BARE_RUN").match(content, pos)
        if m:
            pos = m.end()
            continue
        if ch == "'":
            m = t("SQUOTED").match(content, pos)
            if m is None:
                return LexError(pos, "unterminated single quote (')")
            pos = m.end()
            continue
        if ch == "\\":
            m = t("ESCAPE").match(content, pos) or t("LONE_BACKSLASH").match(content, pos)
            if m is None:
                return LexError(pos, r"'\x' must be followed by two hexadecimal digits")
            pos = m.end()
            continue
        # a double-quoted string
        opening = pos
        pos += 1
        while True:
            if pos >= end:
                return LexError(opening, 'unterminated double quote (")')
            ch = content[pos]
            if ch == '"':
                pos += 1
                break
            if ch == "\x00":
                return LexError(pos, "NUL character in the configuration")
            m = t("DQ_RUN").match(content, pos)
            if m:
                pos = m.end()
                continue
            if ch == "\\":
                m = t("DQ_ESCAPE").match(content, pos) or t("DQ_LONE_BACKSLASH").match(content, pos)
                if m is None:
                    return LexError(pos, r"'\x' must be followed by two hexadecimal digits")
                pos = m.end()
                continue
            m = t("ENV_VAR").match(content, pos)
            if m is None:
                return _bad_variable(content, pos)
            pos = m.end()
    return LexError(0, "cannot tokenize this line")  # pragma: no cover - defensive


_NAME_START = re.compile(r"[A-Za-z_.]")
_NAME = re.compile(r"\.?[A-Za-z0-9_]*")


def _bad_variable(content: str, dollar: int) -> LexError:
    """Explain a '$' inside double quotes that does not start a valid variable."""
    pos = dollar + 1
    brace = pos < len(content) and content[pos] == "{"
    if brace:
        pos += 1
    if not _NAME_START.match(content, pos):
        return LexError(
            pos,
            "a '$' inside double quotes must start an environment variable name "
            r"(a letter or '_'); write '\$' for a literal dollar",
        )
    name_end = _NAME.match(content, pos)
    assert name_end is not None
    name = content[pos : name_end.end()]
    if name.startswith(".") and name not in (".LINE", ".FILE", ".SECTION"):
        return LexError(pos, f"unknown pseudo-variable '{name}' (.LINE, .FILE or .SECTION)")
    if not brace:  # pragma: no cover - an unbraced valid name always matches
        return LexError(dollar, "invalid environment variable")
    after = name_end.end()
    if after < len(content) and content[after] == "[" and not content.startswith("[*]", after):
        return LexError(after, "word expansion must be written '[*]'")
    return LexError(dollar + 1, "unmatched '{' in environment variable")
