"""to_dict / from_dict: plain data that keeps the model and drops the formatting."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import haproxy_model as hm
from haproxy_model.io.convert import converter
from haproxy_model.model.directives import DIRECTIVE_CLASSES
from haproxy_model.syntax import _grammar
from tests.conftest import corpus_files
from tests.strategies import config_text

CORPUS = corpus_files()
IDS = [p.name for p in CORPUS]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MIXED = """\
# a comment, dropped
.notice "starting up"
global
    maxconn 100   # trailing comment
    log "/dev/log" local0

defaults base
    mode http
    timeout connect 5s

defaults app from base
    option httplog

.if defined(WITH_STATS)
listen stats
    bind :8404
    stats uri "/stats page"
.elif streq("$MODE",full)
frontend other
    bind :1
.else
    .notice 'no stats'
.endif

frontend fe from app
\tbind   :80
    .if feature(OPENSSL)
        bind :443 ssl crt /etc/x.pem
    .elif defined(A)
        http-request deny if { path_beg '/a#b' }
    .else
        .warning "no ssl"
    .endif
    use_backend app

backend app
    server s1 127.0.0.1:8081 maxconn 32 check
    http-request set-header X-Empty ''
    http-request set-header X-Quote "it's \\"quoted\\""
    http-request set-var(txn.home) str('$HOME') if { path_reg '^/api$' }
    tcp-check send "PING\\r\\n"
    bind "${ADDR-127.0.0.1}:${PORT}"
    [scope]
