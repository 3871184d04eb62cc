"""IPv6 addresses as HAProxy reads them (``str2sa_range``): in brackets, or with the last
colon starting the port; what the typed fields write, ``haproxy -c`` accepts."""

from __future__ import annotations

import pytest

import haproxy_model as hm
from haproxy_model.model.host_port import join_address, split_address
from tests.validate_support import DEFAULTS


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (":::80", ("::", "80")),  # every IPv6 address, port 80
        ("::1:", ("::1", "")),  # the last colon is there for the missing port
        ("[::1]:80", ("::1", "80")),
        ("[::1]", ("::1", None)),
        ("2001:db8::1:443", ("2001:db8::1", "443")),
        ("ipv6@:::80", ("ipv6@::", "80")),
        ("1.2.3.4:80", ("1.2.3.4", "80")),
        ("*:443", ("*", "443")),
        ("unix@/run/a:1", ("unix@/run/a:1", None)),  # paths carry no port
        ("/run/haproxy:admin.sock", ("/run/haproxy:admin.sock", None)),
        ("${HOST}:${PORT}", ("${HOST}", "${PORT}")),
    ],
)
def test_split_as_haproxy_reads_it(text: str, parts: tuple[str, str | None]) -> None:
    assert split_address(text) == parts


def test_typed_fields_read_and_write_ipv6() -> None:
    cfg = hm.parse(
        DEFAULTS + "frontend f\n    bind :::80 v4v6\n    default_backend b\n"
        "backend b\n    server s ::1:8080\n    server t [::1]:80\n"
    )
    bind = cfg.frontends["f"].binds[0]
    assert (bind.address, bind.port) == ("::", 80)
    bind.port = 8081  # written without brackets: stays so
    assert bind.raw == "    bind :::8081 v4v6"
    servers = cfg.backends["b"].servers
    assert (servers["s"].address, servers["s"].port) == ("::1", 8080)
    servers["s"].port = 8082
    assert servers["s"].raw == "    server s ::1:8082"
    servers["s"].port = None  # without a port, brackets are needed
    assert servers["s"].raw == "    server s [::1]"
    servers["t"].port = 81
    assert servers["t"].raw == "    server t [::1]:81"
    servers.add(hm.Server(name="u", address="::1", port=82))
    servers.add(hm.Server(name="v", address="fe80::1"))
    assert servers["u"].raw == "    server u [::1]:82"
    assert servers["v"].raw == "    server v [fe80::1]"
    assert {s.address for s in hm.parse(hm.dumps(cfg)).backends["b"].servers.values()} == {
        "::1",
        "fe80::1",
    }
    result = hm.haproxy.run_check(cfg)
    assert result.valid, result.output


def test_a_host_holding_a_port_takes_no_other() -> None:
    with pytest.raises(hm.InvalidValue, match="holds a port already"):
        hm.Server(name="a", address="1.2.3.4:80", port=81)
    assert join_address("1.2.3.4:80", None) == "1.2.3.4:80"  # as given, when no port is set


def test_option_values_read_and_written_as_their_type() -> None:
    """A valued option written without its value reads as no text, not "True"; a flag
    takes a bool; numbers stay within a C int, as HAProxy keeps them."""
    cfg = hm.parse("backend b\n    server s 1.1.1.1:80 maxconn\n    server t 1.1.1.1:80 check\n")
    servers = cfg.backends["b"].servers
    assert servers["s"].maxconn == ""
    for bad in ("no", 1, "yes"):
        with pytest.raises(hm.InvalidType, match="is a flag: set True or False"):
            servers["t"].check = bad  # type: ignore[assignment]
    servers["t"].check = False
    assert servers["t"].raw == "    server t 1.1.1.1:80"
    with pytest.raises(hm.InvalidValue, match="within 0 and 2147483647"):
        hm.Server(name="x", address="a", maxconn=2**31)
    assert hm.Server(name="x", address="a", maxconn=2**31 - 1).maxconn == 2**31 - 1
