"""``plan``: which changes a running HAProxy can take live, and which need a reload.

Every change the semantic diff (:func:`haproxy_model.analysis.semdiff.diff`)
finds between OLD (what HAProxy runs) and NEW is either a *runtime* step, with
the runtime-API commands that apply it, or a *reload* step with the reason.
What can apply live (HAProxy 2.6 management guide):

- a server's address and port (``set server B/S addr IP port P``: IP addresses only),
  weight (``set server B/S weight N``, dynamic algorithms only), maxconn
  (``set maxconn server B/S N``), ``disabled`` (``set server B/S state maint|ready``);
- a server added or removed where the backend's algorithm is dynamic (roundrobin,
  leastconn, first, random, or consistent hashing): ``add server`` with every
  effective option (``default-server`` is not applied to dynamic servers, so it is
  spelled out), then ``enable health``/``enable agent``/``enable server``; ``set server
  B/S state maint`` then ``del server`` (not for a server another line refers to);
- ``maxconn`` of a frontend or listen section; ``maxconn`` of ``global`` when lowered
  (HAProxy refuses a runtime value above the one it started with).

- the entries of a map or ACL file the configuration names (``set map``, ``add map``,
  ``del map``, ``add acl``, ``del acl``: :mod:`haproxy_model.ops.patterns`).  ``plan``
  compares the files as they are on disk next to each configuration (a relative name
  from the folder of the configuration's file, or the current directory for a text);
  ``apply`` compares NEW's files with what the running HAProxy has (``show map``,
  ``show acl``).

Everything else reloads.  A plan with a reload step applies nothing by hand: one
reload takes NEW as a whole (:attr:`Plan.commands` is then empty).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from haproxy_model.analysis.semdiff import Change, diff
from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.model.api import parse
from haproxy_model.model.config import Config
from haproxy_model.ops._servers import ServerView, Views, option_words
from haproxy_model.ops.patterns import Entries, file_steps, pattern_files
from haproxy_model.syntax.nodes import Directive, iter_lines

#: the first version whose runtime API adds and deletes servers without experimental mode
DYNAMIC_SERVERS = (2, 6)

_PROXIES = ("frontend", "backend", "listen")


@attrs.frozen
class RuntimeStep:
    """A change applied live: ``commands`` go to the runtime API in order."""

    change: str
    commands: tuple[str, ...]
    #: the PATH of what changed (``backend be/server s1``): the same in the reverse plan
    path: str = attrs.field(default="", eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "commands": list(self.commands)}


@attrs.frozen
class ReloadStep:
    """A change only a reload applies, and why."""

    change: str
    reason: str
    path: str = attrs.field(default="", eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "reason": self.reason}


@attrs.frozen
class Plan:
    """The steps from OLD to NEW (see the module documentation)."""

    runtime: tuple[RuntimeStep, ...] = ()
    reload: tuple[ReloadStep, ...] = ()

    @property
    def needs_reload(self) -> bool:
        return bool(self.reload)

    @property
    def commands(self) -> list[str]:
        """The runtime commands to send, in order (none when a reload applies it all)."""
        if self.needs_reload:
            return []
        return [c for step in self.runtime for c in step.commands]

    @property
    def empty(self) -> bool:
        return not self.runtime and not self.reload

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``haproxy-model plan --json``."""
        return {
            "runtime": [s.to_dict() for s in self.runtime],
            "reload": [s.to_dict() for s in self.reload],
            "needs_reload": self.needs_reload,
        }

    def __str__(self) -> str:
        if self.empty:
            return "no change"
        lines: list[str] = []
        for step in self.reload:
            lines.append(f"reload   {step.change}  ({step.reason})")
        for r in self.runtime:
            lines.append(f"runtime  {r.change}")
            lines += [f"           {c}" for c in r.commands]
        if self.needs_reload:
            lines.append("=> one reload applies everything (no runtime command is sent)")
        else:
            lines.append(f"=> no reload: {len(self.commands)} runtime command(s)")
        return "\n".join(lines)


def plan(old: Config | str, new: Config | str, *, version: str | None = None) -> Plan:
    """Classify every change from ``old`` to ``new`` (configurations or their text).

    ``version`` is the running HAProxy's (``"2.6"``, ``"2.8.5"``); None assumes 2.6
    or later.  Before 2.6 servers are not added or deleted at runtime.  The map and ACL
    files each names are read next to it (see the module documentation).
    """
    return plan_configs(_config(old, "old"), _config(new, "new"), version=version)


