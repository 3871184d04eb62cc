"""Apply a :class:`~.policy.Policy` to the ``haproxy.cfg`` Ray Serve just wrote.

:func:`patch_ray_config` edits Ray's own file in place, line by line, with
the lossless model (:mod:`.section_edits`): the output differs from Ray's text
only in the lines the policy changes (a changed value keeps the line's spacing
and comment; a new line is indented like its neighbours and placed after its
kin). Patching twice is the same as patching once.

**The policy is an overlay** (see :mod:`.policy`): a key the policy does not
give leaves Ray's directive exactly as Ray wrote it, a value sets it, and
``null`` (``None``) removes it. What each key edits (ray 2.55-2.60 templates):

* ``global``: ``maxconn``; ``maxconnrate``/``maxsessrate`` (``per_replica``
  times the number of replica servers in the file; not added while that is 0);
  ``extra.global``.
* the ``defaults`` section: each timeout named, ``retries``, ``retry-on``,
  ``option redispatch`` (any enabled form, such as Ray's ``option redispatch
  1``, counts as enabled), ``balance``; ``extra.defaults``. A timeout or
  ``balance`` that an application backend sets itself is set there too (the
  backend's own line would win).
* every application backend Ray renders, HTTP (``http-<app>``), gRPC
  (``grpc-<app>``) and the ingress request router's
  (``http-<app>-via-ingress-request-router``): ``http-reuse``;
  ``option httpchk METHOD PATH`` and ``http-check expect status N`` (HTTP
  backends only: gRPC ones check with ``tcp-check``); ``default-server``
  ``inter``/``fastinter``/``downinter``/``rise``/``fall``; ``maxconn``/``maxqueue``
  on every replica ``server`` and ``server-template`` line; ``observe``/
  ``error-limit``/``on-error`` only on replica servers that run checks (never
  on ``track`` servers); ``extra.backend``. Ray's fallback server (``backup``,
  its own proxy) is left alone.
* ``frontend http_frontend``: ``extra.frontend``.

Timeouts are compared as durations (``3600s`` equals ``1h``).

Which deployment a server belongs to, and its ``max_ongoing_requests`` (needed
by ratio rules), is found as :mod:`.replica_owners` says: from the ``snapshot``,
from Ray's file, and from the ``max_ongoing_requests`` argument (an int for
every deployment, or a mapping keyed ``"app/deployment"`` or ``"deployment"``).
When it is unknown, the server's ``maxconn`` is left as Ray wrote it, and
:attr:`PatchResult.missing_max_ongoing_requests` names the deployments.

A file whose layout is not Ray's (no ``global``/``defaults``, no Ray
frontend, replica servers outside Ray's application backends) raises
:class:`PatchError` naming the Ray version installed: never a guessed patch
(:mod:`.ray_layout`).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

import haproxy_model as hm
from haproxy_model.base.values import Time
from haproxy_model.model.typed_sections import Backend, Proxy

from .build import FRONTEND, typed_line
from .policy import HealthCheck, Policy, ServerMaxconn
from .ray_layout import (
    GRPC_PREFIX,
    ROUTER_SUFFIX,
    PatchError,
    check_layout,
    is_replica,
    names_from_frontends,
    ray_version,
    server_lines,
)
from .replica_owners import MaxOngoing, Owner, ReplicaOwners, match_key, merge_max_ongoing
from .section_edits import SectionEdits, label, place
from .snapshot import ServeSnapshot

__all__ = [
    "PatchError",
    "PatchResult",
    "merge_max_ongoing",
    "patch_ray_config",
    "patch_ray_config_report",
    "ray_version",
]


@attrs.frozen
class PatchResult:
    """The patched text, one line per edit, and what could not be applied.

    ``missing_max_ongoing_requests`` lists the deployments (``"app/deployment"``)
    whose servers got no ``maxconn`` because the rule needs their
    ``max_ongoing_requests`` and it was not known; ``unpatched_servers`` names
    those servers as ``"backend/server"``.
    """

    text: str
    changes: tuple[str, ...]
    warnings: tuple[str, ...]
    missing_max_ongoing_requests: tuple[str, ...] = ()
    unpatched_servers: tuple[str, ...] = ()


@attrs.frozen
class _Dep:
    """The minimum :meth:`ServerMaxconn.compute` needs."""

    name: str
    app: str
    max_ongoing_requests: int


def patch_ray_config(
    text: str,
    snapshot: ServeSnapshot | None,
    policy: Policy,
    *,
    max_ongoing_requests: MaxOngoing = None,
) -> str:
    """Ray's config ``text`` with ``policy`` applied (see the module doc)."""
    return patch_ray_config_report(
        text, snapshot, policy, max_ongoing_requests=max_ongoing_requests
    ).text


