"""What HAProxy should route for a snapshot: its routed applications and their replica servers."""

from __future__ import annotations

from .snapshot import Application, ServeSnapshot

__all__ = ["desired_servers", "routed"]


def routed(snapshot: ServeSnapshot) -> list[Application]:
    """The applications of ``snapshot`` that have a route prefix."""
    return [a for a in snapshot.applications if a.route_prefix is not None]


def desired_servers(snapshot: ServeSnapshot) -> dict[str, dict[str, tuple[str, int]]]:
    """``{backend: {replica server name: (host, port)}}`` of the routed, running replicas."""
    out: dict[str, dict[str, tuple[str, int]]] = {}
    for app in routed(snapshot):
        servers = out.setdefault(app.backend_name, {})
        ingress = app.ingress
        if ingress is None:
            continue
        for rep in ingress.running_replicas:
            if rep.host is not None and rep.port is not None:
                servers[rep.server_name] = (rep.host, rep.port)
    return out
