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
past it, :class:`RuntimeTimeout` (a ``TimeoutError``) is raised.  Socket errors
(no such socket, refused connection) are raised as :class:`RuntimeUnavailable`
(an :class:`~haproxy_model.OperationFailed`), each still the :class:`OSError`
subclass Python gives (``FileNotFoundError``, ``ConnectionRefusedError``...).

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

from haproxy_model.io.runtime.address import RuntimeAddress, parse_address
from haproxy_model.io.runtime.client import AdminState, HealthState, RuntimeClient
from haproxy_model.io.runtime.replies import (
    HAProxyRuntimeError,
    RuntimeTimeout,
    RuntimeUnavailable,
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

__all__ = [
    "AdminState",
    "HAProxyRuntimeError",
    "HealthState",
    "ProcessInfo",
    "RuntimeAddress",
    "RuntimeClient",
    "RuntimeTimeout",
    "RuntimeUnavailable",
    "ServerState",
    "StatRow",
    "parse_address",
    "parse_info",
    "parse_proc",
    "parse_servers_state",
    "parse_stat",
]
