"""Building the routing picture from the linked proxies."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from haproxy_model.analysis.graph.dynamic import dynamic_target
from haproxy_model.analysis.graph.nodes import (
    Acl,
    AclRef,
    Backend,
    Condition,
    Frontend,
    Graph,
    Route,
    Server,
)
from haproxy_model.analysis.graph.proxies import Line, Proxy, link
from haproxy_model.analysis.validation.acls import _PREDEFINED, _PREDEFINED_SINCE, condition_names
from haproxy_model.base.errors import NotFound
from haproxy_model.model.config import Config
from haproxy_model.model.directives import OptionsLine

__all__ = ["build", "shorten"]

_FRONT = ("frontend", "listen")
_BACK = ("backend", "listen")
_PREDEFINED_ACLS = _PREDEFINED | frozenset(_PREDEFINED_SINCE)
#: how much of a list of words a label keeps
WORDS = 4
CHARS = 48


def shorten(words: Sequence[str], most: int = WORDS, chars: int = CHARS) -> str:
    """The first ``most`` words (``… +N`` for the rest), cut at ``chars`` characters."""
    text = " ".join(words[:most])
    if len(text) > chars:
        text = text[: chars - 1] + "…"
    if len(words) > most:
        text += f" … +{len(words) - most}"
    return text


def _int(text: str | bool | None) -> int | None:
    return int(text) if isinstance(text, str) and text.isdigit() else None


def build(configs: Sequence[Config], frontend: str | None = None) -> Graph:
    """The graph of every frontend and listen section (or only ``frontend``)."""
    proxies = link(configs)
    backs = [p for p in proxies if p.kind in _BACK]
    fronts = [p for p in proxies if p.kind in _FRONT]
    backend_ids: dict[str, str] = {}
    for index, proxy in enumerate(backs, start=1):
        backend_ids.setdefault(proxy.name, f"b{index}")
    own = {id(p): f"b{i}" for i, p in enumerate(backs, start=1)}
    if frontend is not None and all(p.name != frontend for p in fronts):
        raise NotFound(_unknown_frontend(frontend, proxies))
    # ids count every frontend, so that one frontend's picture keeps its ids
    frontends = tuple(
        _frontend(f"f{index}", proxy, backend_ids, own)
        for index, proxy in enumerate(fronts, start=1)
        if frontend is None or proxy.name == frontend
    )
    reached = {b for f in frontends for r in f.routes for b in r.backends}
    backends = []
    for index, proxy in enumerate(backs, start=1):
        node_id = f"b{index}"
        if frontend is not None and node_id not in reached:
            continue
        backends.append(_backend(node_id, proxy, unused=node_id not in reached))
    complete = not any(r.dynamic and r.dynamic.reason for f in frontends for r in f.routes)
    return Graph(frontends, tuple(backends), complete)


def _unknown_frontend(name: str, proxies: Iterable[Proxy]) -> str:
    names = [p.name for p in proxies if p.kind in _FRONT and p.name]
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"no frontend or listen section named {name!r} (did you mean {close[0]!r}?)"
    known = ", ".join(repr(n) for n in names[:10]) or "none"
    if len(names) > 10:
        known += f", ... ({len(names)} in all)"
    return f"no frontend or listen section named {name!r} (there are: {known})"


# -- frontends -----------------------------------------------------------------------------


def _frontend(
    node_id: str, proxy: Proxy, backend_ids: dict[str, str], own: dict[int, str]
) -> Frontend:
    acls = _acls(proxy)
    summaries = {acl.name: acl.summary for acl in acls}
    routes: list[Route] = []
    for line in proxy.keyword("use_backend"):
        routes.append(
            _use_backend(f"{node_id}r{len(routes) + 1}", proxy, line, summaries, backend_ids)
        )
    found = proxy.setting("default_backend")
    if found is not None and len(found[0].values) > 1:
        line, source = found
        target = line.values[1]
        routes.append(
            Route(
                f"{node_id}r{len(routes) + 1}",
                "default_backend",
                target,
                _ids(target, backend_ids),
                None,
                None,
                line.file,
                line.number,
                inherited_from=source.label if source is not proxy else None,
            )
        )
    elif proxy.kind == "listen":
        routes.append(
            Route(
                f"{node_id}r{len(routes) + 1}",
                "listen",
                proxy.name,
                (own[id(proxy)],),
                None,
                None,
                proxy.file,
                proxy.number,
            )
        )
    setting = proxy.setting("maxconn")
    maxconn = _int(setting[0].values[1]) if setting and len(setting[0].values) > 1 else None
    binds = tuple(" ".join(line.values[1:]) for line in proxy.keyword("bind"))
    return Frontend(
        node_id,
        proxy.name,
        proxy.kind,
        proxy.file,
        proxy.number,
        binds,
        maxconn,
        acls,
        tuple(routes),
    )


def _ids(name: str, backend_ids: dict[str, str]) -> tuple[str, ...]:
    found = backend_ids.get(name)
    return (found,) if found else ()


def _acls(proxy: Proxy) -> tuple[Acl, ...]:
    used = {
        name
        for line in proxy.lines
        if line.values[0] != "acl"  # an ACL's patterns are no condition
        for _, name in condition_names(line.values)
    }
    lines: dict[str, list[Line]] = {}
    for line in proxy.keyword("acl"):
        if len(line.values) > 1:
            lines.setdefault(line.values[1], []).append(line)
    return tuple(
        Acl(
            name,
            " | ".join(shorten(line.values[2:]) for line in found),
            found[0].file,
            found[0].number,
            name in used,
            tuple(tuple(line.values[2:]) for line in found),
        )
        for name, found in lines.items()
    )


def _use_backend(
    route_id: str, proxy: Proxy, line: Line, summaries: dict[str, str], backend_ids: dict[str, str]
) -> Route:
    values = line.values
    target = values[1] if len(values) > 1 else ""
    condition = None
    if len(values) > 2 and values[2] in ("if", "unless"):
        refs = []
        for index, name in condition_names(values):
            if name in summaries:
                status = "declared"
            elif name in _PREDEFINED_ACLS:
                status = "predefined"
            else:
                status = "undeclared"
            negated = values[index].startswith("!")
            refs.append(AclRef(name, negated, status, summaries.get(name, "")))
        text = values[2] + " " + shorten(values[3:], most=12, chars=64)
        condition = Condition(text, tuple(refs))
    dynamic = dynamic_target(target, proxy.folder) if "%[" in target else None
    if dynamic is not None:
        names = dynamic.targets or ()
        ids = tuple(dict.fromkeys(i for name in names for i in _ids(name, backend_ids)))
    else:
        ids = _ids(target, backend_ids)
    return Route(route_id, "use_backend", target, ids, condition, dynamic, line.file, line.number)


# -- backends ------------------------------------------------------------------------------


def _server_defaults(proxy: Proxy) -> list[dict[str, str | bool]]:
    """The ``default-server`` options a server of ``proxy`` starts from, farthest first."""
    out: list[dict[str, str | bool]] = []
    for source in reversed(list(proxy.chain())):
        for line in source.keyword("default-server"):
            if isinstance(line.node, OptionsLine):
                out.append(line.node.options)
    return out


def _flag(sources: Iterable[dict[str, str | bool]], on: str, off: str) -> bool:
    state = False
    for options in sources:
        for name in options:
            if name == on:
                state = True
            elif name == off:
                state = False
    return state


def _server(node_id: str, line: Line, defaults: list[dict[str, str | bool]]) -> Server | None:
    node = line.node
    if not isinstance(node, OptionsLine):
        return None
    values = line.values
    template = values[0] == "server-template"
    position = 3 if template else 2
    if len(values) <= position:
        return None
    sources = [*defaults, node.options]
    maxconn = None
    for options in sources:
        if "maxconn" in options:
            maxconn = _int(options["maxconn"])
    return Server(
        node_id,
        values[1],
        values[position],
        maxconn,
        _flag(sources, "check", "no-check"),
        _flag(sources, "backup", "no-backup"),
        _flag(sources, "disabled", "enabled"),
        values[2] if template else None,
        line.file,
        line.number,
    )


def _count(server: Server) -> int | None:
    """How many servers a line stands for (a template's count or range)."""
    if server.template is None:
        return 1
    low, _, high = server.template.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return None
    return int(high) - int(low) + 1 if high else int(low)


def _backend(node_id: str, proxy: Proxy, *, unused: bool) -> Backend:
    defaults = _server_defaults(proxy)
    servers: list[Server] = []
    for line in proxy.keyword("server", "server-template"):
        server = _server(f"{node_id}s{len(servers) + 1}", line, defaults)
        if server is not None:
            servers.append(server)
    setting = proxy.setting("balance")
    balance = " ".join(setting[0].values[1:]) if setting else None
    active = [s for s in servers if not s.backup and not s.disabled]
    total: int | None = None
    if active:
        total = 0
        for server in active:
            count = _count(server)
            if server.maxconn is None or count is None:
                total = None
                break
            total += server.maxconn * count
    table = not servers and bool(proxy.keyword("stick-table"))
    return Backend(
        node_id,
        proxy.name,
        proxy.kind,
        proxy.file,
        proxy.number,
        balance,
        total,
        tuple(servers),
        unused and not table,
    )
