"""The tree: sections in order, names, `.if` blocks, trivia ownership, line ends."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import haproxy_model as hm

SAMPLE = """\
# preamble comment

global
    maxconn 100   # limit
    .if feature(THREAD)
        nbthread 4
    .elif defined(X)
        nbthread 2
    .else
        nbthread 1
    .endif

defaults base from parent
    mode http

# the web frontend
frontend web from base
    bind :80
    default_backend app

backend app
    server s1 127.0.0.1:8080 check
"""


def test_sections_in_order_with_names() -> None:
    cfg = hm.parse(SAMPLE)
    got = [(s.keyword, s.name, s.from_) for s in cfg.sections]
    assert got == [
        ("global", None, None),
        ("defaults", "base", "parent"),
        ("frontend", "web", "base"),
        ("backend", "app", None),
    ]
    assert hm.dumps(cfg) == SAMPLE


def test_anonymous_defaults_from() -> None:
    cfg = hm.parse("defaults from base\n  mode tcp\n")
    section = cfg.sections[0]
    assert (section.name, section.from_) == (None, "base")


def test_preamble_and_leading_comment_ownership() -> None:
    cfg = hm.parse(SAMPLE)
    assert isinstance(cfg.body[0], hm.Comment)
    assert isinstance(cfg.body[1], hm.Blank)
    frontend = cfg.sections[2]
    assert [c.raw for c in frontend.leading] == ["# the web frontend"]
    # the comment is not in the defaults body any more
    assert all("web frontend" not in line.raw for line in cfg.sections[1].lines)


def test_conditional_inside_section() -> None:
    cfg = hm.parse(SAMPLE)
    glob = cfg.sections[0]
    cond = next(n for n in glob.body if isinstance(n, hm.Conditional))
    assert [b.kind for b in cond.branches] == [".if", ".elif", ".else"]
    assert cond.branches[0].condition == "feature(THREAD)"
    assert [d.values for d in cond.branches[2].body if isinstance(d, hm.Directive)] == [
        ["nbthread", "1"]
    ]
    assert cond.end.keyword == ".endif"
    assert [d.keyword for d in glob.directives()] == ["maxconn", "nbthread", "nbthread", "nbthread"]


def test_conditional_containing_sections_stands_between_them() -> None:
    text = (
        "global\n  maxconn 1\n"
        ".if defined(WITH_STATS)\n"
        "frontend stats\n  bind :9000\n"
        ".else\n"
        "backend fallback\n  server s 127.0.0.1:1\n"
        ".endif\n"
        "backend app\n  server s 127.0.0.1:2\n"
    )
    cfg = hm.parse(text)
    assert [s.name for s in cfg.sections] == [None, "stats", "fallback", "app"]
    assert isinstance(cfg.body[1], hm.Conditional)
    assert hm.dumps(cfg) == text


def test_conditional_opened_inside_a_section_containing_a_header() -> None:
    text = "global\n  a 1\n.if 1\n  b 2\ndefaults\n  c 3\n.endif\n  d 4\nbackend x\n"
    cfg = hm.parse(text)
    assert [s.keyword for s in cfg.sections] == ["global", "defaults", "backend"]
    assert hm.dumps(cfg) == text


def test_nested_conditionals() -> None:
    text = ".if 1\n.if 2\n.if 3\nglobal\n.endif\n.endif\n.endif\n"
    cfg = hm.parse(text)
    assert [s.keyword for s in cfg.sections] == ["global"]
    assert hm.dumps(cfg) == text


def test_messages_and_scopes() -> None:
    text = ".notice \"starting\"\nglobal\n  .warning 'careful'\n[scope1]\n  maxconn 1\n"
    cfg = hm.parse(text)
    msgs = [n for n in cfg.lines() if isinstance(n, hm.Message)]
    assert [(m.level, m.text) for m in msgs] == [("notice", "starting"), ("warning", "careful")]
    assert any(isinstance(n, hm.ScopeLine) for n in cfg.lines())
    assert hm.dumps(cfg) == text


def test_every_section_keyword_is_recognised() -> None:
    keywords = [
        "global", "defaults", "frontend", "backend", "listen", "userlist", "peers",
        "resolvers", "mailers", "cache", "program", "http-errors", "ring", "log-forward",
        "fcgi-app", "crt-store", "traces", "acme", "log-profile",
    ]  # fmt: skip
    text = "".join(f"{k} n{i}\n" for i, k in enumerate(keywords))
    cfg = hm.parse(text)
    assert [s.keyword for s in cfg.sections] == keywords
    assert not any(isinstance(s, hm.UnknownSection) for s in cfg.sections)


def test_unknown_section_is_kept() -> None:
    text = "future-section things\n    knob 1\n    other 2\nglobal\n    maxconn 1\n"
    cfg = hm.parse(text)
    unknown = cfg.sections[0]
    assert isinstance(unknown, hm.UnknownSection)
    assert (unknown.keyword, unknown.name) == ("future-section", "things")
    assert [d.keyword for d in unknown.directives()] == ["knob", "other"]
    assert hm.dumps(cfg) == text


def test_section_header_indented_and_at_end_of_file() -> None:
    text = "  global\n\tmaxconn 1\n    backend b"
    cfg = hm.parse(text)
    assert [s.keyword for s in cfg.sections] == ["global", "backend"]
    assert hm.dumps(cfg) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "global",
        "global\r\n  maxconn 1\r\n",
        "global\r\n  maxconn 1",
        "global\n  maxconn 1 \t \n\n\t\n",
        "global\n  maxconn 1\r ignored by haproxy\n",
        "global\n  maxconn 1\rtrailing",
        "global\n  log \\\n",
        "global\n  log 'a # b' \"c # ${X-d}\" e\\ f\\#g #h\n",
        "global#c\n  maxconn#1\n",
        "global\n\x0b\x0cmaxconn\x0b1\n",
    ],
)
def test_round_trip_odd_texts(text: str) -> None:
    assert hm.dumps(hm.parse(text)) == text


def test_line_ends_are_kept_per_line() -> None:
    cfg = hm.parse("global\r\n  a 1\n  b 2\r\n  c 3")
    assert [line.newline for line in cfg.lines()] == ["\r\n", "\n", "\r\n", ""]


def test_words_and_values() -> None:
    cfg = hm.parse('global\n  log-format "%ci %b" \'x y\' a\\ b "${HOST-h}:80" # note\n')
    d = cfg.sections[0].directives()[0]
    assert d.keyword == "log-format"
    assert d.args == ["%ci %b", "x y", "a b", "${HOST-h}:80"]
    assert [w.raw for w in d.words][1:] == ['"%ci %b"', "'x y'", "a\\ b", '"${HOST-h}:80"']
    assert d.words[4].env_vars == ("HOST",)
    assert d.comment == "note"


def test_load_dump_keeps_non_utf8_bytes_and_mode(tmp_path: Path) -> None:
    raw = b"# caf\xe9 \xff\xfe\nglobal\n  maxconn 1 # \xc3\xa9t\xe9\n"
    path = tmp_path / "h.cfg"
    path.write_bytes(raw)
    os.chmod(path, 0o640)
    cfg = hm.load(path)
    hm.dump(cfg, path)
    assert path.read_bytes() == raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name != "h.cfg"]  # no temp file left


def test_load_errors_are_clear(tmp_path: Path) -> None:
    # a directory is read as `haproxy -f DIR` reads it (tests/test_multi_file.py): here, empty
    with pytest.raises(FileNotFoundError, match="no configuration file in this directory"):
        hm.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        hm.load(tmp_path / "missing.cfg")
    bad = tmp_path / "bad.cfg"
    bad.write_text('global\n  log "x\n')
    with pytest.raises(hm.ParseError) as info:
        hm.load(bad)
    assert info.value.filename == str(bad)


def test_edit_changes_one_line() -> None:
    cfg = hm.parse(SAMPLE)
    backend = cfg.sections[3]
    server = backend.directives()[0]
    server.insert_word(len(server.values), "maxconn")
    server.insert_word(len(server.values), "32")
    out = hm.dumps(cfg)
    before, after = SAMPLE.splitlines(), out.splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b]
    assert changed == [len(before) - 1]
    assert after[-1] == "    server s1 127.0.0.1:8080 check maxconn 32"


def test_equality_ignores_formatting() -> None:
    a = hm.parse("global\n    maxconn 1\n")
    b = hm.parse("# hi\nglobal\n\tmaxconn   '1'  # c\n\n")
    c = hm.parse("global\n    maxconn 2\n")
    assert a == b
    assert a != c


def test_lines_are_classified_by_value_like_haproxy() -> None:
    cfg = hm.parse("\"backend\" app\n    'server' s1 10.0.0.1:80\n")
    backend = cfg.backends["app"]
    assert isinstance(backend.servers["s1"], hm.Server)
    with pytest.raises(hm.ParseError, match="without quotes"):
        hm.parse('global\n    "\\x2enotice" hi\n')


def test_variables_only_in_double_quotes_count_for_equality() -> None:
    assert hm.parse('global\n log "$H"\n') != hm.parse("global\n log '$H'\n")
    assert hm.parse('global\n log "a"\n') == hm.parse("global\n log 'a'\n")
