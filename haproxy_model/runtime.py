"""A typed client for HAProxy's runtime API (the stats socket and the master CLI).

>>> import haproxy_model as hm
>>> cli = hm.RuntimeClient("/run/haproxy/admin.sock", timeout=2.0)   # doctest: +SKIP
>>> cli.show_info()["Version"]                                        # doctest: +SKIP
'2.8.25-5cf5d0683'
>>> [(r.svname, r.scur, r.slim) for r in cli.show_stat("be") if r.is_server]  # doctest: +SKIP
[('s1', 0, None), ('s2', 0, None)]
>>> cli.set_server_state("be", "s1", "drain")                         # doctest: +SKIP
>>> cli.add_server("be", "s3", "10.0.0.3", 8080, maxconn=100, enable=True)  # doctest: +SKIP
>>> cli.remove_server("be", "s3")       # drain, maintenance, wait, del  # doctest: +SKIP

Addresses (management guide, section 9.3 and 9.4):

* ``/run/haproxy.sock`` or ``unix@/run/haproxy.sock``: a Unix socket;
  ``abns@name``: a Linux abstract socket;
* ``tcp@host:port``, ``ipv4@host:port``, ``ipv6@[::1]:port`` or ``host:port``;
* ``master@<any of the above>`` (or ``master=True``): the master CLI of
  ``haproxy -W -S <socket>``.  Worker commands are sent with the ``@1 `` prefix
  (the current worker), or with the prefix ``process`` names: ``2`` (``@2``),
  ``"!1234"`` (``@!1234``, by PID) or ``"master"``.  :meth:`RuntimeClient.show_proc`
  and :meth:`RuntimeClient.execute_master` talk to the master itself.

By default every call opens its own connection, sends one command line and
reads the answer until HAProxy closes it (the "non-interactive" mode).  With
``persistent=True`` the client keeps one connection in ``prompt`` (interactive)
mode and reuses it, reconnecting when HAProxy closed it (``stats timeout``).
Every call has a deadline (``timeout`` seconds for connect + send + read):
past it, :class:`TimeoutError` is raised.  Socket errors (no such socket,
refused connection) are raised as the :class:`OSError` Python gives.

HAProxy's refusals are raised as :class:`HAProxyRuntimeError` carrying the
command and HAProxy's own message (``No such server.``, ``Permission denied``,
``Unknown command: ...``).  On a stats socket the client switches the session to
``set severity-output number`` so that every error HAProxy reports is caught
by its severity; through the master CLI (which forwards each command on a
fresh worker session) errors are recognised by their text, and the typed
setters also refuse any unexpected reply.

Arguments are validated, never escaped: proxy and server names must use
HAProxy's own name characters (letters, digits, ``-_.:``) or be ``#<id>``;
other words must not hold blanks, ``;``, ``\\``, control characters or ``<<``
(HAProxy splits commands on ``;`` and newlines, words on blanks, and starts a
payload on ``<<``).  Anything else is a :class:`ValueError`, so no argument can
smuggle a second command in.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import socket
import threading
import time
from collections.abc import Mapping
from typing import Literal

import attrs

from haproxy_model.errors import Error, InvalidValue

__all__ = [
    "AdminState",
    "HAProxyRuntimeError",
    "HealthState",
    "ProcessInfo",
    "RuntimeAddress",
    "RuntimeClient",
    "ServerState",
    "StatRow",
    "parse_address",
    "parse_info",
    "parse_proc",
    "parse_servers_state",
    "parse_stat",
]

#: ``set server <b>/<s> state`` values.
AdminState = Literal["ready", "drain", "maint"]
#: ``set server <b>/<s> health`` values.
HealthState = Literal["up", "stopping", "down"]

_RECV_SIZE = 65536


# -- errors ----------------------------------------------------------------------


class HAProxyRuntimeError(Error):
    """HAProxy refused a runtime API command.

    ``command`` is the command line sent (without the master CLI's ``@`` prefix)
    and ``message`` is HAProxy's reply, e.g. ``"No such server."``.
    """

    def __init__(self, command: str, message: str) -> None:
        self.command = command
        self.message = message
        super().__init__(command, message)

    def __str__(self) -> str:
        return f"{self.command!r}: {self.message}"


# -- addresses -------------------------------------------------------------------


@attrs.frozen
class RuntimeAddress:
    """Where the runtime API listens: a Unix ``path`` or a TCP ``host``/``port``."""

    path: str | None = None
    host: str | None = None
    port: int | None = None
    master: bool = False

    def __str__(self) -> str:
        prefix = "master@" if self.master else ""
        if self.path is not None:
            if self.path.startswith("\0"):
                return f"{prefix}abns@{self.path[1:]}"
            return f"{prefix}unix@{self.path}"
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host
        return f"{prefix}tcp@{host}:{self.port}"


_TCP_PREFIXES = ("tcp@", "tcp4@", "tcp6@", "ipv4@", "ipv6@")
_HOST_PORT_RE = re.compile(
    r"(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:/\s]*|[0-9A-Fa-f:.]+)):(?P<port>\d+)"
)


def parse_address(address: str | os.PathLike[str], *, master: bool = False) -> RuntimeAddress:
    """Read an address as HAProxy writes them (see the module documentation)."""
    text = os.fspath(address)
    if text.startswith("master@"):
        master = True
        text = text[len("master@") :]
    if not text:
        raise InvalidValue("empty runtime API address")
    if text.startswith("unix@"):
        return RuntimeAddress(path=text[len("unix@") :], master=master)
    if text.startswith("abns@"):
        return RuntimeAddress(path="\0" + text[len("abns@") :], master=master)
    for prefix in _TCP_PREFIXES:
        if text.startswith(prefix):
            return _tcp_address(text[len(prefix) :], address, master)
    if "/" not in text and _HOST_PORT_RE.fullmatch(text):
        return _tcp_address(text, address, master)
    return RuntimeAddress(path=text, master=master)


def _tcp_address(text: str, original: object, master: bool) -> RuntimeAddress:
    m = _HOST_PORT_RE.fullmatch(text)
    if m is None:
        raise InvalidValue(f"{original!r}: expected host:port")
    host = m["v6"] or m["host"] or "127.0.0.1"
    port = int(m["port"])
    if not 0 < port < 65536:
        raise InvalidValue(f"{original!r}: port {port} out of range")
    return RuntimeAddress(host=host, port=port, master=master)


# -- argument validation -------------------------------------------------------------

_NAME_RE = re.compile(r"#\d+|[A-Za-z0-9_.:-]+")
_KEYWORD_RE = re.compile(r"[a-z][a-z0-9-]*")
_FORBIDDEN_RE = re.compile(r"[\s;\\\x00-\x1f\x7f]|<<")
_PROCESS_RE = re.compile(r"@?(?P<sel>!?\d+|master)")


def _name(value: object, what: str) -> str:
    """A proxy or server name (or ``#<id>``), as HAProxy accepts them."""
    if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
        raise InvalidValue(
            f"invalid {what} name {value!r}: use letters, digits, '-', '_', '.', ':' or '#<id>'"
        )
    return value


def _word(value: object, what: str) -> str:
    """One command word: no blank, ';', backslash, control character or '<<'."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValue(f"invalid {what} {value!r}: expected a string or an integer")
    text = str(value)
    if not text or _FORBIDDEN_RE.search(text):
        raise InvalidValue(
            f"invalid {what} {text!r}: empty, or holds a blank, ';', '\\\\', "
            "a control character or '<<'"
        )
    return text


def _count(value: object, what: str, *, minimum: int = 0) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidValue(f"invalid {what} {value!r}: expected an integer >= {minimum}")
    return str(value)


def _port(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise InvalidValue(f"invalid port {value!r}: expected an integer in 1..65535")
    return str(value)


def _server(backend: str, server: str) -> str:
    return f"{_name(backend, 'backend')}/{_name(server, 'server')}"


def _check_command(command: str) -> str:
    """A raw command line: one command, no newline, no unescaped ';', no payload marker."""
    if not isinstance(command, str):
        raise InvalidValue(f"command must be a string, not {type(command).__name__}")
    if any(ch in command for ch in "\n\r\x00"):
        raise InvalidValue(
            f"command {command!r} holds a newline or NUL: send one command at a time"
        )
    escaped = False
    for ch in command:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ";":
            raise InvalidValue(
                f"command {command!r} holds an unescaped ';' (a second command): "
                "send one command at a time"
            )
    if not command.strip():
        raise InvalidValue("empty command")
    if command.split()[0] in ("prompt", "quit"):
        raise InvalidValue(f"{command!r}: the client manages the session itself (persistent=True)")
    if command.rstrip().endswith("<<"):
        raise InvalidValue(f"command {command!r} ends with '<<': pass the payload as payload=")
    return command.strip()


def _check_payload(payload: str) -> str:
    lines = payload.split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise InvalidValue("empty payload")
    if any(line.strip() == "" for line in lines):
        raise InvalidValue("payload holds an empty line (it would end the payload)")
    if any(ch in payload for ch in "\r\x00"):
        raise InvalidValue("payload holds a carriage return or NUL")
    return "\n".join(lines)


def _process_prefix(process: int | str) -> str:
    if isinstance(process, bool):
        raise InvalidValue(f"invalid process {process!r}")
    if isinstance(process, int):
        if process < 0:
            raise InvalidValue(f"invalid process {process!r}")
        return f"@{process}"
    m = _PROCESS_RE.fullmatch(process)
    if m is None:
        raise InvalidValue(f"invalid process {process!r}: expected 1, '!<pid>' or 'master'")
    return "@" + m["sel"]


# -- reply checking ------------------------------------------------------------------

_SEVERITY_RE = re.compile(r"\[([0-7])\]: ")
# First lines of HAProxy's typical refusals (src/cli.c, src/server.c, src/proxy.c,
# src/map.c, src/stick_table.c, src/mworker.c ...), for sessions without severity.
_ERROR_RE = re.compile(
    r"""(?:
        Unknown\ command | Permission\ denied | This\ command\ is\ restricted
      | Can't\ find\ the\ target\ PID | No\ such\ | Require\ | Required\ arguments
      | Can't\ | Cannot\ | cannot\ | Unable\ to | Failed\ to | Missing\ | Invalid\ | Malformed
      | Unknown\ | Value\ out\ of\ range | Expects?\ | Not\ enough | Too\ many | Will\ not
      | Only\ servers\ in\ maintenance | Server\ still\ has\ connections | Backend\ must\ use
      | Already\ exists | Proxy\ is\ disabled | Health\ check\ was\ not\ configured
      | Agent\ was\ not\ configured | agent\ checks\ are\ not\ enabled
      | unknown\ keyword | '[^']*'\ option\ is\ not\ | '[^']*'\ expects\ | .*\ not\ found\b
      | set\ server\ <b>/<s>\ \S+\ (?:requires|failed)
    )""",
    re.X,
)
# Parts of a "set server ... addr" reply that mean it failed (src/server.c).
_ADDR_ERROR_RE = re.compile(
    r"Invalid addr|problem converting port|can't change|only supported through configuration"
)


def _split_severity(text: str) -> tuple[int | None, str]:
    m = _SEVERITY_RE.match(text)
    if m is None:
        return None, text
    return int(m[1]), text[m.end() :]


def _looks_like_error(text: str) -> bool:
    first = text.split("\n", 1)[0]
    return bool(first) and _ERROR_RE.match(first) is not None


# -- parsed replies ----------------------------------------------------------------------


def _int_or_none(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return None


#: ``show stat`` ``type`` column values.
STAT_TYPES = {0: "frontend", 1: "backend", 2: "server", 3: "listener"}


@attrs.frozen(eq=True, hash=False)
class StatRow:
    """One ``show stat`` CSV row (management guide 9.1).

    The common columns are typed attributes (``None`` where HAProxy leaves the
    cell empty); ``fields`` maps every column name to its raw text.
    """

    pxname: str
    svname: str
    type: int | None
    status: str
    qcur: int | None
    qmax: int | None
    scur: int | None
    smax: int | None
    slim: int | None
    stot: int | None
    weight: int | None
    check_status: str
    addr: str
    fields: Mapping[str, str]

    @property
    def kind(self) -> str:
        """``frontend``, ``backend``, ``server``, ``listener`` (or ``""``)."""
        return STAT_TYPES.get(self.type, "") if self.type is not None else ""

    @property
    def is_frontend(self) -> bool:
        return self.type == 0

    @property
    def is_backend(self) -> bool:
        return self.type == 1

    @property
    def is_server(self) -> bool:
        return self.type == 2

    def __getitem__(self, column: str) -> str:
        return self.fields[column]

    def get_int(self, column: str) -> int | None:
        """A column as an integer (``None`` when empty, absent or not a number)."""
        return _int_or_none(self.fields.get(column))


def parse_stat(text: str) -> list[StatRow]:
    """Parse ``show stat`` CSV output."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0]
    if not header.startswith("#"):
        raise InvalidValue(f"'show stat' output has no '# pxname,...' header: {header[:80]!r}")
    names = next(csv.reader([header.lstrip("# ")]))
    rows: list[StatRow] = []
    for cells in csv.reader(lines[1:]):
        fields = {name: cell for name, cell in zip(names, cells, strict=False) if name}
        rows.append(
            StatRow(
                pxname=fields.get("pxname", ""),
                svname=fields.get("svname", ""),
                type=_int_or_none(fields.get("type")),
                status=fields.get("status", ""),
                qcur=_int_or_none(fields.get("qcur")),
                qmax=_int_or_none(fields.get("qmax")),
                scur=_int_or_none(fields.get("scur")),
                smax=_int_or_none(fields.get("smax")),
                slim=_int_or_none(fields.get("slim")),
                stot=_int_or_none(fields.get("stot")),
                weight=_int_or_none(fields.get("weight")),
                check_status=fields.get("check_status", ""),
                addr=fields.get("addr", ""),
                fields=fields,
            )
        )
    return rows


def parse_info(text: str) -> dict[str, str]:
    """Parse ``show info`` output (``Name: value`` lines)."""
    info: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            info[name.strip()] = value.strip()
    return info


# srv_admin_state bits (management guide, "show servers state").
_ADMF_MAINT = 0x01 | 0x02 | 0x04 | 0x20
_ADMF_DRAIN = 0x08 | 0x10


@attrs.frozen(eq=True, hash=False)
class ServerState:
    """One ``show servers state`` line (format version 1).

    ``op_state``: 0 stopped, 1 starting, 2 running, 3 stopping.  ``admin_state``
    is a bit mask (see :attr:`in_maintenance`, :attr:`draining`).  ``fields``
    maps every column name (``srv_fqdn``, ``srv_check_port``, ...) to its text.
    """

    backend_id: int
    backend: str
    server_id: int
    server: str
    addr: str
    op_state: int
    admin_state: int
    uweight: int
    iweight: int
    port: int | None
    fields: Mapping[str, str]

    @property
    def in_maintenance(self) -> bool:
        return bool(self.admin_state & _ADMF_MAINT)

    @property
    def draining(self) -> bool:
        return bool(self.admin_state & _ADMF_DRAIN)

    @property
    def is_up(self) -> bool:
        return self.op_state in (1, 2, 3) and not self.in_maintenance


def parse_servers_state(text: str) -> list[ServerState]:
    """Parse ``show servers state`` output."""
    names: list[str] = []
    states: list[ServerState] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            names = line[1:].split()
            continue
        cells = line.split()
        if not names:  # the format version line
            if len(cells) == 1 and cells[0] != "1":
                raise InvalidValue(f"unsupported 'show servers state' format {cells[0]!r}")
            continue
        fields = dict(zip(names, cells, strict=False))

        def num(key: str) -> int:
            return _int_or_none(fields.get(key)) or 0  # noqa: B023 - used at once

        states.append(
            ServerState(
                backend_id=num("be_id"),
                backend=fields.get("be_name", ""),
                server_id=num("srv_id"),
                server=fields.get("srv_name", ""),
                addr=fields.get("srv_addr", ""),
                op_state=num("srv_op_state"),
                admin_state=num("srv_admin_state"),
                uweight=num("srv_uweight"),
                iweight=num("srv_iweight"),
                port=_int_or_none(fields.get("srv_port")),
                fields=fields,
            )
        )
    return states


@attrs.frozen
class ProcessInfo:
    """One process of the master CLI's ``show proc``.

    ``kind`` is ``master``, ``worker``, ``old-worker`` or ``program``;
    ``failed_reloads`` is only known for the master.
    """

    pid: int
    kind: str
    type: str
    reloads: int
    uptime: str
    version: str
    failed_reloads: int | None = None


_PROC_RE = re.compile(
    r"(?P<pid>\d+)\s+(?P<type>\S+)\s+(?P<reloads>\d+)(?:\s*\[failed:\s*(?P<failed>\d+)\])?"
    r"\s+(?P<uptime>\S+)(?:\s+(?P<version>\S+))?\s*"
)
_PROC_SECTIONS = {"# workers": "worker", "# old workers": "old-worker", "# programs": "program"}


def parse_proc(text: str) -> list[ProcessInfo]:
    """Parse the master CLI's ``show proc`` output."""
    procs: list[ProcessInfo] = []
    section = "master"
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            section = _PROC_SECTIONS.get(stripped, section)
            continue
        m = _PROC_RE.fullmatch(stripped)
        if m is None:
            continue
        kind = "master" if m["type"] == "master" else section
        procs.append(
            ProcessInfo(
                pid=int(m["pid"]),
                kind=kind,
                type=m["type"],
                reloads=int(m["reloads"]),
                uptime=m["uptime"],
                version=m["version"] or "",
                failed_reloads=int(m["failed"]) if m["failed"] is not None else None,
            )
        )
    return procs


# -- the client -----------------------------------------------------------------------


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
