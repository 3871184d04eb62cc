"""The demo of a real Ray Serve app behind a :class:`~.sync.Syncer`-run HAProxy, and
its helpers (shared with the tests and the churn benchmark; not in the wheel).

``python -m haproxy_model.adapters.ray_serve.demo`` (or ``bash scripts/demo.sh``)
runs :mod:`.run`. The helpers:

* :mod:`.serve_app`: the Serve app ``demo`` (``SlowEcho``) and its policy;
* :mod:`.ray_session`: a local Ray with Serve (:func:`ray_serve_session`),
  :func:`deploy` / rescale, :func:`running_replicas`, :func:`wait_for`;
* :mod:`.load`: :func:`get`, :func:`burst`, :class:`Load`, :func:`by_status`,
  :func:`first_served`;
* :mod:`.samplers`: :class:`StatSampler` (``show stat``) and
  :class:`RunningWatcher` (when each replica is first RUNNING).
"""

from __future__ import annotations

from haproxy_model._net import free_port

from .load import Load, Result, burst, by_status, first_served, get
from .ray_session import (
    RAY_ENV,
    deploy,
    haproxy_mode_env,
    ray_serve_session,
    running_replicas,
    wait_for,
)
from .run import main, run_demo
from .samplers import RunningWatcher, Sampler, StatSampler
from .serve_app import (
    APP,
    BACKEND,
    DELAY_S,
    DEPLOYMENT,
    IMPORT_PATH,
    MAX_ONGOING,
    ROUTE_PREFIX,
    SlowEcho,
    app,
    demo_policy,
)

__all__ = [
    "APP",
    "BACKEND",
    "DELAY_S",
    "DEPLOYMENT",
    "IMPORT_PATH",
    "MAX_ONGOING",
    "RAY_ENV",
    "ROUTE_PREFIX",
    "Load",
    "Result",
    "RunningWatcher",
    "Sampler",
    "SlowEcho",
    "StatSampler",
    "app",
    "burst",
    "by_status",
    "demo_policy",
    "deploy",
    "first_served",
    "free_port",
    "get",
    "haproxy_mode_env",
    "main",
    "ray_serve_session",
    "run_demo",
    "running_replicas",
    "wait_for",
]
