"""The runtime API's transport: one command line per connection, or a persistent
``prompt``-mode session, each call within its deadline."""

from __future__ import annotations

import contextlib
import math
import os
import re
import socket
import threading
import time
from typing import TypeVar

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.io.runtime.address import parse_address
from haproxy_model.io.runtime.arguments import _process_prefix
from haproxy_model.io.runtime.replies import RuntimeTimeout, RuntimeUnavailable, unavailable

_RECV_SIZE = 65536

_T = TypeVar("_T", bound="RuntimeTransport")


class _Deadline:
    """The end of one call's time: :meth:`remaining` raises ``TimeoutError`` past it."""

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


class RuntimeTransport:
    """A connection to one runtime API socket (the base of :class:`RuntimeClient`).

    ``timeout`` bounds every call (connect + send + read).  ``master=True`` (or a
    ``master@`` address) talks to the master CLI, which prompts differently and
    has no severity output; ``process`` then selects the process that worker
    commands go to (default ``1``, the current worker).  ``persistent=True``
    keeps one ``prompt``-mode connection open between calls; use it as a
    context manager, or call :meth:`close`.
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
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise InvalidType(f"timeout: expected a number of seconds, got {timeout!r}")
        if not 0 < timeout < math.inf:
            raise InvalidValue(f"timeout must be a positive number of seconds, not {timeout!r}")
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
        name = type(self).__name__
        return f"{name}({str(self.address)!r}, timeout={self.timeout:g}{mode}{extra})"

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the persistent connection, if one is open."""
        with self._lock:
            self._drop()

    def with_process(self: _T, process: int | str) -> _T:
        """A client for the same master CLI whose worker commands go to ``process``."""
        if not self.address.master:
            raise InvalidValue("with_process() needs the master CLI (a master@ address)")
        return type(self)(
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
            if isinstance(exc, RuntimeUnavailable):
                raise
            raise unavailable(exc, str(addr)) from None

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
            raise RuntimeTimeout(
                f"{self.address}: no complete answer to {command!r} within {deadline.seconds:g}s"
            ) from None
        except OSError as exc:
            if isinstance(exc, RuntimeUnavailable):
                raise
            raise unavailable(exc, str(self.address)) from None

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
