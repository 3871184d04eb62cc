"""Operations on a running HAProxy: ``plan`` (what can apply live, what needs a reload)
and ``drift`` (the running state against the file; ``fold`` writes it back)."""

from __future__ import annotations

from haproxy_model.ops.drift import Drift, DriftItem, RuntimeUnavailable, drift
from haproxy_model.ops.fold import fold
from haproxy_model.ops.plan import Plan, ReloadStep, RuntimeStep, plan

__all__ = [
    "Drift",
    "DriftItem",
    "Plan",
    "ReloadStep",
    "RuntimeStep",
    "RuntimeUnavailable",
    "drift",
    "fold",
    "plan",
]
