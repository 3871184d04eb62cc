"""Applying replica membership at run time, without a reload: the runtime API commands
that readdress, return, add or fill, drain and remove servers, and set the rate limits.

The two modes (``membership=`` of :class:`~.sync.Syncer`):

``"dynamic"`` (the default whenever the policy's ``balance`` is a dynamic
    algorithm: ``roundrobin``, ``leastconn``, ``first``, ``random``). A new
    replica becomes ``add server <be>/<Ray's server name> <ip>:<port> check
    inter .. fastinter .. downinter .. rise .. fall .. observe .. error-limit ..
    on-error .. maxconn .. [maxqueue ..]``
    (dynamic servers do not inherit ``default-server``, so every setting is
    spelt out), then ``set server .. health up`` (Ray only lists RUNNING
    replicas, whose listener is up: no need to wait ``rise`` checks), ``enable
    health``, ``enable server``. A removed replica is ``set server .. state
    drain``, then ``state maint`` once its sessions and queue are empty (or
    after ``drain_timeout``), then ``del server``. Servers keep Ray's own
    names (``SERVE_REPLICA_<app>-<deployment>-<id>``, exactly as Ray's HAProxy
    mode names them) in ``show stat``, ``show servers state``, logs and
    Prometheus. Works with HAProxy 2.6 and 2.8 (both tested).

``"slots"`` (used by ``"auto"`` for hashing or ``static-rr`` algorithms,
    whose backends refuse ``add server``). The file carries ``spare_slots``
    placeholder servers per backend (``server slot<i> 127.0.0.1:1 disabled``).
    A new replica takes a free slot: ``set server <be>/slot<i> addr <ip> port
    <port>``, ``set maxconn server``, ``health up``, ``enable health``,
    ``state ready``. A removed replica's slot is drained, put in maintenance,
    pointed back at ``127.0.0.1:1`` and returned to the pool; a removed replica
    that was in the file under its own name stays in maintenance until the
    next reload. Slots are exhausted -> reload with at least as many slots as
    the step needed; every reload gives all current replicas their Ray names
    and frees every slot. A server cannot be renamed at run time, so
    operators map ``slot<i>`` to its replica by: the log line of each fill
    (``fill http-app/slot2 <- SERVE_REPLICA_app-Dep-abc (10.0.0.5:30002)``),
    ``<workdir>/slots.json`` (``{"http-app": {"slot2": "SERVE_REPLICA_..."}}``,
    rewritten atomically at every change), :meth:`Syncer.slot_map`, or the
    address in ``show servers state`` / ``show stat`` against Ray's replica
    ports.

``"auto"`` also falls back from dynamic to slots (one reload) if HAProxy
refuses an ``add server``.
"""

from __future__ import annotations

import contextlib
import logging
import time

from haproxy_model.io.runtime import HAProxyRuntimeError, RuntimeClient, StatRow

from .journal import Journal
from .policy import Policy
from .server_table import Backend, Desired, Server, ServerTable
from .supervise import RUNTIME_ERRORS

__all__ = ["PARKED_ADDR", "RuntimeApplier"]

PARKED_ADDR = ("127.0.0.1", 1)
"""Where a free slot points (nothing listens on port 1)."""


