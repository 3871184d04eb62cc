"""Which deployment each replica server in Ray's file belongs to, and its
``max_ongoing_requests``.

With a snapshot, a server is found by its exact name (:attr:`.Replica.server_name`).
Servers the snapshot does not know (it may be older than the file) and every server
when there is no snapshot are resolved from Ray's file itself: the application and
ingress deployment come from the ``set-var-fmt(txn.serve_app|serve_deployment)``
rules Ray renders per backend when its metrics are on (the default) and from the
gRPC frontend's ``req.hdr(application)`` ACLs (:func:`~.ray_layout.names_from_frontends`),
else from the sanitised backend and server names (``http-<app>``,
``SERVE_REPLICA_<app>-<deployment>-<id>``), which lose characters outside
``[A-Za-z0-9._-]``; keys are then matched on their sanitised form too.

``max_ongoing_requests`` comes from the snapshot, else from an explicit value
(:data:`MaxOngoing`: an int for every deployment, or a mapping keyed
``"app/deployment"`` or ``"deployment"``); None when it is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .ray_layout import ROUTER_SUFFIX, SERVER_PREFIX
from .snapshot import ServeSnapshot, safe_name

__all__ = ["MaxOngoing", "Owner", "ReplicaOwners", "lookup", "match_key", "merge_max_ongoing"]

MaxOngoing = int | Mapping[str, int] | None


def match_key(key: str, app: str, deployment: str, exact: bool) -> bool:
    """Whether ``key`` (``app/deployment`` or ``deployment``) names the deployment (names
    compared as Ray sanitises them unless ``exact``)."""
    norm = (lambda s: s) if exact else safe_name
    if "/" in key:
        k_app, k_dep = key.split("/", 1)
        return norm(k_app) == app and norm(k_dep) == deployment
    return norm(key) == deployment


def lookup(table: Mapping[str, int], app: str, deployment: str, exact: bool) -> int | None:
    """``table``'s value for the deployment (``app/deployment``, then ``deployment``; names
    compared as Ray sanitises them unless ``exact``), or None."""
    for key in (f"{app}/{deployment}", deployment):
        if key in table:
            return table[key]
    for key, value in table.items():
        if match_key(key, app, deployment, exact):
            return value
    return None


def merge_max_ongoing(explicit: MaxOngoing, discovered: Mapping[str, int]) -> MaxOngoing:
    """``discovered`` (``"app/deployment"`` keys, from Ray) with ``explicit`` winning
    per deployment; an int ``explicit`` wins for every deployment."""
    if isinstance(explicit, int):
        return explicit
    merged = dict(discovered)
    for key in list(merged):
        app, _, deployment = key.partition("/")
        value = None if explicit is None else lookup(explicit, app, deployment, True)
        if value is not None:
            merged[key] = value
    for key, value in (explicit or {}).items():
        merged.setdefault(key, value)
    return merged


@attrs.frozen
class Owner:
    """The deployment a server belongs to; ``exact`` is False for sanitised names."""

    app: str
    deployment: str
    max_ongoing_requests: int | None
    exact: bool


@attrs.frozen
class ReplicaOwners:
    """Finds the :class:`Owner` of a replica server from ``snapshot``, the
    ``names`` Ray's frontends give (:func:`~.ray_layout.names_from_frontends`),
    and ``max_ongoing``."""

    snapshot: ServeSnapshot | None
    max_ongoing: MaxOngoing
    names: Mapping[str, Mapping[str, str]]

    def owner(self, be_name: str, server: str) -> Owner:
        """The owner of ``server`` in backend ``be_name``."""
        base = be_name[: -len(ROUTER_SUFFIX)] if be_name.endswith(ROUTER_SUFFIX) else be_name
        snap = self.snapshot
        if snap is not None:
            for app in snap.applications:
                for dep in app.deployments:
                    if any(r.server_name == server for r in dep.replicas):
                        return Owner(app.name, dep.name, dep.max_ongoing_requests, True)
        known = self.names.get(base, {})
        app_name = known.get("app")
        dep_name = known.get("deployment")
        if snap is not None and app_name is None:
            for app in snap.applications:
                if app.backend_name == base:
                    app_name = app.name
                    dep_name = dep_name or app.ingress_deployment
        if app_name is not None and dep_name is not None:
            # Ray's backend holds its application's ingress replicas only (named after
            # them, or `server-template` slots): the frontend's rules name the owner.
            return Owner(app_name, dep_name, self._mor(app_name, dep_name, True), True)
        # sanitised names only
        safe_app = safe_name(app_name) if app_name else base.split("-", 1)[1]
        body = server[len(SERVER_PREFIX) :]
        if safe_app and body.startswith(safe_app + "-"):
            body = body[len(safe_app) + 1 :]
        deployment = body.rsplit("-", 1)[0] if "-" in body.rstrip("-") else body.rstrip("-")
        return Owner(safe_app, deployment, self._mor(safe_app, deployment, False), False)

    def _mor(self, app: str, deployment: str, exact: bool) -> int | None:
        snap = self.snapshot
        if snap is not None:
            for a in snap.applications:
                for d in a.deployments:
                    if exact and (a.name, d.name) == (app, deployment):
                        return d.max_ongoing_requests
                    if not exact and (safe_name(a.name), safe_name(d.name)) == (app, deployment):
                        return d.max_ongoing_requests
        table = self.max_ongoing
        if table is None:
            return None
        if isinstance(table, int):
            return table
        return lookup(table, app, deployment, exact)
