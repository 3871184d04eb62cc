"""Each error HAProxy would raise on a text gives a ParseError at the right place."""

from __future__ import annotations

import pickle

import pytest

import haproxy_model as hm
from haproxy_model.syntax.lexer import MAX_LINE_LENGTH, MAX_NESTING, MAX_WORDS

CASES = [
    # (name, text, line, column, words in the message)
    ("unterminated double quote", 'global\n  log "abc\n', 2, 7, "double quote"),
    ("unterminated single quote", "global\n  log 'abc\n", 2, 7, "single quote"),
    ("quote ended by CR", 'global\n  log "ab\r\n', 2, 7, "double quote"),
    ("bad hex escape", "global\n  log a\\xZZ\n", 2, 8, "hexadecimal"),
    ("bad hex escape in quotes", 'global\n  log "a\\x4"\n', 2, 9, "hexadecimal"),
    ("dollar without a name", 'global\n  log "a$1"\n', 2, 10, "environment variable"),
    ("unmatched brace", 'global\n  log "${FOO"\n', 2, 9, "unmatched '{'"),
    ("bad word expansion", 'global\n  log "${FOO[x]}"\n', 2, 13, "[*]"),
    ("unknown pseudo-variable", 'global\n  log "$.NOPE"\n', 2, 9, "pseudo-variable"),
    ("NUL byte", "global\n  ab\x00c\n", 2, 5, "NUL"),
    ("lone .endif", "global\n  maxconn 1\n.endif\n", 3, 1, "'.endif' without"),
    ("lone .else", "global\n    .else\n", 2, 5, "'.else' without"),
    ("lone .elif", ".elif defined(X)\nglobal\n", 1, 1, "'.elif' without"),
    ("unclosed .if", "global\n\t.if defined(X)\n\tmaxconn 1\n", 2, 2, "'.endif'"),
    ("unclosed nested .if", ".if 1\n .if 0\n .endif\n", 1, 1, "'.endif'"),
    ("else after else", ".if 1\n.else\n.else\n.endif\n", 3, 1, "after '.else'"),
    ("elif after else", ".if 1\n.else\n.elif 0\n.endif\n", 3, 1, "after '.else'"),
    ("argument after .endif", ".if 1\n.endif now\n", 2, 8, "unexpected argument"),
    ("argument after .else", ".if 1\n.else  x\n.endif\n", 2, 8, "unexpected argument"),
    ("unquoted message", "global\n.warning two words\n", 2, 14, "quote a message"),
    ("unknown dot directive", "global\n  .include foo.cfg\n", 2, 3, "unknown directive '.include'"),
    ("directive before any section", "# c\n\n  maxconn 10\nglobal\n", 3, 3, "before any section"),
    ("column-0 directive before any section", "maxconn 10\nglobal\n", 1, 1, "before any section"),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_error_position(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(hm.ParseError) as info:
        hm.parse(text, filename="x.cfg")
    err = info.value
    assert (err.filename, err.line, err.column) == ("x.cfg", line, column)
    assert fragment in err.message
    shown = str(err).splitlines()
    assert shown[0] == f"x.cfg:{line}:{column}: {err.message}"
    # the source line, then a caret under the column
    assert shown[2].rstrip().endswith("^")
    assert len(shown[2]) - 4 == column


def test_too_many_words() -> None:
    words = " ".join(f"w{i}" for i in range(MAX_WORDS))
    hm.parse(f"global\n  {words}\n")  # exactly the limit is fine
    text = f"global\n  {words} extra\n"
    with pytest.raises(hm.ParseError) as info:
        hm.parse(text)
    assert info.value.line == 2
    assert info.value.column == text.splitlines()[1].index("extra") + 1
    assert "too many words" in info.value.message


def test_quoted_blanks_do_not_count_as_words() -> None:
    many = " ".join(["x"] * 100)
    cfg = hm.parse(f'global\n  log "{many}"\n')
    assert len(cfg.sections[0].directives()[0].values) == 2


def test_line_too_long() -> None:
    text = "global\n  log " + "a" * MAX_LINE_LENGTH + "\n"
    with pytest.raises(hm.ParseError) as info:
        hm.parse(text)
    assert (info.value.line, info.value.column) == (2, MAX_LINE_LENGTH + 1)
    assert "longer than" in info.value.message
    assert len(str(info.value)) < 2000  # the excerpt stays short


def test_nesting_limit() -> None:
    ok = ".if 1\n" * MAX_NESTING + ".endif\n" * MAX_NESTING
    hm.parse(ok)
    deep = ".if 1\n" * (MAX_NESTING + 1) + ".endif\n" * (MAX_NESTING + 1)
    with pytest.raises(hm.ParseError) as info:
        hm.parse(deep)
    assert info.value.line == MAX_NESTING + 1
    assert "nested" in info.value.message


def test_unknown_dot_directive_inside_if_is_kept() -> None:
    text = ".if version_atleast(9.0)\n.newthing x\n.endif\nglobal\n"
    assert hm.dumps(hm.parse(text)) == text


def test_parse_error_is_a_value_error_and_pickles() -> None:
    with pytest.raises(ValueError) as info:
        hm.parse('global\n log "x\n')
    err = info.value
    assert isinstance(err, hm.ParseError)
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err)


def test_tabs_keep_the_caret_aligned() -> None:
    with pytest.raises(hm.ParseError) as info:
        hm.parse("global\n\t\tlog\t'x\n")
    source, caret = str(info.value).splitlines()[1:3]
    assert caret.index("^") == source.index("'")


def test_no_dependency_exception_for_non_str() -> None:
    with pytest.raises(TypeError):
        hm.parse(b"global\n")  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["[\x00", "#\x00", "global\n  log 'a\x00'\n", "\x00"])
def test_nul_is_refused_by_both_parsers_at_the_same_place(text: str) -> None:
    """Hypothesis found '[\\x00' accepted by the Lark reference (a scope line may hold
    any character): both parsers now refuse a NUL before anything else."""
    from haproxy_model.analysis.reference import parse_reference

    places = []
    for parse in (hm.parse, parse_reference):
        with pytest.raises(hm.ParseError, match="NUL character") as err:
            parse(text)
        places.append((err.value.line, err.value.column))
    assert places[0] == places[1]
