"""FastCGI servers without `use-fcgi-app` (HM216): reported exactly where the real
HAProxy (Debian's 2.6) refuses the file."""

from __future__ import annotations

import pytest

import haproxy_model as hm

from .validate_support import DEFAULTS

APP = "fcgi-app php\n    docroot /var/www\n"
REFUSED = {
    "own proto": "backend b\n    server php 127.0.0.1:9000 proto fcgi\n",
    "inherited from default-server": "backend b\n    default-server proto fcgi\n"
    "    server php 127.0.0.1:9000\n",
    "template": "backend b\n    server-template php 2 127.0.0.1:9000 proto fcgi\n",
}  # fmt: skip
ACCEPTED = {
    "with its app": APP + "backend b\n    use-fcgi-app php\n"
    "    server php 127.0.0.1:9000 proto fcgi\n",
    "proto h2 overrides": "backend b\n    default-server proto fcgi\n"
    "    server s 127.0.0.1:9000 proto h2\n",
    "no fcgi": "backend b\n    server s 127.0.0.1:9000 proto h2\n",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(name: str) -> None:
    cfg = hm.parse(DEFAULTS + REFUSED[name])
    found = [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"]
    assert [d.rule for d in found] == ["HM216"], found
    result = hm.haproxy.run_check(cfg)
    assert result.returncode == 1 and "has no FCGI app configured" in result.output


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted(name: str) -> None:
    cfg = hm.parse(DEFAULTS + ACCEPTED[name])
    assert [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"] == []
    result = hm.haproxy.run_check(cfg)
    assert result.returncode in (0, 2) and result.valid, result.output
