"""Operations on a running HAProxy: ``plan`` (what can apply live, what needs a reload)
and ``drift`` (the running state against the file)."""

from __future__ import annotations

from haproxy_model.ops.plan import Plan, ReloadStep, RuntimeStep, plan

__all__ = ["Plan", "ReloadStep", "RuntimeStep", "plan"]
