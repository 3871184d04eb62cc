"""Hand a reload's new replica set to the HAProxy process it replaces (Ray's own mode).

Ray's HAProxy mode reloads on every replica change: a new process starts on
the new file (``-sf <old pids> -x <admin socket>``) and the old one finishes
the requests it holds, *with the servers it was started with*. With a
per-server ``maxconn`` the old process holds a queue, and that queue drains
only through the old replicas: a new replica never sees it (a scale-up does
not speed up the backlog that asked for it) and a removed replica keeps
receiving it.

:func:`hand_over` runs in the wrapper just before it execs the new HAProxy:
over the old process's admin socket it adds every new replica server of the
new file (``add server`` with the file's ``default-server`` and ``server``
options, health forced up as Ray only lists RUNNING replicas) and puts every
replica server the new file dropped in maintenance, so its queued requests
are redispatched. The old queue then drains through the same replicas as the
new process. The per-process cost stays: during the overlap each process
applies its own ``maxconn``, so a replica may receive up to ``maxconn`` from
each live process.
"""

from __future__ import annotations

from collections.abc import Sequence

import haproxy_model as hm
from haproxy_model.io.runtime import HAProxyRuntimeError, RuntimeClient

__all__ = ["RELOAD_FLAGS", "admin_socket", "hand_over", "is_reload"]

RELOAD_FLAGS = frozenset({"-sf", "-st"})
"""HAProxy's flags naming the old processes a new one replaces."""

SERVER_PREFIX = "SERVE_REPLICA_"
BACKEND_PREFIX = "http-"
_NOT_FOR_ADD = frozenset({"disabled", "enabled"})
"""Options ``add server`` must not get (the server is enabled after it is added)."""


def is_reload(args: Sequence[str]) -> bool:
    """Whether HAProxy's ``args`` (no program name) start a process replacing others."""
    return any(a in RELOAD_FLAGS for a in args)


def admin_socket(args: Sequence[str], cfg: hm.Config) -> str | None:
    """The old process's admin socket: ``-x <path>``, else the first Unix ``stats socket``
    of ``global`` at level admin."""
    for i, arg in enumerate(args[:-1]):
        if arg == "-x":
            return args[i + 1].removeprefix("unix@")
    glob = cfg.global_
    if glob is None:
        return None
    for line in glob.find("stats"):
        words = line.args
        if len(words) < 2 or words[0] != "socket" or "level" not in words:
            continue
        at = words.index("level")
        address = words[1]
        unix = address.startswith(("/", "unix@"))
        if unix and words[at + 1 : at + 2] == ["admin"]:
            return address.removeprefix("unix@")
    return None


def _options(backend: hm.Backend, server: hm.Server) -> dict[str, str | bool]:
    """The server's options as a dynamic server needs them: ``default-server``'s, then its own."""
    merged: dict[str, str | bool] = {}
    if backend.default_server is not None:
        merged.update(backend.default_server.options)
    merged.update(server.options)
    return {k: v for k, v in merged.items() if k not in _NOT_FOR_ADD}


def hand_over(cfg: hm.Config, socket_path: str, *, timeout: float = 2.0) -> list[str]:
    """Bring the old process behind ``socket_path`` to ``cfg``'s replica servers.

    Only ``http-*`` backends the old process has, and only Ray replica servers
    (``SERVE_REPLICA_*``, not the ``backup`` fallback proxy), are touched.
    Returns one line per change. A refused ``add server`` (a static balance
    algorithm, an option dynamic servers lack) is reported and skipped; a
    socket that cannot be reached raises ``OSError``.
    """
    client = RuntimeClient(socket_path, timeout=timeout)
    have: dict[str, dict[str, str]] = {}
    for row in client.show_stat():
        if row.is_server and row.pxname.startswith(BACKEND_PREFIX):
            have.setdefault(row.pxname, {})[row.svname] = row.status
    done: list[str] = []
    for backend in cfg.backends.values():
        name = backend.name or ""
        if name not in have:
            continue
        wanted = {
            s.name: s
            for s in backend.servers.values()
            if s.name.startswith(SERVER_PREFIX) and not s.backup
        }
        for server_name, server in wanted.items():
            if server_name in have[name]:
                if have[name][server_name].startswith("MAINT"):
                    client.set_server_state(name, server_name, "ready")
                    done.append(f"ready {name}/{server_name}")
                continue
            done.append(_add(client, backend, server))
        for server_name, status in have[name].items():
            gone = server_name.startswith(SERVER_PREFIX) and server_name not in wanted
            if gone and not status.startswith("MAINT"):
                client.set_server_state(name, server_name, "maint")
                done.append(f"maint {name}/{server_name}")
    return done


def _add(client: RuntimeClient, backend: hm.Backend, server: hm.Server) -> str:
    name = backend.name or ""
    port = server.port
    if not isinstance(port, int):
        return f"skip {name}/{server.name}: no plain port in its address"
    options = {k.replace("-", "_"): v for k, v in _options(backend, server).items()}
    try:
        client.add_server(name, server.name, server.address, port, enable=False, **options)
    except HAProxyRuntimeError as exc:
        return f"skip {name}/{server.name}: add server refused: {exc.message}"
    if options.get("check"):
        client.set_server_health(name, server.name, "up")  # Ray lists RUNNING replicas only
        client.enable_health(name, server.name)
    client.enable_server(name, server.name)
    return f"add {name}/{server.name} {server.address}:{server.port}"
