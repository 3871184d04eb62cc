"""Loading a new file into HAProxy: decide when the running one needs it, then start,
restart or hitlessly reload HAProxy with a checked file and adopt the servers it holds."""

from __future__ import annotations

import logging
import time

from .backoff import Backoff
from .journal import Journal
from .policy import Policy
from .render_check import ConfigFile
from .server_table import ServerTable
from .snapshot import ServeSnapshot
from .supervise import RUNTIME_ERRORS, HAProxyProcess, SyncError

__all__ = ["Reloader"]


class Reloader:
    """Starts and reloads ``haproxy`` with ``config`` files; remembers which structure
    (:meth:`~.render_check.ConfigFile.structure_key`) is loaded and which was rejected.

    Failed starts are retried with a backoff from ``interval`` up to ``max_backoff``.
    """

    def __init__(
        self,
        journal: Journal,
        config: ConfigFile,
        haproxy: HAProxyProcess,
        table: ServerTable,
        *,
        haproxy_version: str,
        interval: float,
        max_backoff: float,
    ) -> None:
        self._journal = journal
        self._config = config
        self._haproxy = haproxy
        self._table = table
        self._haproxy_version = haproxy_version
        self._start_backoff = Backoff(first=interval, most=max_backoff)
        self._applied_key: str | None = None
        self._applied_policy: Policy | None = None
        self._rejected_key: str | None = None
        self.resync = False
        """Reload at the next tick, whatever changed (after an error, or a new mode)."""

    def reason(self, key: str, policy: Policy) -> str | None:
        """Why the file with structure ``key`` under ``policy`` needs a reload, or ``None``
        (the same structure is loaded, or was rejected)."""
        if self.resync:
            return "resync after an error"
        if key == self._applied_key or key == self._rejected_key:
            return None
        if self._applied_policy != policy:
            return "policy changed"
        return "applications, routes or server settings changed"

    def revive(self, snapshot: ServeSnapshot | None, policy: Policy, now: float) -> None:
        """HAProxy is not running: note that it died, then start it with ``snapshot``
        once the start backoff allows."""
        code = self._haproxy.exit_code
        if code is not None and self._table.backends:
            self._journal.emit("died", detail=f"HAProxy master exited with code {code}",
                               level=logging.WARNING)  # fmt: skip
            self._table.forget()
        if snapshot is not None and self._start_backoff.ready(now):
            self._start(snapshot, policy, restart=self._journal.starts > 0)

    def reload(self, snapshot: ServeSnapshot, policy: Policy, key: str, reason: str) -> None:
        """Reload HAProxy with the file for ``snapshot`` (structure ``key``)."""
        if not self._config.prepare(snapshot, policy, self._table.spare_for_build(),
                                    f"reload ({reason})"):  # fmt: skip
            self._rejected_key = key
            self.resync = False
            return
        try:
            worker = self._haproxy.reload()
        except (*RUNTIME_ERRORS, SyncError) as exc:
            self.resync = True
            self._journal.emit("reload-failed", detail=f"{reason}: {exc}", level=logging.ERROR)
            return
        self._adopt(snapshot, policy, key)
        self._journal.reloads += 1
        self._journal.emit("reload", detail=f"#{self._journal.reloads} ({reason}): worker "
                           f"{worker}, {len(self._table.backends)} backend(s), "
                           f"{self._table.server_count()} server(s)")  # fmt: skip

    def _start(self, snapshot: ServeSnapshot, policy: Policy, *, restart: bool) -> None:
        key = self._config.structure_key(snapshot, policy, self._table.mode)
        if not self._config.prepare(snapshot, policy, self._table.spare_for_build(), "start"):
            self._start_failed("configuration rejected")
            return
        try:
            master, worker = self._haproxy.start()
        except SyncError as exc:
            self._start_failed(str(exc))
            return
        self._adopt(snapshot, policy, key)
        self._start_backoff.succeeded()
        self._journal.starts += 1
        if restart:
            self._journal.restarts += 1
        table = self._table
        self._journal.emit("restart" if restart else "start",
                           detail=f"HAProxy {self._haproxy_version} master {master} worker "
                           f"{worker}, {len(table.backends)} backend(s), "
                           f"{table.server_count()} server(s), mode {table.mode}")  # fmt: skip

    def _start_failed(self, why: str) -> None:
        wait = self._start_backoff.failed(time.monotonic())
        self._journal.emit("start-failed", detail=f"{why}; retry in {wait:.1f}s",
                           level=logging.ERROR)  # fmt: skip

    def _adopt(self, snapshot: ServeSnapshot, policy: Policy, key: str) -> None:
        self._table.adopt(snapshot, policy)
        self._applied_key = key
        self._applied_policy = policy
        self._rejected_key = None
        self.resync = False
        self._table.write_slots()
