"""``explain``: what a proxy actually runs with, and where each setting comes from.

HAProxy's rules, per its manual (section 4) and sources: a proxy takes its
settings from the last ``defaults`` section above it (named or not: HAProxy and
``link_proxies`` agree), or from the one it names after ``from`` (a ``defaults``
section with ``from`` takes its own from that one; without, it starts from
HAProxy's defaults); only the keywords the keyword matrix allows in the proxy's
kind pass on; ACLs, rules and ``use_backend`` do not (the rules of a named
``defaults`` section, which HAProxy runs first, are listed apart); its own lines
come last (``no option X`` cancels); ``default-server`` lines of the defaults and
of the proxy merge into each ``server``, the server's own options last.  What
nothing sets is HAProxy's default, or "unset" where HAProxy warns.

    >>> import haproxy_model as hm
    >>> cfg = hm.parse("defaults\\n  mode http\\nbackend be\\n  server s1 10.0.0.1:80\\n")
    >>> hm.explain(cfg, "be").setting("mode").source.line
    2
"""

from __future__ import annotations

from haproxy_model.analysis.explain.haproxy_defaults import proxy_defaults
from haproxy_model.analysis.explain.inherit import (
    effective_settings,
    inherited_rules,
    placer,
    section_label,
    source_of,
)
from haproxy_model.analysis.explain.model import (
    Explanation,
    InheritedRule,
    ServerExplanation,
    Setting,
    Source,
)
from haproxy_model.analysis.explain.names import not_found
from haproxy_model.analysis.explain.render import render_text
from haproxy_model.analysis.explain.servers import servers_of
from haproxy_model.analysis.validation._context import Context, Proxy
from haproxy_model.base.errors import InvalidType, NotFound
from haproxy_model.model.config import Config

__all__ = ["Explanation", "ServerExplanation", "Setting", "Source", "explain", "render_text"]

KINDS = ("frontend", "backend", "listen")


def find_proxy(proxies: list[Proxy], name: str) -> Proxy:
    """The frontend, backend or listen section ``name`` (``backend/name`` when a frontend
    and a backend share it); NotFound with the nearest name otherwise."""
    kind, _, bare = name.partition("/") if name.split("/", 1)[0] in KINDS else ("", "", name)
    found = [p for p in proxies if p.kind in KINDS and p.name == bare and kind in ("", p.kind)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        names = " or ".join(f"{p.kind}/{bare}" for p in found)
        raise NotFound(f"several proxies are named {bare!r}; write {names}")
    if any(p.kind == "defaults" and p.name == bare for p in proxies):
        raise NotFound(
            f"{bare!r} is a defaults section; explain a frontend, backend or listen section"
        )
    known = [p.name for p in proxies if p.kind in KINDS and p.name]
    raise not_found("no frontend, backend or listen section", bare, known)


def explain(cfg: Config, proxy: str, version: str = "3.2") -> Explanation:
    """The effective settings of the frontend, backend or listen section ``proxy``.

    ``version`` is the HAProxy version whose manual decides which keywords a
    defaults section passes on (one of the keyword table's, ``"2.6"`` to
    ``"3.3"``).  Raises :class:`~haproxy_model.NotFound` for an unknown proxy
    (naming the nearest one) and :class:`~haproxy_model.InvalidValue` for an
    unknown version.
    """
    if not isinstance(cfg, Config):
        raise InvalidType(f"explain() needs a Config, not {type(cfg).__name__}")
    if not isinstance(proxy, str):
        raise InvalidType(f"the proxy is named by a str, not {type(proxy).__name__}")
    if not isinstance(version, str):
        raise InvalidType(f"the version is a str such as '3.2', not {type(version).__name__}")
    ctx = Context(cfg, version, strict=False)
    target = find_proxy(ctx.proxies, proxy)
    place = placer(cfg, ctx)
    settings = effective_settings(ctx, target, place)
    servers = servers_of(ctx, target, place)
    by_keyword = {s.keyword: s for s in settings}
    values = {k: by_keyword[k].value for k in ("mode",) if k in by_keyword}
    settings += proxy_defaults(
        target.kind, target.name or "", by_keyword.__contains__, values, bool(servers)
    )
    chain = list(target.chain())[1:]
    state = by_keyword.get("disabled") or by_keyword.get("enabled")
    return Explanation(
        proxy=target.name or "",
        type=target.kind,
        source=source_of(place, target, target.section.header),
        defaults=None if not chain else (chain[0].name or ""),
        defaults_chain=tuple(
            Source(*place(d.section.header), section=section_label(d)) for d in chain
        ),
        disabled=state is not None and state.keyword == "disabled",
        settings=tuple(settings),
        servers=tuple(servers),
        rules_from_defaults=tuple(
            InheritedRule(text, source) for source, text in inherited_rules(target, place)
        ),
    )
