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

import glob
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import haproxy_model as hm
from haproxy_model.io.runtime import RuntimeClient

POLICY_YAML = "server:\n  maxconn: {ratio: 0.5}\ntimeouts: {queue: 30s}\n"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    pytest.importorskip("ray")
    from haproxy_model.adapters.ray_serve.two_nodes import two_nodes

    tmp = Path(tempfile.mkdtemp(prefix="rmn-"))  # short: unix socket paths
    (tmp / "policy.yaml").write_text(POLICY_YAML)
    try:
        with two_nodes(tmp, tmp / "policy.yaml") as nodes:
            yield nodes
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _replica_slims(sock: str) -> list[str]:
    from haproxy_model.adapters.ray_serve.two_nodes import APP

    rows = RuntimeClient(sock, timeout=5).show_stat()
    return [r.fields["slim"] for r in rows
            if r.pxname == f"http-{APP}" and r.svname.startswith("SERVE_REPLICA_")]  # fmt: skip


@pytest.mark.slow
def test_every_nodes_haproxy_is_patched(cluster: Any) -> None:
    """Two HAProxies (one per node), each listing both replicas with maxconn 3
    (0.5 x max_ongoing_requests 6, from Ray's dashboard: none given by hand)."""
    from haproxy_model.adapters.ray_serve import demo
    from haproxy_model.adapters.ray_serve.two_nodes import APP, PREFIX

    tmp: Path = cluster.folder
    socks = demo.wait_for(lambda: sorted(glob.glob(f"{tmp}/*/admin.sock"))
                          if len(glob.glob(f"{tmp}/*/admin.sock")) == 2 else None,
                          120, "an HAProxy admin socket per node", poll=0.5)  # fmt: skip
    for sock in socks:
        slims = demo.wait_for(
            lambda s=sock: _replica_slims(s) if len(_replica_slims(s)) == 2 else None,
            120, f"2 replica servers in {sock}", poll=0.5,
        )  # fmt: skip
        logs = "".join(Path(p).read_text() for p in glob.glob(f"{sock}.*.std*.log"))
        assert slims == ["3", "3"], logs
        cfg = hm.load(Path(sock).with_name("haproxy.cfg"))
        servers = [s for s in cfg.backends[f"http-{APP}"].servers.values() if not s.backup]
        assert [s.maxconn for s in servers] == [3, 3]
        assert "ERROR" not in logs
    # both nodes' HAProxies answer, each on its own port
    for port in (cluster.http_port, cluster.worker_http_port):
        result = demo.get("127.0.0.1", port, f"{PREFIX}?delay=0")
        assert result.status == 200, (port, result)


@pytest.mark.slow
def test_generate_lists_the_replicas_of_both_nodes(cluster: Any) -> None:
    from haproxy_model.adapters.ray_serve.two_nodes import APP, MAX_ONGOING

    policy = cluster.folder / "policy.yaml"
    sock = cluster.folder / "gen-admin.sock"
    out = subprocess.run(
        [sys.executable, "-m", "haproxy_model", "ray-serve", "generate", "--policy",
         str(policy), "--address", cluster.address, "--stats-socket", str(sock)],
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
def test_worker_node_killed_under_load(cluster: Any, report: Callable[[str], None]) -> None:
    """The standalone HAProxy (beside the head) under a bounded load; the worker node is
    killed: only requests in flight on its replica may fail, and once HAProxy marks its
    server down every request succeeds again, with no reload."""
    from haproxy_model.adapters.ray_serve.two_nodes import kill_node_under_load

    workdir = Path(tempfile.mkdtemp(prefix="rmn-sync-"))
    try:
        kill = kill_node_under_load(cluster, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(f"worker node killed under load: {kill.summary()}")
    assert kill.before and sum(kill.after.values()) >= 8
    assert set(kill.before) == {200} and set(kill.after) == {200}
    assert kill.failed_later == 0  # only requests in flight on the dead node may fail
    assert kill.failed_in_flight <= 4  # one per client at most
    assert kill.reloads == 0 and kill.down_after_s < 10
