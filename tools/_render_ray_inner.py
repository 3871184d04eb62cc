"""Render Ray Serve's HAProxy config with the Ray installed in *this* interpreter.

Run by ``tools/render_ray_fixtures.py`` inside a throwaway venv per Ray release;
needs no cluster.  It builds the controller's target groups for a fixed
two-app deployment and feeds them through the release's own
``HAProxyManager._update_haproxy_backends`` (on an actor-less manager object)
into ``HAProxyApi._generate_config_file_internal``, so server names, backend
names and layout are exactly what that release writes.  Everything
environment-derived is left at Ray's defaults (all ``RAY_SERVE_*``/``SERVE_*``
variables are dropped before Ray is imported), except for the ``tuned``
scenario, which sets Ray's own ``RAY_SERVE_HAPROXY_*`` knobs.

Usage: python -I _render_ray_inner.py --workdir DIR --scenarios default,grpc
(``tuned`` must run in a process of its own).  Writes ``DIR/<scenario>/...``
and ``DIR/result.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

SCENARIOS = ("default", "tuned", "grpc", "router", "draining", "no-replicas")

# A fixed head node: 56 hex digits like a Ray node id, one IP.  Every target is
# on the head node, so Ray maps its address to localhost.
NODE_ID = "5c0ffee0" * 7
NODE_IP = "10.0.0.1"
GRPC_SERVICER = "user_defined_protos_pb2_grpc.add_UserDefinedServiceServicer_to_server"


@dataclasses.dataclass(frozen=True)
class App:
    name: str
    route_prefix: str
    ingress: str
    replicas: tuple[str, ...]
    router: str | None = None
    router_replicas: tuple[str, ...] = ()


APPS = (
    App("default", "/", "Echo", ("aaaa1111", "bbbb2222"), "Router", ("dddd4444",)),
    App("api", "/api/v1", "Model", ("cccc3333",)),
)

# The tuned scenario: Ray's env knobs (set only if the release reads them) ...
TUNED_ENV = {
    "RAY_SERVE_HAPROXY_TIMEOUT_CONNECT_S": "2",
    "RAY_SERVE_HAPROXY_TIMEOUT_CLIENT_S": "60",
    "RAY_SERVE_HAPROXY_TIMEOUT_SERVER_S": "120",
    "RAY_SERVE_HAPROXY_RETRIES": "2",
    "RAY_SERVE_HAPROXY_RETRY_ON": "conn-failure empty-response response-timeout",
    "RAY_SERVE_HAPROXY_BALANCE_ALGORITHM": "roundrobin",
    "RAY_SERVE_HAPROXY_MAXCONN": "10000",
    "RAY_SERVE_HAPROXY_NBTHREAD": "8",
    "RAY_SERVE_HAPROXY_HARD_STOP_AFTER_S": "300",
    "RAY_SERVE_HAPROXY_CLOSE_SPREAD_TIME_S": "10",
    "RAY_SERVE_HAPROXY_HEALTH_CHECK_FALL": "3",
    "RAY_SERVE_HAPROXY_HEALTH_CHECK_RISE": "1",
    "RAY_SERVE_HAPROXY_HEALTH_CHECK_INTER": "2s",
    "RAY_SERVE_HAPROXY_HEALTH_CHECK_FASTINTER": "100ms",
    "RAY_SERVE_HAPROXY_HEALTH_CHECK_DOWNINTER": "1s",
    "RAY_SERVE_HAPROXY_OBSERVE_MARK_DOWN_ENABLED": "1",
    "RAY_SERVE_HAPROXY_OBSERVE_ERROR_LIMIT": "5",
}
# ... and settings no env var reaches (HAProxyConfig fields / HTTPOptions).
TUNED_FIELDS = {"timeout_http_request_s": 30, "timeout_queue_s": 60}
TUNED_HTTP_OPTIONS = {"keep_alive_timeout_s": 120}


def _clean_env() -> None:
    for key in list(os.environ):
        if key.startswith(("RAY_SERVE_", "SERVE_")):
            del os.environ[key]


def _ray_serve_dir() -> Path:
    spec = importlib.util.find_spec("ray")  # does not import ray
    if spec is None or spec.origin is None:
        raise SystemExit("ray is not installed in this interpreter")
    return Path(spec.origin).parent / "serve"


def _apply_tuned_env() -> tuple[dict[str, str], list[str]]:
    constants = (_ray_serve_dir() / "_private" / "constants.py").read_text()
    applied, unsupported = {}, []
    for key, value in TUNED_ENV.items():
        if f'"{key}"' in constants:
            os.environ[key] = value
            applied[key] = value
        else:
            unsupported.append(key)
    return applied, unsupported


def _fields(cls: Any) -> set[str]:
    if dataclasses.is_dataclass(cls):
        return {f.name for f in dataclasses.fields(cls)}
    model_fields = getattr(cls, "model_fields", None) or getattr(cls, "__fields__", {})
    return set(model_fields)


def _only(cls: Any, **kwargs: Any) -> dict[str, Any]:
    known = _fields(cls)
    return {k: v for k, v in kwargs.items() if k in known}


async def _noop() -> None:
    return None


class _NullLoop:
    """Stands in for the actor's event loop: Ray <= 2.55 schedules the reload
    with ``event_loop.create_task``; no HAProxy runs here, so drop it."""

    def create_task(self, coro: Coroutine[Any, Any, Any]) -> None:
        coro.close()


class Renderer:
    def __init__(self, workdir: Path) -> None:
        import ray
        from ray.serve._private import constants, haproxy
        from ray.serve._private.common import DeploymentID, ReplicaID, RequestProtocol
        from ray.serve._private.utils import format_actor_name
        from ray.serve.schema import Target, TargetGroup

        self.ray_version: str = ray.__version__
        self.workdir = workdir
        # Any: this runs against many Ray releases, none of them typed alike.
        self.c: Any = constants
        self.h: Any = haproxy
        self.Target = Target
        self.TargetGroup = TargetGroup
        self.Protocol = RequestProtocol
        self.ReplicaID = ReplicaID
        self.DeploymentID = DeploymentID
        try:
            from ray.serve.config import HTTPOptions, gRPCOptions

            self.HTTPOptions: Any = HTTPOptions
            self.gRPCOptions: Any = gRPCOptions
        except ImportError:  # pragma: no cover - very old layouts
            from ray.serve.config import HTTPOptions

            self.HTTPOptions = HTTPOptions
            self.gRPCOptions = None
        manager: Any = haproxy.HAProxyManager
        self.manager_cls: Any = getattr(manager, "__ray_actor_class__", None) or (
            manager.__ray_metadata__.modified_class
        )
        self.per_node_paths = "_per_node" in inspect.getsource(self.manager_cls.__init__)
        actor_name: Any = format_actor_name  # ProxyStateManager names the fallback so
        self.fallback_name: str = actor_name(constants.SERVE_PROXY_NAME, f"fallback-{NODE_ID}")
        self.base_dir = os.path.dirname(constants.RAY_SERVE_HAPROXY_CONFIG_FILE_LOC)

    # -- the controller's view --------------------------------------------------
    def _replica_name(self, app: str, deployment: str, unique_id: str) -> str:
        rid = self.ReplicaID(unique_id=unique_id, deployment_id=self.DeploymentID(deployment, app))
        return str(rid.to_full_id_str())

    def _ports(self) -> dict[str, tuple[int, int]]:
        http0 = int(getattr(self.c, "RAY_SERVE_DIRECT_INGRESS_MIN_HTTP_PORT", 30000))
        grpc0 = int(getattr(self.c, "RAY_SERVE_DIRECT_INGRESS_MIN_GRPC_PORT", 40000))
        ids = [r for a in APPS for r in (*a.replicas, *a.router_replicas)]
        return {rid: (http0 + i, grpc0 + i) for i, rid in enumerate(sorted(ids))}

    def _target(self, name: str, port: int) -> Any:
        return self.Target(ip=NODE_IP, port=port, instance_id="", name=name)

    def _group(self, app: App, protocol: Any, replicas: tuple[str, ...], routers: bool) -> Any:
        ports = self._ports()
        grpc = protocol == self.Protocol.GRPC
        targets = [
            self._target(self._replica_name(app.name, app.ingress, r), ports[r][grpc])
            for r in replicas
        ]
        router_targets = [
            self._target(self._replica_name(app.name, app.router or "", r), ports[r][0])
            for r in (app.router_replicas if routers and not grpc else ())
        ]
        kwargs = _only(
            self.TargetGroup,
            protocol=protocol,
            route_prefix=app.route_prefix,
            targets=targets,
            app_name=app.name,
            ingress_request_router_targets=router_targets,
            ingress_deployment_name=app.ingress,
        )
        return self.TargetGroup(**kwargs)

    def target_groups(self, scenario: str) -> list[Any]:
        groups = []
        for app in APPS:
            replicas = app.replicas
            if scenario == "no-replicas" and app.name == "api":
                replicas = ()  # scaled to zero: HAProxy mode sends an empty group
            groups.append(self._group(app, self.Protocol.HTTP, replicas, scenario == "router"))
            if scenario == "grpc":
                groups.append(self._group(app, self.Protocol.GRPC, replicas, False))
        return groups

    def fallbacks(self, scenario: str) -> dict[Any, Any]:
        http = int(getattr(self.c, "RAY_SERVE_FALLBACK_PROXY_HTTP_PORT", 8500))
        grpc = int(getattr(self.c, "RAY_SERVE_FALLBACK_PROXY_GRPC_PORT", 9500))
        out = {self.Protocol.HTTP: self._target(self.fallback_name, http)}
        if scenario == "grpc":
            out[self.Protocol.GRPC] = self._target(self.fallback_name, grpc)
        return out

    # -- the HAProxyManager's view ------------------------------------------------
    def _path(self, root: Path, default: str) -> str:
        rel = os.path.relpath(default, self.base_dir)
        if self.per_node_paths:
            d, f = os.path.split(rel)
            rel = os.path.join(d, NODE_ID, f)
        return str(root / rel)

    def config(self, scenario: str, root: Path) -> tuple[Any, str, dict[str, Any]]:
        c = self.c
        settings: dict[str, Any] = {}
        http_kwargs: dict[str, Any] = {}
        if scenario == "tuned":
            http_kwargs.update(TUNED_HTTP_OPTIONS)
            settings["http_options"] = dict(TUNED_HTTP_OPTIONS)
        kwargs: dict[str, Any] = {
            "http_options": self.HTTPOptions(**http_kwargs),
            "is_head": True,
            "socket_path": self._path(root, c.RAY_SERVE_HAPROXY_SOCKET_PATH),
            "server_state_file": self._path(root, c.RAY_SERVE_HAPROXY_SERVER_STATE_FILE),
        }
        state_base = root / os.path.relpath(c.RAY_SERVE_HAPROXY_SERVER_STATE_BASE, self.base_dir)
        kwargs["server_state_base"] = str(
            state_base / NODE_ID if self.per_node_paths else state_base
        )
        metrics_sock = getattr(c, "RAY_SERVE_HAPROXY_METRICS_SOCKET_PATH", None)
        if metrics_sock is not None:
            kwargs["metrics_socket_path"] = self._path(root, metrics_sock)
        cfg_fields = _fields(self.h.HAProxyConfig)
        if self.gRPCOptions is not None and "grpc_options" in cfg_fields:
            grpc_kwargs = {"grpc_servicer_functions": [GRPC_SERVICER]} if scenario == "grpc" else {}
            kwargs["grpc_options"] = self.gRPCOptions(**grpc_kwargs)
            if grpc_kwargs:
                settings["grpc_options"] = grpc_kwargs
        field_settings: dict[str, Any] = {"is_head": True}
        if scenario == "tuned":
            for key, value in TUNED_FIELDS.items():
                if key in cfg_fields:
                    kwargs[key] = value
                    field_settings[key] = value
        settings["HAProxyConfig"] = field_settings
        kwargs = {k: v for k, v in kwargs.items() if k in cfg_fields}
        cfg = self.h.HAProxyConfig(**kwargs)
        return cfg, self._path(root, c.RAY_SERVE_HAPROXY_CONFIG_FILE_LOC), settings

    def render(self, scenario: str) -> dict[str, Any]:
        root = self.workdir / scenario
        root.mkdir(parents=True, exist_ok=True)
        notes: list[str] = []
        if scenario == "router" and "ingress_request_router_targets" not in _fields(
            self.TargetGroup
        ):
            return {"skipped": "no ingress request router in this release "
                    "(TargetGroup has no ingress_request_router_targets)"}  # fmt: skip
        cfg, cfg_path, settings = self.config(scenario, root)
        if scenario == "grpc":
            if "grpc_options" not in _fields(self.h.HAProxyConfig):
                notes.append(
                    "HAProxyConfig has no grpc_options: no gRPC frontend; the controller's "
                    "gRPC target groups render as path-routed HTTP backends"
                )
            if not hasattr(self.h.HAProxyApi, "set_grpc_fallback_server"):
                notes.append("no grpc_fallback_backend in this release")
        api = self.h.HAProxyApi(cfg, config_file_path=cfg_path)

        mgr = object.__new__(self.manager_cls)
        mgr._node_id = NODE_ID
        mgr._node_ip_address = NODE_IP
        mgr._haproxy = api
        mgr._target_groups = self.target_groups(scenario)
        fb = self.fallbacks(scenario)
        mgr._http_fallback_target = fb.get(self.Protocol.HTTP)
        mgr._grpc_fallback_target = fb.get(self.Protocol.GRPC)
        mgr.event_loop = _NullLoop()
        mgr._reload_haproxy = _noop  # the actor would now reload HAProxy
        update: Callable[[], Any] = mgr._update_haproxy_backends
        result = update()
        if inspect.iscoroutine(result):
            asyncio.run(result)
        api._generate_config_file_internal()
        if scenario == "draining":
            # HAProxyManager.update_draining(True) -> HAProxyApi.disable(): health
            # checks fail, config regenerated, graceful reload (skipped here).
            api._graceful_reload = _noop
            asyncio.run(api.disable())
        return {
            "skipped": None,
            "root": str(root),
            "config": cfg_path,
            "settings": settings,
            "notes": notes,
            "topology": self.topology(scenario),
        }

    def topology(self, scenario: str) -> dict[str, Any]:
        apps = []
        for tg in self.target_groups(scenario):
            entry: dict[str, Any] = {
                "app": tg.app_name,
                "route_prefix": tg.route_prefix,
                "protocol": str(tg.protocol.value),
                "targets": [f"{t.name}@{t.ip}:{t.port}" for t in tg.targets],
            }
            routers = getattr(tg, "ingress_request_router_targets", None)
            if routers:
                entry["ingress_request_router_targets"] = [
                    f"{t.name}@{t.ip}:{t.port}" for t in routers
                ]
            apps.append(entry)
        fallbacks = self.fallbacks(scenario).items()
        fb = {str(p.value): f"{t.name}@{t.ip}:{t.port}" for p, t in fallbacks}
        return {"node_id": NODE_ID, "node_ip": NODE_IP, "target_groups": apps, "fallback": fb}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--scenarios", default="default,grpc,router,draining,no-replicas")
    args = ap.parse_args(argv)
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        ap.error(f"unknown scenarios: {sorted(unknown)}")
    if "tuned" in scenarios and len(scenarios) > 1:
        ap.error("tuned sets env vars before Ray is imported: run it alone")

    _clean_env()
    env_applied: dict[str, str] = {}
    env_unsupported: list[str] = []
    if scenarios == ["tuned"]:
        env_applied, env_unsupported = _apply_tuned_env()

    args.workdir.mkdir(parents=True, exist_ok=True)
    renderer = Renderer(args.workdir)
    out: dict[str, Any] = {
        "ray": renderer.ray_version,
        "ray_base_dir": renderer.base_dir,
        "scenarios": {},
    }
    for scenario in scenarios:
        try:
            rec = renderer.render(scenario)
        except Exception as exc:  # recorded, not raised: one bad scenario != no fixtures
            rec = {"skipped": f"render failed: {type(exc).__name__}: {exc}"}
        if scenario == "tuned" and rec.get("skipped") is None:
            rec["settings"]["env"] = env_applied
            if env_unsupported:
                rec["settings"]["env_not_in_this_release"] = env_unsupported
        out["scenarios"][scenario] = rec
    (args.workdir / "result.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
