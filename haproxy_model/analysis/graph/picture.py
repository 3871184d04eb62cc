"""What every drawing shows: boxes with their lines of text, arrows with their labels.

The Mermaid and Graphviz renderers only spell this out in their syntax (and escape it),
so both draw the same picture.
"""

from __future__ import annotations

import attrs

from haproxy_model.analysis.graph.build import shorten
from haproxy_model.analysis.graph.nodes import Backend, Frontend, Graph, Route, Server

__all__ = ["Box", "Edge", "Picture", "picture"]


@attrs.frozen
class Box:
    """A node: ``shape`` is one of frontend, condition, backend, server, dynamic, missing,
    acls; ``style`` is "" or ``unused``/``missing``."""

    id: str
    shape: str
    lines: tuple[str, ...]
    style: str = ""


@attrs.frozen
class Edge:
    """An arrow: ``style`` is ``solid``, ``dotted`` (default_backend, map lookups) or
    ``link`` (a dotted line without an arrow head)."""

    source: str
    target: str
    label: str = ""
    style: str = "solid"


@attrs.frozen
class Picture:
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]


def picture(graph: Graph) -> Picture:
    """The boxes and arrows of ``graph``, frontends first, then backends and servers."""
    boxes: list[Box] = []
    edges: list[Edge] = []
    for frontend in graph.frontends:
        boxes.append(Box(frontend.id, "frontend", _frontend_lines(frontend)))
        unused = [acl for acl in frontend.acls if not acl.used]
        if unused:
            lines = ("unused ACLs", *(f"{acl.name}: {acl.summary}" for acl in unused))
            boxes.append(Box(f"{frontend.id}a", "acls", lines, "unused"))
            edges.append(Edge(frontend.id, f"{frontend.id}a", style="link"))
        for route in frontend.routes:
            _route(graph, frontend, route, boxes, edges)
    for backend in graph.backends:
        lines = _backend_lines(backend, graph.complete)
        boxes.append(Box(backend.id, "backend", lines, _unused(backend)))
        for server in backend.servers:
            boxes.append(Box(server.id, "server", _server_lines(server)))
            edges.append(Edge(backend.id, server.id))
    return Picture(tuple(boxes), tuple(edges))


def _unused(backend: Backend) -> str:
    return "unused" if backend.unused else ""


def _frontend_lines(frontend: Frontend) -> tuple[str, ...]:
    lines = [f"{frontend.kind} {frontend.name}"]
    lines += [f"bind {shorten([bind], chars=60)}" for bind in frontend.binds]
    if frontend.maxconn is not None:
        lines.append(f"maxconn {frontend.maxconn}")
    return tuple(lines)


def _route(
    graph: Graph, frontend: Frontend, route: Route, boxes: list[Box], edges: list[Edge]
) -> None:
    source = frontend.id
    label = {"use_backend": "use_backend", "listen": "own servers"}.get(
        route.kind, "default_backend"
    )
    if route.inherited_from:
        label += f" (from {route.inherited_from})"
    style = "dotted" if route.kind == "default_backend" else "solid"
    if route.condition is not None:
        lines = [route.condition.text]
        for ref in route.condition.acls:
            about = {"predefined": "predefined", "undeclared": "not declared"}.get(ref.status)
            lines.append(f"{ref.name}: {about or ref.summary}")
        boxes.append(Box(f"{route.id}c", "condition", tuple(lines)))
        edges.append(Edge(source, f"{route.id}c", label, style))
        source, label = f"{route.id}c", ""
    if route.dynamic is not None:
        dynamic = route.dynamic
        lines = [f"dynamic {dynamic.expression}"]
        if dynamic.map is not None:
            lines.append(f"map {dynamic.map}")
        known = {graph.backend(b).name for b in route.backends}
        lost = [name for name in dynamic.targets or () if name not in known]
        if lost:
            lines.append("not declared: " + ", ".join(lost))
        if dynamic.reason:
            lines.append(dynamic.reason)
        boxes.append(Box(f"{route.id}d", "dynamic", tuple(lines)))
        edges.append(Edge(source, f"{route.id}d", label, style))
        edges += [Edge(f"{route.id}d", b, "map", "dotted") for b in route.backends]
    elif route.missing:
        boxes.append(Box(f"{route.id}m", "missing", (f"backend {route.target}", "not declared"),
                         "missing"))  # fmt: skip
        edges.append(Edge(source, f"{route.id}m", label, style))
    else:
        edges += [Edge(source, b, label, style) for b in route.backends]


def _backend_lines(backend: Backend, complete: bool) -> tuple[str, ...]:
    lines = [f"{backend.kind} {backend.name}"]
    lines.append(
        f"balance {backend.balance}" if backend.balance else "balance roundrobin (default)"
    )
    if backend.maxconn is not None:
        lines.append(f"maxconn {backend.maxconn}")
    elif backend.servers:
        lines.append("maxconn: no limit")
    else:
        lines.append("no server")
    if backend.unused:
        # a dynamic route whose targets are unknown may reach it
        lines.append("UNUSED: no route reaches it" if complete else "UNUSED? no named route")
    return tuple(lines)


def _server_lines(server: Server) -> tuple[str, ...]:
    name = server.name
    if server.template is not None:
        name += f" (template x{server.template})"
    details = [f"maxconn {server.maxconn}" if server.maxconn is not None else "no maxconn"]
    details.append("check" if server.check else "no check")
    details += [flag for flag in ("backup", "disabled") if getattr(server, flag)]
    return (name, server.address, ", ".join(details))
