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

Replica membership goes through the runtime API in one of two modes
(``membership=``, details in :mod:`.runtime_apply`): ``"dynamic"`` adds and
deletes servers named after Ray's replicas (the default for the dynamic
``balance`` algorithms ``roundrobin``, ``leastconn``, ``first``, ``random``);
``"slots"`` points spare placeholder servers at them (hashing or ``static-rr``
algorithms), mapped in ``<workdir>/slots.json`` and :meth:`Syncer.slot_map`.
``"auto"`` also falls back from dynamic to slots (one reload) if HAProxy
refuses an ``add server``.

After every runtime change the file on disk is rewritten (atomically) to hold
the current replicas, so a manual reload comes up right. It is not re-checked
then (``haproxy -c`` costs ~0.15 s; only server lines from the same builder
differ); every start and reload checks its file before using it.

Replica addresses and the cost of each tick: see :mod:`.watch`.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Literal

from haproxy_model.base.errors import InvalidValue, OperationFailed
from haproxy_model.io import haproxy as hx
from haproxy_model.io.runtime import RuntimeClient

from .desired import desired_servers
from .journal import Journal, SyncEvent
from .policy import Policy
from .reload import Reloader
from .render_check import ConfigFile
from .runtime_apply import RuntimeApplier
from .server_table import DYNAMIC_ALGORITHMS, Membership, ServerTable, membership_mode
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

_SOCKET_MAX = 100  # sun_path is 108 bytes on Linux; keep a margin


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
        mode = membership_mode(policy, membership)
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

        # -- the parts, one job each, sharing one journal
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
        cli = RuntimeClient(self.admin_socket, timeout=3.0)
        self._haproxy = HAProxyProcess(
            self._journal, binary=self.binary, workdir=self.workdir,
            config_path=self.config_path, master_socket=self.master_socket,
            log_path=self.log_path, ready_timeout=ready_timeout, cli=cli,
            master=RuntimeClient(self.master_socket, master=True, timeout=3.0),
        )  # fmt: skip
        self._table = ServerTable(
            self._journal, mode=mode, spare_slots=spare_slots, slots_path=self.slots_path
        )
        self._runtime = RuntimeApplier(
            self._journal, self._table, cli, may_fall_back=membership == "auto",
            drain_timeout=drain_timeout,
        )  # fmt: skip
        self._reloader = Reloader(
            self._journal, self._config, self._haproxy, self._table,
            haproxy_version=self.binary.version, interval=interval, max_backoff=max_backoff,
        )  # fmt: skip
        self._policy_pending = False
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._closed = False
        atexit.register(self.close)

    # ------------------------------------------------------------------ public

    def __enter__(self) -> Syncer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<Syncer {self.workdir} mode={self.mode} pid={self.pid} reloads={self.reloads} "
            f"runtime_changes={self.runtime_changes}>"
        )

    @property
    def mode(self) -> Literal["dynamic", "slots"]:
        """The membership mode in effect (``"auto"`` resolved)."""
        return self._table.mode

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

    # -- HAProxy's servers

    def client(self, *, timeout: float = 3.0) -> RuntimeClient:
        """A runtime API client on the admin socket (of the current worker)."""
        return RuntimeClient(self.admin_socket, timeout=timeout)

    def servers(self) -> dict[str, dict[str, str]]:
        """``{backend: {replica server name: HAProxy server name}}`` of the ready servers."""
        with self._lock:
            return self._table.servers()

    def leaving(self) -> dict[str, list[str]]:
        """``{backend: [HAProxy server name, ...]}`` still draining or awaiting removal."""
        with self._lock:
            return self._table.leaving()

    def slot_map(self) -> dict[str, dict[str, str]]:
        """``{backend: {slot name: replica server name}}`` of the filled slots."""
        with self._lock:
            return self._table.slot_map()

    # -- running

    def set_policy(self, policy: Policy) -> None:
        """Use ``policy`` from the next tick on (a reload, when it changes the file)."""
        with self._lock:
            self.policy = policy
            self._policy_pending = True
            mode = membership_mode(policy, self.membership)
            if mode != self._table.mode:
                self._table.mode = mode
                self._reloader.resync = True

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
            self._table.forget()
            self._haproxy.stop()

    # ------------------------------------------------------------------ the tick

    def _tick(self) -> None:
        """Watch Ray; keep HAProxy running; converge; move leaving servers on."""
        now = time.monotonic()
        fresh = self._watch.poll(now)
        snapshot = self._watch.snapshot
        if not self._haproxy.running:
            self._reloader.revive(snapshot, self.policy, now)
            return
        if snapshot is None:
            return
        if fresh is not None or self._reloader.resync or self._policy_pending:
            self._policy_pending = False
            self._converge(snapshot)
        self._runtime.progress_leaving()

    def _converge(self, snapshot: ServeSnapshot) -> None:
        """Reload when the file's structure changed (or slots ran out), else apply the
        replica membership through the runtime API."""
        key = self._config.structure_key(snapshot, self.policy, self._table.mode)
        desired = desired_servers(snapshot)
        reason = self._reloader.reason(key, self.policy) or self._table.slots_exhausted(desired)
        if reason is not None:
            self._reloader.reload(snapshot, self.policy, key, reason)
            return
        try:
            changed = self._runtime.apply(desired, self.policy)
        except RUNTIME_ERRORS as exc:
            self._reloader.resync = True
            self._journal.emit("runtime-error", detail=f"{type(exc).__name__}: {exc}; "
                               "reloading next", level=logging.ERROR)  # fmt: skip
            return
        if changed:
            self._runtime.apply_rates(self.policy)
            self._table.write_slots()
            self._config.refresh(snapshot, self.policy, self._table.spare_for_build())
