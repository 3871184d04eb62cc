"""Variable names need their scope: reported where the real HAProxy refuses them."""

from __future__ import annotations

import pytest

import haproxy_model as hm

from .validate_support import DEFAULTS

H = DEFAULTS + "frontend f\n    bind 127.0.0.1:23993\n"
REFUSED = [
    "    http-request set-header X %[var(foo)]",
    "    http-request set-var(foo) str(a)",
    "    http-request set-var(bar.foo) str(a)",
    "    acl a var(foo) -m found\n    http-request deny if a",
    "    http-request set-header X %[src,set-var(foo)]",
    "    tcp-request content set-var(foo) str(a)",
    "    http-request deny if { var(foo) -m found }",
    "    http-request set-var(txn.a) var(foo)",
    "    tcp-request content track-sc0 var(foo)",
]
ACCEPTED = [
    "    http-request set-header X %[var(txn.foo)]",
    "    http-request set-var(txn.foo) str(a)",
    "    http-request set-var-fmt(req.x) %[src]",
    "    acl a var(sess.foo) -m found\n    http-request deny if a",
    '    http-request return status 200 content-type text/plain string "var(foo)"',
    "    http-request set-header X %[src,set-var(proc.x)]",
    "    http-request set-header X %[var('txn.quoted')]",
    # health checks have a scope of their own
    "    http-request set-header X %[var(check.x)]",
    "    http-request deny if { var(check.y) -m found }",
    # an ACL's patterns and a literal string are no expressions
    "    acl x path_beg %[var(foo)]",
    "    http-request return status 200 content-type text/plain string %[var(foo)]",
]


@pytest.mark.parametrize("line", REFUSED)
def test_refused(line: str) -> None:
    cfg = hm.parse(H + line + "\n")
    found = [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"]
    assert [d.code for d in found] == ["variable-scope"], found
    assert found[0].rule == "HM310" and "starts with its scope" in found[0].message
    assert hm.haproxy.run_check(cfg).returncode == 1


@pytest.mark.parametrize("line", ACCEPTED)
def test_accepted(line: str) -> None:
    cfg = hm.parse(H + line + "\n")
    assert [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"] == []
    result = hm.haproxy.run_check(cfg)
    assert result.returncode in (0, 2) and result.valid, result.output
