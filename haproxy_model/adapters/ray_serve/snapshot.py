"""A typed, Ray-free snapshot of a live Ray Serve instance.

Nothing here imports :mod:`ray`; :mod:`.discovery` fills these classes in.
The naming helpers reproduce Ray Serve's HAProxy mode exactly (ray 2.60,
``ray/serve/_private/haproxy.py``: ``get_safe_name``, ``_generate_server_name``,
``_generate_backend_name``; ``ray/serve/_private/common.py``:
``ReplicaID.to_full_id_str``).
"""

from __future__ import annotations

import re

import attrs

from haproxy_model.base.errors import NotFound

__all__ = [
    "Application",
    "Deployment",
    "Replica",
    "ServeSnapshot",
    "backend_name",
    "replica_actor_name",
    "safe_name",
    "server_name",
]

REPLICA_ACTOR_PREFIX = "SERVE_REPLICA::"
"""Prefix of every replica actor name (``REPLICA_ID_FULL_ID_STR_PREFIX`` in Ray)."""

_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """Sanitise ``name`` into an HAProxy identifier exactly as Ray does.

    ``#`` becomes ``-``, ``/`` becomes ``.``, and every remaining *run* of
    characters outside ``[A-Za-z0-9._-]`` becomes a single ``_``.
    """
    name = name.replace("#", "-").replace("/", ".")
    return _UNSAFE_RUN.sub("_", name)


def replica_actor_name(app: str, deployment: str, replica_id: str) -> str:
    """Return Ray's replica actor name ``SERVE_REPLICA::<app>#<deployment>#<id>``.

    The ``<app>#`` part is left out when ``app`` is empty, as Ray does.
    """
    body = f"{deployment}#{replica_id}"
    if app:
        body = f"{app}#{body}"
    return f"{REPLICA_ACTOR_PREFIX}{body}"


def server_name(app: str, deployment: str, replica_id: str) -> str:
    """Return the ``server`` name Ray's HAProxy mode gives this replica.

    >>> server_name("default", "Echo", "blla6st9")
    'SERVE_REPLICA_default-Echo-blla6st9'
    """
    return safe_name(replica_actor_name(app, deployment, replica_id))


def backend_name(app: str, protocol: str = "HTTP") -> str:
    """Return the ``backend`` name Ray's HAProxy mode gives an application.

    >>> backend_name("default")
    'http-default'
    """
    return safe_name(f"{protocol.lower()}-{app}")


@attrs.frozen(kw_only=True)
class Replica:
    """One replica actor of a deployment.

    ``replica_id`` is Ray's short unique id (``ReplicaDetails.replica_id``);
    ``host``/``port`` are the replica's own direct-ingress HTTP listener
    (``Target.ip``/``Target.port``), ``None`` when it has none (not an ingress
    deployment, direct ingress off, or the port is not allocated yet).
    """

    replica_id: str
    deployment: str
    app: str
    state: str
    node_id: str | None = None
    host: str | None = None
    port: int | None = None

    @property
    def actor_name(self) -> str:
        """Ray's actor name for this replica."""
        return replica_actor_name(self.app, self.deployment, self.replica_id)

    @property
    def server_name(self) -> str:
        """The HAProxy ``server`` name Ray uses for this replica."""
        return server_name(self.app, self.deployment, self.replica_id)

    @property
    def address(self) -> str | None:
        """``host:port`` of the replica's HTTP listener, if it has one."""
        if self.host is None or self.port is None:
            return None
        return f"{self.host}:{self.port}"


@attrs.frozen(kw_only=True)
class Deployment:
    """One deployment of an application and the settings HAProxy cares about.

    ``max_queued_requests`` is ``-1`` for "unlimited", as in Ray.
    """

    name: str
    app: str
    max_ongoing_requests: int
    max_queued_requests: int = -1
    target_num_replicas: int = 0
    status: str = ""
    is_ingress: bool = False
    replicas: tuple[Replica, ...] = ()

    @property
    def key(self) -> str:
        """``"<app>/<deployment>"``, the key policies use for overrides."""
        return f"{self.app}/{self.name}"

    @property
    def running_replicas(self) -> tuple[Replica, ...]:
        """Replicas whose state is ``RUNNING``."""
        return tuple(r for r in self.replicas if r.state == "RUNNING")


@attrs.frozen(kw_only=True)
class Application:
    """One Serve application.

    ``route_prefix`` is ``None`` for applications without HTTP ingress.
    """

    name: str
    route_prefix: str | None
    ingress_deployment: str | None
    status: str = ""
    deployments: tuple[Deployment, ...] = ()

    @property
    def backend_name(self) -> str:
        """The HTTP ``backend`` name Ray uses for this application."""
        return backend_name(self.name)

    def deployment(self, name: str) -> Deployment:
        """Return the deployment called ``name``; raise ``KeyError`` if absent."""
        for dep in self.deployments:
            if dep.name == name:
                return dep
        raise NotFound(f"application {self.name!r} has no deployment {name!r}")

    @property
    def ingress(self) -> Deployment | None:
        """The ingress deployment, if known."""
        if self.ingress_deployment is None:
            return None
        try:
            return self.deployment(self.ingress_deployment)
        except KeyError:
            return None


@attrs.frozen(kw_only=True)
class ServeSnapshot:
    """Every application of a Serve instance at one moment."""

    applications: tuple[Application, ...]
    ray_version: str

    def application(self, name: str) -> Application:
        """Return the application called ``name``; raise ``KeyError`` if absent."""
        for app in self.applications:
            if app.name == name:
                return app
        raise NotFound(f"no Serve application {name!r}")

    @property
    def ingress_replicas(self) -> tuple[Replica, ...]:
        """Running replicas of every application's ingress deployment."""
        out: list[Replica] = []
        for app in self.applications:
            ingress = app.ingress
            if ingress is not None:
                out.extend(ingress.running_replicas)
        return tuple(out)
