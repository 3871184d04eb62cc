"""Bad input gets a clear ``hm.Error`` naming the field or argument, never an internal
AttributeError/TypeError/IndexError from deep inside, and nothing written is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import haproxy_model as hm


@pytest.mark.parametrize("value", [None, 1.5, [1], b"1k"])
def test_size_parse_refuses_other_types_as_time_does(value: Any) -> None:
    with pytest.raises(hm.InvalidType, match="a size is a string or an int"):
        hm.Size.parse(value)


@pytest.mark.parametrize("filename", [None, 3, b"x.cfg"])
def test_parse_refuses_a_filename_that_is_not_a_str(filename: Any) -> None:
    with pytest.raises(hm.InvalidType, match="filename"):
        hm.parse("global\n", filename=filename)


@pytest.mark.parametrize("address", [None, 3, b"/x.sock"])
def test_runtime_client_refuses_an_address_of_another_type(address: Any) -> None:
    with pytest.raises(hm.InvalidType, match="runtime API address"):
        hm.RuntimeClient(address)


def test_runtime_client_refuses_a_timeout_that_is_not_a_number() -> None:
    with pytest.raises(hm.InvalidType, match="timeout"):
        hm.RuntimeClient("/x.sock", timeout="x")  # type: ignore[arg-type]


def test_runtime_client_socket_errors_are_in_the_family(tmp_path: Path) -> None:
    from haproxy_model.ops.drift import RuntimeUnavailable

    client = hm.RuntimeClient(tmp_path / "none.sock", timeout=0.5)
    with pytest.raises(RuntimeUnavailable) as err:
        client.show_info()
    # still what ``except OSError`` / ``except FileNotFoundError`` callers catch
    assert isinstance(err.value, FileNotFoundError) and isinstance(err.value, hm.OperationFailed)
    assert err.value.errno is not None
    assert str(err.value) == f"unix@{tmp_path / 'none.sock'}: No such file or directory"


# -- the raw text, line end and indentation of a line ---------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: hm.Server(3),
        lambda: hm.Server(b"server x a:1"),
        lambda: hm.Directive(3),
        lambda: hm.Comment(None),
    ],
)
def test_a_line_refuses_raw_text_that_is_not_a_str(make: Any) -> None:
    with pytest.raises(hm.InvalidType, match="raw text is a str"):
        make()


def test_a_line_break_in_raw_text_or_a_junk_line_end_is_refused() -> None:
    cfg = hm.parse("backend b\n    server s1 a:1\n")
    be = cfg.backends["b"]
    with pytest.raises(hm.InvalidValue, match="line break"):
        be.servers.add(hm.Server("server a b:1\nbackend evil"))
    server = be.servers["s1"]
    with pytest.raises(hm.InvalidValue, match="line break"):
        server.raw = "    server s1 a:1\nbackend evil"
    with pytest.raises(hm.InvalidValue, match="not a line end"):
        server.newline = "x"
    with pytest.raises(hm.InvalidValue, match="not a line end"):
        server.newline = "\n\n"
    with pytest.raises(hm.InvalidValue, match="not a line end"):
        hm.Server("server a b:1", newline="\nbackend evil")
    assert hm.dumps(cfg) == "backend b\n    server s1 a:1\n"


@pytest.mark.parametrize("newline", ["", "\n", "\r\n", "\r", "\r \n", "\r\r\n"])
def test_the_line_ends_the_parser_produces_are_accepted(newline: str) -> None:
    cfg = hm.parse(f"backend b{newline}")
    assert cfg.backends["b"].header.newline == newline
    line = hm.Directive("    maxconn 5")
    line.newline = newline
    assert hm.Directive("    maxconn 5", newline=newline).render() == "    maxconn 5" + newline


@pytest.mark.parametrize("indent", ["# ", "x", "\n"])
def test_an_indent_is_blanks_only(indent: str) -> None:
    with pytest.raises(hm.InvalidValue, match="blanks only"):
        hm.Server(name="s1", address="a", indent=indent)
    assert hm.Server(name="s1", address="a", indent="\t ").render() == "\t server s1 a\n"


# -- a str where a sequence of words is expected ------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: hm.Backend("b", directives=["http-request deny"]),
        lambda: hm.Directive.from_values("maxconn 5"),
        lambda: hm.Directive("    maxconn 5").insert_words(1, "abc"),
        lambda: hm.Directive("    maxconn 5").set_values("maxconn 6"),
    ],
)
def test_a_str_is_not_a_sequence_of_words(call: Any) -> None:
    with pytest.raises(hm.InvalidType, match="sequence of words, not a str: write \\["):
        call()


def test_insert_word_takes_one_word() -> None:
    line = hm.Directive("    maxconn 5")
    line.insert_word(1, "abc")
    assert line.raw == "    maxconn abc 5"


# -- the collection fields of a section -----------------------------------------------------


def acl(name: str = "a") -> hm.Acl:
    return hm.Acl(name=name, criterion="path", patterns=["/x"])


def text_of(section: Any) -> str:
    from haproxy_model.syntax.render import render

    return render(section)


def test_constructors_take_the_list_fields_in_the_order_given() -> None:
    fe = hm.Frontend(
        "web",
        acls=[acl("a"), acl("b")],
        use_backends=[hm.UseBackend(target="app")],
        http_request=[hm.Rule.from_values(["http-request", "deny"])],
        tcp_request=[hm.Rule.from_values(["tcp-request", "content", "accept"])],
        logs=[hm.Log.from_values(["log", "global"])],
    )
    assert text_of(fe) == (
        "frontend web\n    acl a path /x\n    acl b path /x\n    use_backend app\n"
        "    http-request deny\n    tcp-request content accept\n    log global\n"
    )
    be = hm.Backend(
        "app",
        errorfiles=[hm.Errorfile.from_values(["errorfile", "503", "/e.http"])],
        stick_table=hm.StickTable.from_values(["stick-table", "type", "ip", "size", "1m"]),
        server_templates=[hm.ServerTemplate.from_values(["server-template", "s", "3", "a:1"])],
    )
    assert text_of(be) == (
        "backend app\n    errorfile 503 /e.http\n    stick-table type ip size 1m\n"
        "    server-template s 3 a:1\n"
    )
    for cls in (hm.Defaults, hm.Listen):
        section = cls(acls=[acl()]) if cls is hm.Defaults else cls("l", acls=[acl()])
        assert [a.name for a in section.acls] == ["a"]
    peers = hm.Peers("p", servers=[hm.Server(name="s1", address="a", port=1)])
    assert text_of(peers) == "peers p\n    server s1 a:1\n"
    resolvers = hm.Resolvers("r", timeouts={"retry": "1s"})
    assert text_of(resolvers) == "resolvers r\n    timeout retry 1s\n"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: hm.Backend("a", servers=None), "servers: expected a list of server lines"),
        (lambda: hm.Defaults(timeouts=None), "timeouts: expected a mapping"),
        (lambda: hm.Defaults(options=["httplog"]), "options: expected a mapping"),
        (lambda: hm.Frontend("w", binds=[":80"]), "binds: expected one of the bind lines"),
        (lambda: hm.Frontend("w", binds=None), "binds: expected a list of bind lines"),
        (lambda: hm.Backend("a", retry_on=503), "retry-on: expected a list of words"),
        (lambda: hm.Backend("a", retry_on=[None]), "retry-on: a word is a str"),
        (lambda: hm.Backend("a", default_server="check inter 2s"), "default_server: expected"),
        (lambda: hm.Backend("a", default_server=3), "default_server: expected"),
        (lambda: hm.Backend("a", default_server=["check"]), "default_server: expected"),
        (lambda: hm.Backend("a", stick_table="type ip"), "stick_table: expected"),
        (lambda: hm.Backend("a", directives=[None]), "directives"),
        (lambda: hm.Backend("a", directives=3), "directives: expected a list"),
        (lambda: hm.Backend("a", body=3), "body: expected a list of lines"),
        (lambda: hm.Backend("a", body=[3]), "body: expected a list of lines"),
        (lambda: hm.Backend("a", leading=3), "leading: expected a list of lines"),
        (lambda: hm.Backend("a", keyword="x"), "keyword is read-only"),
        (lambda: hm.Backend("a", find="x"), "no field 'find'"),
    ],
)
def test_wrong_types_for_section_fields_name_the_field(make: Any, match: str) -> None:
    with pytest.raises(hm.InvalidType, match=match):
        make()


def test_views_refuse_what_is_not_their_line() -> None:
    fe = hm.Frontend("w", binds=[hm.Bind(address="", port=80)], acls=[acl()])
    with pytest.raises(hm.InvalidType, match="bind lines"):
        fe.binds.append("bind :81")  # type: ignore[arg-type]
    with pytest.raises(hm.InvalidType, match="acl lines"):
        fe.acls.append(3)  # type: ignore[arg-type]
    with pytest.raises(hm.InvalidType, match="use_backend lines"):
        fe.use_backends.append(None)  # type: ignore[arg-type]
    with pytest.raises(hm.InvalidType, match="a list indexed by position"):
        fe.acls["a"]  # type: ignore[index]
    with pytest.raises(hm.InvalidType, match="a list indexed by position"):
        fe.binds["x"]  # type: ignore[index]
    assert fe.acls[0].name == "a" and fe.acls[-1:] == [fe.acls[0]]


BACKEND = """\
backend b
    # about s1
    server s1 a:1 check
    server s3   c:3
    timeout connect 5s
    timeout server 5s
    option httplog
    default-server inter 2s
