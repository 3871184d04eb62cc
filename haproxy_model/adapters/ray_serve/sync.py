"""Keep a standalone HAProxy in step with a live Ray Serve instance, reloading rarely.

:class:`Syncer` runs one HAProxy beside Ray (master-worker mode, ``haproxy -W
-S <workdir>/master.sock -f <workdir>/haproxy.cfg``; the stats socket
``<workdir>/admin.sock`` has ``level admin expose-fd listeners``) and polls
:func:`~.discovery.discover`:

* first run: :func:`~.build.build_config` for the snapshot and the policy,
  ``haproxy -c``, atomic write, start;
* **replica membership only** (replicas started, stopped, moved): applied
  through the runtime API, no reload, no new process;
* **anything else** (an application or route prefix added or removed, a
  ``max_ongoing_requests`` that changes a server ``maxconn``, a new
  :class:`~.policy.Policy` via :meth:`Syncer.set_policy`, spare slots used
  up): a new file, ``haproxy -c``, atomic write, then a hitless ``reload``
  through the master CLI (the master hands the listening sockets to the new
  worker; the old worker finishes its requests). During that overlap each
  worker applies its own per-server ``maxconn``, so a replica may briefly see
  twice its limit;
* HAProxy gone (killed, crashed): started again from the last snapshot;
* discovery failing (Ray or the Serve controller restarting): retried with
  exponential backoff up to ``max_backoff``; HAProxy keeps routing to the
  last known replicas meanwhile.

Every action is logged on the ``haproxy_model.adapters.ray_serve.sync`` logger,
one line each, and counted: :attr:`Syncer.reloads`, :attr:`Syncer.starts`,
:attr:`Syncer.restarts`, :attr:`Syncer.runtime_changes`,
:attr:`Syncer.discovery_failures`; :attr:`Syncer.events` keeps them as data.

Membership through the runtime API, two ways (``membership=``):

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

After every runtime change the file on disk is rewritten (atomically) to hold
the current replicas, so a manual reload comes up right. It is not re-checked
then (``haproxy -c`` costs ~0.15 s; only server lines from the same builder
differ); every start and reload checks its file before using it.

Replica addresses: Ray reports the node IP; replicas on this process's Ray
node are reached on ``local_address`` (``127.0.0.1``) instead, as Ray's own
HAProxy does, because replicas bind Serve's ``http_options.host`` (loopback by
default outside HAProxy mode). Start Ray with ``RAY_SERVE_ENABLE_DIRECT_INGRESS=1``
(or ``RAY_SERVE_ENABLE_HA_PROXY=1``) so ingress replicas have listeners.

Cost: each tick asks the controller for the replica targets only (one call);
the full snapshot is fetched when they change and every
``full_discovery_interval`` seconds (for route or setting changes).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from pathlib import Path
from typing import Literal

import attrs

from haproxy_model import haproxy as hx
from haproxy_model.errors import InvalidValue, OperationFailed
from haproxy_model.files import write_text_atomic
from haproxy_model.runtime import HAProxyRuntimeError, RuntimeClient, StatRow

from .backoff import Backoff
from .desired import desired_servers, routed
from .journal import Journal, SyncEvent
from .policy import Policy
from .render_check import ConfigFile
from .snapshot import ServeSnapshot
from .supervise import RUNTIME_ERRORS, HAProxyProcess, SyncError
from .watch import RayWatch

__all__ = [
    "DYNAMIC_ALGORITHMS",
    "SyncError",
    "SyncEvent",
    "Syncer",
    "membership_mode",
]

logger = logging.getLogger(__name__)

Membership = Literal["auto", "dynamic", "slots"]
ServerKind = Literal["static", "dynamic", "slot"]
ServerPhase = Literal["active", "draining", "maint"]

DYNAMIC_ALGORITHMS = frozenset({"roundrobin", "leastconn", "first", "random"})
"""``balance`` algorithms whose backends accept ``add server`` (management guide)."""

PARKED_ADDR = ("127.0.0.1", 1)
"""Where a free slot points (nothing listens on port 1)."""

_SOCKET_MAX = 100  # sun_path is 108 bytes on Linux; keep a margin


@attrs.define
class _Server:
    backend: str
    name: str  # the HAProxy server name
    replica: str  # Ray's server name for the replica it holds
    host: str
    port: int
    kind: ServerKind
    phase: ServerPhase = "active"
    since: float = 0.0


@attrs.define
class _Backend:
    name: str
    maxconn: int | None
    maxqueue: int | None
    active: dict[str, _Server] = attrs.field(factory=dict)  # by replica
    leaving: dict[str, _Server] = attrs.field(factory=dict)  # by HAProxy server name
    free_slots: list[str] = attrs.field(factory=list)
    parked: list[str] = attrs.field(factory=list)


def membership_mode(policy: Policy, membership: Membership = "auto") -> Literal["dynamic", "slots"]:
    """The membership mode ``membership`` resolves to under ``policy``."""
    if membership == "auto":
        balance = policy.balance or "roundrobin"  # HAProxy's default
        algorithm = re.split(r"[\s(]", balance.strip(), maxsplit=1)[0]
        return "dynamic" if algorithm in DYNAMIC_ALGORITHMS else "slots"
    if membership not in ("dynamic", "slots"):
        raise InvalidValue(f"membership must be 'auto', 'dynamic' or 'slots', got {membership!r}")
    return membership


class Syncer:
    """Run HAProxy beside Ray Serve and keep it in step (see the module documentation).

    ``workdir`` holds ``haproxy.cfg``, ``admin.sock``, ``master.sock``,
    ``haproxy.log`` and (slot mode) ``slots.json``; keep its path short (Unix
    socket paths are limited to about 100 bytes). ``bind`` is the routing
    frontend's ``host:port``; ``stats_port`` (``None``: none) serves ``/stats``
    and ``/metrics``. ``applications`` limits routing to those names.

    ``discover_fn`` replaces :func:`~.discovery.discover` (it must return a
    :class:`ServeSnapshot`); ``probe_fn`` returns a cheap fingerprint of the
    replica set (default: the controller's replica targets; ``None`` with a
    custom ``discover_fn``: discover at every tick).

    Call :meth:`run_once` repeatedly, or :meth:`run` in a thread; :meth:`close`
    (or leaving the ``with`` block) stops HAProxy.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        workdir: str | os.PathLike[str],
        haproxy_binary: str | os.PathLike[str] | None = None,
        bind: str = "127.0.0.1:8000",
        stats_port: int | None = 8404,
        spare_slots: int = 4,
        interval: float = 0.2,
        membership: Membership = "auto",
        applications: Iterable[str] | None = None,
        discover_fn: Callable[[], ServeSnapshot] | None = None,
        probe_fn: Callable[[], Hashable] | None = None,
        full_discovery_interval: float = 2.0,
        local_address: str | None = "127.0.0.1",
        drain_timeout: float = 30.0,
        max_backoff: float = 5.0,
        ready_timeout: float = 15.0,
        prometheus: bool = True,
    ) -> None:
        if spare_slots < 0:
            raise InvalidValue(f"spare_slots must be >= 0, got {spare_slots}")
        if interval <= 0:
            raise InvalidValue(f"interval must be > 0, got {interval}")
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.workdir / "haproxy.cfg"
        self.admin_socket = self.workdir / "admin.sock"
        self.master_socket = self.workdir / "master.sock"
        self.log_path = self.workdir / "haproxy.log"
        self.slots_path = self.workdir / "slots.json"
        if len(str(self.master_socket)) > _SOCKET_MAX:
            raise InvalidValue(f"workdir {self.workdir} is too long for Unix socket paths")
        self.binary = hx.find(haproxy_binary)
        self.policy = policy
        self.membership: Membership = membership
        self._mode = membership_mode(policy, membership)
        self.bind = bind
        self.stats_port = stats_port
        self.spare_slots = spare_slots
        self.interval = interval
        self.applications = None if applications is None else frozenset(applications)
        self.full_discovery_interval = full_discovery_interval
        self.local_address = local_address
        self.drain_timeout = drain_timeout
        self.max_backoff = max_backoff
        self.ready_timeout = ready_timeout
        self.prometheus = prometheus
        self._journal = Journal(logger)
        self._watch = RayWatch(
            self._journal, discover_fn=discover_fn, probe_fn=probe_fn,
            applications=self.applications, local_address=local_address,
            full_discovery_interval=full_discovery_interval, interval=interval,
            max_backoff=max_backoff,
        )  # fmt: skip
        self._config = ConfigFile(
            self._journal, binary=self.binary, workdir=self.workdir, path=self.config_path,
            admin_socket=self.admin_socket, bind=bind, stats_port=stats_port,
            prometheus=prometheus,
        )  # fmt: skip

        # -- state
        self._backends: dict[str, _Backend] = {}
        self._applied_key: str | None = None
        self._applied_policy: Policy | None = None
        self._rejected_key: str | None = None
        self._resync = False
        self._policy_pending = False
        self._spare = spare_slots
        self._start_backoff = Backoff(first=interval, most=max_backoff)
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._closed = False
        self._cli = RuntimeClient(self.admin_socket, timeout=3.0)
        self._haproxy = HAProxyProcess(
            self._journal, binary=self.binary, workdir=self.workdir,
            config_path=self.config_path, master_socket=self.master_socket,
            log_path=self.log_path, ready_timeout=ready_timeout, cli=self._cli,
            master=RuntimeClient(self.master_socket, master=True, timeout=3.0),
        )  # fmt: skip
        atexit.register(self.close)

    # ------------------------------------------------------------------ public

    def __enter__(self) -> Syncer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<Syncer {self.workdir} mode={self._mode} pid={self.pid} reloads={self.reloads} "
            f"runtime_changes={self.runtime_changes}>"
        )

    @property
    def mode(self) -> Literal["dynamic", "slots"]:
        """The membership mode in effect (``"auto"`` resolved)."""
        return self._mode

    @property
    def pid(self) -> int | None:
        """PID of the HAProxy master process, if one is running."""
        return self._haproxy.pid

    @property
    def snapshot(self) -> ServeSnapshot | None:
        """The last snapshot discovered (replica hosts localised)."""
        return self._watch.snapshot

    # -- what happened (read by tests and the demo)

    @property
    def events(self) -> collections.deque[SyncEvent]:
        """The last 10,000 actions, oldest first."""
        return self._journal.events

    @property
    def reloads(self) -> int:
        """Hitless reloads done."""
        return self._journal.reloads

    @property
    def starts(self) -> int:
        """HAProxy starts, restarts included."""
        return self._journal.starts

    @property
    def restarts(self) -> int:
        """HAProxy starts after the first."""
        return self._journal.restarts

    @property
    def runtime_changes(self) -> int:
        """Servers changed through the runtime API."""
        return self._journal.runtime_changes

    @property
    def runtime_commands(self) -> int:
        """Runtime API commands sent to change servers or rate limits."""
        return self._journal.runtime_commands

    @property
    def discovery_failures(self) -> int:
        """Failed discoveries."""
        return self._journal.discovery_failures

    @property
    def check_failures(self) -> int:
        """Files ``haproxy -c`` rejected."""
        return self._journal.check_failures

    @property
    def replica_seen_at(self) -> dict[str, float]:
        """Wall-clock time each replica was first discovered RUNNING with a listener."""
        return self._journal.replica_seen_at

    @property
    def replica_routed_at(self) -> dict[str, float]:
        """Wall-clock time each replica became a ready server in HAProxy."""
        return self._journal.replica_routed_at

    def client(self, *, timeout: float = 3.0) -> RuntimeClient:
        """A runtime API client on the admin socket (of the current worker)."""
        return RuntimeClient(self.admin_socket, timeout=timeout)

    def servers(self) -> dict[str, dict[str, str]]:
        """``{backend: {replica server name: HAProxy server name}}`` of the ready servers."""
        with self._lock:
            return {
                be.name: {rep: srv.name for rep, srv in be.active.items()}
                for be in self._backends.values()
            }

    def leaving(self) -> dict[str, list[str]]:
        """``{backend: [HAProxy server name, ...]}`` still draining or awaiting removal."""
        with self._lock:
            return {be.name: sorted(be.leaving) for be in self._backends.values()}

    def slot_map(self) -> dict[str, dict[str, str]]:
        """``{backend: {slot name: replica server name}}`` of the filled slots."""
        with self._lock:
            return {
                be.name: {
                    srv.name: rep for rep, srv in sorted(be.active.items()) if srv.kind == "slot"
                }
                for be in self._backends.values()
            }

    def set_policy(self, policy: Policy) -> None:
        """Use ``policy`` from the next tick on (a reload, when it changes the file)."""
        with self._lock:
            self.policy = policy
            self._policy_pending = True
            mode = membership_mode(policy, self.membership)
            if mode != self._mode:
                self._mode = mode
                self._resync = True

    def run(self, stop_event: threading.Event) -> None:
        """Call :meth:`run_once` every ``interval`` seconds until ``stop_event``; then close.

        With the default discovery, a thread also waits on the Serve controller's
        long poll for the ingress deployments' replicas and starts a tick as soon
        as they change, so a new replica is routed within milliseconds of being
        RUNNING rather than at the next poll.
        """
        watcher = None
        if self._watch.long_polls:
            watcher = threading.Thread(
                target=self._watch.follow, args=(stop_event, self._wake, lambda: self._closed),
                name="ray-serve-long-poll", daemon=True,
            )  # fmt: skip
            watcher.start()
        try:
            while not stop_event.is_set():
                try:
                    self.run_once()
                except Exception:  # a bug, not an expected failure: keep HAProxy served
                    logger.exception("sync tick failed")
                self._wake.wait(self.interval)
                self._wake.clear()
        finally:
            self._wake.set()
            self.close()
            if watcher is not None:
                watcher.join(5.0)

    def run_once(self) -> list[SyncEvent]:
        """One tick: discover, then start, reload or apply runtime changes. Returns its events."""
        with self._lock:
            if self._closed:
                raise OperationFailed("Syncer is closed")
            before = self._journal.count
            self._tick()
            return self._journal.since(before)

    def close(self) -> None:
        """Stop HAProxy (master and workers). Safe to call more than once."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            atexit.unregister(self.close)
            self._backends = {}
            self._haproxy.stop()

    # ------------------------------------------------------------------ the tick

    def _tick(self) -> None:
        now = time.monotonic()
        fresh = self._watch.poll(now)
        snapshot = self._watch.snapshot
        if not self._haproxy.running:
            code = self._haproxy.exit_code
            if code is not None and self._backends:
                self._journal.emit("died", detail=f"HAProxy master exited with code {code}",
                                   level=logging.WARNING)  # fmt: skip
                self._backends = {}
            if snapshot is not None and self._start_backoff.ready(now):
                self._start(snapshot, restart=self.starts > 0)
            return
        if snapshot is None:
            return
        if fresh is not None or self._resync or self._policy_pending:
            self._policy_pending = False
            self._converge(snapshot)
        if any(be.leaving for be in self._backends.values()):
            self._progress_leaving()

    # -- the servers HAProxy has

    def _spare_for_build(self) -> int:
        return self._spare if self._mode == "slots" else 0

    def _adopt(self, snapshot: ServeSnapshot, key: str) -> None:
        """The state HAProxy has right after loading the file built from ``snapshot``."""
        backends: dict[str, _Backend] = {}
        stamp = time.time()
        spare = self._spare_for_build()
        for app in routed(snapshot):
            ingress = app.ingress
            be = _Backend(
                name=app.backend_name,
                maxconn=self.policy.server_maxconn(ingress) if ingress is not None else None,
                maxqueue=self.policy.maxqueue,
            )
            for rep, (host, port) in desired_servers(snapshot).get(app.backend_name, {}).items():
                be.active[rep] = _Server(app.backend_name, rep, rep, host, port, "static")
                self._journal.replica_routed_at.setdefault(rep, stamp)
            be.free_slots = [f"slot{i}" for i in range(1, spare + 1)]
            backends[be.name] = be
        self._backends = backends
        self._applied_key = key
        self._applied_policy = self.policy
        self._rejected_key = None
        self._resync = False
        self._write_slots()

    # -- process control

    def _start(self, snapshot: ServeSnapshot, *, restart: bool) -> None:
        key = self._config.structure_key(snapshot, self.policy, self._mode)
        if not self._config.prepare(snapshot, self.policy, self._spare_for_build(), "start"):
            self._start_failed("configuration rejected")
            return
        try:
            master, worker = self._haproxy.start()
        except SyncError as exc:
            self._start_failed(str(exc))
            return
        self._adopt(snapshot, key)
        self._start_backoff.succeeded()
        self._journal.starts += 1
        if restart:
            self._journal.restarts += 1
        servers = sum(len(be.active) for be in self._backends.values())
        self._journal.emit("restart" if restart else "start",
                           detail=f"HAProxy {self.binary.version} master {master} worker "
                           f"{worker}, {len(self._backends)} backend(s), {servers} server(s), "
                           f"mode {self._mode}")  # fmt: skip

    def _start_failed(self, why: str) -> None:
        wait = self._start_backoff.failed(time.monotonic())
        self._journal.emit("start-failed", detail=f"{why}; retry in {wait:.1f}s",
                           level=logging.ERROR)  # fmt: skip

    def _reload(self, snapshot: ServeSnapshot, key: str, reason: str) -> None:
        if not self._config.prepare(snapshot, self.policy, self._spare_for_build(),
                                    f"reload ({reason})"):  # fmt: skip
            self._rejected_key = key
            self._resync = False
            return
        try:
            worker = self._haproxy.reload()
        except (*RUNTIME_ERRORS, SyncError) as exc:
            self._resync = True
            self._journal.emit("reload-failed", detail=f"{reason}: {exc}", level=logging.ERROR)
            return
        self._adopt(snapshot, key)
        self._journal.reloads += 1
        servers = sum(len(be.active) for be in self._backends.values())
        self._journal.emit("reload", detail=f"#{self.reloads} ({reason}): worker {worker}, "
                           f"{len(self._backends)} backend(s), {servers} server(s)")  # fmt: skip

    # -- converging

    def _converge(self, snapshot: ServeSnapshot) -> None:
        key = self._config.structure_key(snapshot, self.policy, self._mode)
        if self._resync:
            self._reload(snapshot, key, "resync after an error")
            return
        if key != self._applied_key and key != self._rejected_key:
            if self._applied_policy != self.policy:
                reason = "policy changed"
            else:
                reason = "applications, routes or server settings changed"
            self._reload(snapshot, key, reason)
            return
        desired = desired_servers(snapshot)
        if self._mode == "slots":
            step = self._slots_short(desired)
            if step:  # a step this size fits in the slots from now on
                self._spare = max(self._spare, step)
                reason = f"spare slots exhausted ({step} new replicas); {self._spare} per backend"
                self._reload(snapshot, key, reason)
                return
        try:
            changed = self._apply_membership(desired)
        except RUNTIME_ERRORS as exc:
            self._resync = True
            self._journal.emit("runtime-error", detail=f"{type(exc).__name__}: {exc}; "
                               "reloading next", level=logging.ERROR)  # fmt: skip
            return
        if changed:
            self._apply_rates()
            self._write_slots()
            self._config.refresh(snapshot, self.policy, self._spare_for_build())

    def _slots_short(self, desired: Mapping[str, Mapping[str, tuple[str, int]]]) -> int:
        """0 if every backend has a free slot per new replica, else the largest step."""
        step, short = 0, False
        for be in self._backends.values():
            want = desired.get(be.name, {})
            returning = {s.replica for s in be.leaving.values()}
            new = [r for r in want if r not in be.active and r not in returning]
            step = max(step, len(new))
            short = short or len(new) > len(be.free_slots)
        return step if short else 0

    def _cmd(self) -> RuntimeClient:
        self._journal.runtime_commands += 1
        return self._cli

    def _apply_membership(self, desired: Mapping[str, Mapping[str, tuple[str, int]]]) -> bool:
        changed = False
        for be in self._backends.values():
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
                elif self._mode == "dynamic":
                    self._add_dynamic(be, rep, host, port)
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

    def _changed(self, action: str, be: _Backend, srv: _Server, detail: str) -> None:
        self._journal.runtime_changes += 1
        self._journal.emit(action, be.name, srv.name, srv.replica, detail)

    def _ready(self, be: _Backend, srv: _Server) -> None:
        self._cmd().set_server_health(be.name, srv.name, "up")  # Ray lists RUNNING replicas
        self._cmd().enable_health(be.name, srv.name)

    def _add_dynamic(self, be: _Backend, rep: str, host: str, port: int) -> None:
        hc = self.policy.check_tuning()
        try:
            self._cmd().add_server(
                be.name, rep, host, port,
                check=True, inter=hc.inter, fastinter=hc.fastinter, downinter=hc.downinter,
                rise=hc.rise, fall=hc.fall, observe=hc.observe, error_limit=hc.error_limit,
                on_error=hc.on_error, maxconn=be.maxconn, maxqueue=be.maxqueue,
            )  # fmt: skip
        except HAProxyRuntimeError as exc:
            if self.membership != "auto":
                raise
            self._mode = "slots"
            self._journal.emit("fallback", be.name, rep, detail=f"add server refused "
                               f"({exc.message}); using spare slots from now on",
                               level=logging.WARNING)  # fmt: skip
            raise
        srv = _Server(be.name, rep, rep, host, port, "dynamic", since=time.monotonic())
        self._ready(be, srv)
        self._cmd().enable_server(be.name, rep)
        be.active[rep] = srv
        self._journal.replica_routed_at.setdefault(rep, time.time())
        self._changed("add", be, srv, f"{host}:{port} maxconn {be.maxconn}")

    def _fill_slot(self, be: _Backend, rep: str, host: str, port: int) -> None:
        slot = be.free_slots.pop(0)
        srv = _Server(be.name, slot, rep, host, port, "slot", since=time.monotonic())
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

    def _apply_rates(self) -> None:
        total = sum(len(be.active) for be in self._backends.values())
        for rate, kind in ((self.policy.maxconnrate, "connections"),
                           (self.policy.maxsessrate, "sessions")):  # fmt: skip
            if rate is not None and rate.per_replica is not None:
                try:
                    self._cmd().execute(f"set rate-limit {kind} global {rate.resolve(total)}")
                except RUNTIME_ERRORS as exc:
                    self._journal.emit("runtime-error", detail=f"set rate-limit {kind}: {exc}",
                                       level=logging.WARNING)  # fmt: skip

    def _progress_leaving(self) -> None:
        try:
            rows: dict[tuple[str, str], StatRow] = {
                (r.pxname, r.svname): r for r in self._cli.show_stat() if r.is_server
            }
        except RUNTIME_ERRORS as exc:
            self._journal.emit("runtime-error", detail=f"show stat: {exc}", level=logging.WARNING)
            return
        now = time.monotonic()
        for be in self._backends.values():
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

    def _progress(self, be: _Backend, srv: _Server, row: StatRow, now: float) -> None:
        """Move one leaving server on: drain -> maint (empty or timed out) -> gone."""
        busy = (row.scur or 0) + (row.qcur or 0)
        waited = now - srv.since
        if srv.phase == "draining":
            if busy and waited <= self.drain_timeout:
                return
            self._cmd().set_server_state(be.name, srv.name, "maint")
            srv.phase, srv.since = "maint", now
            detail = f"drain timeout, {busy} session(s) left" if busy else "drained"
            self._journal.emit("maint", be.name, srv.name, srv.replica, detail)
            if busy:
                return  # let them finish, up to another drain_timeout
            waited = 0.0
        if busy and waited <= self.drain_timeout:
            return
        if srv.kind == "slot":
            with contextlib.suppress(HAProxyRuntimeError):
                self._cmd().disable_health(be.name, srv.name)
            self._cmd().set_server_addr(be.name, srv.name, *PARKED_ADDR)
            del be.leaving[srv.name]
            be.free_slots.append(srv.name)
            self._write_slots()
            self._journal.emit("release", be.name, srv.name, srv.replica, "slot back in the pool")
        elif self._mode == "dynamic":
            try:
                with contextlib.suppress(HAProxyRuntimeError):
                    self._cmd().disable_health(be.name, srv.name)
                self._cmd().del_server(be.name, srv.name)
            except HAProxyRuntimeError as exc:
                if now - srv.since <= self.drain_timeout:
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

    def _write_slots(self) -> None:
        if self._mode != "slots":
            return
        data = json.dumps(self.slot_map(), indent=2, sort_keys=True) + "\n"
        write_text_atomic(self.slots_path, data)
