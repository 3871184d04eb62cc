"""Section lines and `global external-check`: reported by the validator exactly where
the real HAProxy (Debian's 2.6) refuses the file."""

from __future__ import annotations

import pytest

import haproxy_model as hm

from .validate_support import DEFAULTS

H = DEFAULTS
REFUSED = {
    "frontend with address": H + "frontend web *:8080\n    default_backend b\n"
    "backend b\n    server s 127.0.0.1:1\n",
    "listen with port": H + "listen l :8080\n    server s 127.0.0.1:1\n",
    "backend with a word": H + "backend b extra\n    server s 127.0.0.1:1\n",
    "from without a name": H + "frontend f from\n    bind 127.0.0.1:23997\n",
    "global with a word": "global chroot /x\n" + H + "listen l\n    bind 127.0.0.1:23997\n"
    "    server s 127.0.0.1:1\n",
    "external-check without global": H + "backend b\n    option external-check\n"
    "    external-check command /bin/true\n    server s 127.0.0.1:1 check\n",
}  # fmt: skip
ACCEPTED = {
    "from defaults": "defaults base\n    mode http\n    timeout connect 1s\n    timeout client 1s"
    "\n    timeout server 1s\nbackend b from base\n    server s 127.0.0.1:1\n",
    "external-check with global": "global\n    external-check\n    insecure-fork-wanted\n" + H
    + "backend b\n    option external-check\n    external-check command /bin/true\n"
    "    server s 127.0.0.1:1 check\n",
}  # fmt: skip
CODES = {"header-argument", "missing-external-check"}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(name: str) -> None:
    cfg = hm.parse(REFUSED[name])
    found = [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"]
    assert found and {d.code for d in found} <= CODES, found
    result = hm.haproxy.run_check(cfg)
    assert result.returncode == 1 and not result.valid, result.output


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted(name: str) -> None:
    cfg = hm.parse(ACCEPTED[name])
    assert not [d for d in hm.validate(cfg, version="2.6") if d.code in CODES]
    result = hm.haproxy.run_check(cfg)
    assert result.returncode in (0, 2) and result.valid, result.output  # 2: no listener


def test_messages() -> None:
    found = hm.validate(hm.parse(REFUSED["frontend with address"]))
    assert "please use the 'bind' keyword" in found[0].message and found[0].rule == "HM109"
    found = hm.validate(hm.parse(REFUSED["external-check without global"]))
    assert [d.rule for d in found if d.severity == "error"] == ["HM214"]


@pytest.mark.parametrize("last", ["    server s 127.0.0.1:1", "# the end", "   "])
def test_missing_newline_on_the_last_line(last: str) -> None:
    text = H + "backend b\n    server t 127.0.0.1:2\n" + last
    cfg = hm.parse(text)
    (found,) = [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"]
    assert (found.rule, found.line) == ("HM002", text.count("\n") + 1)
    assert "Missing LF on last line" in found.message
    result = hm.haproxy.run_check(cfg)
    assert result.returncode == 1 and "Missing LF on last line" in result.output
    fixed = hm.parse(text + "\n")
    assert [d for d in hm.validate(fixed, version="2.6") if d.severity == "error"] == []
    assert hm.haproxy.run_check(fixed).valid
