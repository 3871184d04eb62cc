"""Build a :class:`ServeSnapshot` from a live, already-initialised Ray.

Application and deployment names and statuses come from the public
``ray.serve.status()``. Route prefixes, ingress deployments, deployment
settings and replicas come from the controller's instance details, and replica
``host:port`` from the targets HAProxy mode routes to; both through
:mod:`._ray_private`, the one module allowed to use private Ray APIs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import attrs

from haproxy_model.base.errors import OperationFailed

from . import _ray_private
from ._ray_private import ReplicaTarget
from .snapshot import Application, Deployment, Replica, ServeSnapshot, replica_actor_name

__all__ = ["build_snapshot", "discover", "with_targets"]

StatusIndex = Mapping[str, tuple[str, Mapping[str, str]]]
"""``{app: (app_status, {deployment: deployment_status})}``."""


def _enum_value(value: Any) -> str:
    """``Enum.value`` for Ray's str enums, ``str(value)`` otherwise."""
    return str(getattr(value, "value", value))


def _status_index(status: Any) -> dict[str, tuple[str, dict[str, str]]]:
    """Reduce a ``ray.serve.schema.ServeStatus`` to plain strings."""
    index: dict[str, tuple[str, dict[str, str]]] = {}
    for app_name, overview in status.applications.items():
        deployments = {
            str(name): _enum_value(dep.status) for name, dep in overview.deployments.items()
        }
        index[str(app_name)] = (_enum_value(overview.status), deployments)
    return index


def _ingress_name(app: Mapping[str, Any]) -> str | None:
    """The app's ingress deployment from its ``deployment_topology``."""
    topology = app.get("deployment_topology") or {}
    name = topology.get("ingress_deployment")
    if name:
        return str(name)
    for node in (topology.get("nodes") or {}).values():
        if node.get("is_ingress"):
            return str(node["name"])
    return None


def _deployment(
    app_name: str,
    name: str,
    status: str,
    detail: Mapping[str, Any],
    ingress: str | None,
    targets: Mapping[str, ReplicaTarget],
) -> Deployment:
    """One :class:`Deployment` from its ``DeploymentDetails`` dict."""
    config = detail.get("deployment_config") or {}
    if "max_ongoing_requests" not in config:
        raise OperationFailed(
            f"Serve did not report max_ongoing_requests for deployment {app_name}/{name}"
        )
    replicas: list[Replica] = []
    for rep in detail.get("replicas") or ():
        target = targets.get(str(rep.get("actor_name")))
        replicas.append(
            Replica(
                replica_id=str(rep["replica_id"]),
                deployment=name,
                app=app_name,
                state=_enum_value(rep.get("state", "")),
                node_id=rep.get("node_id"),
                host=target.ip if target is not None else rep.get("node_ip"),
                port=target.port if target is not None else None,
            )
        )
    max_queued = config.get("max_queued_requests")
    return Deployment(
        name=name,
        app=app_name,
        max_ongoing_requests=int(config["max_ongoing_requests"]),
        max_queued_requests=-1 if max_queued is None else int(max_queued),
        target_num_replicas=int(detail.get("target_num_replicas") or 0),
        status=status,
        is_ingress=name == ingress,
        replicas=tuple(sorted(replicas, key=lambda r: r.replica_id)),
    )


def build_snapshot(
    statuses: StatusIndex,
    details: Mapping[str, Any],
    targets: Iterable[ReplicaTarget],
    ray_version: str,
    *,
    applications: Collection[str] | None = None,
) -> ServeSnapshot:
    """Merge status, instance details and targets into a :class:`ServeSnapshot`.

    Applications present in ``statuses`` but gone from ``details`` (deleted
    in between) are left out; so are those not in ``applications`` if given.
    """
    by_actor = {t.actor_name: t for t in targets if t.protocol.upper() == "HTTP"}
    app_details: Mapping[str, Any] = details.get("applications") or {}
    apps: list[Application] = []
    for app_name in sorted(statuses):
        if applications is not None and app_name not in applications:
            continue
        detail = app_details.get(app_name)
        if detail is None:
            continue
        app_status, dep_statuses = statuses[app_name]
        ingress = _ingress_name(detail)
        dep_details: Mapping[str, Any] = detail.get("deployments") or {}
        deployments = tuple(
            _deployment(
                app_name, name, dep_statuses.get(name, ""), dep_details[name], ingress, by_actor
            )
            for name in sorted(dep_details)
        )
        prefix = detail.get("route_prefix")
        apps.append(
            Application(
                name=app_name,
                route_prefix=None if prefix is None else str(prefix),
                ingress_deployment=ingress,
                status=app_status,
                deployments=deployments,
            )
        )
    return ServeSnapshot(applications=tuple(apps), ray_version=ray_version)


