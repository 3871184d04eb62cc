"""HAProxy's answers: refusals as :class:`HAProxyRuntimeError`, told apart by severity or text."""

from __future__ import annotations

import re

from haproxy_model.base.errors import Error, OperationFailed


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


class RuntimeUnavailable(OperationFailed, OSError):
    """The runtime API socket cannot be reached or does not answer as a worker's would.

    Raised by the client for a socket error (each also the ``OSError`` subclass Python
    gives: :class:`SocketMissing` is a ``FileNotFoundError``...), so ``except OSError``
    keeps working; ``str()`` reads ``address: reason``.
    """

    def __str__(self) -> str:  # not OSError's "[Errno 2] ...": the message given
        return str(self.args[0]) if self.args else ""


class SocketMissing(RuntimeUnavailable, FileNotFoundError):
    """No socket at the runtime API's path."""


class SocketRefused(RuntimeUnavailable, ConnectionRefusedError):
    """Nothing listens at the runtime API's address."""


class SocketReset(RuntimeUnavailable, ConnectionResetError):
    """HAProxy closed the connection."""


class SocketDenied(RuntimeUnavailable, PermissionError):
    """No permission to open the runtime API's socket."""


class RuntimeTimeout(RuntimeUnavailable, TimeoutError):
    """The runtime API did not answer within the call's deadline."""


_UNAVAILABLE: tuple[type[RuntimeUnavailable], ...] = (
    SocketMissing,
    SocketRefused,
    SocketReset,
    SocketDenied,
    RuntimeTimeout,
)


def unavailable(exc: OSError, where: str) -> RuntimeUnavailable:
    """``exc`` (a socket error at ``where``) as a :class:`RuntimeUnavailable` that is
    still an instance of the ``OSError`` subclass it was."""
    cls = next((c for c in _UNAVAILABLE if isinstance(exc, c.__bases__[1])), RuntimeUnavailable)
    if exc.errno is None:
        text = str(exc)
        return cls(text if text.startswith(where) else f"{where}: {text}")
    err = cls(f"{where}: {exc.strerror}")
    err.errno, err.strerror, err.filename = exc.errno, exc.strerror, where
    return err


# -- addresses -------------------------------------------------------------------


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
