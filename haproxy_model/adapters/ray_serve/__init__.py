"""Ray Serve adapter: snapshot a live Serve instance and describe an HAProxy policy.

Importing this package does not import Ray; only :func:`discover` needs it
(``pip install haproxy-model[ray]``).
"""

from __future__ import annotations

from .discovery import discover
from .policy import HealthCheck, Policy, PolicyError, RateLimit, ServerMaxconn, Timeouts
from .snapshot import (
    Application,
    Deployment,
    Replica,
    ServeSnapshot,
    backend_name,
    replica_actor_name,
    safe_name,
    server_name,
)

__all__ = [
    "Application",
    "Deployment",
    "HealthCheck",
    "Policy",
    "PolicyError",
    "RateLimit",
    "Replica",
    "ServeSnapshot",
    "ServerMaxconn",
    "Timeouts",
    "backend_name",
    "discover",
    "replica_actor_name",
    "safe_name",
    "server_name",
]
