"""What the syncer did: one :class:`SyncEvent` and one log line per action, and its counters."""

from __future__ import annotations

import collections
import logging
import time

import attrs

__all__ = ["Journal", "SyncEvent"]


@attrs.frozen
class SyncEvent:
    """One action of the syncer (also logged as one line).

    ``action``: ``start``, ``restart``, ``reload``, ``add``, ``fill``, ``readdr``,
    ``return``, ``drain``, ``maint``, ``delete``, ``release``, ``park``,
    ``discovery-error``, ``start-failed``, ``reload-failed``, ``check-failed``,
    ``runtime-error``, ``fallback``, ``died``, ``stop``.
    """

    time: float
    action: str
    backend: str = ""
    server: str = ""
    replica: str = ""
    detail: str = ""


class Journal:
    """The syncer's record, shared by its parts: the last 10,000 events, the counters
    and when each replica was first seen and first routed.

    :meth:`emit` keeps an event and logs its line on ``logger``.
    """

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self.events: collections.deque[SyncEvent] = collections.deque(maxlen=10000)
        self.count = 0
        """Events emitted so far (the deque keeps the last 10,000)."""
        self.reloads = 0
        self.starts = 0
        self.restarts = 0
        self.runtime_changes = 0
        self.runtime_commands = 0
        self.discovery_failures = 0
        self.check_failures = 0
        self.replica_seen_at: dict[str, float] = {}
        self.replica_routed_at: dict[str, float] = {}

    def emit(
        self,
        action: str,
        backend: str = "",
        server: str = "",
        replica: str = "",
        detail: str = "",
        level: int = logging.INFO,
    ) -> None:
        """Keep one event and log it as one line."""
        self.events.append(SyncEvent(time.time(), action, backend, server, replica, detail))
        self.count += 1
        where = f"{backend}/{server}" if backend else ""
        parts = [action, where, f"<- {replica}" if replica and replica != server else "", detail]
        self.logger.log(level, " ".join(p for p in parts if p))

    def since(self, count: int) -> list[SyncEvent]:
        """The events emitted after the first ``count`` (those the deque still keeps)."""
        new = min(self.count - count, len(self.events))
        return list(self.events)[len(self.events) - new :] if new else []
