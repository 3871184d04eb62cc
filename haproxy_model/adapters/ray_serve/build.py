"""Build a complete HAProxy configuration for a Serve instance, to run *beside* Ray.

The result routes like Ray Serve's own HAProxy mode (ray 2.60,
``haproxy_templates.py``): the same backend names (``http-<app>``), the same
server names (one per running ingress replica, :attr:`.Replica.server_name`),
the same path ACLs, longest route prefix first. Unlike Ray's file it applies a
:class:`~.policy.Policy` in full: per-server ``maxconn``/``maxqueue``, every
timeout, retries, health check and connection-rate limits.

>>> cfg = build_config(snapshot, policy, admin_socket="/run/haproxy/admin.sock")  # doctest: +SKIP
>>> hm.dump(cfg, "haproxy.cfg")                                                  # doctest: +SKIP

The ``global`` section has no ``daemon`` and no ``pidfile``, so the file runs
under the master-worker mode (``haproxy -W`` / ``-Ws``, or ``master_worker=True``
to write ``master-worker``); with ``admin_socket`` the stats socket carries
``expose-fd listeners`` so a reload with ``-x <socket>`` takes the listening
sockets over without refusing connections.

Spare slots: ``spare_slots=N`` adds ``N`` placeholder servers per backend,
``server slot<i> 127.0.0.1:1 disabled`` with the backend's ``maxconn``, which
a sync loop can point at new replicas through the runtime API (``set server
<be>/slot1 addr <ip> port <port>`` then ``set server <be>/slot1 state ready``)
without a reload. Slots keep their ``slot<i>`` names (a server cannot be
renamed at run time), so only a reload gives new replicas Ray's names.
Connection rates given ``per_replica`` count running replicas at build time;
after filling slots, adjust them with ``set rate-limit connections global``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import haproxy_model as hm
from haproxy_model.base.errors import InvalidValue
from haproxy_model.model.directives import DIRECTIVE_CLASSES
from haproxy_model.model.typed_sections import TypedSection
from haproxy_model.syntax.nodes import Directive

from .policy import Policy
from .snapshot import Application, ServeSnapshot

__all__ = [
    "DEFAULT_BACKEND",
    "FRONTEND",
    "STATS_FRONTEND",
    "build_config",
    "parse_line",
    "typed_line",
]

FRONTEND = "http_frontend"
"""Name of the routing frontend (Ray's own name for it)."""
DEFAULT_BACKEND = "default_backend"
"""Backend for requests that match no route prefix (404, as Ray does)."""
STATS_FRONTEND = "stats"
"""Name of the stats / Prometheus frontend."""


def parse_line(text: str) -> Directive:
    """One directive line (raw HAProxy text, quotes and all) as a typed line.

    Raises :class:`haproxy_model.ParseError` or ``ValueError`` if ``text`` is
    not exactly one directive.
    """
    cfg = hm.parse(f"global\n    {text.strip()}\n")
    (section,) = cfg.sections
    lines = [n for n in section.body if isinstance(n, Directive)]
    if len(lines) != 1 or len(section.body) != 1:
        raise InvalidValue(f"not a single directive line: {text!r}")
    return lines[0]


def typed_line(words: Sequence[str]) -> Directive:
    """A directive built from word values, of the typed class the parser would give it.

    (``TypedSection.add_directive`` given plain words builds an untyped
    ``Directive``, which views such as ``acls`` and ``use_backends`` skip.)
    """
    cls = DIRECTIVE_CLASSES.get(words[0], Directive)
    built = Directive.from_values(list(words))
    return cls(built.raw, newline=built.newline)


def _add(section: TypedSection, words: Sequence[str]) -> None:
    section.add_directive(typed_line(words))


def _add_extra(section: TypedSection, lines: Iterable[str]) -> None:
    for text in lines:
        section.add_directive(parse_line(text))


def _prefix_acls(backend: str, prefix: str) -> list[list[str]]:
    """Ray's two ACL lines for a route prefix (``path_beg <p>/`` and ``path <p>``)."""
    beg = "/" if not prefix or prefix == "/" else prefix + "/"
    return [
        ["acl", f"is_{backend}", "path_beg", beg],
        ["acl", f"is_{backend}", "path", prefix or "/"],
    ]


def _routed(snapshot: ServeSnapshot) -> list[Application]:
    """Applications with an HTTP route, sorted like Ray: longest prefix first, then by text."""
    apps = [a for a in snapshot.applications if a.route_prefix is not None]
    return sorted(apps, key=lambda a: (-len(a.route_prefix or ""), a.route_prefix or ""))


def _split_bind(bind: str) -> tuple[str, str]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        raise InvalidValue(f"bind must be '<host>:<port>', got {bind!r}")
    return host, port


def build_config(
    snapshot: ServeSnapshot,
    policy: Policy,
    *,
    stats_port: int | None = 8404,
    prometheus: bool = True,
    admin_socket: str | None = None,
    bind: str = "127.0.0.1:8000",
    spare_slots: int = 0,
    master_worker: bool = False,
) -> hm.Config:
    """A complete configuration routing ``snapshot``'s applications under ``policy``.

    One frontend (``bind``) routes by route prefix to one backend per
    application with a route prefix; each backend has one server per running
    ingress replica that has a ``host:port`` (replicas without one are left
    out) plus ``spare_slots`` disabled placeholders. ``stats_port`` (``None``:
    none) serves ``/stats`` and, with ``prometheus``, ``/metrics``.
    ``admin_socket`` adds ``stats socket <path> mode 600 level admin
    expose-fd listeners``.
    """
    if spare_slots < 0:
        raise InvalidValue(f"spare_slots must be >= 0, got {spare_slots}")
    host, port = _split_bind(bind)
    apps = _routed(snapshot)
    replicas = sum(
        len([r for r in a.ingress.running_replicas if r.address is not None])
        for a in apps
        if a.ingress is not None
    )

    # -- global
    glob = hm.Global()
    if master_worker:
        glob.master_worker = True
    if policy.maxconn is not None:
        glob.maxconn = policy.maxconn
    rate = policy.global_maxconnrate(replicas)
    if rate:  # 0 (no replica yet) would mean "no limit" to nobody's benefit: leave it out
        glob.maxconnrate = rate
    rate = policy.global_maxsessrate(replicas)
    if rate:
        glob.maxsessrate = rate
    if admin_socket is not None:
        socket = ["stats", "socket", admin_socket, "mode", "600", "level", "admin",
                  "expose-fd", "listeners"]  # fmt: skip
        _add(glob, socket)
        _add(glob, ["stats", "timeout", "30s"])
    _add_extra(glob, policy.extra.global_)

    # -- defaults
    defaults = hm.Defaults(mode="http")
    for kind, value in policy.timeouts.items():
        defaults.timeouts[kind] = value
    if policy.retries is not None:
        defaults.retries = policy.retries
    if policy.retry_on is not None:
        defaults.retry_on = list(policy.retry_on)
    if policy.redispatch is not None:
        defaults.options["redispatch"] = policy.redispatch
    defaults.balance = policy.balance
    defaults.http_reuse = policy.http_reuse
    _add_extra(defaults, policy.extra.defaults)

    # -- frontend
    front = hm.Frontend(FRONTEND, binds=[hm.Bind(address=host, port=port)])
    _add_extra(front, policy.extra.frontend)
    for app in apps:
        for words in _prefix_acls(app.backend_name, app.route_prefix or "/"):
            _add(front, words)
    for app in apps:
        _add(front, ["use_backend", app.backend_name, "if", f"is_{app.backend_name}"])
    front.default_backend = DEFAULT_BACKEND

    sections: list[hm.Section] = [glob, defaults, front]
    not_found = hm.Backend(DEFAULT_BACKEND)
    words = ["http-request", "return", "status", "404", "content-type", "text/plain",
             "lf-string", "Path '%[path]' not found."]  # fmt: skip
    _add(not_found, words)
    sections.append(not_found)
    for app in apps:
        sections.append(_backend(app, policy, spare_slots))

    if stats_port is not None:
        sections.append(_stats_frontend(host, stats_port, prometheus))
    return hm.Config(sections=sections)


def _backend(app: Application, policy: Policy, spare_slots: int) -> hm.Backend:
    hc = policy.check_tuning()
    be = hm.Backend(app.backend_name)
    if policy.health_check is not None:
        be.options["httpchk"] = [hc.method, hc.path]
        _add(be, ["http-check", "expect", "status", str(hc.expect_status)])
    be.default_server = hm.DefaultServer(
        inter=hc.inter,
        fastinter=hc.fastinter,
        downinter=hc.downinter,
        rise=hc.rise,
        fall=hc.fall,
        check=True,
        observe=hc.observe,
        error_limit=hc.error_limit,
        on_error=hc.on_error,
    )
    _add_extra(be, policy.extra.backend)
    ingress = app.ingress
    maxconn = policy.server_maxconn(ingress) if ingress is not None else None
    running = ingress.running_replicas if ingress is not None else ()
    for rep in running:
        if rep.host is None or rep.port is None:
            continue
        be.servers.add(
            hm.Server(
                name=rep.server_name,
                address=rep.host,
                port=rep.port,
                check=True,
                maxconn=maxconn,
                maxqueue=policy.maxqueue,
            )
        )
    for i in range(1, spare_slots + 1):
        be.servers.add(
            hm.Server(
                name=f"slot{i}",
                address="127.0.0.1",
                port=1,
                disabled=True,
                maxconn=maxconn,
                maxqueue=policy.maxqueue,
            )
        )
    return be


def _stats_frontend(host: str, port: int, prometheus: bool) -> hm.Frontend:
    fe = hm.Frontend(STATS_FRONTEND, binds=[hm.Bind(address=host, port=port)])
    lines: list[list[str]] = []
    if prometheus:
        lines.append(["http-request", "use-service", "prometheus-exporter", "if",
                      "{", "path", "/metrics", "}"])  # fmt: skip
    lines += [
        ["stats", "enable"],
        ["stats", "uri", "/stats"],
        ["stats", "refresh", "10s"],
        ["no", "log"],
    ]
    for words in lines:
        _add(fe, words)
    return fe