"""


def test_assigning_servers_replaces_them() -> None:
    cfg = hm.parse(BACKEND)
    be = cfg.backends["b"]
    be.servers = [hm.Server(name="s3", address="c", port=4), hm.Server(name="s2", address="b")]
    assert list(be.servers) == ["s3", "s2"]
    assert "# about s1" not in hm.dumps(cfg)  # removed with its line, as `del` does
    assert "    server s3   c:4\n" in hm.dumps(cfg)  # kept: its spacing too
    be.servers = []
    assert list(be.servers) == [] and be.default_server is not None
    with pytest.raises(hm.InvalidValue, match="given twice"):
        be.servers = [hm.Server(name="x", address="a"), hm.Server(name="x", address="b")]


def test_assigning_timeouts_and_options_replaces_them() -> None:
    cfg = hm.parse(BACKEND)
    be = cfg.backends["b"]
    be.timeouts = {"connect": "1s"}
    be.options = {"redispatch": True}
    assert dict(be.timeouts) == {"connect": hm.Time("1s")}
    assert list(be.options) == ["redispatch"]
    be.timeouts = be.timeouts  # a view of itself
    assert dict(be.timeouts) == {"connect": hm.Time("1s")}


def test_assigning_a_line_list_replaces_it_in_the_order_given() -> None:
    fe = hm.Frontend("w", acls=[acl("a"), acl("b"), acl("c")])
    a, _, c = fe.acls
    fe.acls = [a, c, acl("d")]
    assert [x.name for x in fe.acls] == ["a", "c", "d"]
    fe.acls = [c, a]
    assert [x.name for x in fe.acls] == ["c", "a"]
    fe.acls = fe.acls
    assert [x.name for x in fe.acls] == ["c", "a"]
    fe.acls = []
    assert len(fe.acls) == 0


def test_default_server_takes_a_default_server_line() -> None:
    cfg = hm.parse(BACKEND)
    be = cfg.backends["b"]
    with pytest.raises(hm.InvalidType, match="DefaultServer"):
        be.default_server = hm.Server(name="x", address="a")  # type: ignore[assignment]
    assert hm.dumps(cfg) == BACKEND
    be.default_server = hm.DefaultServer(check=True)
    assert "    default-server check\n" in hm.dumps(cfg)
    be.default_server = None
    assert be.default_server is None


def test_default_server_rewrites_the_last_one_only() -> None:
    text = "backend b\n    default-server inter 1s\n    server a a:1\n    default-server inter 2s\n"
    cfg = hm.parse(text)
    cfg.backends["b"].default_server = hm.DefaultServer(inter="3s")
    assert hm.dumps(cfg) == text.replace("2s", "3s")  # the earlier one applies to server a


def test_more_wrong_types_at_the_entry_points() -> None:
    with pytest.raises(hm.InvalidType, match="filename"):
        hm.Config(filename=None)  # type: ignore[arg-type]
    with pytest.raises(hm.InvalidType, match="process"):
        hm.RuntimeClient("master@/x.sock", process=[1])  # type: ignore[arg-type]
    with pytest.raises(hm.InvalidValue, match="timeout"):
        hm.RuntimeClient("/x.sock", timeout=float("inf"))
    be = hm.Backend("b")
    with pytest.raises(hm.InvalidType, match="body: expected a list of nodes"):
        be.body = None  # type: ignore[assignment]
    with pytest.raises(hm.InvalidType, match="leading: expected a list of nodes"):
        be.leading = 3  # type: ignore[assignment]
