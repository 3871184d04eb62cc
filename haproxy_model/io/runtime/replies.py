"""HAProxy's answers: refusals as :class:`HAProxyRuntimeError`, told apart by severity or text."""

from __future__ import annotations

import re

from haproxy_model.base.errors import Error


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