def plan_configs(
    before: Config,
    after: Config,
    *,
    version: str | None = None,
    old_entries: Mapping[str, Entries | None] | None = None,
    new_entries: Mapping[str, Entries | None] | None = None,
    new_folder: str | None = None,
) -> Plan:
    """:func:`plan` with the pattern files' entries given (``show map`` answers, by name)
    where they are not read from disk, and NEW's relative file names read from
    ``new_folder``."""
    version_tuple = _version(version)
    planner = _Planner(Views(before), Views(after), version_tuple)
    runtime: list[RuntimeStep] = []
    reload: list[ReloadStep] = []
    for change in diff(before, after):
        step = planner.step(change)
        if isinstance(step, RuntimeStep):
            runtime.append(step)
        else:
            reload.append(step)
    old_files, new_files = pattern_files(before), pattern_files(after, new_folder)
    for fs in file_steps(old_files, new_files, old_entries or {}, new_entries or {}):
        if fs.reason is None:
            runtime.append(RuntimeStep(fs.change, fs.commands, fs.path))
        else:
            reload.append(ReloadStep(fs.change, fs.reason, fs.path))
    return Plan(tuple(runtime), tuple(reload))


def _config(value: object, what: str) -> Config:
    if isinstance(value, Config):
        return value
    if isinstance(value, str):
        return parse(value, filename=f"<{what}>")
    raise InvalidType(f"{what} must be a Config or its text, not {type(value).__name__}")


def _version(version: object) -> tuple[int, int]:
    if version is None:
        return DYNAMIC_SERVERS
    if not isinstance(version, str):
        raise InvalidType(f"version must be a str such as '2.6', not {type(version).__name__}")
    m = re.match(r"(\d{1,3})\.(\d{1,3})(?:[.\-+~].*)?\Z", version.strip())
    if m is None:
        raise InvalidValue(f"invalid HAProxy version {version!r}: expected e.g. '2.6' or '2.8.5'")
    return int(m[1]), int(m[2])


