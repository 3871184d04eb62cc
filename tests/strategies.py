"""Hypothesis strategies that build configuration texts from the grammar's terminals."""

from __future__ import annotations

from hypothesis import strategies as st

from haproxy_model.syntax._grammar import section_keywords
from haproxy_model.syntax.words import value_of

SECTION_KEYWORDS = section_keywords()

BLANK_CHARS = " \t\x0b\x0c"
# Characters a bare run may hold: anything but blanks, line ends, '#', quotes,
# backslash and NUL; with some non-ASCII letters and raw (surrogate-escaped) bytes.
BARE_ALPHABET = st.sampled_from(
    [*list("abcxyz019._-:/%[](){}$,;=!&|<>*+~@?^`"), "é", "ß", "中", "�", "�"]
)
NAME_CHARS = "ABCZ_abc019"

ws = st.text(st.sampled_from(BLANK_CHARS), min_size=1, max_size=3)
opt_ws = st.one_of(st.just(""), ws)
bare_run = st.text(BARE_ALPHABET, min_size=1, max_size=6)
escape = st.one_of(
    st.sampled_from(["\\ ", "\\\\", "\\t", "\\n", "\\r", "\\#", "\\'", '\\"']),
    st.tuples(st.sampled_from("0123456789abcdefABCDEF"), st.sampled_from("0123456789abcdef")).map(
        lambda h: "\\x" + h[0] + h[1]
    ),
)
# a backslash that escapes nothing, followed by a bare character
lone_backslash = st.sampled_from(["\\1", "\\$", "\\.", "\\a", "\\é"])
squoted = st.text(st.sampled_from([*list('ab #"$\\ \t{}'), "é"]), max_size=6).map(
    lambda s: f"'{s}'"
)
env_name = st.tuples(
    st.sampled_from("ABZ_abz"), st.text(st.sampled_from(NAME_CHARS), max_size=4)
).map("".join)
env_var = st.one_of(
    env_name.map(lambda n: "${" + n + "}"),
    st.tuples(env_name, st.text(st.sampled_from(list("ab1 :'\"#$\\")), max_size=5)).map(
        lambda t: "${" + t[0] + "-" + t[1] + "}"
    ),
    env_name.map(lambda n: "${" + n + "[*]}"),
    env_name.map(lambda n: "$" + n),
    st.sampled_from(["$.LINE", "${.FILE}", "${.SECTION}"]),
)
dq_run = st.text(st.sampled_from([*list("ab #' \t{}é:"), "�"]), min_size=1, max_size=6)
dq_escape = st.one_of(escape, st.just("\\$"))
dquoted = st.lists(st.one_of(dq_run, dq_escape, env_var, st.just("\\q")), max_size=4).map(
    lambda parts: '"' + _join_dq(parts) + '"'
)


def _join_dq(parts: list[str]) -> str:
    # "$NAME" followed by a name character would read as a longer name (and
    # "$.LINEx" is an error), so such a variable is closed off with ":".
    out = []
    for i, part in enumerate(parts):
        out.append(part)
        nxt = parts[i + 1] if i + 1 < len(parts) else ""
        if part.startswith("$") and not part.startswith("${") and nxt[:1] in NAME_CHARS + "é":
            out.append(":")
    return "".join(out)


piece = st.one_of(bare_run, escape, lone_backslash, squoted, dquoted)
word = st.lists(piece, min_size=1, max_size=3).map("".join)

KEYWORDS = [
    "maxconn", "server", "bind", "acl", "http-request", "timeout", "option",
    "use_backend", "log", "stats", "balance", "mode", "x-unknown-keyword",
]  # fmt: skip
SECTIONS = ["global", "defaults", "frontend", "backend", "listen", "peers", "cache", "ring"]

newline = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r ignored\n", "\r\r\n"])
comment = st.text(st.sampled_from([*list("ab #'\"\\$ \t"), "é", "�"]), max_size=8).map(
    lambda s: "#" + s
)
opt_comment = st.one_of(st.just(""), comment)


@st.composite
def tail(draw: st.DrawFn, max_words: int = 5) -> str:
    """Arguments, trailing blanks and an optional comment."""
    words = draw(st.lists(st.tuples(ws, word), max_size=max_words))
    text = "".join(sep + w for sep, w in words)
    trailing = draw(opt_ws)
    c = draw(opt_comment)
    return text + trailing + c


@st.composite
def directive_line(draw: st.DrawFn) -> str:
    keyword = draw(st.one_of(st.sampled_from(KEYWORDS), word.filter(_plain_first_word)))
    return draw(opt_ws) + keyword + draw(tail()) + draw(newline)


def _plain_first_word(w: str) -> bool:
    value = value_of(w)
    return (
        not w.startswith((".", "[")) and not value.startswith(".") and value not in SECTION_KEYWORDS
    )


@st.composite
def header_line(draw: st.DrawFn) -> str:
    keyword = draw(st.sampled_from(SECTIONS))
    return draw(opt_ws) + keyword + draw(tail(max_words=3)) + draw(newline)


@st.composite
def trivia_line(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["blank", "comment", "message", "scope"]))
    indent = draw(opt_ws)
    if kind == "blank":
        return indent + draw(newline)
    if kind == "comment":
        return indent + draw(comment) + draw(newline)
    if kind == "message":
        level = draw(st.sampled_from([".diag", ".notice", ".warning", ".alert"]))
        msg = draw(st.one_of(st.just(""), st.tuples(ws, word).map("".join)))
        return indent + level + msg + draw(opt_ws) + draw(opt_comment) + draw(newline)
    return indent + "[" + draw(st.text(st.sampled_from("ab]# '\""), max_size=5)) + draw(newline)


@st.composite
def conditional(draw: st.DrawFn, depth: int) -> str:
    out = [draw(opt_ws) + ".if" + draw(tail(max_words=2)) + draw(newline)]
    out.append(draw(items(depth + 1)))
    for _ in range(draw(st.integers(0, 2))):
        out.append(draw(opt_ws) + ".elif" + draw(tail(max_words=2)) + draw(newline))
        out.append(draw(items(depth + 1)))
    if draw(st.booleans()):
        out.append(draw(opt_ws) + ".else" + draw(opt_ws) + draw(opt_comment) + draw(newline))
        out.append(draw(items(depth + 1)))
    out.append(draw(opt_ws) + ".endif" + draw(opt_ws) + draw(opt_comment) + draw(newline))
    return "".join(out)


@st.composite
def items(draw: st.DrawFn, depth: int = 0) -> str:
    kinds = ["directive", "directive", "trivia", "header"]
    if depth < 3:
        kinds.append("if")
    out = []
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=4 if depth else 8)):
        if kind == "directive":
            out.append(draw(directive_line()))
        elif kind == "trivia":
            out.append(draw(trivia_line()))
        elif kind == "header":
            out.append(draw(header_line()))
        else:
            out.append(draw(conditional(depth)))
    return "".join(out)


@st.composite
def config_text(draw: st.DrawFn) -> str:
    """A whole configuration text that HAProxy's tokenizer accepts."""
    preamble = "".join(
        draw(st.lists(st.one_of(comment.map(lambda c: c + "\n"), st.just("\n")), max_size=2))
    )
    text = preamble + draw(header_line()) + draw(items())
    if draw(st.booleans()) and text.endswith("\n"):
        text = text[:-1]
    return text
