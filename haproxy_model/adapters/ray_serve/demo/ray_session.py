"""A local Ray with Serve for the demo, the tests and the benchmark: starting it,
deploying and rescaling the demo app, and waiting for it.

Scaling goes through Serve's declarative config (``deploy_apps`` of a
``ServeDeploySchema``, the API behind ``serve deploy``): changing
``num_replicas`` there is a light update that keeps the running replicas.
``serve.run`` would not do: it gives the deployment a new random code version
at every call (``ray/serve/_private/client.py``), so every replica is replaced.
Only the loopback interface is used unless asked otherwise.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar, cast

from ray import serve

from haproxy_model._net import free_port

from .serve_app import APP, DEPLOYMENT, IMPORT_PATH, ROUTE_PREFIX

__all__ = [
    "RAY_ENV",
    "deploy",
    "haproxy_mode_env",
    "ray_serve_session",
    "running_replicas",
    "wait_for",
]

T = TypeVar("T")

RAY_ENV = {
    "RAY_SERVE_ENABLE_DIRECT_INGRESS": "1",  # replicas get their own HTTP listener
    "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S": "0.5",  # default 30 s
    "RAY_USAGE_STATS_ENABLED": "0",
}


def haproxy_mode_env(folder: str | os.PathLike[str], *, metrics: bool = False) -> dict[str, str]:
    """:data:`RAY_ENV` plus Ray Serve's own HAProxy mode with every file it writes in
    ``folder`` and its stats, metrics and fallback-proxy ports on free ports, so a run
    collides with nothing (Ray's defaults are ``/tmp/haproxy-serve`` and fixed ports).
    ``metrics`` keeps Ray's per-request metrics log (off: one socket less)."""
    f = os.fspath(folder)
    env = dict(RAY_ENV)
    env.update({
        "RAY_SERVE_ENABLE_HA_PROXY": "1",
        "RAY_SERVE_HAPROXY_CONFIG_FILE_LOC": f"{f}/haproxy.cfg",
        "RAY_SERVE_HAPROXY_SOCKET_PATH": f"{f}/admin.sock",
        "RAY_SERVE_HAPROXY_SERVER_STATE_BASE": f,
        "RAY_SERVE_HAPROXY_SERVER_STATE_FILE": f"{f}/server-state",
        "RAY_SERVE_HAPROXY_METRICS_SOCKET_PATH": f"{f}/metrics.sock",
        "RAY_SERVE_HAPROXY_STATS_PORT": str(free_port()),
        "RAY_SERVE_HAPROXY_METRICS_PORT": str(free_port()),
        "RAY_SERVE_FALLBACK_PROXY_HTTP_PORT": str(free_port()),
    })  # fmt: skip
    if not metrics:
        env["RAY_SERVE_HAPROXY_METRICS_ENABLED"] = "0"
    return env


@contextlib.contextmanager
def ray_serve_session(
    *,
    env: Mapping[str, str] | None = None,
    num_cpus: int = 2,
    http_host: str = "127.0.0.1",
    dashboard_port: int | None = None,
) -> Iterator[int]:
    """Start a local Ray and Serve (HTTP on ``http_host`` and a free port); yield that port.

    ``env`` (default :data:`RAY_ENV`) is set before ``ray.init`` so every Ray
    process inherits it, and restored afterwards. With ``dashboard_port`` Ray's
    dashboard (and its REST API) listens on that port of 127.0.0.1. Serve and
    Ray are shut down on exit, whatever happens.
    """
    import ray

    if ray.is_initialized():
        raise RuntimeError("Ray is already initialised in this process")
    values = dict(RAY_ENV if env is None else env)
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        ray.init(
            address="local",
            num_cpus=num_cpus,
            include_dashboard=dashboard_port is not None,
            dashboard_host="127.0.0.1",
            dashboard_port=dashboard_port,
            log_to_driver=False,
            configure_logging=False,
        )
        try:
            port = free_port()
            serve.start(http_options={"host": http_host, "port": port})
            yield port
        finally:
            try:
                serve.shutdown()  # type: ignore[no-untyped-call]
            finally:
                ray.shutdown()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def deploy(
    num_replicas: int,
    *,
    proxy_port: int,
    name: str = APP,
    route_prefix: str = ROUTE_PREFIX,
    http_host: str = "127.0.0.1",
) -> None:
    """Deploy (or rescale) the demo app through Serve's declarative config; returns at once.

    Uses the client behind ``serve deploy`` (a private accessor, demo only):
    only ``num_replicas`` changes between calls, so Serve keeps the running
    replicas and adds or stops the difference.
    """
    from ray.serve.context import _get_global_client
    from ray.serve.schema import ServeDeploySchema

    config = ServeDeploySchema.model_validate(
        {
            "http_options": {"host": http_host, "port": proxy_port},
            "applications": [
                {
                    "name": name,
                    "route_prefix": route_prefix,
                    "import_path": IMPORT_PATH,
                    "deployments": [{"name": DEPLOYMENT, "num_replicas": num_replicas}],
                }
            ],
        }
    )
    client = _get_global_client()
    if client is None:
        raise RuntimeError("Serve is not started; call serve.start() first")
    client.deploy_apps(config)


def running_replicas(name: str = APP) -> list[str]:
    """Ids of the RUNNING ingress replicas with a listener (via discovery)."""
    from ..discovery import discover

    snap = discover(applications=[name])
    if not snap.applications:
        return []
    ingress = snap.application(name).ingress
    if ingress is None:
        return []
    return sorted(r.replica_id for r in ingress.running_replicas if r.port is not None)


def wait_for(predicate: Callable[[], T], timeout: float, what: str, *, poll: float = 0.1) -> T:
    """Poll ``predicate`` until it returns something truthy; ``TimeoutError`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = predicate()
        except Exception as exc:  # e.g. Serve still starting
            last = exc
        else:
            if last:
                return cast(T, last)
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")
        time.sleep(poll)
