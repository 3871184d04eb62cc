"""HAProxy's rule for the defaults a proxy inherits, shared by validation, explain,
route and graph (``syntax.defaults_links.with_defaults``)."""

from __future__ import annotations

import haproxy_model as hm
from haproxy_model.syntax.defaults_links import PROXY_SECTIONS, with_defaults

TEXT = """\
global
    maxconn 1
defaults
    mode http
frontend f1
    bind :81
defaults base
    mode tcp
backend b1
backend b2 from first
defaults first
    mode http
backend b3 from first
defaults d2 from base
defaults first
backend b4 from first
backend b5 from nowhere
listen l1
"""


def linked(text: str) -> dict[str, str | None]:
    cfg = hm.parse(text)
    proxies = [
        (s, f"{s.keyword} {s.name or '-'}@{i}")
        for i, s in enumerate(cfg.sections)
        if s.keyword in PROXY_SECTIONS
    ]
    return dict(with_defaults(proxies))


def test_each_proxy_inherits_as_haproxy_links_it() -> None:
    assert linked(TEXT) == {
        "defaults -@1": None,  # a defaults section without from starts afresh
        "frontend f1@2": "defaults -@1",  # the last defaults above
        "defaults base@3": None,
        "backend b1@4": "defaults base@3",  # named or not
        "backend b2@5": None,  # 'first' is not above it
        "defaults first@6": None,
        "backend b3@7": "defaults first@6",
        "defaults d2@8": "defaults base@3",  # a defaults section with from
        "defaults first@9": None,
        "backend b4@10": "defaults first@9",  # the later namesake
        "backend b5@11": None,  # names no defaults section
        "listen l1@12": "defaults first@9",
    }


def test_the_four_users_agree() -> None:
    """validation, explain (through validation's links), route and graph link alike."""
    from haproxy_model.analysis.graph.proxies import link as graph_link
    from haproxy_model.analysis.route.sections import link as route_link
    from haproxy_model.analysis.validation._context import Context, link_proxies

    cfg = hm.parse(TEXT)
    expected = {k.split("@")[0]: v and v.split("@")[0] for k, v in linked(TEXT).items()}

    def label(kind: str, name: str | None) -> str:
        return f"{kind} {name or '-'}"

    graph = {
        label(p.kind, p.name): p.defaults and label(p.defaults.kind, p.defaults.name)
        for p in graph_link([cfg])
    }
    route = {
        label(p.kind, p.name): p.defaults and label(p.defaults.kind, p.defaults.name)
        for p in route_link([cfg])
    }
    from haproxy_model.keywords import load_table

    ctx = Context(cfg, load_table().versions[-1], False)
    valid = {
        label(p.kind, p.name): p.defaults and label(p.defaults.kind, p.defaults.name)
        for p in link_proxies(ctx)
    }
    # two sections called "defaults first": a dict keeps the last of each label
    assert graph == route == valid == expected
