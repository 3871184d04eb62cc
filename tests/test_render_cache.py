"""``dumps`` keeps the text of what did not change: every way of editing the tree
after a ``dumps`` must show up in the next one.

The expected text is rendered without any cache: every line's text and line end,
in file order.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import haproxy_model as hm
from haproxy_model.syntax.nodes import Blank, Comment, Conditional, Directive, Section, iter_lines
from tests.test_patch_api import BASE, EDITS, GOLDEN, unified

TEXT = """\
# the global section
global
    maxconn 100

defaults
    timeout client 5s

frontend fe
    bind :80
.if defined(X)
    use_backend app if { path_beg /x }
.else
    default_backend app
.endif

# about app
backend app
    balance roundrobin
    server s1 10.0.0.1:80 check maxconn 10
    server s2 10.0.0.2:80

.if defined(EXTRA)
backend extra
    server e1 10.0.0.3:80
.endif
backend last
    server l1 10.0.0.4:80"""


def uncached(cfg: hm.Config) -> str:
    return "".join(line.raw + line.newline for line in iter_lines(cfg.body))


def check(cfg: hm.Config) -> str:
    out = hm.dumps(cfg)
    assert out == uncached(cfg)
    assert hm.dumps(cfg) == out  # and again, from the cache
    return out


def warm() -> hm.Config:
    cfg = hm.parse(TEXT)
    assert hm.dumps(cfg) == TEXT
    return cfg


def _server(cfg: hm.Config, name: str = "s1") -> hm.Server:
    return cfg.backends["app"].servers[name]


def _fe_cond(cfg: hm.Config) -> Conditional:
    node = next(n for n in cfg.frontends["fe"].body if isinstance(n, Conditional))
    assert isinstance(node, Conditional)
    return node


def _top_cond(cfg: hm.Config) -> Conditional:
    node = next(n for n in cfg.body if isinstance(n, Conditional))
    assert isinstance(node, Conditional)
    return node


def _moved_line(cfg: hm.Config) -> None:
    line = _server(cfg, "s2")
    cfg.backends["app"].body.remove(line)
    cfg.backends["last"].body.append(line)
    hm.dumps(cfg)
    line.maxconn = 7


def _shared_line(cfg: hm.Config) -> None:
    # the same line object in two sections: an edit shows in both places
    line = _server(cfg, "s2")
    cfg.backends["last"].body.append(line)
    hm.dumps(cfg)
    line.maxconn = 7


def _replaced_body(cfg: hm.Config) -> None:
    section = cfg.backends["app"]
    body = list(section.body)
    section.body = body
    hm.dumps(cfg)
    section.body[0].raw = "    balance leastconn"


def _moved_section(cfg: hm.Config) -> None:
    section = cfg.backends["extra"]
    _top_cond(cfg).branches[0].body.remove(section)
    cfg.body.append(section)
    hm.dumps(cfg)
    section.header.raw = "backend moved"


MUTATIONS: dict[str, Callable[[hm.Config], None]] = {
    "typed setter": lambda cfg: setattr(_server(cfg), "maxconn", 99),
    "typed flag off": lambda cfg: setattr(_server(cfg), "check", False),
    "section setting": lambda cfg: setattr(cfg.backends["app"], "balance", "leastconn"),
    "global setting": lambda cfg: setattr(cfg.global_, "maxconn", 5),
    "set_values": lambda cfg: _server(cfg).set_values(["server", "s1", "10.9.9.9:81"]),
    "set_word": lambda cfg: _server(cfg).set_word(1, "renamed"),
    "insert_words": lambda cfg: _server(cfg).insert_words(3, ["weight", "5"]),
    "remove_words": lambda cfg: _server(cfg).remove_words(3),
    "comment": lambda cfg: setattr(_server(cfg), "comment", "note"),
    "raw": lambda cfg: setattr(_server(cfg), "raw", "    server s1 10.0.0.9:80"),
    "newline": lambda cfg: setattr(_server(cfg), "newline", "\r\n"),
    "header raw": lambda cfg: setattr(cfg.backends["app"].header, "raw", "backend app2"),
    "header replaced": lambda cfg: setattr(
        cfg.backends["app"], "header", hm.Section(Directive.from_values(["x"])).header
    ),
    "leading comment": lambda cfg: setattr(cfg.backends["app"].leading[0], "raw", "# changed"),
    "leading list": lambda cfg: cfg.backends["app"].leading.append(Comment("# more")),
    "add server": lambda cfg: cfg.backends["app"].servers.add(
        hm.Server(name="s9", address="10.0.0.9", port=80)
    ),
    "delete server": lambda cfg: cfg.backends["app"].servers.__delitem__("s2"),
    "add directive": lambda cfg: cfg.backends["app"].add_directive(["retries", "3"]),
    "body append": lambda cfg: cfg.backends["app"].body.append(Blank("")),
    "body insert": lambda cfg: cfg.backends["app"].body.insert(0, Comment("# first")),
    "body extend": lambda cfg: cfg.backends["app"].body.extend([Comment("# a"), Blank("")]),
    "body iadd": lambda cfg: cfg.backends["app"].body.__iadd__([Comment("# b")]),
    "body setitem": lambda cfg: cfg.backends["app"].body.__setitem__(0, Comment("# x")),
    "body slice": lambda cfg: cfg.backends["app"].body.__setitem__(slice(0, 2), []),
    "body delitem": lambda cfg: cfg.backends["app"].body.__delitem__(0),
    "body pop": lambda cfg: cfg.backends["app"].body.pop(),
    "body clear": lambda cfg: cfg.backends["app"].body.clear(),
    "body reverse": lambda cfg: cfg.backends["app"].body.reverse(),
    "body sort": lambda cfg: cfg.backends["app"].body.sort(key=lambda n: str(n)),
    "body imul": lambda cfg: cfg.backends["app"].body.__imul__(2),
    "body replaced": _replaced_body,
    "line moved": _moved_line,
    "line shared": _shared_line,
    "section moved": _moved_section,
    "add section": lambda cfg: cfg.add(hm.Backend(name="new", balance="first")),
    "remove section": lambda cfg: cfg.remove(cfg.backends["app"]),
    "remove section in .if": lambda cfg: cfg.remove(cfg.backends["extra"]),
    "document body": lambda cfg: cfg.body.pop(0),
    "document body replaced": lambda cfg: setattr(cfg, "body", cfg.body[:3]),
    ".if line in a section": lambda cfg: setattr(_fe_cond(cfg).branches[0].line, "raw", ".if 1"),
    ".if branch body": lambda cfg: _fe_cond(cfg).branches[1].body.append(Comment("    # c")),
    ".if branch list": lambda cfg: _fe_cond(cfg).branches.pop(),
    ".endif": lambda cfg: setattr(_fe_cond(cfg).end, "raw", ".endif # end"),
    ".if end replaced": lambda cfg: setattr(_fe_cond(cfg), "end", hm.Marker(".endif # new")),
    "section in .if": lambda cfg: setattr(
        cfg.backends["extra"].servers["e1"], "address", "10.1.1.1"
    ),
    "top .if line": lambda cfg: setattr(_top_cond(cfg).branches[0].line, "raw", ".if 0"),
    "last line newline": lambda cfg: setattr(cfg.backends["last"].servers["l1"], "newline", "\n"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_edit_after_a_cached_dumps(name: str) -> None:
    cfg = warm()
    MUTATIONS[name](cfg)
    out = check(cfg)
    assert out != TEXT


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_two_edits_with_dumps_between(name: str) -> None:
    cfg = warm()
    MUTATIONS[name](cfg)
    check(cfg)
    if cfg.global_ is not None:
        cfg.global_.maxconn = 7
        check(cfg)
    line = next(line for line in iter_lines(cfg.body) if line.raw.strip())
    line.raw = line.raw + " "
    check(cfg)


@pytest.mark.parametrize("name", sorted(EDITS))
def test_golden_edits_after_a_cached_dumps(name: str) -> None:
    before = BASE.read_text()
    cfg = hm.parse(before, filename=str(BASE))
    assert hm.dumps(cfg) == before
    EDITS[name](cfg)
    after = check(cfg)
    assert unified(before, after) == (GOLDEN / f"{name}.diff").read_text()


def test_a_copy_renders_its_own_edits() -> None:
    cfg = warm()
    twin = copy.deepcopy(cfg)
    _server(twin).maxconn = 1
    assert hm.dumps(cfg) == TEXT
    assert check(twin) != TEXT
    _server(cfg).maxconn = 2
    assert "maxconn 2" in check(cfg)
    assert "maxconn 2" not in check(twin)


def test_a_pickled_config_renders_its_edits() -> None:
    cfg = pickle.loads(pickle.dumps(warm()))
    assert hm.dumps(cfg) == TEXT
    _server(cfg).maxconn = 3
    assert "maxconn 3" in check(cfg)


def test_a_shallow_copy_of_a_section_shares_its_lines() -> None:
    cfg = warm()
    section = cfg.backends["app"]
    twin = copy.copy(section)
    other = hm.parse("")
    other.body.append(twin)
    assert hm.dumps(other) == "".join(line.raw + line.newline for line in iter_lines([twin]))
    _server(cfg).maxconn = 4
    assert "maxconn 4" in check(cfg)
    assert "maxconn 4" in check(other)


def test_a_plain_list_assigned_is_the_section_list() -> None:
    cfg = warm()
    section = cfg.backends["app"]
    section.body = [Blank("")]
    assert check(cfg) != TEXT
    section.body.append(Comment("# kept"))
    assert "# kept" in check(cfg)


# -- random edit sequences --------------------------------------------------

OPS = st.lists(st.tuples(st.sampled_from(sorted(MUTATIONS)), st.booleans()), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_random_edit_sequences(ops: list[tuple[str, bool]]) -> None:
    cfg = warm()
    for name, dump_between in ops:
        try:
            MUTATIONS[name](cfg)
        except (LookupError, StopIteration, ValueError, TypeError, AttributeError):
            continue  # the thing it edits is gone
        if dump_between:
            check(cfg)
    check(cfg)


def test_sections_inside_if_blocks_keep_their_place() -> None:
    cfg = warm()
    extra = cfg.backends["extra"]
    assert isinstance(extra, Section)
    extra.servers["e1"].port = 81
    out = check(cfg)
    assert ".if defined(EXTRA)\nbackend extra\n    server e1 10.0.0.3:81\n.endif\n" in out


TEXTS = {
    "sample": TEXT,
    "unknown section first": "foo\n    bar 1\n# c\nglobal\n    maxconn 1\n",
    "if blocks everywhere": (
        "# top\n.if defined(A)\nglobal\n    maxconn 1\n.elif defined(B)\n# b\n"
        "defaults\n.if defined(C)\n    timeout client 1s\n.else\n    mode http\n.endif\n"
        ".else\n.endif\n\nbackend b\n.if defined(D)\n.if defined(E)\n    server s 1.2.3.4:80\n"
        ".endif\n.endif\n    balance first\n.if defined(F)\nbackend c\n.endif\n    retries 2\n"
    ),
    "crlf and no final newline": "global\r\n    maxconn 1\r\n\r\nbackend b\r\n    retries 1",
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_every_line_edited_right_after_parse(name: str) -> None:
    text = TEXTS[name]
    count = len(list(iter_lines(hm.parse(text).body)))
    for index in range(count):
        for dump_first in (False, True):
            cfg = hm.parse(text)
            if dump_first:
                assert hm.dumps(cfg) == text
            line = list(iter_lines(cfg.body))[index]
            line.raw = line.raw + "  # edited"
            out = check(cfg)
            assert out.count("# edited") == 1


def test_a_section_in_two_documents_shows_an_edit_in_both() -> None:
    cfg = warm()
    other = hm.parse("global\n")
    other.body.append(cfg.backends["app"])
    hm.dumps(other)
    hm.dumps(cfg)
    _server(cfg).maxconn = 5
    assert "maxconn 5" in check(other)  # renders the section again (and caches it)
    assert "maxconn 5" in check(cfg)
    _server(cfg).maxconn = 6
    assert "maxconn 6" in check(cfg)
    assert "maxconn 6" in check(other)


def test_copies_keep_the_parsed_mark() -> None:
    """A deep copy, edited, then copied again and grown, renders (the parser's mark of an
    unchanged node is one object, which copies and pickles keep)."""
    from haproxy_model.syntax.render import PARSED

    cfg = hm.parse("global\n    daemon\n\nbackend a\n    mode http\n")
    assert copy.deepcopy(PARSED) is PARSED and pickle.loads(pickle.dumps(PARSED)) is PARSED
    c = copy.deepcopy(cfg)
    c.body.insert(1, Blank(""))
    hm.dumps(c)
    c = copy.copy(c)
    hm.dumps(c)
    c.backends.add(hm.Backend(name="z"))
    assert hm.dumps(c) == "".join(line.render() for line in c.lines())
    assert hm.dumps(c).endswith("backend z\n")
