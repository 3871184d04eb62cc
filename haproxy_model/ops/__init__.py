"""Operations on a running HAProxy: ``plan`` (what can apply live, what needs a reload),
``drift`` (the running state against the file; ``fold`` writes it back) and ``apply``
(check, plan, write, apply live or reload once, verify, roll back)."""

from __future__ import annotations

from haproxy_model.ops.apply import Applied, ApplyError, Step, apply
from haproxy_model.ops.drift import Drift, DriftItem, RuntimeUnavailable, drift
from haproxy_model.ops.fold import fold
from haproxy_model.ops.plan import Plan, ReloadStep, RuntimeStep, plan

__all__ = [
    "Applied",
    "ApplyError",
    "Drift",
    "DriftItem",
    "Plan",
    "ReloadStep",
    "RuntimeStep",
    "RuntimeUnavailable",
    "Step",
    "apply",
    "drift",
    "fold",
    "plan",
]
