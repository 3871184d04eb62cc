"""A Ray cluster of two nodes on one machine (``ray.cluster_utils.Cluster``), replicas
spread over both (``max_replicas_per_node=1``), in Ray's own HAProxy mode with the
wrapper: every node's HAProxy is patched for every replica it lists, with
``max_ongoing_requests`` from Ray's dashboard. The standalone mode (``discover`` and
the ``Syncer``) lists the replicas of both nodes, and keeps serving when the node that
does not run it is killed under load.

Two HAProxies on one machine: Ray puts each node's files under its own node id, but
both would bind Ray's fixed ports, so the worker node is started with its own
``RAY_SERVE_HAPROXY_STATS_PORT``, ``RAY_SERVE_HAPROXY_METRICS_PORT`` and
``RAY_SERVE_WORKER_PROXY_HTTP_PORT`` (its raylet's environment, which its HAProxy
inherits).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import haproxy_model as hm
from haproxy_model._net import free_port
from haproxy_model.adapters.ray_serve import Policy, Syncer, install_wrapper
from haproxy_model.runtime import RuntimeClient

APP, DEPLOYMENT, PREFIX = "spread", "Spread", "/s"
MAX_ONGOING = 6
POLICY_YAML = "server:\n  maxconn: {ratio: 0.5}\ntimeouts: {queue: 30s}\n"


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, Any]]:
    ray = pytest.importorskip("ray")
    from ray import serve
    from ray.cluster_utils import Cluster

    from haproxy_model.adapters.ray_serve import demo

    if ray.is_initialized():
        pytest.skip("Ray is already initialised in this process")
    tmp = Path(tempfile.mkdtemp(prefix="rmn-"))  # short: unix socket paths
    (tmp / "policy.yaml").write_text(POLICY_YAML)
    wrapper = install_wrapper(tmp / "ray-haproxy", policy=tmp / "policy.yaml")
    dashboard = free_port()
    env = demo.haproxy_mode_env(tmp, metrics=True)
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
    os.environ.pop("HAPROXY_MODEL_MAX_ONGOING_REQUESTS", None)
    nodes: Cluster | None = None
    try:
        nodes = Cluster(
            initialize_head=True,
            head_node_args={
                "num_cpus": 2,
                "include_dashboard": True,
                "dashboard_host": "127.0.0.1",
                "dashboard_port": dashboard,
            },
        )
        worker = nodes.add_node(num_cpus=2, env_vars=worker_ports)
        ray.init(address=nodes.address, log_to_driver=False)
        http_port = free_port()
        serve.start(http_options={"host": "0.0.0.0", "port": http_port})

        @serve.deployment(
            name=DEPLOYMENT,
            num_replicas=2,
            max_replicas_per_node=1,
            max_ongoing_requests=MAX_ONGOING,
            ray_actor_options={"num_cpus": 0.25},
            graceful_shutdown_wait_loop_s=0.2,
            graceful_shutdown_timeout_s=1,
        )
        class Spread:
            async def __call__(self, request: Any) -> dict[str, str]:
                import asyncio

                import ray as ray_

                await asyncio.sleep(float(request.query_params.get("delay", "0.3")))
                return {"node": ray_.get_runtime_context().get_node_id()}

        serve.run(Spread.bind(), name=APP, route_prefix=PREFIX, blocking=False)
        demo.wait_for(lambda: len(demo.running_replicas(APP)) == 2, 120, "2 replicas", poll=0.5)
        yield {
            "tmp": tmp,
            "cluster": nodes,
            "worker": worker,
            "http_port": http_port,
            "worker_http_port": int(worker_ports["RAY_SERVE_WORKER_PROXY_HTTP_PORT"]),
            "address": nodes.address,
        }
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
        shutil.rmtree(tmp, ignore_errors=True)


def _wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (OSError, RuntimeError, ValueError, KeyError, IndexError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def _replica_slims(sock: str) -> list[str]:
    rows = RuntimeClient(sock, timeout=5).show_stat()
    return [r.fields["slim"] for r in rows
            if r.pxname == f"http-{APP}" and r.svname.startswith("SERVE_REPLICA_")]  # fmt: skip


@pytest.mark.slow
def test_every_nodes_haproxy_is_patched(cluster: dict[str, Any]) -> None:
    """Two HAProxies (one per node), each listing both replicas with maxconn 3
    (0.5 x max_ongoing_requests 6, from Ray's dashboard: none given by hand)."""
    tmp: Path = cluster["tmp"]
    socks = _wait(lambda: sorted(glob.glob(f"{tmp}/*/admin.sock"))
                  if len(glob.glob(f"{tmp}/*/admin.sock")) == 2 else None,
                  120, "an HAProxy admin socket per node")  # fmt: skip
    for sock in socks:
        slims = _wait(lambda s=sock: _replica_slims(s) if len(_replica_slims(s)) == 2 else None,
                      120, f"2 replica servers in {sock}")  # fmt: skip
        logs = "".join(Path(p).read_text() for p in glob.glob(f"{sock}.*.std*.log"))
        assert slims == ["3", "3"], logs
        cfg = hm.load(Path(sock).with_name("haproxy.cfg"))
        servers = [s for s in cfg.backends[f"http-{APP}"].servers.values() if not s.backup]
        assert [s.maxconn for s in servers] == [3, 3]
        assert "ERROR" not in logs
    # both nodes' HAProxies answer, each on its own port
    from haproxy_model.adapters.ray_serve import demo

    for port in (cluster["http_port"], cluster["worker_http_port"]):
        result = demo.get("127.0.0.1", port, f"{PREFIX}?delay=0")
        assert result.status == 200, (port, result)


@pytest.mark.slow
def test_generate_lists_the_replicas_of_both_nodes(cluster: dict[str, Any]) -> None:
    policy = cluster["tmp"] / "policy.yaml"
    sock = cluster["tmp"] / "gen-admin.sock"
    out = subprocess.run(
        [sys.executable, "-m", "haproxy_model", "ray-serve", "generate", "--policy",
         str(policy), "--address", cluster["address"], "--stats-socket", str(sock)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    cfg = hm.parse(out.stdout)
    servers = list(cfg.backends[f"http-{APP}"].servers.values())
    assert len(servers) == 2 and {s.maxconn for s in servers} == {MAX_ONGOING // 2}
    assert f"stats socket {sock} mode 600 level admin" in out.stdout
    result = hm.haproxy.run_check(cfg)
    assert result.returncode == 0 and result.valid, result.output


@pytest.mark.slow
def test_worker_node_killed_under_load(
    cluster: dict[str, Any], report: Callable[[str], None]
) -> None:
    """The standalone HAProxy (beside the head) under a bounded load; the worker node is
    killed: only requests in flight on its replica may fail, and once HAProxy marks its
    server down every request succeeds again, with no reload."""
    from haproxy_model.adapters.ray_serve import demo

    policy = Policy.from_mapping(
        {"retries": 3, "retry_on": "conn-failure empty-response", "timeouts": {"queue": "30s"}}
    )
    folder = tempfile.mkdtemp(prefix="rmn-sync-")
    port = free_port()
    sy = Syncer(policy, workdir=folder, bind=f"127.0.0.1:{port}", stats_port=free_port(),
                interval=0.2, applications=[APP])  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=sy.run, args=(stop,), daemon=True)
    thread.start()
    backend = f"http-{APP}"
    try:
        _wait(lambda: len(sy.servers().get(backend, {})) == 2, 60, "2 servers (both nodes)")
        reloads = sy.reloads
        worker = cluster["worker"]
        with demo.Load("127.0.0.1", port, concurrency=4, path=f"{PREFIX}?delay=0.3",
                       max_seconds=60, max_requests=3000, min_interval=0.02) as load:  # fmt: skip
            time.sleep(2.0)
            killed = time.time()
            cluster["cluster"].remove_node(worker, allow_graceful=False)
            _wait(lambda: _down_or_gone(sy, backend), 30, "the dead node's server down")
            marked = time.time()
            time.sleep(3.0)
        results = load.stop()
        before = [r for r in results if r.ended < killed]
        during = [r for r in results if killed <= r.ended and r.started <= marked]
        after = [r for r in results if r.started > marked]
        failed = [r for r in results if r.status != 200]
        report(
            f"worker node killed under load: {len(results)} requests, before "
            f"{demo.by_status(before)}, kill -> server down ({marked - killed:.2f}s) "
            f"{demo.by_status(during)}, after {demo.by_status(after)}; failed {len(failed)} "
            f"(all in flight at the kill), reloads {sy.reloads - reloads}"
        )
        assert before and len(after) >= 8
        assert all(r.status == 200 for r in before + after)
        assert all(r.started < killed for r in failed), failed  # only those in flight
        assert len(failed) <= 4  # at most one in flight per client
        assert sy.reloads == reloads
    finally:
        stop.set()
        thread.join(15)
        sy.close()
        shutil.rmtree(folder, ignore_errors=True)


def _down_or_gone(sy: Syncer, backend: str) -> bool:
    """Whether HAProxy no longer routes to one of the two servers (DOWN, MAINT or removed)."""
    up = [r for r in RuntimeClient(sy.admin_socket, timeout=5).show_stat()
          if r.pxname == backend and r.svname not in ("FRONTEND", "BACKEND")
          and r.fields["status"].startswith("UP")]  # fmt: skip
    return len(up) == 1