class _Planner:
    def __init__(self, old: Views, new: Views, version: tuple[int, int]) -> None:
        self.old = old
        self.new = new
        self.version = version

    def step(self, change: Change) -> RuntimeStep | ReloadStep:
        text = str(change)
        try:
            commands = self._commands(change)
        except _Reload as reason:
            return ReloadStep(text, str(reason), change.path)
        return RuntimeStep(text, tuple(commands), change.path)

    def _commands(self, change: Change) -> list[str]:
        kind, _, name = change.section.partition(" ")
        if change.is_section:
            raise _Reload(_section_reason(change, kind))
        if "(under .if" in change.path or "[" in change.section:
            raise _Reload("a line under .if, or in a section whose name repeats")
        line = change.path[len(change.section) + 1 :] if change.section else change.path
        keyword = line.split(" ")[0]
        if kind == "global" and keyword == "maxconn":
            return self._global_maxconn()
        if kind not in _PROXIES:
            where = f"{kind} section" if kind else "line outside sections"
            raise _Reload(f"{where} changed: {keyword}")
        if keyword == "maxconn" and kind in ("frontend", "listen"):
            return self._frontend_maxconn(change, kind, name)
        if keyword == "server" and len(line.split(" ")) > 1:
            return self._server(change, kind, name, line.split(" ")[1])
        if keyword == "default-server":
            return self._default_server(kind, name)
        raise _Reload(f"{keyword} {change.op}")

    # -- limits --

    def _global_maxconn(self) -> list[str]:
        was, now = self.old.global_maxconn(), self.new.global_maxconn()
        if was is None or now is None:
            raise _Reload("global maxconn set or unset: HAProxy derives it at start")
        if now > was:
            raise _Reload("global maxconn raised: HAProxy's runtime limit is the start value")
        return [f"set maxconn global {now}"]

    def _frontend_maxconn(self, change: Change, kind: str, name: str) -> list[str]:
        now = self.new.frontend_maxconn(kind, name)
        if change.op == "removed" or now is None:
            raise _Reload("maxconn removed: the value it falls back to is computed at start")
        return [f"set maxconn frontend {name} {now}"]

    # -- servers --

    def _server(self, change: Change, kind: str, backend: str, server: str) -> list[str]:
        was = self.old.server(kind, backend, server)
        now = self.new.server(kind, backend, server)
        if (was is not None and was.template) or (now is not None and now.template):
            raise _Reload("server-template servers")
        if kind == "frontend":
            raise _Reload("server in a frontend")
        if was is None and now is not None:
            return self._add(kind, now)
        if now is None and was is not None:
            return self._delete(kind, was)
        if was is None or now is None:
            raise _Reload("server not found in both configurations")
        return self._server_settings(kind, was, now)

    def _default_server(self, kind: str, backend: str) -> list[str]:
        if kind == "frontend":
            raise _Reload("default-server in a frontend")
        old_servers = self.old.servers(kind, backend)
        commands: list[str] = []
        for name, now in self.new.servers(kind, backend).items():
            was = old_servers.get(name)
            if was is not None:
                if was.template or now.template:
                    raise _Reload("default-server changes server-template servers")
                commands += self._server_settings(kind, was, now)
        return commands

    def _dynamic(self, kind: str, backend: str) -> None:
        for views in (self.old, self.new):
            if not views.dynamic(kind, backend):
                balance = views.setting(kind, backend, "balance") or "roundrobin"
                raise _Reload(f"backend {backend} uses a static algorithm (balance {balance})")

    def _add(self, kind: str, now: ServerView) -> list[str]:
        target = f"{now.backend}/{now.name}"
        if self.version < DYNAMIC_SERVERS:
            raise _Reload("new server: add server needs HAProxy 2.6 or later")
        self._dynamic(kind, now.backend)
        if not now.is_ip or now.port is None:
            raise _Reload("new server with a host name or no plain port (no runtime resolution)")
        words = option_words(now)
        if words is None:
            raise _Reload("new server with an option add server does not take")
        host = f"[{now.host}]" if ":" in now.host else now.host
        commands = [" ".join(["add", "server", target, f"{host}:{now.port}", *words])]
        if now.options.get("check") == "enabled":
            commands.append(f"enable health {target}")
        if now.options.get("agent-check") == "enabled":
            commands.append(f"enable agent {target}")
        if not now.disabled:
            commands.append(f"enable server {target}")
        return commands

    def _delete(self, kind: str, was: ServerView) -> list[str]:
        target = f"{was.backend}/{was.name}"
        if self.version < DYNAMIC_SERVERS:
            raise _Reload("server removed: del server needs HAProxy 2.6 or later")
        self._dynamic(kind, was.backend)
        if _referenced(self.old, kind, was) or _referenced(self.new, kind, was):
            raise _Reload("server removed that other lines refer to (track, use-server)")
        return [f"set server {target} state maint", f"del server {target}"]

    def _server_settings(self, kind: str, was: ServerView, now: ServerView) -> list[str]:
        target = f"{now.backend}/{now.name}"
        first: list[str] = []
        commands: list[str] = []
        last: list[str] = []
        if (was.host, was.port) != (now.host, now.port):
            if not now.is_ip or now.port is None:
                raise _Reload("server address with a host name or no plain port")
            commands.append(f"set server {target} addr {now.host} port {now.port}")
        keys = sorted(set(was.options) | set(now.options))
        for key in keys:
            if was.options.get(key) == now.options.get(key):
                continue
            if key == "weight":
                self._dynamic(kind, now.backend)
                commands.append(f"set server {target} weight {now.weight}")
            elif key == "maxconn":
                commands.append(f"set maxconn server {target} {now.maxconn}")
            elif key == "disabled":
                if now.disabled:
                    first.append(f"set server {target} state maint")
                else:
                    last.append(f"set server {target} state ready")
            else:
                raise _Reload(f"server option {key} changed: not settable at runtime")
        return first + commands + last


class _Reload(Exception):
    """Raised inside the planner with the reason a change needs a reload."""


def _section_reason(change: Change, kind: str) -> str:
    if change.op == "added":
        return f"new {kind}"
    if change.op == "removed":
        return f"{kind} removed"
    return f"{kind} header changed"


def _referenced(views: Views, kind: str, server: ServerView) -> bool:
    """Whether a line other than the server's own names it (``track``, ``use-server``...)."""
    full = f"{server.backend}/{server.name}"
    for other_kind, name in views.proxies(*_PROXIES):
        for other in views.servers(other_kind, name).values():
            track = other.options.get("track", "")
            if track in (full, server.name if name == server.backend else full):
                return True
        if (
            other_kind == kind
            and name == server.backend
            and _uses_server(views, kind, name, server.name)
        ):
            return True
    return False


def _uses_server(views: Views, kind: str, name: str, server: str) -> bool:
    section = views.section(kind, name)
    if section is None:
        return False
    return any(
        isinstance(line, Directive)
        and line.keyword == "use-server"
        and line.values[1:2] == [server]
        for line in iter_lines(section.body)
    )


__all__ = ["Plan", "ReloadStep", "RuntimeStep", "plan"]
