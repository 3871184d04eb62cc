"""Lines on the boundary between the parser's two paths.

A "plain" line (blanks and bare words only, see ``parser.special_lines``) is cut
with ``str.split``; any other goes through the grammar's compiled line pattern.
These texts mix plain lines with lines one character away from plain (a quote,
a backslash, ``#``, CR, a character ``str.split`` takes for a blank but HAProxy
does not, a word count at the limit, ...) and check three parsers agree:

* the parser as it is,
* the same parser with every line sent to the full path,
* the plain Lark reference parser (same tree, or both refuse the text).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import haproxy_model as hm
from haproxy_model.analysis.reference import parse_reference
from haproxy_model.syntax import parser
from haproxy_model.syntax.lexer import MAX_WORDS, not_plain
from tests.treesig import signature

BLANKS = [" ", "\t", "\x0b", "\x0c"]
PLAIN_CHARS = "abz019:._-/$}{[]!@%^&*()=+,;<>?|~`"
# one character (or piece) that moves a line off the plain path, or looks like it might
NEAR_PLAIN = [
    '"', "'", "\\", "#", "\r", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0", "\u2028",
    "\u3000", "é", "$", "${X}", "[", ".", "\\x41", "\\ ", '""', "''", '"a b"', "'a#b'",
    "\\#", "#c", '"$X"', "\\q", "\x7f", "\x01",
]  # fmt: skip
KEYWORDS = [
    "global", "defaults", "frontend", "backend", "listen", "peers", "server", "bind", "acl",
    "maxconn", "timeout", "option", "use_backend", "x-unknown", ".if", ".elif", ".else",
    ".endif", ".diag", ".notice", ".x", "[scope]", "[", "#", "",
]  # fmt: skip

blank_run = st.text(st.sampled_from(BLANKS), min_size=1, max_size=3)
plain_word = st.text(st.sampled_from(PLAIN_CHARS), min_size=1, max_size=6)


@st.composite
def boundary_line(draw: st.DrawFn) -> str:
    indent = draw(st.one_of(st.just(""), blank_run))
    keyword = draw(st.sampled_from(KEYWORDS))
    if draw(st.integers(0, 9)) == 0:
        # around HAProxy's word limit (and the fast path's length cut-off)
        count = draw(st.integers(MAX_WORDS - 2, MAX_WORDS + 1))
        words = ["a"] * count
        seps = [draw(st.sampled_from([" ", "  ", "\t"])) for _ in words]
    else:
        words = draw(st.lists(plain_word, max_size=5))
        seps = [draw(blank_run) for _ in words]
    line = indent + keyword + "".join(s + w for s, w in zip(seps, words, strict=True))
    if draw(st.booleans()):
        piece = draw(st.sampled_from(NEAR_PLAIN))
        at = draw(st.integers(0, len(line)))
        line = line[:at] + piece + line[at:]
    return line + draw(st.one_of(st.just(""), blank_run))


@st.composite
def boundary_text(draw: st.DrawFn) -> str:
    lines = draw(st.lists(boundary_line(), min_size=1, max_size=12))
    head = draw(st.sampled_from(["global\n", "backend b\n", "", "# c\n"]))
    text = head + "\n".join(lines)
    if draw(st.booleans()):
        text += "\n"
    return text


@contextmanager
def full_path_only() -> Iterator[None]:
    """Send every line through the full lexer."""
    original = parser.special_lines
    parser.special_lines = lambda text: set(range(text.count("\n") + 1))  # type: ignore[assignment]
    try:
        yield
    finally:
        parser.special_lines = original


def _outcome(text: str) -> tuple[str, object]:
    try:
        cfg = hm.parse(text, filename="x.cfg")
    except hm.ParseError as err:
        return "error", (err.message, err.line, err.column)
    assert hm.dumps(cfg) == text
    return "tree", signature(cfg)


def _reference(text: str) -> tuple[str, object]:
    try:
        return "tree", signature(parse_reference(text))
    except hm.ParseError:
        return "error", None


def check(text: str) -> None:
    fast = _outcome(text)
    with full_path_only():
        full = _outcome(text)
    assert fast == full
    if fast[0] == "error" and "too many words" in str(fast[1]):
        return  # a limit of HAProxy's that the grammar does not state
    reference = _reference(text)
    assert fast[0] == reference[0]
    if fast[0] == "tree":
        assert fast[1] == reference[1]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boundary_text())
@example("global\n    maxconn 1\x1c2\n")
@example("global\n    log a\xa0b\n")
@example("global\n    log a\u2028b\n")
@example("global\n  x" + " a" * MAX_WORDS + "\n")
@example("global\n  x" + " a" * (MAX_WORDS - 1) + "\n")
@example("backend b\n    server s 1.2.3.4:80\r\n")
@example("global\n    maxconn 1")
@example("global\n    maxconn 1\r")
@example("x\n y\n")
@example("[scope]\nglobal\n")
def test_both_paths_and_the_reference_agree(text: str) -> None:
    check(text)


PLAIN = "backend b\n    server s1 10.0.0.1:80 check\n"


@pytest.mark.parametrize("piece", NEAR_PLAIN)
def test_each_near_plain_piece_in_each_place(piece: str) -> None:
    base = "    server s1 10.0.0.1:80 check"
    for at in range(len(base) + 1):
        check(PLAIN + base[:at] + piece + base[at:] + "\n")


def test_special_lines_are_the_ones_with_special_characters() -> None:
    text = 'a\nb "c"\nd\ne#\n\rf\ng\x1c\nh\xa0\ni\n'
    assert parser.special_lines(text) == {1, 3, 4, 5, 6}
    assert parser.special_lines("") == set()
    assert parser.special_lines('"') == {0}


def test_not_plain_is_every_character_the_full_lexer_needs() -> None:
    """``not_plain`` finds exactly the quotes, backslash, ``#``, CR, LF, 0x1c-0x1f and
    every character outside ASCII, over all of Unicode."""
    special = set("\"'\\#\r\n\x1c\x1d\x1e\x1f")
    for code in range(0x110000):
        ch = chr(code)
        assert (not_plain(ch) is not None) == (ch in special or code >= 0x80), hex(code)