class RuntimeApplier:
    """Changes the servers of ``table`` through the admin socket ``cli``.

    ``may_fall_back``: a refused ``add server`` turns dynamic mode into slots.
    Leaving servers drain for up to ``drain_timeout`` seconds.
    """

    def __init__(
        self,
        journal: Journal,
        table: ServerTable,
        cli: RuntimeClient,
        *,
        may_fall_back: bool,
        drain_timeout: float,
    ) -> None:
        self._journal = journal
        self._table = table
        self._cli = cli
        self._may_fall_back = may_fall_back
        self._drain_timeout = drain_timeout

    def apply(self, desired: Desired, policy: Policy) -> bool:
        """Bring the servers to ``desired``: readdress, return, add or fill, drain.
        Whether anything changed; raises one of :data:`~.supervise.RUNTIME_ERRORS`."""
        changed = False
        for be in self._table.backends.values():
            want = desired.get(be.name, {})
            for rep, (host, port) in sorted(want.items()):  # additions first: never empty
                srv = be.active.get(rep)
                if srv is not None:
                    if (srv.host, srv.port) != (host, port):
                        self._cmd().set_server_addr(be.name, srv.name, host, port)
                        srv.host, srv.port = host, port
                        self._changed("readdr", be, srv, f"{host}:{port}")
                        changed = True
                    continue
                back = next((s for s in be.leaving.values() if s.replica == rep), None)
                if back is not None and (back.host, back.port) == (host, port):
                    self._cmd().set_server_state(be.name, back.name, "ready")
                    del be.leaving[back.name]
                    back.phase = "active"
                    be.active[rep] = back
                    self._changed("return", be, back, f"{host}:{port}")
                elif self._table.mode == "dynamic":
                    self._add_dynamic(be, rep, host, port, policy)
                else:
                    self._fill_slot(be, rep, host, port)
                changed = True
            for rep in sorted(set(be.active) - set(want)):
                srv = be.active.pop(rep)
                self._cmd().set_server_state(be.name, srv.name, "drain")
                srv.phase, srv.since = "draining", time.monotonic()
                be.leaving[srv.name] = srv
                self._changed("drain", be, srv, f"{srv.host}:{srv.port}")
                changed = True
        return changed

    def apply_rates(self, policy: Policy) -> None:
        """Set the global rate limits that ``policy`` gives per replica, for the current
        server count."""
        total = self._table.server_count()
        for rate, kind in ((policy.maxconnrate, "connections"),
                           (policy.maxsessrate, "sessions")):  # fmt: skip
            if rate is not None and rate.per_replica is not None:
                try:
                    self._cmd().execute(f"set rate-limit {kind} global {rate.resolve(total)}")
                except RUNTIME_ERRORS as exc:
                    self._journal.emit("runtime-error", detail=f"set rate-limit {kind}: {exc}",
                                       level=logging.WARNING)  # fmt: skip

    def _cmd(self) -> RuntimeClient:
        self._journal.runtime_commands += 1
        return self._cli

    def _changed(self, action: str, be: Backend, srv: Server, detail: str) -> None:
        self._journal.runtime_changes += 1
        self._journal.emit(action, be.name, srv.name, srv.replica, detail)

    def _ready(self, be: Backend, srv: Server) -> None:
        self._cmd().set_server_health(be.name, srv.name, "up")  # Ray lists RUNNING replicas
        self._cmd().enable_health(be.name, srv.name)

    def _add_dynamic(self, be: Backend, rep: str, host: str, port: int, policy: Policy) -> None:
        hc = policy.check_tuning()
        try:
            self._cmd().add_server(
                be.name, rep, host, port,
                check=True, inter=hc.inter, fastinter=hc.fastinter, downinter=hc.downinter,
                rise=hc.rise, fall=hc.fall, observe=hc.observe, error_limit=hc.error_limit,
                on_error=hc.on_error, maxconn=be.maxconn, maxqueue=be.maxqueue,
            )  # fmt: skip
        except HAProxyRuntimeError as exc:
            if not self._may_fall_back:
                raise
            self._table.mode = "slots"
            self._journal.emit("fallback", be.name, rep, detail=f"add server refused "
                               f"({exc.message}); using spare slots from now on",
                               level=logging.WARNING)  # fmt: skip
            raise
        srv = Server(be.name, rep, rep, host, port, "dynamic", since=time.monotonic())
        self._ready(be, srv)
        self._cmd().enable_server(be.name, rep)
        be.active[rep] = srv
        self._journal.replica_routed_at.setdefault(rep, time.time())
        self._changed("add", be, srv, f"{host}:{port} maxconn {be.maxconn}")

    def _fill_slot(self, be: Backend, rep: str, host: str, port: int) -> None:
        slot = be.free_slots.pop(0)
        srv = Server(be.name, slot, rep, host, port, "slot", since=time.monotonic())
        try:
            self._cmd().set_server_addr(be.name, slot, host, port)
            if be.maxconn is not None:
                self._cmd().set_maxconn_server(be.name, slot, be.maxconn)
            self._ready(be, srv)
            self._cmd().set_server_state(be.name, slot, "ready")
        except BaseException:
            be.free_slots.insert(0, slot)
            raise
        be.active[rep] = srv
        self._journal.replica_routed_at.setdefault(rep, time.time())
        self._changed("fill", be, srv, f"({host}:{port})")

    # -- leaving servers

    def progress_leaving(self) -> None:
        """Move every leaving server on a step (one ``show stat``, when there are any)."""
        if not any(be.leaving for be in self._table.backends.values()):
            return
        try:
            rows: dict[tuple[str, str], StatRow] = {
                (r.pxname, r.svname): r for r in self._cli.show_stat() if r.is_server
            }
        except RUNTIME_ERRORS as exc:
            self._journal.emit("runtime-error", detail=f"show stat: {exc}", level=logging.WARNING)
            return
        now = time.monotonic()
        for be in self._table.backends.values():
            for name, srv in list(be.leaving.items()):
                row = rows.get((be.name, name))
                if row is None:  # gone already
                    del be.leaving[name]
                    continue
                try:
                    self._progress(be, srv, row, now)
                except RUNTIME_ERRORS as exc:
                    self._journal.emit("runtime-error", be.name, name, detail=str(exc),
                                       level=logging.WARNING)  # fmt: skip

    def _progress(self, be: Backend, srv: Server, row: StatRow, now: float) -> None:
        """Move one leaving server on: drain -> maint (empty or timed out) -> gone."""
        busy = (row.scur or 0) + (row.qcur or 0)
        waited = now - srv.since
        if srv.phase == "draining":
            if busy and waited <= self._drain_timeout:
                return
            self._cmd().set_server_state(be.name, srv.name, "maint")
            srv.phase, srv.since = "maint", now
            detail = f"drain timeout, {busy} session(s) left" if busy else "drained"
            self._journal.emit("maint", be.name, srv.name, srv.replica, detail)
            if busy:
                return  # let them finish, up to another drain_timeout
            waited = 0.0
        if busy and waited <= self._drain_timeout:
            return
        if srv.kind == "slot":
            with contextlib.suppress(HAProxyRuntimeError):
                self._cmd().disable_health(be.name, srv.name)
            self._cmd().set_server_addr(be.name, srv.name, *PARKED_ADDR)
            del be.leaving[srv.name]
            be.free_slots.append(srv.name)
            self._table.write_slots()
            self._journal.emit("release", be.name, srv.name, srv.replica, "slot back in the pool")
        elif self._table.mode == "dynamic":
            try:
                with contextlib.suppress(HAProxyRuntimeError):
                    self._cmd().disable_health(be.name, srv.name)
                self._cmd().del_server(be.name, srv.name)
            except HAProxyRuntimeError as exc:
                if now - srv.since <= self._drain_timeout:
                    return  # connections still attached: retry at the next tick
                del be.leaving[srv.name]
                be.parked.append(srv.name)
                self._journal.emit(
                    "park",
                    be.name,
                    srv.name,
                    srv.replica,
                    f"left in maintenance: {exc.message}",
                    level=logging.WARNING,
                )
                return
            del be.leaving[srv.name]
            self._journal.emit("delete", be.name, srv.name, srv.replica)
        else:  # a file server in slot mode: it goes at the next reload
            del be.leaving[srv.name]
            be.parked.append(srv.name)
            self._journal.emit("park", be.name, srv.name, srv.replica,
                               "in maintenance until a reload")  # fmt: skip
