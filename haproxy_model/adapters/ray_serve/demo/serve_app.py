"""The demo's Serve app, ``demo``: ``SlowEcho`` replicas that answer after a delay,
and the policy HAProxy runs it under.

Ray imports the app from :data:`IMPORT_PATH` (Serve's declarative config).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from ray import serve

from ..policy import Policy, ServerMaxconn, Timeouts
from ..snapshot import backend_name

__all__ = [
    "APP",
    "BACKEND",
    "DELAY_S",
    "DEPLOYMENT",
    "IMPORT_PATH",
    "MAX_ONGOING",
    "ROUTE_PREFIX",
    "SlowEcho",
    "app",
    "demo_policy",
]

APP = "demo"
DEPLOYMENT = "SlowEcho"
ROUTE_PREFIX = "/"
IMPORT_PATH = "haproxy_model.adapters.ray_serve.demo.serve_app:app"
MAX_ONGOING = 2
DELAY_S = 0.5
BACKEND = backend_name(APP)


@serve.deployment(
    name=DEPLOYMENT,
    num_replicas=2,
    max_ongoing_requests=MAX_ONGOING,
    ray_actor_options={"num_cpus": 0.25},
    graceful_shutdown_wait_loop_s=0.2,
    graceful_shutdown_timeout_s=5,
)
class SlowEcho:
    """Answers ``{"replica", "started", "ready_at"}`` after ``?delay=`` s (default 0.5)."""

    def __init__(self) -> None:
        self.replica = str(serve.get_replica_context().replica_id.unique_id)
        self.ready_at = time.time()

    async def __call__(self, request: Any) -> dict[str, Any]:
        started = time.time()
        delay = min(max(float(request.query_params.get("delay", DELAY_S)), 0.0), 10.0)
        await asyncio.sleep(delay)
        return {"replica": self.replica, "started": started, "ready_at": self.ready_at}


app: Any = cast(Any, SlowEcho).bind()  # what IMPORT_PATH names


def demo_policy() -> Policy:
    """``maxconn`` = ``max_ongoing_requests`` per server; requests wait in HAProxy's queue."""
    return Policy(
        timeouts=Timeouts(
            connect="2s",
            client="60s",
            server="60s",
            queue="30s",
            http_request="10s",
            http_keep_alive="10s",
        ),
        retries=3,
        retry_on=("conn-failure", "empty-response"),
        server_maxconn_rule=ServerMaxconn(ratio=1.0),
    )
