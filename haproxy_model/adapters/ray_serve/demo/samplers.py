"""Background samplers: HAProxy's ``show stat`` of one backend, and when each
replica is first RUNNING (the controller's long-poll push)."""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Iterable
from typing import TypeVar

from .._ray_private import TargetsLongPoll
from ..sync import Syncer
from .serve_app import APP, DEPLOYMENT

__all__ = ["RunningWatcher", "Sampler", "StatSampler"]

S = TypeVar("S", bound="Sampler")


class Sampler:
    """A daemon thread that calls :meth:`sample` until its ``with`` block ends.

    Between samples it waits :meth:`pause` (``period`` s by default); errors of
    one sample are ignored (the next one tries again).
    """

    def __init__(self, *, period: float, name: str) -> None:
        self.period = period
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self: S) -> S:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def sample(self) -> None:
        """Take one sample."""
        raise NotImplementedError

    def pause(self) -> None:
        """Wait until the next sample is due."""
        self._stop.wait(self.period)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.sample()
                self.samples += 1
            self.pause()


class StatSampler(Sampler):
    """Samples ``show stat`` of one backend every ``period`` s.

    ``peak_scur[server]``, ``slim[server]`` and ``peak_qcur`` (the backend's
    queue) are the highest values seen.
    """

    def __init__(self, syncer: Syncer, backend: str, *, period: float = 0.05) -> None:
        super().__init__(period=period, name="stat-sampler")
        self.client = syncer.client(timeout=2.0)
        self.backend = backend
        self.peak_scur: dict[str, int] = collections.defaultdict(int)
        self.slim: dict[str, int | None] = {}
        self.peak_qcur = 0

    def sample(self) -> None:
        """One ``show stat``."""
        for row in self.client.show_stat(self.backend):
            if row.is_server:
                self.peak_scur[row.svname] = max(self.peak_scur[row.svname], row.scur or 0)
                self.slim[row.svname] = row.slim
            elif row.is_backend:
                self.peak_qcur = max(self.peak_qcur, row.qcur or 0)


class RunningWatcher(Sampler):
    """Records when each replica is first RUNNING with a listener.

    Waits on the controller's long poll for the deployments' replicas (the
    push Serve's own routers get) and reads the replica targets (what HAProxy
    mode routes to) the moment it fires, and every ``period`` s anyway:
    ``seen[replica id]`` is the wall-clock time the controller's notification
    arrived, within a few milliseconds of the replica becoming RUNNING.
    """

    def __init__(
        self, deployments: Iterable[tuple[str, str]] = ((APP, DEPLOYMENT),), *, period: float = 0.5
    ) -> None:
        super().__init__(period=period, name="running-watcher")
        self.deployments = frozenset(deployments)
        self.seen: dict[str, float] = {}
        self._woke = time.time()
        self._poll: TargetsLongPoll | None = None

    def sample(self) -> None:
        """Stamp the replicas listed now with the time the wait ended."""
        from .. import _ray_private

        for target in _ray_private.replica_targets(5.0):
            self.seen.setdefault(target.actor_name.rsplit("#", 1)[-1], self._woke)

    def pause(self) -> None:
        """The long poll, at most ``period`` s."""
        try:
            if self._poll is None:
                self._poll = TargetsLongPoll()
            self._poll.wait(self.deployments, self.period)
        except Exception:
            self._poll = None
            self._stop.wait(self.period)
        self._woke = time.time()
