"""Exponential backoff: how long to wait before trying a failed step again."""

from __future__ import annotations

import attrs

__all__ = ["Backoff"]


@attrs.define
class Backoff:
    """Doubling waits from ``first`` up to ``most`` seconds; :meth:`succeeded` resets.

    ``delay`` is the wait chosen at the last failure (0 after a success) and
    ``retry_at`` the moment (on the caller's clock) before which not to try again.
    """

    first: float
    most: float
    delay: float = 0.0
    retry_at: float = 0.0

    def failed(self, now: float) -> float:
        """Record a failure at ``now``; return the wait before the next try."""
        self.delay = min(self.most, max(self.first, self.delay * 2))
        self.retry_at = now + self.delay
        return self.delay

    def succeeded(self) -> None:
        """Record a success: the next failure waits ``first`` again."""
        self.delay = 0.0

    def ready(self, now: float) -> bool:
        """Whether the wait since the last failure is over at ``now``."""
        return now >= self.retry_at
