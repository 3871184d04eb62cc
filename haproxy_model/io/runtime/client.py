"""The runtime API client: transport (one-shot or persistent sessions, deadlines) and the
typed commands."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from typing import Literal

from haproxy_model.base.errors import InvalidValue
from haproxy_model.io.runtime.address import parse_address
from haproxy_model.io.runtime.arguments import (
    _KEYWORD_RE,
    _check_command,
    _check_payload,
    _count,
    _name,
    _port,
    _process_prefix,
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

#: ``set server <b>/<s> state`` values.
AdminState = Literal["ready", "drain", "maint"]
#: ``set server <b>/<s> health`` values.
HealthState = Literal["up", "stopping", "down"]

_RECV_SIZE = 65536


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


_WORKER_PROMPT_RE = re.compile(rb"(?:\A|\n)(?:\[[0-9:]+\])?> \Z")
_MASTER_PROMPT_RE = re.compile(rb"(?:\A|\n)(?:\[[0-9:]+\] ?)?(?:master|\d+)[^\n]*> \Z")


class RuntimeClient:
    """A client for one HAProxy runtime API socket (see the module documentation).

    ``timeout`` bounds every call (connect + send + read).  ``master=True`` (or a
    ``master@`` address) talks to the master CLI; ``process`` then selects the
    process that worker commands go to (default ``1``, the current worker).
    ``persistent=True`` keeps one ``prompt``-mode connection open between calls;
    use the client as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        address: str | os.PathLike[str],
        *,
        timeout: float = 5.0,
        persistent: bool = False,
        master: bool = False,
        process: int | str | None = None,
    ) -> None:
        if not timeout > 0:
            raise InvalidValue(f"timeout must be positive, not {timeout!r}")
        self.address = parse_address(address, master=master)
        self.timeout = float(timeout)
        self.persistent = persistent
        if process is not None and not self.address.master:
            raise InvalidValue("process= only applies to the master CLI (a master@ address)")
        self.process: int | str = 1 if process is None else process
        self._prefix = _process_prefix(self.process) + " " if self.address.master else ""
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        extra = f", process={self.process!r}" if self.address.master else ""
        mode = ", persistent=True" if self.persistent else ""
        return f"RuntimeClient({str(self.address)!r}, timeout={self.timeout:g}{mode}{extra})"

    # -- connection management --

    def __enter__(self) -> RuntimeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the persistent connection, if one is open."""
        with self._lock:
            self._drop()

    def with_process(self, process: int | str) -> RuntimeClient:
        """A client for the same master CLI whose worker commands go to ``process``."""
        if not self.address.master:
            raise InvalidValue("with_process() needs the master CLI (a master@ address)")
        return RuntimeClient(
            str(self.address), timeout=self.timeout, persistent=self.persistent, process=process
        )

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def _connect(self, deadline: _Deadline) -> socket.socket:
        addr = self.address
        try:
            if addr.path is not None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    sock.settimeout(deadline.remaining())
                    sock.connect(addr.path)
                except BaseException:
                    sock.close()
                    raise
                return sock
            assert addr.host is not None and addr.port is not None
            return socket.create_connection((addr.host, addr.port), timeout=deadline.remaining())
        except TimeoutError:
            raise
        except OSError as exc:
            if exc.errno is not None:
                raise type(exc)(exc.errno, exc.strerror, str(addr)) from None
            raise

    # -- sending --

    def _send(self, line: str, command: str, *, timeout: float | None, payload: str | None) -> str:
        """Send one command line and return the raw reply text (severity prefix kept)."""
        deadline = _Deadline(self.timeout if timeout is None else timeout)
        try:
            if self.persistent and payload is None:
                with self._lock:
                    return self._send_session(line, deadline)
            return self._send_once(line, deadline, payload)
        except TimeoutError:
            raise TimeoutError(
                f"{self.address}: no complete answer to {command!r} within {deadline.seconds:g}s"
            ) from None

    def _send_once(self, line: str, deadline: _Deadline, payload: str | None) -> str:
        severity = not self.address.master
        data = f"set severity-output number;{line}" if severity else line
        data += " <<\n" + payload + "\n\n" if payload is not None else "\n"
        with self._connect(deadline) as sock:
            sock.settimeout(deadline.remaining())
            sock.sendall(data.encode())
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
            chunks: list[bytes] = []
            while True:
                sock.settimeout(deadline.remaining())
                chunk = sock.recv(_RECV_SIZE)
                if not chunk:
                    break
                chunks.append(chunk)
        text = b"".join(chunks).decode("utf-8", "replace")
        if severity and text.startswith("\n"):
            text = text[1:]  # the empty reply of "set severity-output"
        return text

    def _session(self, deadline: _Deadline) -> socket.socket:
        sock = self._sock
        if sock is not None and not _peer_closed(sock):
            return sock
        self._drop()
        sock = self._connect(deadline)
        self._sock = sock
        try:
            self._exchange(sock, "prompt", deadline)
            if not self.address.master:
                self._exchange(sock, "set severity-output number", deadline)
        except BaseException:
            self._drop()
            raise
        return sock

    def _send_session(self, line: str, deadline: _Deadline) -> str:
        sock = self._session(deadline)
        try:
            return self._exchange(sock, line, deadline)
        except BaseException:
            self._drop()  # the session's state is unknown now
            raise

    def _exchange(self, sock: socket.socket, line: str, deadline: _Deadline) -> str:
        prompt_re = _MASTER_PROMPT_RE if self.address.master else _WORKER_PROMPT_RE
        sock.settimeout(deadline.remaining())
        sock.sendall(line.encode() + b"\n")
        buf = b""
        while True:
            sock.settimeout(deadline.remaining())
            chunk = sock.recv(_RECV_SIZE)
            if not chunk:
                if not buf:
                    raise ConnectionError(f"{self.address}: HAProxy closed the session")
                # HAProxy answered and closed (the master does so on a bad '@' prefix)
                self._drop()
                return buf.decode("utf-8", "replace")
            buf += chunk
            if not buf.endswith(b"> "):
                continue
            m = prompt_re.search(buf, max(0, len(buf) - 200))
            if m is not None:
                return buf[: m.start()].decode("utf-8", "replace")

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


def _peer_closed(sock: socket.socket) -> bool:
    """Whether an idle session was closed (or has stray data, which we cannot frame)."""
    try:
        sock.setblocking(False)
        try:
            data = sock.recv(1, socket.MSG_PEEK)
        finally:
            sock.setblocking(True)
    except BlockingIOError:
        return False
    except OSError:
        return True
    del data  # closed (b"") or stray bytes we could not frame: reconnect either way
    return True
