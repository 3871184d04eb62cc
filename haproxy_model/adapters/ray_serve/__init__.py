"""Ray Serve adapter: snapshot a live Serve instance and describe an HAProxy policy.

Importing this package does not import Ray; only :func:`discover` needs it
(``pip install haproxy-model[ray]``).

* :func:`build_config`: a complete config for an HAProxy run beside Ray;
* :func:`patch_ray_config`: a policy applied in place to the file Ray wrote;
* :mod:`.wrapper` / :func:`install_wrapper`: an executable for
  ``RAY_SERVE_HAPROXY_BINARY_PATH`` that patches Ray's file before every
  (re)load and then execs the real HAProxy;
* :class:`Syncer`: runs a standalone HAProxy beside Ray and keeps it in step,
  replica changes through the runtime API, hitless reloads for the rest
  (``python -m haproxy_model.adapters.ray_serve.demo`` shows it end to end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .build import build_config
from .discovery import discover
from .patch import PatchError, PatchResult, patch_ray_config, patch_ray_config_report
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
from .sync import Syncer, SyncError, SyncEvent

if TYPE_CHECKING:
    from .wrapper import install_wrapper


def __getattr__(name: str) -> Any:
    # Imported on first use, so `python -m haproxy_model.adapters.ray_serve.wrapper`
    # does not find its module already imported (runpy's RuntimeWarning).
    if name == "install_wrapper":
        from .wrapper import install_wrapper

        return install_wrapper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Application",
    "Deployment",
    "HealthCheck",
    "PatchError",
    "PatchResult",
    "Policy",
    "PolicyError",
    "RateLimit",
    "Replica",
    "ServeSnapshot",
    "ServerMaxconn",
    "SyncError",
    "SyncEvent",
    "Syncer",
    "Timeouts",
    "backend_name",
    "build_config",
    "discover",
    "install_wrapper",
    "patch_ray_config",
    "patch_ray_config_report",
    "replica_actor_name",
    "safe_name",
    "server_name",
]
