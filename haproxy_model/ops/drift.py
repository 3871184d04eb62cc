"""``drift``: what a running HAProxy runs that its file does not say, and the reverse.

Read through the runtime API (``show servers state``, ``show stat``, ``show info``)
and compared with the file's effective settings (``default-server`` and ``defaults``
merged in, HAProxy's defaults where the file says nothing):

- servers added or deleted at runtime (``add server``/``del server``);
- a server's address and port (a host name in the file: its port only), weight,
  maxconn, administrative state (``maint``, ``drain`` or ``ready``; ``disabled`` in the
  file is ``maint``);
- a frontend's maxconn, and the global maxconn (without a value in the file:
  HAProxy's start value, ``Hard_maxconn``).

:func:`fold` writes the running server state and limits back into the
configuration, each changed line only.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

import attrs

from haproxy_model.base.errors import Error, InvalidType
from haproxy_model.io.runtime import HAProxyRuntimeError, RuntimeClient, ServerState, StatRow
from haproxy_model.io.runtime.replies import RuntimeUnavailable as RuntimeUnavailable
from haproxy_model.model.config import Config
from haproxy_model.ops._servers import ServerView, Views

Kind = Literal[
    "server-added",
    "server-removed",
    "address",
    "weight",
    "maxconn",
    "state",
    "frontend-maxconn",
    "global-maxconn",
]


@attrs.frozen
class DriftItem:
    """One difference: ``target`` is ``backend/server``, a frontend's name or ``global``;
    ``file`` and ``running`` what each side says (None where it has no such thing)."""

    kind: Kind
    target: str
    file: str | None
    running: str | None
    #: for a server added at runtime: what it runs (address, port, weight, maxconn, state)
    server: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "target": self.target,
            "file": self.file,
            "running": self.running,
        }
        if self.server:
            out["server"] = dict(self.server)
        return out

    def __str__(self) -> str:
        if self.kind == "server-added":
            return f"{self.target}: added at runtime ({self.running})"
        if self.kind == "server-removed":
            return f"{self.target}: removed at runtime (the file has {self.file})"
        return f"{self.target}: {self.kind} {self.file} in the file, {self.running} running"


@attrs.frozen
class Drift:
    """The differences between a file and the HAProxy running it (empty: none)."""

    items: tuple[DriftItem, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.items)

    def to_dict(self) -> dict[str, Any]:
        return {"drift": [i.to_dict() for i in self.items], "drifted": bool(self.items)}

    def __str__(self) -> str:
        if not self.items:
            return "no drift"
        return "\n".join(str(i) for i in self.items)


@attrs.frozen
class _Running:
    states: dict[tuple[str, str], ServerState]
    stats: dict[tuple[str, str], StatRow]
    frontends: dict[str, StatRow]
    backends: set[str]
    info: dict[str, str]


def drift(cfg: Config, runtime_client: RuntimeClient) -> Drift:
    """Compare ``cfg`` with what the HAProxy behind ``runtime_client`` runs.

    Raises :class:`RuntimeUnavailable` when the socket cannot be reached, and
    :class:`~haproxy_model.HAProxyRuntimeError` when HAProxy refuses a command.
    """
    if not isinstance(cfg, Config):
        raise InvalidType(f"drift() takes a Config, not {type(cfg).__name__}")
    if not isinstance(runtime_client, RuntimeClient):
        raise InvalidType(f"runtime_client must be a RuntimeClient, not {type(runtime_client)}")
    running = _read(runtime_client)
    views = Views(cfg)
    items: list[DriftItem] = []
    file_servers: dict[tuple[str, str], ServerView] = {}
    for kind, name in views.proxies("backend", "listen"):
        for server_name, view in views.servers(kind, name).items():
            file_servers[(name, server_name)] = view
    for key, view in file_servers.items():
        state = running.states.get(key)
        target = "/".join(key)
        if state is None:
            if key[0] in running.backends:
                items.append(DriftItem("server-removed", target, _describe(view), None))
            continue
        items += _server_items(target, view, state, running.stats.get(key))
    file_backends = {name for _, name in views.proxies("backend", "listen")}
    for key, state in running.states.items():
        if key not in file_servers and key[0] in file_backends:
            row = running.stats.get(key)
            maxconn = (row.slim or 0) if row is not None else 0
            server = (
                ("address", state.addr),
                ("port", str(state.port) if state.port is not None else ""),
                ("weight", str(state.uweight)),
                ("maxconn", str(maxconn)),
                ("state", _admin(state)),
            )
            text = f"{_describe_state(state)} maxconn {maxconn}"
            items.append(DriftItem("server-added", "/".join(key), None, text, server))
    hard = _int(running.info.get("Hard_maxconn"))
    for kind, name in views.proxies("frontend", "listen"):
        row = running.frontends.get(name)
        if row is None:
            continue
        expected = views.frontend_maxconn(kind, name)
        expected = hard if expected is None else expected
        if expected is not None and row.slim is not None and row.slim != expected:
            items.append(DriftItem("frontend-maxconn", name, str(expected), str(row.slim)))
    glob = views.global_maxconn()
    expected_global = hard if glob is None else glob
    now = _int(running.info.get("Maxconn"))
    if expected_global is not None and now is not None and now != expected_global:
        items.append(DriftItem("global-maxconn", "global", str(expected_global), str(now)))
    return Drift(tuple(items))


def _read(client: RuntimeClient) -> _Running:
    try:
        states = client.show_servers_state()
        rows = client.show_stat()
        info = client.show_info()
    except HAProxyRuntimeError as exc:
        if "@master" in exc.message:
            raise RuntimeUnavailable(
                f"{client.address} is a master CLI socket: write master@{client.address}"
            ) from None
        raise
    except (OSError, TimeoutError) as exc:
        if isinstance(exc, Error):
            raise
        what = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise RuntimeUnavailable(f"{client.address}: {what}") from None
    return _Running(
        states={(s.backend, s.server): s for s in states},
        stats={(r.pxname, r.svname): r for r in rows if r.is_server},
        frontends={r.pxname: r for r in rows if r.is_frontend},
        backends={r.pxname for r in rows if r.is_backend},
        info=info,
    )


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def _admin(state: ServerState) -> str:
    if state.in_maintenance:
        return "maint"
    return "drain" if state.draining else "ready"


def _server_items(
    target: str, view: ServerView, state: ServerState, row: StatRow | None
) -> list[DriftItem]:
    items: list[DriftItem] = []
    if view.port is not None and (
        state.port != view.port or (view.is_ip and not _same_ip(state.addr, view.host))
    ):
        shown = view.host if view.is_ip else f"{view.host} (resolved)"
        items.append(
            DriftItem("address", target, f"{shown}:{view.port}", f"{state.addr}:{state.port}")
        )
    if state.uweight != view.weight:
        items.append(DriftItem("weight", target, str(view.weight), str(state.uweight)))
    running_maxconn = (row.slim or 0) if row is not None else None
    if running_maxconn is not None and running_maxconn != view.maxconn:
        items.append(DriftItem("maxconn", target, str(view.maxconn), str(running_maxconn)))
    expected = "maint" if view.disabled else "ready"
    if _admin(state) != expected:
        items.append(DriftItem("state", target, expected, _admin(state)))
    return items


def _same_ip(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


def _describe(view: ServerView) -> str:
    host = f"[{view.host}]" if ":" in view.host else view.host
    return f"{host}:{view.port}" if view.port is not None else host


def _describe_state(state: ServerState) -> str:
    host = f"[{state.addr}]" if ":" in state.addr else state.addr
    return f"{host}:{state.port} weight {state.uweight} {_admin(state)}"
