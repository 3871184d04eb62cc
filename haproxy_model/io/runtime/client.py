"""The runtime API client: every typed command, over :class:`RuntimeTransport`."""

from __future__ import annotations

import re
import time
from typing import Literal

from haproxy_model.base.errors import InvalidValue
from haproxy_model.io.runtime.arguments import (
    _KEYWORD_RE,
    _check_command,
    _check_payload,
    _count,
    _name,
    _port,
    _server,
    _word,
)
from haproxy_model.io.runtime.replies import (
    _ADDR_ERROR_RE,
    HAProxyRuntimeError,
    _looks_like_error,
    _split_severity,
)
from haproxy_model.io.runtime.rows import (
    ProcessInfo,
    ServerState,
    StatRow,
    parse_info,
    parse_proc,
    parse_servers_state,
    parse_stat,
)
from haproxy_model.io.runtime.transport import RuntimeTransport

#: ``set server <b>/<s> state`` values.
AdminState = Literal["ready", "drain", "maint"]
#: ``set server <b>/<s> health`` values.
HealthState = Literal["up", "stopping", "down"]


class RuntimeClient(RuntimeTransport):
    """A client for one HAProxy runtime API socket (see the module documentation).

    The connection's options (``timeout``, ``master``, ``process``, ``persistent``)
    are :class:`RuntimeTransport`'s; use the client as a context manager, or call
    :meth:`close`.
    """

    # -- the generic command --

    def execute(
        self,
        command: str,
        *,
        payload: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> str:
        """Send one command and return HAProxy's reply (trailing newlines removed).

        ``command`` is one command line (no newline, no unescaped ``;``).  On the
        master CLI it goes to the client's process (``@1`` by default).
        ``payload`` is sent after ``<<`` (for ``add map``, ``set ssl cert``...).
        With ``check`` (the default) a reply HAProxy marks as an error, or that
        reads like one of its refusals, raises :class:`HAProxyRuntimeError`.
        """
        command = _check_command(command)
        body = _check_payload(payload) if payload is not None else None
        raw = self._send(self._prefix + command, command, timeout=timeout, payload=body)
        return self._finish(command, raw, check=check)

    def execute_master(self, command: str, *, timeout: float | None = None) -> str:
        """Send a command to the master process itself (``show proc``, ``reload``...)."""
        if not self.address.master:
            raise InvalidValue("execute_master() needs the master CLI (a master@ address)")
        command = _check_command(command)
        return self._finish(command, self._send(command, command, timeout=timeout, payload=None))

    def _finish(self, command: str, raw: str, *, check: bool = True) -> str:
        severity, text = _split_severity(raw)
        text = text.rstrip("\n")
        if check and ((severity is not None and severity <= 3) or _looks_like_error(text)):
            raise HAProxyRuntimeError(command, text.strip() or "error")
        return text

    def _expect_empty(self, command: str) -> None:
        """Run a setter: HAProxy answers nothing on success, so any reply is an error."""
        reply = self.execute(command)
        if reply.strip():
            raise HAProxyRuntimeError(command, reply.strip())

    # -- show --

    def show_info(self) -> dict[str, str]:
        """``show info``: ``{"Name": "HAProxy", "Version": ..., "Maxconn": ...}``."""
        return parse_info(self.execute("show info"))

    def show_stat(self, proxy: str | None = None) -> list[StatRow]:
        """``show stat`` (all proxies, or one proxy's frontend/backend/server rows)."""
        if proxy is None:
            return parse_stat(self.execute("show stat"))
        return parse_stat(self.execute(f"show stat {_name(proxy, 'proxy')} -1 -1"))

    def server_stat(self, backend: str, server: str) -> StatRow:
        """The ``show stat`` row of one server."""
        for row in parse_stat(self.execute(f"show stat {_name(backend, 'backend')} 4 -1")):
            if row.svname == server:
                return row
        command = f"show stat {backend} 4 -1"
        raise HAProxyRuntimeError(command, f"No such server. ({backend}/{server} not in stats)")

    def show_servers_state(self, backend: str | None = None) -> list[ServerState]:
        """``show servers state [<backend>]``."""
        command = "show servers state"
        if backend is not None:
            command += " " + _name(backend, "backend")
        return parse_servers_state(self.execute(command))

    def show_backend(self) -> list[str]:
        """``show backend``: the backend names."""
        return [
            line.strip()
            for line in self.execute("show backend").splitlines()
            if line.strip() and not line.startswith("#")
        ]

    def show_proc(self) -> list[ProcessInfo]:
        """The master CLI's ``show proc``: master, workers, old workers, programs."""
        if not self.address.master:
            raise InvalidValue("show proc needs the master CLI (a master@ address)")
        return parse_proc(self.execute_master("show proc"))

    def get_weight(self, backend: str, server: str) -> tuple[int, int]:
        """``get weight``: ``(current, initial)``."""
        command = f"get weight {_server(backend, server)}"
        reply = self.execute(command)
        m = re.fullmatch(r"(\d+) \(initial (\d+)\)", reply.strip())
        if m is None:
            raise HAProxyRuntimeError(command, reply.strip())
        return int(m[1]), int(m[2])

    # -- servers --

    def set_server_addr(self, backend: str, server: str, addr: str, port: int | None = None) -> str:
        """``set server <b>/<s> addr <addr> [port <port>]``; returns HAProxy's note."""
        command = f"set server {_server(backend, server)} addr {_word(addr, 'address')}"
        if port is not None:
            command += f" port {_port(port)}"
        reply = self.execute(command)
        if _ADDR_ERROR_RE.search(reply) or not reply.strip():
            raise HAProxyRuntimeError(command, reply.strip() or "no reply")
        return reply.strip()

    def set_server_state(self, backend: str, server: str, state: AdminState) -> None:
        """``set server <b>/<s> state ready|drain|maint``."""
        if state not in ("ready", "drain", "maint"):
            raise InvalidValue(f"invalid state {state!r}: expected 'ready', 'drain' or 'maint'")
        self._expect_empty(f"set server {_server(backend, server)} state {state}")

    def set_server_health(self, backend: str, server: str, health: HealthState) -> None:
        """``set server <b>/<s> health up|stopping|down``."""
        if health not in ("up", "stopping", "down"):
            raise InvalidValue(f"invalid health {health!r}: expected 'up', 'stopping' or 'down'")
        self._expect_empty(f"set server {_server(backend, server)} health {health}")

    def set_server_weight(self, backend: str, server: str, weight: int | str) -> None:
        """``set server <b>/<s> weight <n>|<n>%`` (0..256, or a percentage)."""
        if isinstance(weight, str):
            if not re.fullmatch(r"\d+%", weight):
                raise InvalidValue(f"invalid weight {weight!r}: expected an integer or 'N%'")
            text = weight
        else:
            text = _count(weight, "weight")
        self._expect_empty(f"set server {_server(backend, server)} weight {text}")

    def set_maxconn_server(self, backend: str, server: str, maxconn: int) -> None:
        """``set maxconn server <b>/<s> <n>``."""
        self._expect_empty(
            f"set maxconn server {_server(backend, server)} {_count(maxconn, 'maxconn')}"
        )

    def set_maxconn_frontend(self, frontend: str, maxconn: int) -> None:
        """``set maxconn frontend <f> <n>``."""
        self._expect_empty(
            f"set maxconn frontend {_name(frontend, 'frontend')} {_count(maxconn, 'maxconn')}"
        )

    def set_maxconn_global(self, maxconn: int) -> None:
        """``set maxconn global <n>`` (0 restores the configured value)."""
        self._expect_empty(f"set maxconn global {_count(maxconn, 'maxconn')}")

    def enable_server(self, backend: str, server: str) -> None:
        """``enable server``: leave maintenance."""
        self._expect_empty(f"enable server {_server(backend, server)}")

    def disable_server(self, backend: str, server: str) -> None:
        """``disable server``: enter maintenance."""
        self._expect_empty(f"disable server {_server(backend, server)}")

    def enable_health(self, backend: str, server: str) -> None:
        """``enable health``: resume the health checks."""
        self._expect_empty(f"enable health {_server(backend, server)}")

    def disable_health(self, backend: str, server: str) -> None:
        """``disable health``: stop the health checks."""
        self._expect_empty(f"disable health {_server(backend, server)}")

    def enable_agent(self, backend: str, server: str) -> None:
        """``enable agent``: resume the agent checks."""
        self._expect_empty(f"enable agent {_server(backend, server)}")

    def disable_agent(self, backend: str, server: str) -> None:
        """``disable agent``: stop the agent checks."""
        self._expect_empty(f"disable agent {_server(backend, server)}")

    def enable_frontend(self, frontend: str) -> None:
        """``enable frontend``."""
        self._expect_empty(f"enable frontend {_name(frontend, 'frontend')}")

    def disable_frontend(self, frontend: str) -> None:
        """``disable frontend``."""
        self._expect_empty(f"disable frontend {_name(frontend, 'frontend')}")

    def add_server(
        self,
        backend: str,
        server: str,
        addr: str,
        port: int | None = None,
        *,
        enable: bool = False,
        **options: str | int | bool | None,
    ) -> str:
        """``add server <b>/<s> <addr>[:<port>] [options]`` (HAProxy 2.4+ / 2.6).

        ``options`` are server keywords, ``_`` standing for ``-``: ``True`` adds a
        flag (``check=True``), ``False``/``None`` leaves it out, other values
        follow their keyword (``maxconn=100``, ``weight=5``, ``inter="2s"``).
        The backend must use a dynamic algorithm (roundrobin, leastconn,
        first, random).  A new server starts in maintenance with its checks
        disabled: ``enable=True`` then runs ``enable server`` (and ``enable
        health`` / ``enable agent`` when ``check`` / ``agent_check`` is set).
        Returns HAProxy's reply (``New server registered.``).
        """
        target = _word(addr, "address")
        if port is not None:
            host = f"[{target}]" if ":" in target and not target.startswith("[") else target
            target = f"{host}:{_port(port)}"
        words = ["add", "server", _server(backend, server), target]
        for key, value in options.items():
            keyword = key.replace("_", "-")
            if not _KEYWORD_RE.fullmatch(keyword):
                raise InvalidValue(f"invalid server keyword {key!r}")
            if value is True:
                words.append(keyword)
            elif value is False or value is None:
                continue
            else:
                words += [keyword, _word(value, f"value of {keyword}")]
        command = " ".join(words)
        reply = self.execute(command)
        if "New server registered" not in reply:
            raise HAProxyRuntimeError(command, reply.strip() or "no reply")
        if enable:
            if options.get("check"):
                self.enable_health(backend, server)
            if options.get("agent_check"):
                self.enable_agent(backend, server)
            self.enable_server(backend, server)
        return reply.strip()

    def del_server(self, backend: str, server: str) -> None:
        """``del server``: the server must be in maintenance with no connection left."""
        command = f"del server {_server(backend, server)}"
        reply = self.execute(command)
        if "Server deleted" not in reply:
            raise HAProxyRuntimeError(command, reply.strip() or "no reply")

    def remove_server(
        self, backend: str, server: str, *, wait: float = 30.0, poll: float = 0.1
    ) -> None:
        """Drain a server, put it in maintenance, wait for its connections to end, delete it.

        Steps: ``disable agent`` (an agent could bring it back), ``set server
        ... state drain`` and wait until no session is left, ``state maint``,
        then ``del server``, retried while HAProxy reports connections (idle
        ones are purged after the server's ``pool-purge-delay``).  Raises
        :class:`TimeoutError` when that takes more than ``wait`` seconds.
        """
        end = time.monotonic() + wait
        self.disable_agent(backend, server)
        row = self.server_stat(backend, server)
        if not row.status.startswith("MAINT"):
            self.set_server_state(backend, server, "drain")
            while (row.scur or 0) > 0 or (row.qcur or 0) > 0:
                if time.monotonic() >= end:
                    raise TimeoutError(
                        f"{backend}/{server} still has {row.scur} sessions after {wait:g}s"
                    )
                time.sleep(poll)
                row = self.server_stat(backend, server)
        self.set_server_state(backend, server, "maint")
        while True:
            try:
                self.del_server(backend, server)
                return
            except HAProxyRuntimeError as exc:
                if "still has connections" not in exc.message or time.monotonic() >= end:
                    raise
            time.sleep(poll)
