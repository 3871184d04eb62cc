"""Watching Ray: the current Serve snapshot, polled cheaply, and the controller's long poll.

Replica addresses: Ray reports the node IP; replicas on this process's Ray
node are reached on ``local_address`` (``127.0.0.1``) instead, as Ray's own
HAProxy does, because replicas bind Serve's ``http_options.host`` (loopback by
default outside HAProxy mode). Start Ray with ``RAY_SERVE_ENABLE_DIRECT_INGRESS=1``
(or ``RAY_SERVE_ENABLE_HA_PROXY=1``) so ingress replicas have listeners.

Cost: each tick asks the controller for the replica targets only (one call);
the full snapshot is fetched when they change and every
``full_discovery_interval`` seconds (for route or setting changes). Failures
back off exponentially, up to ``max_backoff``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

import attrs

from .backoff import Backoff
from .desired import desired_servers, routed
from .journal import Journal
from .snapshot import ServeSnapshot

__all__ = ["RayWatch", "default_probe"]


def default_probe() -> Hashable:
    """Every replica listener, sorted (one controller call): a cheap fingerprint that
    :func:`~.discovery.with_targets` can also apply without a full discovery."""
    from . import _ray_private

    targets = _ray_private.replica_targets(10.0)
    return tuple(sorted(targets, key=lambda t: (t.app, t.actor_name, t.protocol, t.ip, t.port)))


class RayWatch:
    """The last Serve snapshot (replica hosts localised) and how to get a newer one.

    ``discover_fn`` replaces :func:`~.discovery.discover`; ``probe_fn`` returns a
    cheap fingerprint of the replica set (default: :func:`default_probe`; ``None``
    with a custom ``discover_fn``: discover at every poll). ``applications`` limits
    discovery to those names. Replicas on this process's Ray node are reached on
    ``local_address``.
    """

    def __init__(
        self,
        journal: Journal,
        *,
        discover_fn: Callable[[], ServeSnapshot] | None,
        probe_fn: Callable[[], Hashable] | None,
        applications: frozenset[str] | None,
        local_address: str | None,
        full_discovery_interval: float,
        interval: float,
        max_backoff: float,
    ) -> None:
        self._journal = journal
        self._applications = applications
        if discover_fn is None:
            self._discover_fn: Callable[[], ServeSnapshot] = self._ray_discover
            self._probe_fn: Callable[[], Hashable] | None = (
                default_probe if probe_fn is None else probe_fn
            )
        else:
            self._discover_fn = discover_fn
            self._probe_fn = probe_fn
        self._local_address = local_address
        self._full_discovery_interval = full_discovery_interval
        self._interval = interval
        self.snapshot: ServeSnapshot | None = None
        """The last snapshot discovered."""
        self._fingerprint: Hashable = None
        self._last_full = -1e9
        self._backoff = Backoff(first=interval, most=max_backoff)
        self._local: tuple[str | None, frozenset[str]] | None = None

    @property
    def long_polls(self) -> bool:
        """Whether :meth:`follow` can wait on the controller (the default discovery)."""
        return self._probe_fn is default_probe

    def poll(self, now: float) -> ServeSnapshot | None:
        """A new snapshot, also kept as :attr:`snapshot`, or ``None`` (unchanged, or
        discovery failed / backing off). Stamps the replicas seen for the first time."""
        fresh = self._poll(now)
        if fresh is not None:
            self.snapshot = fresh
            stamp = time.time()
            for servers in desired_servers(fresh).values():
                for rep in servers:
                    self._journal.replica_seen_at.setdefault(rep, stamp)
        return fresh

    def follow(
        self, stop_event: threading.Event, wake: threading.Event, closed: Callable[[], bool]
    ) -> None:
        """Set ``wake`` whenever the controller reports an ingress replica change, until
        ``stop_event`` or ``closed()``."""
        from ._ray_private import TargetsLongPoll

        poll = TargetsLongPoll()
        while not stop_event.is_set() and not closed():
            snapshot = self.snapshot
            watched = set()
            if snapshot is not None:
                watched = {(a.name, a.ingress_deployment) for a in routed(snapshot)
                           if a.ingress_deployment is not None}  # fmt: skip
            if not watched:
                stop_event.wait(self._interval)
                continue
            try:
                if poll.wait(watched, 0.5):
                    wake.set()
            except Exception as exc:  # Ray or the controller restarting: the poll goes on
                self._journal.logger.debug("long poll failed: %s: %s", type(exc).__name__, exc)
                poll = TargetsLongPoll()
                stop_event.wait(1.0)

    def _ray_discover(self) -> ServeSnapshot:
        from .discovery import discover

        return discover(applications=self._applications, timeout_s=10.0)

    def _poll(self, now: float) -> ServeSnapshot | None:
        if not self._backoff.ready(now):
            return None
        try:
            fingerprint: Hashable = None
            if self._probe_fn is not None:
                fingerprint = self._probe_fn()
                if (
                    self.snapshot is not None
                    and fingerprint == self._fingerprint
                    and now - self._last_full < self._full_discovery_interval
                ):
                    self._backoff.succeeded()
                    return None
            quick = self._apply_targets(fingerprint, now)
            if quick is not None:
                self._backoff.succeeded()
                self._fingerprint = fingerprint
                return quick
            snapshot = self._discover_fn()
            snapshot = self._localize(snapshot)
        except Exception as exc:
            self._journal.discovery_failures += 1
            wait = self._backoff.failed(now)
            self._journal.emit("discovery-error", detail=f"{type(exc).__name__}: {exc}; retry "
                               f"in {wait:.1f}s", level=logging.WARNING)  # fmt: skip
            return None
        self._backoff.succeeded()
        self._fingerprint = fingerprint
        self._last_full = now
        return snapshot

    def _apply_targets(self, fingerprint: Hashable, now: float) -> ServeSnapshot | None:
        """The last snapshot with the probe's replica listeners, when that is enough.

        Only for the default probe, and only between full discoveries (those
        still run every ``full_discovery_interval`` s for settings and routes).
        """
        if (
            self._probe_fn is not default_probe
            or self.snapshot is None
            or now - self._last_full >= self._full_discovery_interval
            or not isinstance(fingerprint, tuple)
        ):
            return None
        from .discovery import with_targets

        quick = with_targets(self.snapshot, fingerprint, applications=self._applications)
        return None if quick is None else self._localize(quick)

    def _local_identity(self) -> tuple[str | None, frozenset[str]]:
        if self._local is not None:
            return self._local
        import sys

        ray = sys.modules.get("ray")
        if ray is None or not ray.is_initialized():
            return None, frozenset()
        node_id = str(ray.get_runtime_context().get_node_id())
        ips = frozenset({str(ray.util.get_node_ip_address())})
        self._local = (node_id, ips)
        return self._local

    def _localize(self, snapshot: ServeSnapshot) -> ServeSnapshot:
        """Replicas on this Ray node are reached on ``local_address``."""
        if self._local_address is None:
            return snapshot
        node_id, ips = self._local_identity()
        if node_id is None and not ips:
            return snapshot
        local = self._local_address
        apps = []
        for app in snapshot.applications:
            deps = []
            for dep in app.deployments:
                reps = tuple(
                    attrs.evolve(r, host=local)
                    if r.host is not None and (r.node_id == node_id or r.host in ips)
                    else r
                    for r in dep.replicas
                )
                deps.append(attrs.evolve(dep, replicas=reps))
            apps.append(attrs.evolve(app, deployments=tuple(deps)))
        return attrs.evolve(snapshot, applications=tuple(apps))
