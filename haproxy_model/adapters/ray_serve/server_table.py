"""The servers HAProxy has, per backend, as the syncer tracks them: which replica each
holds, which are leaving, which slots are free; and the membership mode that decides how
replicas come and go at run time."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import attrs

from haproxy_model.base.errors import InvalidValue
from haproxy_model.base.files import write_text_atomic

from .desired import desired_servers, routed
from .journal import Journal
from .policy import Policy
from .snapshot import ServeSnapshot

__all__ = [
    "DYNAMIC_ALGORITHMS",
    "Backend",
    "Desired",
    "Membership",
    "Server",
    "ServerTable",
    "membership_mode",
]

Membership = Literal["auto", "dynamic", "slots"]
ServerKind = Literal["static", "dynamic", "slot"]
ServerPhase = Literal["active", "draining", "maint"]

DYNAMIC_ALGORITHMS = frozenset({"roundrobin", "leastconn", "first", "random"})
"""``balance`` algorithms whose backends accept ``add server`` (management guide)."""

Desired = Mapping[str, Mapping[str, tuple[str, int]]]
"""``{backend: {replica server name: (host, port)}}``, as :func:`~.desired.desired_servers`."""


def membership_mode(policy: Policy, membership: Membership = "auto") -> Literal["dynamic", "slots"]:
    """The membership mode ``membership`` resolves to under ``policy``."""
    if membership == "auto":
        balance = policy.balance or "roundrobin"  # HAProxy's default
        algorithm = re.split(r"[\s(]", balance.strip(), maxsplit=1)[0]
        return "dynamic" if algorithm in DYNAMIC_ALGORITHMS else "slots"
    if membership not in ("dynamic", "slots"):
        raise InvalidValue(f"membership must be 'auto', 'dynamic' or 'slots', got {membership!r}")
    return membership


@attrs.define
class Server:
    """One HAProxy server and the replica it holds."""

    backend: str
    name: str  # the HAProxy server name
    replica: str  # Ray's server name for the replica it holds
    host: str
    port: int
    kind: ServerKind
    phase: ServerPhase = "active"
    since: float = 0.0


@attrs.define
class Backend:
    """One backend's servers: ready, leaving, free slots, and parked (in maintenance
    until the next reload)."""

    name: str
    maxconn: int | None
    maxqueue: int | None
    active: dict[str, Server] = attrs.field(factory=dict)  # by replica
    leaving: dict[str, Server] = attrs.field(factory=dict)  # by HAProxy server name
    free_slots: list[str] = attrs.field(factory=list)
    parked: list[str] = attrs.field(factory=list)


class ServerTable:
    """The backends of the running HAProxy, by name, in membership ``mode``
    (``"dynamic"`` or ``"slots"``: ``spare_slots`` per backend, mapped in ``slots_path``).

    Not thread-safe: the syncer holds its lock around every call.
    """

    def __init__(
        self,
        journal: Journal,
        *,
        mode: Literal["dynamic", "slots"],
        spare_slots: int,
        slots_path: Path,
    ) -> None:
        self._journal = journal
        self.mode = mode
        """The membership mode in effect."""
        self.spare = spare_slots
        """Spare slots per backend in slot mode (grows when a step needs more)."""
        self._slots_path = slots_path
        self.backends: dict[str, Backend] = {}

    def servers(self) -> dict[str, dict[str, str]]:
        """``{backend: {replica server name: HAProxy server name}}`` of the ready servers."""
        return {
            be.name: {rep: srv.name for rep, srv in be.active.items()}
            for be in self.backends.values()
        }

    def leaving(self) -> dict[str, list[str]]:
        """``{backend: [HAProxy server name, ...]}`` still draining or awaiting removal."""
        return {be.name: sorted(be.leaving) for be in self.backends.values()}

    def slot_map(self) -> dict[str, dict[str, str]]:
        """``{backend: {slot name: replica server name}}`` of the filled slots."""
        return {
            be.name: {srv.name: rep for rep, srv in sorted(be.active.items()) if srv.kind == "slot"}
            for be in self.backends.values()
        }

    def server_count(self) -> int:
        """How many ready servers there are, all backends together."""
        return sum(len(be.active) for be in self.backends.values())

    def spare_for_build(self) -> int:
        """The spare slots a new file needs per backend (none in dynamic mode)."""
        return self.spare if self.mode == "slots" else 0

    def adopt(self, snapshot: ServeSnapshot, policy: Policy) -> None:
        """The servers HAProxy has right after loading the file built from ``snapshot``."""
        backends: dict[str, Backend] = {}
        stamp = time.time()
        spare = self.spare_for_build()
        for app in routed(snapshot):
            ingress = app.ingress
            be = Backend(
                name=app.backend_name,
                maxconn=policy.server_maxconn(ingress) if ingress is not None else None,
                maxqueue=policy.maxqueue,
            )
            for rep, (host, port) in desired_servers(snapshot).get(app.backend_name, {}).items():
                be.active[rep] = Server(app.backend_name, rep, rep, host, port, "static")
                self._journal.replica_routed_at.setdefault(rep, stamp)
            be.free_slots = [f"slot{i}" for i in range(1, spare + 1)]
            backends[be.name] = be
        self.backends = backends

    def forget(self) -> None:
        """No servers: HAProxy stopped or died."""
        self.backends = {}

    def write_slots(self) -> None:
        """Rewrite ``slots.json`` atomically (slot mode only)."""
        if self.mode != "slots":
            return
        data = json.dumps(self.slot_map(), indent=2, sort_keys=True) + "\n"
        write_text_atomic(self._slots_path, data)

    def slots_exhausted(self, desired: Desired) -> str | None:
        """In slot mode, why a reload is needed when a backend has fewer free slots than
        new replicas (the spare count then grows to the largest step); else ``None``."""
        if self.mode != "slots":
            return None
        step, short = 0, False
        for be in self.backends.values():
            want = desired.get(be.name, {})
            returning = {s.replica for s in be.leaving.values()}
            new = [r for r in want if r not in be.active and r not in returning]
            step = max(step, len(new))
            short = short or len(new) > len(be.free_slots)
        if not short:
            return None
        self.spare = max(self.spare, step)  # a step this size fits in the slots from now on
        return f"spare slots exhausted ({step} new replicas); {self.spare} per backend"
