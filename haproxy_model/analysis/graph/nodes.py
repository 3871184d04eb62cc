"""What the routing picture holds: frontends, their routes, backends and servers.

Plain data (attrs, frozen); :meth:`Graph.to_dict` is the JSON shape the
``graph --format json`` command prints (documented in :mod:`haproxy_model.analysis.graph`).
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = [
    "Acl",
    "AclRef",
    "Backend",
    "Condition",
    "Dynamic",
    "Frontend",
    "Graph",
    "Route",
    "Server",
]


@attrs.frozen
class Acl:
    """An ``acl`` of a frontend (several lines of one name are one ACL, ORed)."""

    name: str
    #: each line's criterion and patterns as written, shortened (``path_beg /api /v1``)
    summary: str
    file: str
    line: int
    used: bool
    #: each line's words after the name, in full
    definitions: tuple[tuple[str, ...], ...] = ()


@attrs.frozen
class AclRef:
    """An ACL name a condition uses: declared in the frontend, predefined, or neither."""

    name: str
    negated: bool
    #: ``"declared"``, ``"predefined"`` or ``"undeclared"``
    status: str
    summary: str


@attrs.frozen
class Condition:
    """The ``if``/``unless`` part of a rule."""

    #: ``"if"`` or ``"unless"``, then the words as written (shortened)
    text: str
    acls: tuple[AclRef, ...]


@attrs.frozen
class Dynamic:
    """A ``use_backend`` whose name is computed (``%[...]``)."""

    expression: str
    #: the map file the expression looks the name up in, when it is a map lookup
    map: str | None
    #: the backend names the map (and its default) can give; None when not readable
    targets: tuple[str, ...] | None
    #: why the targets are not known (None when they are)
    reason: str | None


@attrs.frozen
class Route:
    """An edge out of a frontend: ``use_backend``, ``default_backend``, or a listen
    section's own servers (``kind="listen"``)."""

    id: str
    kind: str
    #: the backend name as written (the ``%[...]`` word for a dynamic one)
    target: str
    #: the ids of the backends it can lead to (none: the name is not declared)
    backends: tuple[str, ...]
    condition: Condition | None
    dynamic: Dynamic | None
    file: str
    line: int
    #: ``default_backend`` taken from a defaults section: its header (``defaults base``)
    inherited_from: str | None = None

    @property
    def missing(self) -> bool:
        """Whether the route names a backend that is not declared."""
        return self.dynamic is None and not self.backends


@attrs.frozen
class Frontend:
    """A ``frontend`` or a ``listen`` section (its accepting side)."""

    id: str
    name: str
    kind: str
    file: str
    line: int
    #: each ``bind`` line's words after the keyword
    binds: tuple[str, ...]
    #: the section's ``maxconn``, else its defaults' (None: the global maxconn)
    maxconn: int | None
    acls: tuple[Acl, ...]
    routes: tuple[Route, ...]


@attrs.frozen
class Server:
    """A ``server`` (or ``server-template``) line with what ``default-server`` gives it."""

    id: str
    name: str
    address: str
    maxconn: int | None
    check: bool
    backup: bool
    disabled: bool
    #: for a ``server-template``: how many servers (``"3"``, ``"1-5"``)
    template: str | None
    file: str
    line: int


@attrs.frozen
class Backend:
    """A ``backend`` or a ``listen`` section (its server side)."""

    id: str
    name: str
    kind: str
    file: str
    line: int
    #: ``balance`` as written (own, else the defaults'); None: HAProxy's roundrobin
    balance: str | None
    #: the most connections it opens at once: the sum of its active servers' maxconn;
    #: None when one has no limit (or it has no server)
    maxconn: int | None
    servers: tuple[Server, ...]
    #: no route of the frontends shown reaches it
    unused: bool


@attrs.frozen
class Graph:
    """The routing picture of a configuration (see :func:`haproxy_model.graph`)."""

    frontends: tuple[Frontend, ...]
    backends: tuple[Backend, ...]
    #: False when a dynamic ``use_backend`` may lead to backends not shown as reached
    complete: bool

    def backend(self, node_id: str) -> Backend:
        """The backend with id ``node_id``."""
        return next(b for b in self.backends if b.id == node_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: plain dicts, lists, strings, numbers, booleans and None."""
        data = attrs.asdict(self)
        for front, frontend in zip(data["frontends"], self.frontends, strict=True):
            for route, original in zip(front["routes"], frontend.routes, strict=True):
                route["missing"] = original.missing
        return {"version": 1, **data}
