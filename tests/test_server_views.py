"""``servers`` holds ``server`` lines only, ``server_templates`` the ``server-template``
lines; replacing a line keeps its trivia, a new line is aligned like its neighbour."""

from __future__ import annotations

import pytest

import haproxy_model as hm

TEXT = """\
backend pg
    server-template pg 1-3 db.internal:5432 check
    server pg 10.0.0.1:5432 check
backend app
    server s1   10.0.0.1:80   check   # primary
    server s2   10.0.0.2:80   check
"""


def test_servers_and_templates_are_apart() -> None:
    be = hm.parse(TEXT).backends["pg"]
    assert list(be.servers) == ["pg"] and list(be.server_templates) == ["pg"]
    assert be.servers["pg"].raw.strip() == "server pg 10.0.0.1:5432 check"
    assert isinstance(be.server_templates["pg"], hm.ServerTemplate)
    only_template = hm.parse("backend b\n    server-template web 3 w.local:80\n").backends["b"]
    with pytest.raises(hm.NotFound, match="no server 'web'"):
        only_template.servers["web"]
    assert len(only_template.servers) == 0 and "web" in only_template.server_templates


def test_replacing_a_server_keeps_its_trivia() -> None:
    cfg = hm.parse(TEXT)
    be = cfg.backends["app"]
    be.servers["s1"] = hm.Server(name="s1", address="10.0.0.9", port=80, check=True)
    assert be.servers["s1"].raw == "    server s1   10.0.0.9:80   check   # primary"
    changed = [a for a, b in zip(TEXT.splitlines(), hm.dumps(cfg).splitlines(), strict=True)
               if a != b]  # fmt: skip
    assert changed == ["    server s1   10.0.0.1:80   check   # primary"]
    with pytest.raises(hm.InvalidType):
        be.servers["s2"] = hm.ServerTemplate(name="s2", count=2, address="x")
    with pytest.raises(hm.InvalidValue, match="named 's3'"):
        be.servers["s2"] = hm.Server(name="s3", address="10.0.0.3")


def test_a_new_server_is_aligned_like_its_neighbour() -> None:
    cfg = hm.parse(TEXT)
    cfg.backends["app"].servers.add(hm.Server(name="s3", address="10.0.0.3", port=80, check=True))
    assert hm.dumps(cfg).endswith(
        "    server s2   10.0.0.2:80   check\n    server s3   10.0.0.3:80   check\n"
    )
    # a template goes after the templates, not after the servers
    pg = cfg.backends["pg"]
    pg.server_templates.add(hm.ServerTemplate(name="ro", count="1-2", address="ro.internal",
                                              port=5432))  # fmt: skip
    lines = [line.strip() for line in hm.dumps(hm.Config([pg])).splitlines()]
    assert lines[1:3] == ["server-template pg 1-3 db.internal:5432 check",
                          "server-template ro 1-2 ro.internal:5432"]  # fmt: skip


def test_alignment_with_tabs_and_plain_spacing() -> None:
    cfg = hm.parse("backend b\n\tserver a\t10.0.0.1:80\tcheck\n")
    cfg.backends["b"].servers.add(hm.Server(name="b", address="10.0.0.2", port=80, check=True))
    assert (
        hm.dumps(cfg)
        == "backend b\n\tserver a\t10.0.0.1:80\tcheck\n\tserver b\t10.0.0.2:80\tcheck\n"
    )
    cfg = hm.parse("backend b\n    server a 10.0.0.1:80 check\n")
    cfg.backends["b"].servers.add(hm.Server(name="bb", address="10.0.0.2", port=80))
    assert hm.dumps(cfg).endswith("    server bb 10.0.0.2:80\n")  # not aligned: single blanks