"""


def _round_trip(cfg: hm.Config) -> hm.Config:
    data = hm.to_dict(cfg)
    back = hm.from_dict(json.loads(json.dumps(data)))
    assert back == cfg
    assert hm.to_dict(back) == data
    assert hm.parse(hm.dumps(back)) == cfg
    return back


# -- the schema ------------------------------------------------------------------


def test_schema_of_a_mixed_config() -> None:
    data = hm.to_dict(hm.parse(MIXED))
    assert data["version"] == 1
    notice, glob, base, app, cond, fe, backend = data["sections"]
    assert notice == [".notice", "starting up"]
    assert glob == {
        "type": "global",
        "name": None,
        "from": None,
        "directives": [["maxconn", "100"], ["log", "/dev/log", "local0"]],
    }
    assert (base["type"], base["name"], base["from"]) == ("defaults", "base", None)
    assert (app["name"], app["from"]) == ("app", "base")
    assert cond["if"] == ["defined(WITH_STATS)"]
    assert [s["type"] for s in cond["body"]] == ["listen"]
    assert cond["body"][0]["directives"][1] == ["stats", "uri", "/stats page"]
    assert cond["elif"] == [
        {
            "if": ["streq(${MODE},full)"],
            "body": [
                {"type": "frontend", "name": "other", "from": None, "directives": [["bind", ":1"]]}
            ],
        }
    ]
    assert cond["else"] == [[".notice", "no stats"]]
    assert fe["directives"][0] == ["bind", ":80"]
    assert fe["directives"][1] == {
        "if": ["feature(OPENSSL)"],
        "body": [["bind", ":443", "ssl", "crt", "/etc/x.pem"]],
        "elif": [
            {
                "if": ["defined(A)"],
                "body": [["http-request", "deny", "if", "{", "path_beg", "/a#b", "}"]],
            }
        ],
        "else": [[".warning", "no ssl"]],
    }
    assert backend["directives"] == [
        ["server", "s1", "127.0.0.1:8081", "maxconn", "32", "check"],
        ["http-request", "set-header", "X-Empty", ""],
        ["http-request", "set-header", "X-Quote", 'it\'s "quoted"'],
        # a literal `$` that would read as a variable is written `$$`
        ["http-request", "set-var(txn.home)", "str($$HOME)", "if", "{", "path_reg", "^/api$", "}"],
        ["tcp-check", "send", "PING\r\n"],
        ["bind", "${ADDR-127.0.0.1}:${PORT}"],
        {"scope": "[scope]"},
    ]


def test_json_holds_only_plain_types() -> None:
    data = hm.to_dict(hm.parse(MIXED))

    def check(value: object) -> None:
        if isinstance(value, dict):
            assert all(isinstance(k, str) for k in value)
            for v in value.values():
                check(v)
        elif isinstance(value, list):
            for v in value:
                check(v)
        else:
            assert value is None or type(value) in (str, int, bool)

    check(data)
    assert json.loads(json.dumps(data)) == data


def test_mixed_config_round_trips_with_its_meaning() -> None:
    cfg = hm.parse(MIXED)
    back = _round_trip(cfg)
    # Environment variables stay inside double quotes (HAProxy expands only there),
    # and literal `$` stays out of them.
    text = hm.dumps(back)
    assert 'bind "${ADDR-127.0.0.1}:${PORT}"' in text
    assert "str($HOME)" in text
    assert 'tcp-check send "PING\\r\\n"' in text
    words = {
        w.value: w.env_vars for d in back.lines() if isinstance(d, hm.Directive) for w in d.words
    }
    assert words["${ADDR-127.0.0.1}:${PORT}"] == ("ADDR", "PORT")
    assert words["str($HOME)"] == ()


def test_from_dict_is_typed_like_a_parsed_config() -> None:
    cfg = hm.from_dict(hm.to_dict(hm.parse(MIXED)))
    assert isinstance(cfg.backends["app"].servers["s1"], hm.Server)
    assert (cfg.backends["app"].servers["s1"].address, cfg.backends["app"].servers["s1"].port) == (
        "127.0.0.1",
        8081,
    )
    assert isinstance(cfg.global_, hm.Global)
    assert cfg.global_.maxconn == 100
    assert isinstance(cfg.defaults["app"], hm.Defaults)
    assert cfg.defaults["app"].from_ == "base"
    assert isinstance(cfg.listens["stats"], hm.Listen)
    assert isinstance(cfg.frontends["fe"].directives()[0], hm.Bind)
    assert [type(s).__name__ for s in cfg.sections] == [
        type(s).__name__ for s in hm.parse(MIXED).sections
    ]


def test_from_dict_writes_conventional_text() -> None:
    data = {
        "version": 1,
        "sections": [
            {"type": "global", "directives": [["maxconn", "100"]]},
            {"type": "defaults", "name": "base", "directives": [["mode", "http"]]},
            {
                "type": "backend",
                "name": "app",
                "from": "base",
                "directives": [
                    ["server", "s1", "127.0.0.1:8081", "maxconn", "32", "check"],
                    {
                        "if": ["defined(X)"],
                        "body": [["server", "s2", "a b"], ["acl", "h", "hdr(x)", "#"]],
                        "else": [[".notice", "no X"]],
                    },
                ],
            },
            {"if": ["defined(Y)"], "body": [{"type": "userlist", "name": "u"}]},
        ],
    }
    cfg = hm.from_dict(data)
    assert hm.dumps(cfg) == (
        "global\n"
        "    maxconn 100\n"
        "\n"
        "defaults base\n"
        "    mode http\n"
        "\n"
        "backend app from base\n"
        "    server s1 127.0.0.1:8081 maxconn 32 check\n"
        "    .if defined(X)\n"
        "        server s2 'a b'\n"
        "        acl h hdr(x) '#'\n"
        "    .else\n"
        "        .notice 'no X'\n"
        "    .endif\n"
        "\n"
        ".if defined(Y)\n"
        "userlist u\n"
        ".endif\n"
    )
    assert isinstance(cfg.backends["app"].servers["s2"], hm.Server)
    assert cfg.backends["app"].servers["s2"].values[2] == "a b"
    assert hm.to_dict(cfg)["sections"][2]["directives"][1]["elif"] == []


def test_converter_is_a_cattrs_converter() -> None:
    cfg = hm.parse(MIXED)
    data = converter.unstructure(cfg)
    assert data == hm.to_dict(cfg)
    assert converter.structure(data, hm.Config) == cfg
    server = cfg.backends["app"].servers["s1"]
    assert converter.unstructure(server) == [
        "server",
        "s1",
        "127.0.0.1:8081",
        "maxconn",
        "32",
        "check",
    ]


def test_to_dict_takes_a_config() -> None:
    with pytest.raises(TypeError, match="takes a Config"):
        hm.to_dict("global\n")  # type: ignore[arg-type]


# -- hand-written round trips ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(MIXED, id="mixed"),
        pytest.param(
            "global\n    daemon\n.if defined(A)\nbackend a\n    server s a:1\n.endif\n"
            "    server s2 b:2\nbackend b\n",
            id="line-after-top-level-if",
        ),
        pytest.param(
            ".if defined(A)\n.notice 'a set'\n.foo bar\nbackend a\n.else\n.diag x\nbackend b\n"
            '.endif\n.if defined(B)\n.alert "no b"\n.endif\nfrontend f\n',
            id="top-level-lines-in-ifs",
        ),
        pytest.param(
            ".if defined(A)\n  .if defined(B)\nglobal\n  .endif\n.endif\n",
            id="nested-top-level-ifs",
        ),
        pytest.param(
            "defaults\n    mode http\ndefaults named from other\ndefaults from named\n"
            "backend b from named\nbackend from\nfrontend f x y from z\n",
            id="headers",
        ),
        pytest.param("x-future-section a\n    key value\nglobal\n", id="unknown-section"),
        pytest.param("x-future\n    backend b\n        server s a:1\n", id="empty-unknown-section"),
        pytest.param(
            ".if defined(A)\nx-future\n    key v\n.endif\nglobal\n", id="unknown-section-in-if"
        ),
        pytest.param(
            'global\n    log \'a b\' "#c" \\#d \'\' "" x\\ y\n    setenv A \'$B\' "$B" "\\$B"\n'
            "    x '${A}' \"${A}\" \"${A[*]}\" \"$.LINE\" '$$' '$$A' \"a\\\\b\" 'it''s'\n",
            id="quoting",
        ),
        pytest.param(
            "backend b\n    .if defined(A)\n        .if defined(B)\n            .foo x\n"
            "        .elif\n        .else\n        .endif\n    .endif\n    [x] y\n",
            id="nested-ifs-in-section",
        ),
        pytest.param("global\r\n\tmaxconn\t10\r\n", id="crlf-and-tabs"),
        pytest.param('global\n    "[x]" a\n    [y]\n    \'\' x\n    "" ""\n', id="odd-keywords"),
        pytest.param("'[u'\n    k v\nglobal\n", id="unknown-section-starting-with-bracket"),
        pytest.param("''\n    k v\n", id="unknown-section-with-empty-keyword"),
        pytest.param("", id="empty"),
        pytest.param("# only a comment\n\n", id="only-trivia"),
    ],
)
def test_hand_written_round_trip(text: str) -> None:
    _round_trip(hm.parse(text))


def test_unknown_sections_keep_their_keyword() -> None:
    cfg = hm.parse("x-future-section a\n    key value\nglobal\n")
    data = hm.to_dict(cfg)
    assert data["sections"][0] == {
        "type": "x-future-section",
        "name": "a",
        "from": None,
        "directives": [["key", "value"]],
    }
    back = _round_trip(cfg)
    assert isinstance(back.sections[0], hm.UnknownSection)


def test_empty_unknown_section_indents_the_next_header() -> None:
    back = _round_trip(hm.parse("x-future\n    backend b\n"))
    assert hm.dumps(back) == "x-future\n\n    backend b\n"
    assert [type(s) for s in back.sections] == [hm.UnknownSection, hm.Backend]


def test_unusual_headers_keep_their_words() -> None:
    data = hm.to_dict(hm.parse("backend from\nfrontend f x from y\ndefaults from base\n"))
    assert data["sections"][0] == {
        "type": "backend", "name": None, "from": None, "header": ["backend", "from"],
        "directives": [],
    }  # fmt: skip
    assert data["sections"][1]["header"] == ["frontend", "f", "x", "from", "y"]
    assert (data["sections"][1]["name"], data["sections"][1]["from"]) == ("f", "y")
    assert data["sections"][2] == {
        "type": "defaults",
        "name": None,
        "from": "base",
        "directives": [],
    }


def test_values_with_newlines_are_written_as_escapes() -> None:
    data = {
        "version": 1,
        "sections": [{"type": "global", "directives": [["x", "a\nb", "c\rd\x00"]]}],
    }
    cfg = hm.from_dict(data)
    assert hm.dumps(cfg) == 'global\n    x "a\\nb" "c\\rd\\x00"\n'
    assert cfg.global_ is not None
    assert cfg.global_.directives()[0].args == ["a\nb", "c\rd\x00"]


def test_dollar_rules() -> None:
    words = ["$$x", "$x", "${x-a b}", "^a$", "$$", "$$$x", "a$", "$1", "$.LINE", "$.LINEx"]
    data = {"version": 1, "sections": [{"type": "global", "directives": [["k", *words]]}]}
    cfg = hm.from_dict(data)
    assert cfg.global_ is not None
    line = cfg.global_.directives()[0]
    got = [(w.value, w.env_vars) for w in line.words[1:]]
    assert got == [
        ("$x", ()),
        ("${x}", ("x",)),
        ("${x-a b}", ("x",)),
        ("^a$", ()),
        ("$", ()),
        ("$${x}", ("x",)),
        ("a$", ()),
        ("$1", ()),
        ("${.LINE}", (".LINE",)),
        ("$.LINEx", ()),
    ]
    # to_dict writes a canonical spelling ("$$" only where a `$` would misread,
    # references braced)
    assert hm.to_dict(cfg)["sections"][0]["directives"][0][1:] == [
        "$$x", "${x}", "${x-a b}", "^a$", "$", "$$${x}", "a$", "$1", "${.LINE}", "$.LINEx",
    ]  # fmt: skip


# -- the corpus ------------------------------------------------------------------


def test_corpus_is_present_or_skipped(corpus: list[Path]) -> None:
    assert corpus


@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_corpus_round_trip(path: Path) -> None:
    cfg = hm.load(path)
    back = _round_trip(cfg)
    assert hm.parse(hm.dumps(back)) == back
    # same words, and the same environment variables for HAProxy to expand
    assert _words(back) == _words(cfg)


def _words(cfg: hm.Config) -> list[list[tuple[str, tuple[str, ...]]]]:
    return [
        [(w.canonical, w.env_vars) for w in line.words]
        for line in cfg.lines()
        if isinstance(line, hm.Directive)
    ]


# -- generated configs -----------------------------------------------------------

_SIGNIFICANT = _grammar.section_keywords() | set(DIRECTIVE_CLASSES)


def _classified_by_spelling(cfg: hm.Config) -> bool:
    """Whether the parser read a line by how its first word is spelled, not by its value.

    The parser compares the raw first word with section keywords, `.`-keywords and
    DIRECTIVE_CLASSES, so ``'server' s1 x`` is a plain Directive while HAProxy reads
    a server (a bug of haproxy_model/syntax/parser.py).  A dict has no spelling, so such a
    config cannot come back with the same classes.
    """
    for line in cfg.lines():
        if isinstance(line, hm.Directive) and line.raw.strip():
            first = line.words[0]
            if first.raw != first.value and (
                first.value in _SIGNIFICANT or first.value.startswith(".")
            ):
                return True
    return False


def _parse(text: str) -> hm.Config:
    try:
        cfg = hm.parse(text)
    except hm.ParseError:
        assume(False)
        raise
    assume(not _classified_by_spelling(cfg))
    return cfg


@SETTINGS
@given(config_text())
def test_generated_configs_round_trip(text: str) -> None:
    cfg = _parse(text)
    data = hm.to_dict(cfg)
    back = hm.from_dict(json.loads(json.dumps(data)))
    assert back == cfg
    assert hm.to_dict(back) == data
    assert hm.parse(hm.dumps(back)) == cfg


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config_text(), st.data())
def test_damaged_data_gives_value_error_or_a_config(text: str, data: st.DataObject) -> None:
    tree = hm.to_dict(_parse(text))
    path = data.draw(st.sampled_from(_paths(tree)[1:]))
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(json_values)
    try:
        cfg = hm.from_dict(tree)
    except ValueError as err:
        assert str(err)
        return
    assert hm.parse(hm.dumps(cfg)) == cfg


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_gives_value_error_or_a_config(value: Any) -> None:
    with contextlib.suppress(ValueError):
        hm.from_dict(value)


# -- bad input -------------------------------------------------------------------


def _cfg(*sections: Any) -> dict[str, Any]:
    return {"version": 1, "sections": list(sections)}


def _nested(depth: int) -> dict[str, Any]:
    block: dict[str, Any] = {"if": ["defined(X)"], "body": [["maxconn", "1"]]}
    for _ in range(depth - 1):
        block = {"if": ["defined(X)"], "body": [block]}
    return block


GLOBAL = {"type": "global", "directives": []}


def _in_global(*directives: Any) -> dict[str, Any]:
    return _cfg({"type": "global", "directives": list(directives)})


def _backend(*directives: Any) -> dict[str, Any]:
    return _cfg(GLOBAL, GLOBAL, {"type": "backend", "name": "a", "directives": list(directives)})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected an object (dict), got list"),
        ({"sections": []}, "missing key 'version'"),
        ({"version": 1}, "missing key 'sections'"),
        ({"version": 2, "sections": []}, "version: unsupported version 2"),
        ({"version": True, "sections": []}, "version: unsupported version True"),
        ({"version": 1, "sections": [], "extra": 1}, "extra: unknown key"),
        ({"version": 1, "sections": {}}, "sections: expected a list, got dict"),
        (_cfg(3), "sections[0]: expected a list of words, or an object with 'type'"),
        (_cfg({"name": "x"}), "sections[0]: expected a list of words, or an object"),
        (_cfg({"type": "backend", "name": "a", "nmae": "b"}), "sections[0].nmae: unknown key"),
        (_cfg({"type": 1}), "sections[0].type: expected a string, got int"),
        (_cfg({"type": "backend", "name": 5}), "sections[0].name: expected a string, got int"),
        (_cfg({"type": ".x"}), "sections[0].type: '.x' cannot be a section keyword"),
        (
            _cfg({"type": "backend", "name": "from"}),
            "sections[0].name: the header ['backend', 'from'] reads as name None",
        ),
        (
            _cfg({"type": "backend", "header": ["frontend", "a"]}),
            "sections[0].header[0]: expected the section type 'backend'",
        ),
        (
            _cfg({"type": "backend", "name": "b", "header": ["backend", "a"]}),
            "sections[0].name: the header ['backend', 'a'] reads as name 'a', not 'b'",
        ),
        (
            _cfg({"type": "backend", "name": "a", "directives": {}}),
            "sections[0].directives: expected a list",
        ),
        (
            _backend(["server", "s1", 8081]),
            "sections[2].directives[0][2]: expected a string, got int",
        ),
        (
            _backend(["server", None]),
            "sections[2].directives[0][1]: expected a string, got null",
        ),
        (_in_global([]), "sections[0].directives[0]: a line needs"),
        (
            _in_global(["x"] * 65),
            "sections[0].directives[0]: 65 words: HAProxy reads at most 64 per line",
        ),
        (_in_global("maxconn 1"), "sections[0].directives[0]: expected a list of words"),
        (_cfg(["maxconn", "1"]), "sections[0][0]: 'maxconn' stands before any section"),
        (_cfg([".foo"]), "sections[0][0]: unknown directive '.foo' outside a .if block"),
        (_in_global(["backend", "b"]), "sections[0].directives[0][0]: 'backend' opens a section"),
        (_in_global([".if", "x"]), "sections[0].directives[0][0]: write a .if block as an object"),
        (_in_global([".notice", "a", "b"]), "sections[0].directives[0][2]: a message is one word"),
        (_in_global(GLOBAL), "sections[0].directives[0]: a section cannot stand inside a section"),
        (
            _cfg({"type": "global", "directives": [{"if": [], "body": [GLOBAL]}]}),
            "sections[0].directives[0].body[0]: a section cannot stand inside a section",
        ),
        (
            _cfg(GLOBAL, [".notice", "x"]),
            "sections[1]: HAProxy reads what follows a section as part of it",
        ),
        (_cfg(GLOBAL, {"scope": "[x]"}), "sections[1]: HAProxy reads what follows a section"),
        (
            _cfg(GLOBAL, {"if": [], "body": [[".notice", "x"]]}),
            "sections[1]: HAProxy reads what follows",
        ),
        (
            _cfg(GLOBAL, {"type": "x-future", "directives": [["a"]]}),
            "sections[1].type: 'x-future' is not a HAProxy section keyword",
        ),
        (
            _cfg({"type": "x-future"}),
            "sections[0].directives: an unknown section needs a directive",
        ),
        (
            _cfg({"type": "x-future", "directives": [{"scope": "[a]"}]}),
            "sections[0].directives[0]: an unknown section must start with a directive",
        ),
        (_cfg({"scope": "x"}), "sections[0].scope: a scope line starts with '['"),
        (
            _cfg({"scope": "[a\nb]"}),
            "sections[0].scope: '\\n' cannot be written into a configuration line",
        ),
        (_cfg({"scope": 1}), "sections[0].scope: expected a string, got int"),
        (_cfg({"if": "defined(X)"}), "sections[0].if: expected a list, got str"),
        (_cfg({"if": [], "elif": [{"body": []}]}), "sections[0].elif[0]: missing key 'if'"),
        (
            _cfg({"if": [], "elif": [{"if": [1]}]}),
            "sections[0].elif[0].if[0]: expected a string, got int",
        ),
        (_cfg({"if": [], "else": "x"}), "sections[0].else: expected a list, got str"),
        (_cfg({"if": [], "then": []}), "sections[0].then: unknown key"),
        (
            _cfg(GLOBAL, {"type": "global", "directives": [_nested(100)]}),
            "sections[1].directives[0]" + ".body[0]" * 99 + ": too many nested",
        ),
    ],
)
def test_bad_input_names_the_path(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        hm.from_dict(data)


def test_nesting_up_to_the_limit_is_fine() -> None:
    _round_trip(hm.from_dict(_cfg(GLOBAL, {"type": "global", "directives": [_nested(99)]})))
