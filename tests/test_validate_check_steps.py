"""`tcp-check connect` and `http-check connect` first (HM403): reported exactly where
the real HAProxy (Debian's 2.6) refuses the file."""

from __future__ import annotations

import pytest

import haproxy_model as hm

from .validate_support import DEFAULTS

SERVER = "    server s 127.0.0.1:1 check\n"
REFUSED = {
    "send before connect": "    option tcp-check\n    tcp-check send PING\\r\\n\n"
    "    tcp-check connect port 6379\n",
    "expect before connect": "    option tcp-check\n    tcp-check expect string +OK\n"
    "    tcp-check connect\n",
    "http-check send before connect": "    option httpchk\n    http-check send meth GET\n"
    "    http-check connect\n",
}  # fmt: skip
ACCEPTED = {
    "connect first": "    option tcp-check\n    tcp-check connect port 6379\n"
    "    tcp-check send PING\\r\\n\n    tcp-check expect string +PONG\n    tcp-check connect\n",
    "comment and set-var first": "    option tcp-check\n    tcp-check comment hello\n"
    "    tcp-check set-var(check.port) int(6379)\n    tcp-check unset-var(check.x)\n"
    "    tcp-check connect port 6379\n",
    "http-check flags first": "    option httpchk\n    http-check disable-on-404\n"
    "    http-check send-state\n    http-check connect\n    http-check send meth GET\n",
    "no connect at all": "    option tcp-check\n    tcp-check send PING\\r\\n\n"
    "    tcp-check expect string +PONG\n",
}  # fmt: skip


def config(steps: str) -> hm.Config:
    return hm.parse(DEFAULTS + "backend b\n" + steps + SERVER)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(name: str) -> None:
    cfg = config(REFUSED[name])
    found = [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"]
    assert [d.rule for d in found] == ["HM403"], found
    assert "first step MUST also be a 'connect'" in found[0].message
    result = hm.haproxy.run_check(cfg)
    assert result.returncode == 1 and "first step MUST also be a 'connect'" in result.output


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted(name: str) -> None:
    cfg = config(ACCEPTED[name])
    assert [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"] == []
    result = hm.haproxy.run_check(cfg)
    assert result.returncode in (0, 2) and result.valid, result.output
