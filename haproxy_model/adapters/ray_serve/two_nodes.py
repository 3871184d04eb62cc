"""Two Ray nodes on one machine in Ray's HAProxy mode, and a node killed under load
(for the multi-node tests and the churn benchmark; needs the ``ray`` extra).

Both nodes run Ray's own HAProxy through the haproxy-model wrapper. Ray puts each
node's HAProxy files under its node id, but both would bind Ray's fixed ports, so
the worker node gets its own ``RAY_SERVE_HAPROXY_STATS_PORT``,
``RAY_SERVE_HAPROXY_METRICS_PORT`` and ``RAY_SERVE_WORKER_PROXY_HTTP_PORT`` (its
raylet's environment, which its HAProxy inherits). The app has one replica per
node (``max_replicas_per_node=1``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from haproxy_model._net import free_port
from haproxy_model.io.runtime import RuntimeClient

from . import demo
from .policy import Policy
from .sync import Syncer
from .wrapper import install_wrapper

__all__ = ["APP", "DEPLOYMENT", "NodeKill", "TwoNodes", "kill_node_under_load", "two_nodes"]

APP, DEPLOYMENT, PREFIX = "spread", "Spread", "/s"
MAX_ONGOING = 6


@attrs.frozen
class TwoNodes:
    """A running two-node cluster: its head address, the worker node, the HTTP ports
    of each node's HAProxy and the folder Ray's HAProxy files are under."""

    cluster: Any
    worker: Any
    address: str
    http_port: int
    worker_http_port: int
    folder: Path


@contextlib.contextmanager
def two_nodes(folder: Path, policy_file: Path) -> Iterator[TwoNodes]:
    """Start the cluster (dashboard on, the wrapper with ``policy_file`` as both nodes'
    HAProxy) and the app with a replica on each node; stop everything on exit."""
    import ray
    from ray import serve
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        raise RuntimeError("Ray is already initialised in this process")
    wrapper = install_wrapper(folder / "ray-haproxy", policy=policy_file)
    dashboard = free_port()
    env = demo.haproxy_mode_env(folder, metrics=True)
    env.update({
        "RAY_SERVE_HAPROXY_BINARY_PATH": str(wrapper),
        "RAY_DASHBOARD_ADDRESS": f"127.0.0.1:{dashboard}",
    })  # fmt: skip
    worker_ports = {
        "RAY_SERVE_HAPROXY_STATS_PORT": str(free_port()),
        "RAY_SERVE_HAPROXY_METRICS_PORT": str(free_port()),
        "RAY_SERVE_WORKER_PROXY_HTTP_PORT": str(free_port()),
    }
    saved = {k: os.environ.get(k) for k in [*env, "HAPROXY_MODEL_MAX_ONGOING_REQUESTS"]}
    os.environ.update(env)
    os.environ.pop("HAPROXY_MODEL_MAX_ONGOING_REQUESTS", None)  # Ray's dashboard says it
    nodes: Any = None
    try:
        nodes = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": 2, "include_dashboard": True,
                            "dashboard_host": "127.0.0.1", "dashboard_port": dashboard},
        )  # fmt: skip
        worker = nodes.add_node(num_cpus=2, env_vars=worker_ports)
        ray.init(address=nodes.address, log_to_driver=False)
        http_port = free_port()
        serve.start(http_options={"host": "0.0.0.0", "port": http_port})
        app = demo.SlowEcho.options(  # type: ignore[attr-defined]
            name=DEPLOYMENT, num_replicas=2, max_replicas_per_node=1,
            max_ongoing_requests=MAX_ONGOING,
        )  # fmt: skip
        serve.run(app.bind(), name=APP, route_prefix=PREFIX, blocking=False)
        demo.wait_for(lambda: len(demo.running_replicas(APP)) == 2, 120, "2 replicas", poll=0.5)
        yield TwoNodes(
            cluster=nodes,
            worker=worker,
            address=nodes.address,
            http_port=http_port,
            worker_http_port=int(worker_ports["RAY_SERVE_WORKER_PROXY_HTTP_PORT"]),
            folder=folder,
        )
    finally:
        with contextlib.suppress(Exception):
            serve.shutdown()  # type: ignore[no-untyped-call]
        ray.shutdown()
        if nodes is not None:
            nodes.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@attrs.frozen
class NodeKill:
    """What the load saw around the kill of the worker node."""

    before: dict[int, int]
    during: dict[int, int]
    after: dict[int, int]
    failed_in_flight: int
    failed_later: int
    down_after_s: float
    reloads: int

    def summary(self) -> str:
        """One line for a report or a table."""
        return (
            f"before {self.before}, kill -> server down ({self.down_after_s:.2f}s) "
            f"{self.during}, after {self.after}; failed {self.failed_in_flight} in flight "
            f"at the kill, {self.failed_later} later; reloads {self.reloads}"
        )


def _up_servers(admin_socket: str | os.PathLike[str], backend: str) -> int:
    rows = RuntimeClient(admin_socket, timeout=5).show_stat()
    return sum(1 for r in rows if r.pxname == backend and r.svname not in ("FRONTEND", "BACKEND")
               and r.fields["status"].startswith("UP"))  # fmt: skip


def kill_node_under_load(nodes: TwoNodes, workdir: Path, *, concurrency: int = 4) -> NodeKill:
    """A standalone HAProxy (:class:`Syncer`, beside the head) under a bounded load; the
    worker node is killed; the load goes on 3 s after HAProxy marks its server down."""
    policy = Policy.from_mapping(
        {"retries": 3, "retry_on": "conn-failure empty-response", "timeouts": {"queue": "30s"}}
    )
    port = free_port()
    sy = Syncer(policy, workdir=workdir, bind=f"127.0.0.1:{port}", stats_port=free_port(),
                interval=0.2, applications=[APP])  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=sy.run, args=(stop,), daemon=True)
    thread.start()
    backend = f"http-{APP}"
    try:
        demo.wait_for(lambda: len(sy.servers().get(backend, {})) == 2, 60, "2 servers", poll=0.2)
        reloads = sy.reloads
        with demo.Load("127.0.0.1", port, concurrency=concurrency, path=f"{PREFIX}?delay=0.3",
                       max_seconds=60, max_requests=3000, min_interval=0.02) as load:  # fmt: skip
            time.sleep(2.0)
            killed = time.time()
            nodes.cluster.remove_node(nodes.worker, allow_graceful=False)
            demo.wait_for(lambda: _up_servers(sy.admin_socket, backend) == 1, 30,
                          "the dead node's server down", poll=0.05)  # fmt: skip
            marked = time.time()
            time.sleep(3.0)
        results = load.stop()
        failed = [r for r in results if r.status != 200]
        return NodeKill(
            before=demo.by_status([r for r in results if r.ended < killed]),
            during=demo.by_status(
                [r for r in results if killed <= r.ended and r.started <= marked]
            ),
            after=demo.by_status([r for r in results if r.started > marked]),
            failed_in_flight=sum(1 for r in failed if r.started < killed),
            failed_later=sum(1 for r in failed if r.started >= killed),
            down_after_s=marked - killed,
            reloads=sy.reloads - reloads,
        )
    finally:
        stop.set()
        thread.join(15)
        sy.close()
