"""The only module that touches private Ray Serve APIs.

Everything here was read from, and run against, ray 2.60.0
(``ray/serve/_private/controller.py``: ``get_serve_instance_details``,
``get_target_groups(from_proxy_manager=True)``, ``listen_for_change`` with
``ray/serve/_private/long_poll.py``'s ``DEPLOYMENT_TARGETS`` keys), and is accepted for the
2.55..2.60 release range. Any other version raises a ``RuntimeError`` naming
it, because these calls may change shape without notice.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import attrs

from haproxy_model.base.errors import OperationFailed

SUPPORTED_MIN = (2, 55)
SUPPORTED_MAX = (2, 60)
"""Inclusive ``(major, minor)`` range of Ray releases this module accepts."""

_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


@attrs.frozen(kw_only=True)
class ReplicaTarget:
    """One replica listener as the controller hands it to HAProxy.

    ``actor_name`` is ``SERVE_REPLICA::<app>#<deployment>#<id>``.
    """

    app: str
    route_prefix: str
    protocol: str
    actor_name: str
    ip: str
    port: int


def check_ray_version(version: str | None = None) -> str:
    """Return ``version`` (default ``ray.__version__``) if it is supported.

    Raises ``RuntimeError`` naming the version otherwise.
    """
    if version is None:
        import ray

        version = str(ray.__version__)
    match = _VERSION.match(version)
    lo = f"{SUPPORTED_MIN[0]}.{SUPPORTED_MIN[1]}"
    hi = f"{SUPPORTED_MAX[0]}.{SUPPORTED_MAX[1]}"
    if match is None or ".dev" in version:
        raise OperationFailed(
            f"ray {version!r} is not supported by haproxy_model.adapters.ray_serve "
            f"(supported: ray {lo}.x to {hi}.x)"
        )
    found = (int(match.group(1)), int(match.group(2)))
    if not SUPPORTED_MIN <= found <= SUPPORTED_MAX:
        raise OperationFailed(
            f"ray {version} is not supported by haproxy_model.adapters.ray_serve: "
            f"it relies on private Ray Serve APIs verified for ray {lo}.x to {hi}.x only"
        )
    return version


def _controller() -> Any:
    """Return the Serve controller actor handle; ``RuntimeError`` if absent."""
    import ray
    from ray.serve._private.constants import SERVE_CONTROLLER_NAME, SERVE_NAMESPACE

    if not ray.is_initialized():
        raise OperationFailed("Ray is not initialised; call ray.init() first")
    try:
        return ray.get_actor(SERVE_CONTROLLER_NAME, namespace=SERVE_NAMESPACE)
    except ValueError as exc:
        raise OperationFailed("no Ray Serve controller is running in this cluster") from exc


def serve_instance_details(timeout_s: float = 30.0) -> dict[str, Any]:
    """Return ``controller.get_serve_instance_details()``.

    The dict has the shape of the public ``ray.serve.schema.ServeInstanceDetails``:
    ``applications[name]`` holds ``route_prefix``, ``deployment_topology``,
    ``deployments[name]["deployment_config"]`` and ``...["replicas"]``.
    """
    import ray

    ref = _controller().get_serve_instance_details.remote()
    details = ray.get(ref, timeout=timeout_s)
    if not isinstance(details, dict):
        raise OperationFailed(
            f"unexpected get_serve_instance_details() result: {type(details).__name__}"
        )
    return details


def replica_targets(timeout_s: float = 30.0) -> tuple[ReplicaTarget, ...]:
    """Return the replica listeners HAProxy mode would route to.

    Calls ``controller.get_target_groups(from_proxy_manager=True)`` (the
    value the controller long-polls to every ``HAProxyManager``) and keeps
    the targets that are replicas; proxy targets (``SERVE_PROXY_ACTOR-...``,
    returned when direct ingress is off or no replica is running) are dropped.
    """
    import ray

    ref = _controller().get_target_groups.remote(from_proxy_manager=True)
    groups = ray.get(ref, timeout=timeout_s)
    out: list[ReplicaTarget] = []
    for group in groups:
        protocol = getattr(group.protocol, "value", group.protocol)
        for target in group.targets:
            name = str(target.name)
            if not name.startswith("SERVE_REPLICA::"):
                continue
            out.append(
                ReplicaTarget(
                    app=str(group.app_name),
                    route_prefix=str(group.route_prefix),
                    protocol=str(protocol),
                    actor_name=name,
                    ip=str(target.ip),
                    port=int(target.port),
                )
            )
    return tuple(out)


class TargetsLongPoll:
    """Block on the Serve controller's long poll until an ingress deployment's replicas change.

    The controller pushes ``(DEPLOYMENT_TARGETS, DeploymentID)`` to Serve's own
    routers the moment a deployment's set of running replicas changes (ray
    2.60 ``deployment_state.py``, ``broadcast_running_replicas_if_changed``);
    waiting on the same key wakes a sync loop within milliseconds of a replica
    becoming RUNNING or going away, instead of at its next poll. Not thread-safe:
    one instance per watching thread.
    """

    def __init__(self) -> None:
        self._ids: dict[Any, int] = {}
        self._watched: frozenset[tuple[str, str]] = frozenset()
        self._pending: Any = None

    def wait(self, deployments: Collection[tuple[str, str]], timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` s; ``True`` if the replicas of one of ``deployments``
        (``(app, deployment)`` pairs) changed since the previous call that returned.

        The first call for a set of deployments returns ``True`` at once (there is
        nothing to compare with yet). Raises what Ray raises (controller gone...).
        """
        import ray
        from ray.serve._private.common import DeploymentID
        from ray.serve._private.long_poll import LongPollNamespace

        watched = frozenset(deployments)
        if not watched:
            self._pending = None
            self._watched = watched
            return False
        if watched != self._watched or self._pending is None:
            keys = {
                (LongPollNamespace.DEPLOYMENT_TARGETS, DeploymentID(name=dep, app_name=app)): -1
                for app, dep in sorted(watched)
            }
            for key in keys:
                keys[key] = self._ids.get(key, -1)
            self._pending = _controller().listen_for_change.remote(keys)
            self._watched = watched
        ready, _ = ray.wait([self._pending], timeout=timeout_s)
        if not ready:
            return False
        result = ray.get(self._pending)
        self._pending = None
        if not isinstance(result, dict):  # LongPollState.TIME_OUT
            return False
        changed = False
        for key, update in result.items():
            snapshot_id = int(update.snapshot_id)
            changed = changed or self._ids.get(key) != snapshot_id
            self._ids[key] = snapshot_id
        return changed
