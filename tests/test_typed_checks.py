"""Typed objects check like the text does (issue 12, point 5): constructors run the same
checks as setters, and both refuse what HAProxy refuses, naming the field and the value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import haproxy_model as hm
from haproxy_model import Backend, Server, Timeout

ADDRESS = {"name": "s", "address": "10.0.0.1"}
REFUSED: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    "port above 65535": (lambda: Server(**ADDRESS, port=70000), ValueError, "70000"),
    "port 0": (lambda: Server(**ADDRESS, port=0), ValueError, "port"),
    "maxconn text": (lambda: Server(**ADDRESS, port=80, maxconn="abc"), TypeError, "abc"),
    "maxconn float": (lambda: Server(**ADDRESS, port=80, maxconn=32.5), TypeError, "32.5"),
    "maxconn bool": (lambda: Server(**ADDRESS, port=80, maxconn=True), TypeError, "True"),
    "maxconn negative": (lambda: Server(**ADDRESS, port=80, maxconn=-1), ValueError, "-1"),
    "inter banana": (lambda: Server(**ADDRESS, port=80, inter="banana"), ValueError, "banana"),
    "weight 300": (lambda: Server(**ADDRESS, port=80, weight=300), ValueError, "300"),
    "rise 0": (lambda: Server(**ADDRESS, port=80, rise=0), ValueError, "rise"),
    "balance bogus": (lambda: Backend(name="b", balance="bogus"), ValueError, "bogus"),
    "timeout name": (lambda: Timeout(kind="bogus", value="5s"), ValueError, "bogus"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_constructors_refuse(name: str) -> None:
    build, error, shown = REFUSED[name]
    with pytest.raises(error) as caught:
        build()
    assert shown in str(caught.value)
    assert isinstance(caught.value, hm.Error)


def test_setters_refuse_the_same() -> None:
    text = "backend b\n    balance roundrobin\n    server s 10.0.0.1:80 maxconn 4\n"
    cfg = hm.parse(text)
    backend = cfg.backends["b"]
    server = backend.servers["s"]
    for attr, value in [("maxconn", -1), ("port", 70000), ("port", 0), ("weight", 257)]:
        with pytest.raises(ValueError, match=attr):
            setattr(server, attr, value)
    with pytest.raises(ValueError, match="bogus"):
        backend.balance = "bogus"
    with pytest.raises(ValueError, match="bogus"):
        backend.timeouts["bogus"] = "5s"
    assert (
        hm.dumps(cfg) == "backend b\n    balance roundrobin\n    server s 10.0.0.1:80 maxconn 4\n"
    )


def test_what_haproxy_accepts_is_accepted() -> None:
    cfg = hm.parse("defaults\n    mode http\nbackend b\n    server s 10.0.0.1:80\n")
    backend = cfg.backends["b"]
    backend.balance = "hdr(host)"
    backend.balance = "random(2)"
    backend.timeouts["http-request"] = "5s"
    backend.timeouts["queue"] = 30
    server = backend.servers["s"]
    server.port, server.weight, server.maxconn, server.rise = 65535, 256, 0, 1
    assert "server s 10.0.0.1:65535 weight 256 maxconn 0 rise 1" in hm.dumps(cfg)
    cfg.backends["b"].balance = "leastconn"
    result = hm.haproxy.run_check(cfg)
    assert result.returncode in (0, 2) and result.valid, result.output


@pytest.mark.parametrize(("port", "valid"), [(1, True), (65535, True), (0, False)])
def test_port_bounds_are_haproxys(port: int, valid: bool) -> None:
    """HAProxy refuses a server on port 0 only in some forms; the model's bound is the
    manual's 1-65535, and what it accepts HAProxy accepts."""
    text = f"defaults\n    mode http\nbackend b\n    server s 127.0.0.1:{port}\n"
    if valid:
        assert hm.haproxy.run_check(hm.parse(text)).valid
        Server(**ADDRESS, port=port)
    else:
        with pytest.raises(ValueError):
            Server(**ADDRESS, port=port)
