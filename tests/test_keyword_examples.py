"""Per-keyword examples generated from the keyword table (server and bind options)."""

from __future__ import annotations

import pytest

import haproxy_model as hm
from haproxy_model.keywords import load_table
from haproxy_model.model.line_options import takes_value

TABLE = load_table()
SERVER_OPTIONS = sorted(TABLE.options("server"))
BIND_OPTIONS = sorted(TABLE.options("bind"))


def _example_value(name: str) -> list[str]:
    return ["x1"] if takes_value("server", name) else []


@pytest.mark.parametrize("option", SERVER_OPTIONS)
def test_every_server_option_is_read_in_place(option: str) -> None:
    words = [option, *_example_value(option)]
    after, edited = ("rise", "fall") if option in ("weight", "maxconn") else ("weight", "maxconn")
    text = f"backend b\n    server s 127.0.0.1:80 {' '.join(words)} {after} 7\n"
    server = hm.parse(text).backends["b"].servers["s"]
    opts = server.options
    # valid example: the option and its value are read, and the next option is not swallowed
    assert opts[option] == (words[1] if len(words) > 1 else True)
    assert opts[after] == "7"
    # editing another option leaves this one in place
    server.set_option(edited, "3")
    assert server.values[3 : 3 + len(words)] == words
    assert server.options[edited] == "3"


@pytest.mark.parametrize("option", BIND_OPTIONS)
def test_every_bind_option_is_read_in_place(option: str) -> None:
    value = ["x1"] if takes_value("bind", option) else []
    after = "backlog" if option == "maxconn" else "maxconn"
    text = f"frontend f\n    bind 127.0.0.1:80 {' '.join([option, *value])} {after} 9\n"
    bind = hm.parse(text).frontends["f"].binds[0]
    assert bind.options[option] == (value[0] if value else True)
    assert bind.options[after] == "9"


def test_invalid_examples() -> None:
    # an option the table does not know, followed by a known one, is a flag
    server = (
        hm.parse("backend b\n    server s 10.0.0.1:80 future-flag check\n")
        .backends["b"]
        .servers["s"]
    )
    assert server.options == {"future-flag": True, "check": True}
    # followed by an unknown word, it takes that word as its value
    server = (
        hm.parse("backend b\n    server s 10.0.0.1:80 future-opt 5 check\n")
        .backends["b"]
        .servers["s"]
    )
    assert server.options == {"future-opt": "5", "check": True}
    # a value option at the end of the line without its value reads as a flag
    server = hm.parse("backend b\n    server s 10.0.0.1:80 inter\n").backends["b"].servers["s"]
    assert server.options == {"inter": True}


def test_table_covers_the_typed_fields() -> None:
    typed = ["check", "inter", "fastinter", "downinter", "rise", "fall", "maxconn", "maxqueue"]
    typed += ["minconn", "weight", "backup", "disabled", "ssl", "verify", "sni", "check-ssl"]
    typed += ["resolvers", "init-addr", "send-proxy", "on-error", "observe", "error-limit"]
    typed += ["track"]
    missing = [name for name in typed if name not in SERVER_OPTIONS]
    assert not missing
    assert takes_value("server", "inter") is True
    assert takes_value("server", "check") is False
    assert takes_value("server", "no-such-option") is None
