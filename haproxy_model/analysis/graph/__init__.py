"""The routing picture: frontends -> the conditions of their ``use_backend`` lines ->
backends -> servers (issue 13, part 3).

``graph(cfg)`` reads one configuration, or several read in order as one
(``haproxy -f A -f B``), and returns a :class:`Graph`; ``render(graph, format)`` draws
it as ``mermaid``, ``dot``, ``svg`` (through Graphviz's ``dot`` program) or ``json``.

What it shows:

* each ``frontend`` and ``listen`` section with its ``bind`` lines (and ``maxconn``);
* each ``use_backend`` line in order: its condition (the words as written, and for
  each ACL it names, the ACL's criterion and patterns, shortened) then the backend;
  a ``default_backend`` (the frontend's, else its defaults section's) as a dotted
  edge; a listen section's own servers as an edge to its backend side;
* a dynamic ``use_backend %[...]`` as a node naming the expression; when it ends in a
  ``map`` converter whose file can be read, dotted edges to the backends the map
  (and its default) names;
* each ``backend`` and ``listen`` section with its ``balance`` (own, else the
  defaults') and effective ``maxconn``: the sum of the ``maxconn`` of its active
  (not backup, not disabled) servers, a template counting for each server it makes;
  none when a server has no limit;
* each server with its address, ``maxconn`` and ``check``, ``default-server`` lines
  (the defaults', then the section's) applied first;
* highlighted: backends no route reaches (a backend with only a stick-table is a
  table, not unused) and ACLs no condition of their section uses.

Lines inside ``.if`` blocks are drawn as if every branch applied.

The JSON shape (``render(graph, "json")``, ``Graph.to_dict()``; other keys may be
added)::

    {"version": 1, "complete": true,
     "frontends": [{"id": "f1", "name": "web", "kind": "frontend",
                    "file": "haproxy.cfg", "line": 7, "binds": [":80"], "maxconn": null,
                    "acls": [{"name": "is_api", "summary": "path_beg /api",
                              "file": "haproxy.cfg", "line": 9, "used": true,
                              "definitions": [["path_beg", "/api"]]}],
                    "routes": [{"id": "f1r1", "kind": "use_backend", "target": "api",
                                "backends": ["b1"],
                                "condition": {"text": "if is_api",
                                              "acls": [{"name": "is_api", "negated": false,
                                                        "status": "declared",
                                                        "summary": "path_beg /api"}]},
                                "dynamic": null, "file": "haproxy.cfg", "line": 11,
                                "inherited_from": null, "missing": false}]}],
     "backends": [{"id": "b1", "name": "api", "kind": "backend", "file": "haproxy.cfg",
                   "line": 14, "balance": "roundrobin", "maxconn": 200, "unused": false,
                   "servers": [{"id": "b1s1", "name": "a1", "address": "10.0.0.1:8080",
                                "maxconn": 100, "check": true, "backup": false,
                                "disabled": false, "template": null,
                                "file": "haproxy.cfg", "line": 16}]}]}

A route's ``kind`` is ``use_backend``, ``default_backend`` or ``listen`` (a listen
section's own servers); ``backends`` holds the ids of the backends it can lead to
(empty with ``"missing": true`` when it names no declared backend); ``dynamic`` is
``{"expression", "map", "targets", "reason"}`` for a ``%[...]`` name (``targets``
null, and ``reason`` saying why, when they cannot be known); an ACL reference's
``status`` is ``declared``, ``predefined`` or ``undeclared``. ``complete`` is false when
a dynamic route may reach backends the graph cannot name, so that ``unused`` may be
wrong. ``line`` numbers are 1-based; ``file`` is each configuration's file name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from haproxy_model.analysis.graph.build import build
from haproxy_model.analysis.graph.nodes import (
    Acl,
    AclRef,
    Backend,
    Condition,
    Dynamic,
    Frontend,
    Graph,
    Route,
    Server,
)
from haproxy_model.analysis.graph.render_dot import render_dot, render_svg
from haproxy_model.analysis.graph.render_mermaid import render_mermaid
from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.model.config import Config

__all__ = [
    "FORMATS",
    "Acl",
    "AclRef",
    "Backend",
    "Condition",
    "Dynamic",
    "Frontend",
    "Graph",
    "Route",
    "Server",
    "graph",
    "render",
]

#: the formats :func:`render` draws
FORMATS = ("mermaid", "dot", "svg", "json")


def graph(cfg: Config | Sequence[Config], frontend: str | None = None) -> Graph:
    """The routing picture of ``cfg`` (several configurations: read in order, as one).

    With ``frontend``, only that frontend (or listen section) and the backends it can
    reach; a name that is neither raises :class:`~haproxy_model.NotFound`, suggesting
    the closest one.
    """
    configs = [cfg] if isinstance(cfg, Config) else cfg
    if isinstance(configs, (str, bytes)) or not isinstance(configs, Sequence):
        raise InvalidType(f"graph() takes a Config or a list of them, not {type(cfg).__name__}")
    if not configs or not all(isinstance(c, Config) for c in configs):
        raise InvalidType("graph() takes a Config or a non-empty list of Config objects")
    if frontend is not None and not isinstance(frontend, str):
        raise InvalidType(f"graph(frontend=...) takes a name, not {type(frontend).__name__}")
    return build(configs, frontend)


def render(graph: Graph, format: str = "mermaid") -> str:
    """``graph`` drawn as ``mermaid``, ``dot``, ``svg`` (Graphviz's ``dot`` program must be
    installed: :class:`~haproxy_model.MissingFile` otherwise) or ``json``."""
    if not isinstance(graph, Graph):
        raise InvalidType(f"render() takes a Graph, not {type(graph).__name__}")
    if format == "mermaid":
        return render_mermaid(graph)
    if format == "dot":
        return render_dot(graph)
    if format == "svg":
        return render_svg(graph)
    if format == "json":
        return json.dumps(graph.to_dict(), indent=2) + "\n"
    raise InvalidValue(f"unknown graph format {format!r}; use one of: {', '.join(FORMATS)}")
