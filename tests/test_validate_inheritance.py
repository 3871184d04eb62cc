"""Proxies inheriting a `defaults` section's TCP/HTTP rules (HM215): reported exactly
where the real HAProxy (Debian's 2.6) refuses the file."""

from __future__ import annotations

import pytest

import haproxy_model as hm

TIMEOUTS = "    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\n"


def base(*rules: str) -> str:
    return "defaults base\n" + TIMEOUTS + "".join(f"    {r}\n" for r in rules)


HTTP = base("http-request set-header X-A 1")
FE = "frontend f from base\n    bind 127.0.0.1:23995\n    default_backend b2\n"
BE = "backend b from base\n    server s 127.0.0.1:1\n"
OTHER = "defaults other\n" + TIMEOUTS + "backend b2 from other\n    server s 127.0.0.1:1\n"

REFUSED = {
    "defaults from it": HTTP + "defaults child from base\n" + BE.replace("from base", "from child"),
    "listen from it": HTTP + "listen l from base\n    server s 127.0.0.1:1\n",
    "listen after it, implicitly": HTTP + "listen l\n    server s 127.0.0.1:1\n",
    "frontend and backend share it": HTTP + FE + BE + OTHER,
    "backend given tcp-request connection": base("tcp-request connection accept") + BE,
    "backend given tcp-request session": base("tcp-request session accept") + BE,
    "frontend given tcp-response content": base("tcp-response content accept")
    + FE + OTHER,
}  # fmt: skip
ACCEPTED = {
    "two backends": HTTP + BE + BE.replace("backend b ", "backend c "),
    "frontend given tcp-request connection": base("tcp-request connection accept") + FE + OTHER,
    "backend given tcp-response content": base("tcp-response content accept") + BE,
    "a later defaults starts afresh": HTTP + "defaults other\n" + TIMEOUTS
    + "listen l\n    server s 127.0.0.1:1\n",
    "no rules": base("option forwardfor") + FE.replace("b2", "b") + BE + "listen l from base\n"
    "    server s 127.0.0.1:1\n",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(name: str) -> None:
    cfg = hm.parse(REFUSED[name])
    found = [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"]
    assert [d.code for d in found] == ["defaults-rules-inheritance"], found
    assert found[0].rule == "HM215" and "defaults" in found[0].message
    result = hm.haproxy.run_check(cfg)
    assert result.returncode == 1 and not result.valid, result.output
    assert "inherit" in result.output


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted(name: str) -> None:
    cfg = hm.parse(ACCEPTED[name])
    assert [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"] == []
    result = hm.haproxy.run_check(cfg)
    assert result.returncode in (0, 2) and result.valid, result.output  # 2: no listener


def test_the_error_points_at_the_inheriting_section() -> None:
    text = REFUSED["listen from it"]
    (found,) = [d for d in hm.validate(hm.parse(text), version="2.6") if d.severity == "error"]
    assert found.line == text.splitlines().index("listen l from base") + 1
    assert "'defaults base' (line 1)" in found.message


def test_guarded_sections_are_left_alone() -> None:
    text = (
        HTTP
        + ".if version_atleast(2.5)\n"
        + "listen l from base\n    server s 127.0.0.1:1\n.endif\n"
    )
    assert hm.validate(hm.parse(text), version="2.6", select=["HM215"]) == []
