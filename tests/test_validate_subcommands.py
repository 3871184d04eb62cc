"""A first word or an argument count the target version refuses, reported where the real
HAProxy (Debian's 2.6) refuses it, and nowhere it accepts the line."""

from __future__ import annotations

import pytest

import haproxy_model as hm

from .validate_support import DEFAULTS

H = DEFAULTS + (
    "frontend f\n"
    "    bind 127.0.0.1:23995\n"
    "    default_backend b\n"
    "backend b\n"
    "    server s 127.0.0.1:1\n"
)
REFUSED = [
    ("    compression direction both", "unknown-subcommand", "it has it from 2.8"),
    ("    compression minsize-res 1k", "unknown-subcommand", "it has it from 3.2"),
    ("    compression gzip", "unknown-subcommand", "expects 'algo', 'offload' or 'type'"),
    ("    http-error code 503", "unknown-subcommand", "expects 'status'"),
    ("    option pgsql-check name x", "unknown-subcommand", "expects 'user'"),
    ("    option httpchk GET / HTTP/1.1 www.x.org", "too-many-arguments", "'www.x.org'"),
]
ACCEPTED = [
    "    compression algo gzip",
    "    compression type text/html",
    "    http-error status 503",
    "    option pgsql-check user hap",
    "    option httpchk GET / HTTP/1.1",
    "    redirect code 301 location /x if FALSE",  # any order: not checked
    "    stick-table size 10 type ip",
]


@pytest.mark.parametrize(("line", "code", "says"), REFUSED, ids=[r[0].strip() for r in REFUSED])
def test_refused(line: str, code: str, says: str) -> None:
    cfg = hm.parse(H + line + "\n")
    found = [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"]
    assert [d.code for d in found] == [code] and says in found[0].message, found
    assert hm.haproxy.run_check(cfg).returncode == 1


@pytest.mark.parametrize("line", ACCEPTED, ids=[a.strip() for a in ACCEPTED])
def test_accepted(line: str) -> None:
    cfg = hm.parse(H + line + "\n")
    assert [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"] == []
    result = hm.haproxy.run_check(cfg)
    assert result.returncode == 0, result.output


def test_newer_versions_take_them() -> None:
    cfg = hm.parse(H + "    compression direction both\n    option httpchk GET / HTTP/1.1 h\n")
    assert [d for d in hm.validate(cfg, version="3.2") if d.severity == "error"] == []
