"""Ray Serve discovery: naming checked against Ray's own code, and a real Serve app.

The slow test starts a real local Ray (``address="local"``, 2 CPUs) in HAProxy
mode with every HAProxy file and port moved to a private temp dir / free
ports, so it cannot collide with another Ray or HAProxy on the machine.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from haproxy_model.adapters.ray_serve import (  # noqa: E402
    Application,
    Deployment,
    Replica,
    ServeSnapshot,
    backend_name,
    demo,
    discover,
    replica_actor_name,
    safe_name,
    server_name,
)
from haproxy_model.adapters.ray_serve._ray_private import (  # noqa: E402
    ReplicaTarget,
    check_ray_version,
)
from haproxy_model.adapters.ray_serve.discovery import (  # noqa: E402
    build_snapshot,
    with_targets,
)

APP, PREFIX, DEPLOYMENT, MOR, REPLICAS = "echo_app", "/echo", "Echo", 3, 2

NAMES = [
    ("default", "Echo", "blla6st9"),
    ("", "Echo", "abc"),
    ("my app", "Dep/1", "x"),
    ("a::b", "c#d", "e"),
    ("ünï", "dép", "r1"),
    ("a..b", "c--d", "e__f"),
    ("a!!!b", "c@%^d", "z"),
]


# ----------------------------------------------------------------- fast, against Ray's code


@pytest.mark.parametrize(("app", "deployment", "rid"), NAMES)
def test_server_name_matches_ray(app: str, deployment: str, rid: str) -> None:
    from ray.serve._private.common import DeploymentID, ReplicaID
    from ray.serve._private.haproxy import HAProxyManager

    full = ReplicaID(rid, deployment_id=DeploymentID(name=deployment, app_name=app))
    assert replica_actor_name(app, deployment, rid) == full.to_full_id_str()
    assert server_name(app, deployment, rid) == HAProxyManager.get_safe_name(full.to_full_id_str())
    assert backend_name(app) == HAProxyManager.get_safe_name(f"http-{app}")
    assert safe_name(f"x/{app}#y") == HAProxyManager.get_safe_name(f"x/{app}#y")


def test_server_name_example() -> None:
    assert server_name("default", "Echo", "blla6st9") == "SERVE_REPLICA_default-Echo-blla6st9"
    assert backend_name("default") == "http-default"


def test_ray_version_gate() -> None:
    assert check_ray_version() == ray.__version__
    for ok in ("2.55.0", "2.58.1", "2.60.0", "2.60.3rc1"):
        assert check_ray_version(ok) == ok
    for bad in ("2.54.9", "2.61.0", "3.0.0", "1.13.0", "3.0.0.dev0", "nightly"):
        with pytest.raises(RuntimeError, match=re.escape(repr(bad)) + "|" + re.escape(bad)):
            check_ray_version(bad)


def test_build_snapshot_from_plain_data() -> None:
    details: dict[str, Any] = {
        "applications": {
            "app": {
                "route_prefix": "/p",
                "deployment_topology": {"ingress_deployment": "In"},
                "deployments": {
                    "In": {
                        "deployment_config": {"max_ongoing_requests": 64,
                                              "max_queued_requests": -1},
                        "target_num_replicas": 2,
                        "replicas": [
                            {"replica_id": "b", "actor_name": "SERVE_REPLICA::app#In#b",
                             "state": "RUNNING", "node_id": "n", "node_ip": "10.0.0.2"},
                            {"replica_id": "a", "actor_name": "SERVE_REPLICA::app#In#a",
                             "state": "STARTING", "node_id": "n", "node_ip": "10.0.0.2"},
                        ],
                    },
                    "Model": {"deployment_config": {"max_ongoing_requests": 5,
                                                    "max_queued_requests": 10},
                              "replicas": []},
                },
            },
            "gone": {"route_prefix": None, "deployments": {}},
        }
    }  # fmt: skip
    statuses = {"app": ("RUNNING", {"In": "HEALTHY", "Model": "HEALTHY"}),
                "vanished": ("DELETING", {})}  # fmt: skip
    targets = [
        ReplicaTarget(
            app="app",
            route_prefix="/p",
            protocol="HTTP",
            actor_name="SERVE_REPLICA::app#In#b",
            ip="10.0.0.2",
            port=30001,
        )
    ]
    snap = build_snapshot(statuses, details, targets, "2.60.0")
    assert isinstance(snap, ServeSnapshot)
    (app,) = snap.applications
    assert (app.name, app.route_prefix, app.ingress_deployment) == ("app", "/p", "In")
    ingress = app.ingress
    assert ingress is not None and ingress.is_ingress and ingress.max_ongoing_requests == 64
    assert [r.replica_id for r in ingress.replicas] == ["a", "b"]
    assert [r.address for r in ingress.replicas] == [None, "10.0.0.2:30001"]
    assert [r.server_name for r in snap.ingress_replicas] == ["SERVE_REPLICA_app-In-b"]
    model = app.deployment("Model")
    assert (model.max_queued_requests, model.is_ingress, model.key) == (10, False, "app/Model")


def _target(
    name: str, port: int, *, app: str = "app", prefix: str = "/p", deployment: str = "In"
) -> ReplicaTarget:
    return ReplicaTarget(app=app, route_prefix=prefix, protocol="HTTP",
                         actor_name=f"SERVE_REPLICA::{app}#{deployment}#{name}", ip="10.0.0.2",
                         port=port)  # fmt: skip


def _one_app_snapshot() -> ServeSnapshot:
    replicas = (
        Replica(replica_id="a", deployment="In", app="app", state="STARTING", node_id="n"),
        Replica(replica_id="b", deployment="In", app="app", state="RUNNING", node_id="n",
                host="10.0.0.2", port=30001),
        Replica(replica_id="c", deployment="In", app="app", state="RUNNING", node_id="n",
                host="10.0.0.2", port=30002),
    )  # fmt: skip
    dep = Deployment(name="In", app="app", max_ongoing_requests=4, is_ingress=True,
                     replicas=replicas)  # fmt: skip
    app = Application(name="app", route_prefix="/p", ingress_deployment="In", deployments=(dep,))
    return ServeSnapshot(applications=(app,), ray_version="2.60.0")


def test_with_targets_replaces_the_running_replicas() -> None:
    snap = _one_app_snapshot()
    # c stopped, a became RUNNING with a listener, d is new
    new = with_targets(snap, [_target("a", 30003), _target("b", 30001), _target("d", 30004)])
    assert new is not None
    ingress = new.application("app").ingress
    assert ingress is not None
    assert [(r.replica_id, r.state, r.port) for r in ingress.replicas] == [
        ("a", "RUNNING", 30003), ("b", "RUNNING", 30001), ("d", "RUNNING", 30004)]  # fmt: skip
    assert ingress.replicas[0].node_id == "n" and ingress.replicas[2].node_id is None
    assert ingress.max_ongoing_requests == 4  # settings kept
    gone = with_targets(snap, [])
    assert gone is not None
    gone_ingress = gone.application("app").ingress
    assert gone_ingress is not None
    assert [(r.replica_id, r.state) for r in gone_ingress.replicas] == [("a", "STARTING")]


@pytest.mark.parametrize(
    "target",
    [
        _target("x", 1, app="other"),  # an application the snapshot does not have
        _target("x", 1, prefix="/q"),  # a changed route prefix
        _target("x", 1, deployment="Other"),  # not the ingress deployment
    ],
)
def test_with_targets_needs_full_discovery(target: ReplicaTarget) -> None:
    assert with_targets(_one_app_snapshot(), [target]) is None


def test_with_targets_ignores_filtered_applications() -> None:
    new = with_targets(_one_app_snapshot(), [_target("x", 1, app="other")], applications={"app"})
    assert new is not None


# ----------------------------------------------------------------- slow, real Serve


def _wait_for(predicate: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except RuntimeError as exc:  # e.g. ports not allocated yet
            last = exc
        else:
            if last:
                return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


@pytest.fixture(scope="module")
def serve_app() -> Iterator[Path]:
    """A real 2-replica Serve app in HAProxy mode; yields the HAProxy file dir."""
    from ray import serve

    if ray.is_initialized():
        pytest.skip("Ray is already initialised in this process")
    tmp = Path(tempfile.mkdtemp(prefix="rsd-"))  # short: unix socket paths

    @serve.deployment(
        num_replicas=REPLICAS,
        max_ongoing_requests=MOR,
        ray_actor_options={"num_cpus": 0.5},
        graceful_shutdown_wait_loop_s=0.2,
        graceful_shutdown_timeout_s=1,
    )
    class Echo:
        async def __call__(self, request: Any) -> str:
            return "hello"

    try:
        # HAProxy mode needs replicas reachable on the node IP, as Ray forces.
        with demo.ray_serve_session(env=demo.haproxy_mode_env(tmp), http_host="0.0.0.0"):
            serve.run(Echo.bind(), name=APP, route_prefix=PREFIX)
            yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _ready_snapshot() -> ServeSnapshot | None:
    """The snapshot once both replicas run and have ports, else ``None``."""
    snapshot = discover(require_ports=True)
    ingress = snapshot.application(APP).ingress
    if ingress is None or len(ingress.running_replicas) != REPLICAS:
        return None
    return snapshot


@pytest.mark.slow
def test_discover_real_serve_app(serve_app: Path) -> None:
    snap = _wait_for(_ready_snapshot, 60, "2 running replicas with ports")
    assert snap.ray_version == ray.__version__
    assert [a.name for a in snap.applications] == [APP]
    app = snap.application(APP)
    assert (app.route_prefix, app.ingress_deployment, app.status) == (PREFIX, DEPLOYMENT, "RUNNING")
    (dep,) = app.deployments
    assert (dep.name, dep.app, dep.max_ongoing_requests, dep.is_ingress) == (
        DEPLOYMENT, APP, MOR, True)  # fmt: skip
    assert dep.max_queued_requests == -1 and dep.target_num_replicas == REPLICAS
    replicas = dep.running_replicas
    assert len(replicas) == REPLICAS == len({r.address for r in replicas})

    for rep in replicas:
        url = f"http://{rep.address}{PREFIX}"
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
            assert resp.read() == b"hello"

    # Ray's own HAProxy config names and addresses the same servers.
    def cfg_has_servers() -> bool:
        cfgs = list(serve_app.glob("*/haproxy.cfg"))
        text = cfgs[0].read_text() if cfgs else ""
        return (
            all(
                re.search(rf"^\s*server {re.escape(r.server_name)} \S+:{r.port} ", text, re.M)
                for r in replicas
            )
            and f"backend {app.backend_name}\n" in text
        )

    _wait_for(cfg_has_servers, 30, "Ray's haproxy.cfg to list the discovered servers")


@pytest.mark.slow
def test_discover_filters_applications(serve_app: Path) -> None:
    assert discover(applications=["nope"]).applications == ()
    assert [a.name for a in discover(applications=[APP]).applications] == [APP]