def patch_ray_config_report(
    text: str,
    snapshot: ServeSnapshot | None,
    policy: Policy,
    *,
    max_ongoing_requests: MaxOngoing = None,
    filename: str = "<ray haproxy.cfg>",
) -> PatchResult:
    """:func:`patch_ray_config`, also listing every edit and what could not be applied."""
    cfg = hm.parse(text, filename=filename)
    patcher = _Patcher(cfg, snapshot, policy, max_ongoing_requests)
    patcher.run()
    return PatchResult(
        text=hm.dumps(cfg),
        changes=tuple(patcher.changes),
        warnings=tuple(patcher.warnings),
        missing_max_ongoing_requests=tuple(sorted(set(patcher.missing))),
        unpatched_servers=tuple(patcher.unpatched),
    )


@attrs.define
class _Patcher:
    cfg: hm.Config
    snapshot: ServeSnapshot | None
    policy: Policy
    max_ongoing: MaxOngoing
    changes: list[str] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)
    missing: list[str] = attrs.field(factory=list)
    unpatched: list[str] = attrs.field(factory=list)
    edits: SectionEdits = attrs.field(init=False)

    @edits.default
    def _edits(self) -> SectionEdits:
        return SectionEdits(self.changes)

    # -- proxies ---------------------------------------------------------------
    def run(self) -> None:
        glob, defaults, backends = check_layout(self.cfg)
        primary = [b for b in backends if not (b.name or "").endswith(ROUTER_SUFFIX)]
        owners = ReplicaOwners(self.snapshot, self.max_ongoing, names_from_frontends(self.cfg))
        replicas = templates = 0
        for be in primary:
            for server in server_lines(be):
                if is_replica(server) and isinstance(server, hm.ServerTemplate):
                    templates += 1
                elif is_replica(server):
                    replicas += 1
        per_replica = [r for r in (self.policy.maxconnrate, self.policy.maxsessrate)
                       if r is not None and r.per_replica is not None]  # fmt: skip
        if templates and per_replica:
            self.warnings.append(
                "replicas are server-template slots filled at run time: per-replica "
                f"maxconnrate/maxsessrate count the {replicas} replica server lines only "
                "(use a fixed rate, or set it at run time: set rate-limit connections global)"
            )
        self._global(glob, replicas)
        self._defaults(defaults, backends)
        given = self.policy.given
        for be in backends:
            if "http_reuse" in given:
                reuse = self.policy.http_reuse
                self.edits.set_or_remove(be, "http-reuse", None if reuse is None else [reuse],
                                         after=("log",))  # fmt: skip
            self._servers(be, owners)
        for be in primary:
            self._health(be)
            self.edits.extra(be, self.policy.extra.backend)
        if FRONTEND in self.cfg.frontends:
            self.edits.extra(self.cfg.frontends[FRONTEND], self.policy.extra.frontend)
        elif self.policy.extra.frontend:
            self.warnings.append(f"no frontend {FRONTEND!r}: extra.frontend lines not added")

    def _global(self, glob: hm.Global, replicas: int) -> None:
        p, given = self.policy, self.policy.given
        if "maxconn" in given:
            self.edits.set_or_remove(
                glob, "maxconn", None if p.maxconn is None else [str(p.maxconn)]
            )
        for keyword, rate, after in (
            ("maxconnrate", p.global_maxconnrate(replicas), ("maxconn",)),
            ("maxsessrate", p.global_maxsessrate(replicas), ("maxconnrate", "maxconn")),
        ):
            if keyword not in given:
                continue
            if rate is None:
                self.edits.remove(glob, glob.find(keyword))
            elif rate:  # 0 (no replica yet) would mean "no limit": leave it out
                self.edits.set_line(glob, keyword, [str(rate)], after=after)
        self.edits.extra(glob, p.extra.global_)

    def _timeouts(self, section: Proxy, only_existing: bool) -> None:
        for kind, value in self.policy.timeouts.given_items():
            current = section.timeouts.get(kind)
            if value is None:
                if current is not None:
                    del section.timeouts[kind]
                    self.changes.append(f"{label(section)}: removed timeout {kind}")
                continue
            if current is not None and Time.parse(value) == current:
                continue
            if current is None and only_existing:
                continue
            section.timeouts[kind] = value
            what = "added" if current is None else f"{current} ->"
            self.changes.append(f"{label(section)}: timeout {kind} {what} {value}")

    def _defaults(self, defaults: hm.Defaults, backends: Sequence[Backend]) -> None:
        p, given = self.policy, self.policy.given
        if "timeouts" in given:
            self._timeouts(defaults, only_existing=False)
            for be in backends:  # a backend's own timeout would win
                self._timeouts(be, only_existing=True)
        if "retries" in given:
            retries = None if p.retries is None else [str(p.retries)]
            self.edits.set_or_remove(defaults, "retries", retries, after=("retry-on",))
        if "retry_on" in given:
            current_on = defaults.find("retry-on")
            if p.retry_on is None:
                self.edits.remove(defaults, current_on)
            elif not current_on or sorted(current_on[-1].args) != sorted(p.retry_on):
                self.edits.set_line(
                    defaults, "retry-on", list(p.retry_on), after=("retries", "option")
                )
        if "redispatch" in given:
            self._redispatch(defaults, p.redispatch)
        if "balance" in given:
            words = None if p.balance is None else p.balance.split()
            balance = defaults.find("balance")
            if words is None or not balance or balance[-1].args != words:
                self.edits.set_or_remove(defaults, "balance", words)
            for be in backends:  # a backend's own balance would win
                own = be.find("balance")
                if own and (words is None or own[-1].args != words):
                    self.edits.set_or_remove(be, "balance", words)
        self.edits.extra(defaults, p.extra.defaults)

    def _redispatch(self, defaults: hm.Defaults, wanted: bool | None) -> None:
        if wanted is None:
            if "redispatch" in defaults.options:
                del defaults.options["redispatch"]
                self.changes.append("defaults: removed option redispatch")
            return
        if bool(defaults.options.enabled("redispatch")) != wanted:
            defaults.options["redispatch"] = wanted
            self.changes.append(f"defaults: option redispatch {'on' if wanted else 'off'}")

    def _health(self, be: Backend) -> None:
        if "health_check" not in self.policy.given:
            return
        hc = self.policy.health_check
        chk = be.options.get("httpchk")
        grpc = (be.name or "").startswith(GRPC_PREFIX)
        if hc is None:
            if chk is not None:
                del be.options["httpchk"]
                self.changes.append(f"backend {be.name}: removed option httpchk")
            self.edits.remove(be, [d for d in be.find("http-check") if d.args[:1] == ["expect"]])
            return
        if not grpc and ({"path", "method"} & hc.given):
            if chk is None or chk.negated:
                be.options["httpchk"] = [hc.method, hc.path]
                self.changes.append(f"backend {be.name}: added option httpchk")
            elif chk.arguments != [hc.method, hc.path]:
                old = " ".join(chk.values)
                chk.set_values([*chk.values[: len(chk.values) - len(chk.arguments)],
                                hc.method, hc.path])  # fmt: skip
                self.changes.append(f"backend {be.name}: {old!r} -> {' '.join(chk.values)!r}")
        has_check = (c := be.options.get("httpchk")) is not None and not c.negated
        if not grpc and has_check and ("expect_status" in hc.given or chk is None):
            self._set_expect(be, str(hc.expect_status))
        self._default_server(be, hc)

    def _set_expect(self, be: Backend, status: str) -> None:
        expects = [d for d in be.find("http-check") if d.args[:2] == ["expect", "status"]]
        if expects:
            if expects[-1].args[2:] != [status]:
                old = " ".join(expects[-1].values)
                expects[-1].set_values(["http-check", "expect", "status", status])
                self.changes.append(f"backend {be.name}: {old!r} -> 'http-check expect "
                                    f"status {status}'")  # fmt: skip
            return
        new = typed_line(["http-check", "expect", "status", status])
        place(be, new, ("option",))
        self.changes.append(f"backend {be.name}: added 'http-check expect status {status}'")

    def _default_server(self, be: Backend, hc: HealthCheck) -> None:
        fields = [f for f in ("inter", "fastinter", "downinter", "rise", "fall") if f in hc.given]
        if not fields:
            return
        ds = be.default_server
        if ds is None:
            if not server_lines(be) or all(getattr(hc, f) is None for f in fields):
                return
            be.default_server = hm.DefaultServer()
            ds = be.default_server
            assert ds is not None
        before = ds.raw
        for field in fields:
            value = getattr(hc, field)
            if field in ("inter", "fastinter", "downinter") and value is not None:
                if getattr(ds, field) != Time.parse(value):
                    setattr(ds, field, value)
            elif getattr(ds, field) != value:
                setattr(ds, field, value)
        if ds.raw != before:
            self.changes.append(f"backend {be.name}: {before.strip()!r} -> {ds.raw.strip()!r}")

    # -- servers ---------------------------------------------------------------
    def _maxconn(self, owner: Owner) -> tuple[bool, int | None]:
        """``(known, value)``: the server's ``maxconn``; ``known`` False: unknown."""
        rule: ServerMaxconn | None = self.policy.server_maxconn_rule
        if rule is None:
            return True, None
        for key, value in rule.overrides.items():
            if key in (f"{owner.app}/{owner.deployment}", owner.deployment):
                return True, value
        for key, value in rule.overrides.items():
            if match_key(key, owner.app, owner.deployment, owner.exact):
                return True, value
        if rule.fixed is not None:
            return True, rule.fixed
        if owner.max_ongoing_requests is None:
            return False, None
        dep = _Dep(owner.deployment, owner.app, owner.max_ongoing_requests)
        return True, rule.compute(dep)

    def _observe(self, server: hm.Server) -> None:
        """The policy's traffic observation on a replica server that runs checks."""
        hc = self.policy.health_check
        if "health_check" not in self.policy.given or hc is None or server.track is not None:
            return
        for field in ("observe", "error_limit", "on_error"):
            if field in hc.given and getattr(server, field) != getattr(hc, field):
                setattr(server, field, getattr(hc, field))

    def _servers(self, be: Backend, owners: ReplicaOwners) -> None:
        be_name = be.name or ""
        given = self.policy.given
        for server in server_lines(be):
            if not is_replica(server):
                continue
            before = server.raw
            if "server_maxconn_rule" in given:
                owner = owners.owner(be_name, server.name)
                known, value = self._maxconn(owner)
                if known:
                    if server.maxconn != value:
                        server.maxconn = value
                else:
                    label = f"{owner.app}/{owner.deployment}"
                    self.missing.append(label)
                    self.unpatched.append(f"{be_name}/{server.name}")
            if "maxqueue" in given and server.maxqueue != self.policy.maxqueue:
                server.maxqueue = self.policy.maxqueue
            self._observe(server)
            if server.raw != before:
                self.changes.append(f"backend {be_name}: server {server.name}: "
                                    f"{before.strip()!r} -> {server.raw.strip()!r}")  # fmt: skip
        unpatched = [s for s in self.unpatched if s.startswith(be_name + "/")]
        if unpatched:
            self.warnings.append(
                f"backend {be_name}: max_ongoing_requests unknown for "
                f"{', '.join(s.split('/', 1)[1] for s in unpatched)}; their maxconn is left "
                "as Ray wrote it (give max_ongoing_requests, or use a fixed maxconn or an "
                "override)"
            )
