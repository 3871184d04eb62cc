"""How many file descriptors HAProxy will ask for, against what ``ulimit -n`` allows.

With ``global maxconn`` set, HAProxy computes ``maxsock`` and raises
``RLIMIT_NOFILE`` to it at start-up; when it cannot, HAProxy 2.6 and 2.8 print
``[ALERT] ... Cannot raise FD limit to <maxsock>, limit is <limit>.`` and exit
1 (``haproxy -c`` does not notice). Its estimate, measured on both binaries
(``show info``: ``Maxsock``) and matching ``src/haproxy.c``::

    maxsock = 2 * maxconn            # a client and a server socket per connection
            + 2 * maxpipes           # maxconn / 4 when a proxy uses splice options
            + 3 * nbthread           # a poller and a wake-up pipe per thread
            + listeners              # every bind line and stats socket
            + checked servers        # a health check holds a socket
            + stats maxconn          # the CLI's own connections (10 unless set), with a socket
            + 10                     # HAProxy's fixed reserve
"""

from __future__ import annotations

import os
import resource

import haproxy_model as hm
from haproxy_model.syntax.nodes import Directive

__all__ = ["estimate_maxsock", "fd_shortfall", "raise_fd_limit"]

SPLICE_OPTIONS = frozenset({"splice-auto", "splice-request", "splice-response"})
FIXED_RESERVE = 10
CLI_MAXCONN = 10
"""The stats socket's connection limit unless ``stats maxconn`` sets one."""


def _int_setting(section: hm.Section, keyword: str) -> int | None:
    for line in reversed([n for n in section.body if isinstance(n, Directive)]):
        if line.keyword == keyword and line.args and line.args[0].isdigit():
            return int(line.args[0])
    return None


def estimate_maxsock(cfg: hm.Config) -> int | None:
    """HAProxy's ``maxsock`` for ``cfg``; None without ``global maxconn`` (HAProxy
    then derives ``maxconn`` from the limit it has, so nothing can fall short)."""
    glob = cfg.global_
    if glob is None:
        return None
    maxconn = _int_setting(glob, "maxconn")
    if maxconn is None:
        return None
    nbthread = _int_setting(glob, "nbthread") or os.cpu_count() or 1
    maxpipes = _int_setting(glob, "maxpipes")
    if maxpipes is None:
        uses_splice = any(
            line.keyword == "option" and line.args[:1] and line.args[0] in SPLICE_OPTIONS
            for section in cfg.sections
            for line in section.body
            if isinstance(line, Directive)
        )
        maxpipes = maxconn // 4 if uses_splice else 0
    listeners = checked = 0
    defaults_check = False
    cli, sockets = CLI_MAXCONN, 0
    for section in cfg.sections:
        lines = [n for n in section.body if isinstance(n, Directive)]
        own = [d for d in lines if d.keyword == "default-server"]
        section_check = "check" in own[-1].args if own else defaults_check
        if section.keyword == "defaults":
            defaults_check = section_check
        for line in lines:
            if section.keyword == "global" and line.values[:2] == ["stats", "maxconn"]:
                cli = int(line.values[2]) if line.values[2:3] and line.values[2].isdigit() else cli
            if section.keyword == "global" and line.values[:2] == ["stats", "socket"]:
                listeners += 1
                sockets += 1
            elif line.keyword == "bind":
                listeners += 1
            elif _runs_checks(line, section.keyword, section_check):
                checked += _server_count(line)
    fixed = listeners + checked + (cli if sockets else 0) + FIXED_RESERVE
    return 2 * maxconn + 2 * maxpipes + 3 * nbthread + fixed


def _runs_checks(line: Directive, section: str, default_check: bool) -> bool:
    if line.keyword not in ("server", "server-template") or section == "peers":
        return False
    return ("check" in line.args or default_check) and "no-check" not in line.args


def _server_count(line: Directive) -> int:
    """1 for ``server``; the slot count of a ``server-template`` (``8`` or ``1-8``)."""
    if line.keyword != "server-template" or len(line.args) < 2:
        return 1
    low, _, high = line.args[1].partition("-")
    if low.isdigit() and (not high or high.isdigit()):
        return int(low) if not high else max(0, int(high) - int(low) + 1)
    return 1


def raise_fd_limit(needed: int) -> int:
    """Raise this process's ``RLIMIT_NOFILE`` toward ``needed`` as far as allowed (a
    process it execs inherits it); return the hard limit now in force."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return needed
        except (ValueError, OSError):
            return hard
    return needed if hard == resource.RLIM_INFINITY else hard


def fd_shortfall(cfg: hm.Config, *, try_raise: bool = False) -> str | None:
    """A one-line warning when ``cfg`` needs more descriptors than the hard limit
    allows (after trying to raise it, with ``try_raise``); None when it fits."""
    needed = estimate_maxsock(cfg)
    if needed is None:
        return None
    if try_raise:
        limit = raise_fd_limit(needed)
    else:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        limit = needed if hard == resource.RLIM_INFINITY else hard
    if needed <= limit:
        return None
    glob = cfg.global_
    maxconn = _int_setting(glob, "maxconn") if glob is not None else None
    return (
        f"global maxconn {maxconn} needs about {needed} file descriptors (HAProxy's "
        f"estimate) but ulimit -n allows {limit}: HAProxy will refuse to start ('Cannot "
        f"raise FD limit'); lower global maxconn to about "
        f"{max(1, (maxconn or 0) * limit // needed - 1)} or raise the limit where Ray "
        "starts (ulimit -n, systemd LimitNOFILE)"
    )