def with_targets(
    snapshot: ServeSnapshot,
    targets: Iterable[ReplicaTarget],
    *,
    applications: Collection[str] | None = None,
) -> ServeSnapshot | None:
    """``snapshot`` with its ingress replicas replaced by ``targets``; ``None`` if that is
    not enough.

    The fast path for a replica-set change: the controller's targets (one cheap
    call) are the RUNNING ingress replicas with their listeners, so when every
    target belongs to an application and ingress deployment ``snapshot``
    already has, with the same route prefix, they are the new replica set and
    the slower full discovery can wait. Anything else (a new application or
    deployment, a changed route prefix) returns ``None``: discover afresh.
    Replicas not RUNNING in ``snapshot`` are kept as they were; RUNNING ones
    missing from ``targets`` are dropped.
    """
    by_app: dict[str, dict[str, ReplicaTarget]] = {}
    known = {app.name: app for app in snapshot.applications}
    for target in targets:
        if target.protocol.upper() != "HTTP":
            continue
        if applications is not None and target.app not in applications:
            continue
        app = known.get(target.app)
        if app is None or app.ingress is None or app.route_prefix != target.route_prefix:
            return None
        by_app.setdefault(target.app, {})[target.actor_name] = target
    apps: list[Application] = []
    for app in snapshot.applications:
        ingress = app.ingress
        if ingress is None:
            apps.append(app)
            continue
        listed = by_app.get(app.name, {})
        prefix = replica_actor_name(app.name, ingress.name, "")
        if any(not name.startswith(prefix) for name in listed):
            return None
        replicas = [
            r for r in ingress.replicas if r.state != "RUNNING" and r.actor_name not in listed
        ]
        nodes = {r.replica_id: r.node_id for r in ingress.replicas}
        for name, target in listed.items():
            rid = name[len(prefix) :]
            replicas.append(
                Replica(
                    replica_id=rid,
                    deployment=ingress.name,
                    app=app.name,
                    state="RUNNING",
                    node_id=nodes.get(rid),
                    host=target.ip,
                    port=target.port,
                )
            )
        dep = attrs.evolve(ingress, replicas=tuple(sorted(replicas, key=lambda r: r.replica_id)))
        deps = tuple(dep if d.name == ingress.name else d for d in app.deployments)
        apps.append(attrs.evolve(app, deployments=deps))
    return attrs.evolve(snapshot, applications=tuple(apps))


def _check_ports(snapshot: ServeSnapshot) -> None:
    """Raise if a running ingress replica of an HTTP app has no listener."""
    for app in snapshot.applications:
        ingress = app.ingress
        if app.route_prefix is None or ingress is None:
            continue
        for rep in ingress.running_replicas:
            if rep.port is None:
                raise OperationFailed(
                    f"replica {rep.actor_name} has no direct-ingress HTTP port; start Ray "
                    "with RAY_SERVE_ENABLE_HA_PROXY=1 (or RAY_SERVE_ENABLE_DIRECT_INGRESS=1) "
                    "in its environment"
                )


def discover(
    *,
    applications: Collection[str] | None = None,
    timeout_s: float = 30.0,
    require_ports: bool = False,
) -> ServeSnapshot:
    """Snapshot the Serve instance of the Ray cluster this process is connected to.

    ``applications`` limits the snapshot to those names. With
    ``require_ports`` every running ingress replica of an HTTP application must
    have a ``host:port`` (HAProxy or direct-ingress mode), else ``RuntimeError``.
    Raises ``RuntimeError`` for unsupported Ray versions or an uninitialised Ray.
    """
    import ray
    from ray import serve

    version = _ray_private.check_ray_version()
    if not ray.is_initialized():
        raise OperationFailed("Ray is not initialised; call ray.init() first")
    statuses = _status_index(serve.status())
    if not statuses:
        return ServeSnapshot(applications=(), ray_version=version)
    details = _ray_private.serve_instance_details(timeout_s)
    targets = _ray_private.replica_targets(timeout_s)
    snapshot = build_snapshot(statuses, details, targets, version, applications=applications)
    if require_ports:
        _check_ports(snapshot)
    return snapshot
