"""``drift --write``: fold what HAProxy runs back into its configuration, each changed
line only (the model's edits keep every other byte)."""

from __future__ import annotations

from haproxy_model.base.errors import InvalidType
from haproxy_model.model.config import Config
from haproxy_model.model.servers import Server
from haproxy_model.model.views import ServerMap
from haproxy_model.ops._servers import is_ip, split_address
from haproxy_model.ops.drift import Drift, DriftItem


def fold(cfg: Config, found: Drift) -> list[str]:
    """Edit ``cfg`` so that it says what runs; return what could not be written, one
    sentence each (a ``drain`` state, a server of a ``server-template``...)."""
    if not isinstance(cfg, Config) or not isinstance(found, Drift):
        raise InvalidType("fold() takes a Config and the Drift found for it")
    notes: list[str] = []
    for item in found.items:
        note = _fold(cfg, item)
        if note:
            notes.append(f"{item.target}: {note}")
    return notes


def _fold(cfg: Config, item: DriftItem) -> str | None:
    running = item.running or ""
    if item.kind == "global-maxconn":
        if cfg.global_ is None:
            return "no global section to write maxconn in"
        cfg.global_.maxconn = int(running)
        return None
    if item.kind == "frontend-maxconn":
        front = cfg.frontends.get(item.target) or cfg.listens.get(item.target)
        if front is None:
            return "not in the file"
        front.maxconn = int(running)
        return None
    backend, _, name = item.target.partition("/")
    section = cfg.backends.get(backend) or cfg.listens.get(backend)
    if section is None:
        return "backend not in the file"
    servers = section.servers
    if item.kind == "server-added":
        return _add(servers, name, dict(item.server))
    if name not in servers:
        return "a server-template server: not written"
    server: Server = servers[name]
    if item.kind == "server-removed":
        del servers[name]
    elif item.kind == "address":
        host, port = split_address(running)
        if is_ip(server.address):
            server.address = host
        server.port = port
    elif item.kind == "weight":
        server.weight = int(running)
    elif item.kind == "maxconn":
        server.maxconn = int(running)
    elif item.kind == "state":
        if running == "drain":
            return "drain has no configuration keyword: not written"
        server.disabled = running == "maint"
    return None


def _add(servers: ServerMap, name: str, running: dict[str, str]) -> str | None:
    port = running.get("port", "")
    server = Server(
        name=name,
        address=running.get("address", ""),
        port=int(port) if port.isdigit() else None,
    )
    if running.get("weight", "1") != "1":
        server.weight = int(running["weight"])
    if running.get("maxconn", "0") != "0":
        server.maxconn = int(running["maxconn"])
    if running.get("state") == "maint":
        server.disabled = True
    servers.add(server)
    if running.get("state") == "drain":
        return "added; drain has no configuration keyword: not written"
    return None
