"""Apply a :class:`~.policy.Policy` to the ``haproxy.cfg`` Ray Serve just wrote.

:func:`patch_ray_config` edits Ray's own file in place, line by line, with
the lossless model: the output differs from Ray's text only in the lines the
policy changes (a changed value keeps the line's spacing and comment; a new
line is indented like its neighbours and placed after its kin), and a policy
that matches what Ray rendered changes nothing. Patching twice is the same as
patching once.

What is edited, and where (ray 2.60 template):

* ``global``: ``maxconn``; ``maxconnrate``/``maxsessrate`` (``per_replica``
  times the number of replica ``server`` lines in the file; left out while
  that is 0); ``extra.global``.
* the ``defaults`` section: every set timeout, ``retries``, ``retry-on``,
  ``option redispatch`` (any enabled form, such as Ray's ``option redispatch
  1``, counts as enabled), ``balance``; ``extra.defaults``.
* each ``backend http-<app>``: ``http-reuse``; ``option httpchk METHOD PATH``
  and ``http-check expect status N`` (only where Ray renders an HTTP check);
  ``default-server`` ``inter``/``fastinter``/``downinter``/``rise``/``fall``;
  ``maxconn``/``maxqueue`` and ``observe``/``error-limit``/``on-error`` on
  every replica ``server`` (the fallback
  ``backup`` server, Ray's own proxy, is left alone); ``extra.backend``.
  ``http-<app>-via-ingress-request-router`` backends get ``http-reuse`` and
  the server ``maxconn``/``maxqueue`` too (each of its servers is a second
  HAProxy server for the same replica, so a replica may then see up to twice
  the limit). ``grpc-*`` backends are not touched.
* ``frontend http_frontend``: ``extra.frontend``.

A ``None`` in the policy means "leave Ray's line as it is", never "remove it".
Timeouts are compared as durations (``3600s`` equals ``1h``).

Which deployment a server belongs to: with a ``snapshot``, by its exact name
(:attr:`.Replica.server_name`). Servers the snapshot does not know (it may be
older than the file) and every server when ``snapshot`` is ``None`` are
resolved from Ray's file itself: the application and ingress deployment come
from the ``set-var-fmt(txn.serve_app|serve_deployment)`` rules Ray renders per
backend when its metrics are on (the default), else from the sanitised backend
and server names (``http-<app>``, ``SERVE_REPLICA_<app>-<deployment>-<id>``),
which lose characters outside ``[A-Za-z0-9._-]``; override keys are then
matched on their sanitised form too.

``max_ongoing_requests`` (needed by ratio rules) comes from the snapshot, else
from the ``max_ongoing_requests`` argument (an int for every deployment, or a
mapping keyed ``"app/deployment"`` or ``"deployment"``). When it is unknown,
a server gets ``maxconn`` only from a ``fixed`` rule or an override; otherwise
it is left unchanged and a warning says so (:func:`patch_ray_config_report`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

import haproxy_model as hm
from haproxy_model.model.typed_sections import Backend, TypedSection
from haproxy_model.model.views import add_line, insertion_point, top_directives
from haproxy_model.nodes import Directive
from haproxy_model.values import Time

from .build import FRONTEND, parse_line, typed_line
from .policy import Policy, ServerMaxconn
from .snapshot import REPLICA_ACTOR_PREFIX, ServeSnapshot, replica_actor_name, safe_name

__all__ = ["PatchError", "PatchResult", "patch_ray_config", "patch_ray_config_report"]

HTTP_PREFIX = "http-"
ROUTER_SUFFIX = "-via-ingress-request-router"
SERVER_PREFIX = safe_name(REPLICA_ACTOR_PREFIX)  # "SERVE_REPLICA_"

MaxOngoing = int | Mapping[str, int] | None


class PatchError(ValueError):
    """Ray's file does not have the shape the patch expects (no ``defaults`` ...)."""


@attrs.frozen
class PatchResult:
    """The patched text, one line per edit, and what could not be applied."""

    text: str
    changes: tuple[str, ...]
    warnings: tuple[str, ...]


@attrs.frozen
class _Dep:
    """The minimum :meth:`ServerMaxconn.compute` needs."""

    name: str
    app: str
    max_ongoing_requests: int


@attrs.frozen
class _Owner:
    """The deployment a server belongs to; ``exact`` is False for sanitised names."""

    app: str
    deployment: str
    max_ongoing_requests: int | None
    exact: bool


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
    """:func:`patch_ray_config`, also listing every edit and every warning."""
    cfg = hm.parse(text, filename=filename)
    patcher = _Patcher(cfg, snapshot, policy, max_ongoing_requests)
    patcher.run()
    return PatchResult(
        text=hm.dumps(cfg), changes=tuple(patcher.changes), warnings=tuple(patcher.warnings)
    )


# --------------------------------------------------------------------------- helpers


def _place(section: TypedSection, line: Directive, after: Sequence[str]) -> None:
    """Insert ``line`` after the last top-level line whose keyword is in ``after``."""
    body = section.body
    index = -1
    for keyword in after:
        found = [i for i, n in enumerate(body) if isinstance(n, Directive) and n.keyword == keyword]
        if found:
            index = found[-1]
            break
    if index < 0:
        index = insertion_point(section, line.keyword, avoid=(hm.Server,))
    like = body[index] if index >= 0 else None
    add_line(section, line, index, like=like if isinstance(like, Directive) else None)


def _label(section: hm.Section) -> str:
    return section.keyword if section.name is None else f"{section.keyword} {section.name}"


def _unescape_fmt(value: str) -> str:
    """Undo Ray's ``haproxy_fmt`` escaping left after word decoding (``%%`` -> ``%``)."""
    return value.replace("%%", "%")


def _match_key(key: str, app: str, deployment: str, exact: bool) -> bool:
    norm = (lambda s: s) if exact else safe_name
    if "/" in key:
        k_app, k_dep = key.split("/", 1)
        return norm(k_app) == app and norm(k_dep) == deployment
    return norm(key) == deployment


def _lookup(table: Mapping[str, int], app: str, deployment: str, exact: bool) -> int | None:
    for key in (f"{app}/{deployment}", deployment):
        if key in table:
            return table[key]
    for key, value in table.items():
        if _match_key(key, app, deployment, exact):
            return value
    return None


@attrs.define
class _Patcher:
    cfg: hm.Config
    snapshot: ServeSnapshot | None
    policy: Policy
    max_ongoing: MaxOngoing
    changes: list[str] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)

    # -- generic edits -------------------------------------------------------
    def _set(
        self, section: TypedSection, keyword: str, args: Sequence[str], after: Sequence[str] = ()
    ) -> None:
        """Make the (last) ``keyword`` line read ``keyword args``; add it if missing."""
        lines = section.find(keyword)
        if lines:
            line = lines[-1]
            if line.args == list(args):
                return
            old = " ".join(line.values)
            line.set_values([keyword, *args])
            self.changes.append(f"{_label(section)}: {old!r} -> {' '.join(line.values)!r}")
            return
        new = typed_line([keyword, *args])
        _place(section, new, after)
        self.changes.append(f"{_label(section)}: added {' '.join(new.values)!r}")

    def _extra(self, section: TypedSection, lines: Sequence[str]) -> None:
        for text in lines:
            new = parse_line(text)
            if any(d.values == new.values for d in top_directives(section)):
                continue
            section.add_directive(new)
            self.changes.append(f"{_label(section)}: added {text!r}")

    # -- the run -------------------------------------------------------------
    def run(self) -> None:
        glob = self.cfg.global_
        if glob is None:
            raise PatchError("no global section: not a Ray Serve HAProxy config")
        if not len(self.cfg.defaults):
            raise PatchError("no defaults section: not a Ray Serve HAProxy config")
        defaults = self.cfg.defaults[0]
        backends = [b for b in self.cfg.backends.values() if (b.name or "").startswith("http-")]
        primary = [b for b in backends if not (b.name or "").endswith(ROUTER_SUFFIX)]
        names = self._names_from_frontend()
        replicas = 0
        for be in primary:
            replicas += sum(1 for s in be.servers.values() if self._is_replica(s))
        self._global(glob, replicas)
        self._defaults(defaults)
        for be in backends:
            self._set(be, "http-reuse", [self.policy.http_reuse], after=("log",))
            self._servers(be, names)
        for be in primary:
            self._health(be)
            self._extra(be, self.policy.extra.backend)
        if FRONTEND in self.cfg.frontends:
            self._extra(self.cfg.frontends[FRONTEND], self.policy.extra.frontend)
        elif self.policy.extra.frontend:
            self.warnings.append(f"no frontend {FRONTEND!r}: extra.frontend lines not added")

    def _global(self, glob: hm.Global, replicas: int) -> None:
        p = self.policy
        if p.maxconn is not None:
            self._set(glob, "maxconn", [str(p.maxconn)])
        for keyword, rate, after in (
            ("maxconnrate", p.global_maxconnrate(replicas), ("maxconn",)),
            ("maxsessrate", p.global_maxsessrate(replicas), ("maxconnrate", "maxconn")),
        ):
            if rate:
                self._set(glob, keyword, [str(rate)], after=after)
        self._extra(glob, p.extra.global_)

    def _defaults(self, defaults: hm.Defaults) -> None:
        p = self.policy
        timeouts = defaults.timeouts
        for kind, value in p.timeouts.items():
            current = timeouts.get(kind)
            if current is not None and Time.parse(value) == current:
                continue
            before = None if current is None else str(current)
            timeouts[kind] = value
            what = "added" if before is None else f"{before} ->"
            self.changes.append(f"defaults: timeout {kind} {what} {value}")
        if p.retries is not None:
            self._set(defaults, "retries", [str(p.retries)], after=("retry-on",))
        current_on = defaults.find("retry-on")
        if not current_on or sorted(current_on[-1].args) != sorted(p.retry_on):
            self._set(defaults, "retry-on", list(p.retry_on), after=("retries", "option"))
        enabled = defaults.options.enabled("redispatch")
        if bool(enabled) != p.redispatch:
            defaults.options["redispatch"] = p.redispatch
            state = "on" if p.redispatch else "off"
            self.changes.append(f"defaults: option redispatch {state}")
        balance = defaults.find("balance")
        if not balance or balance[-1].args != p.balance.split():
            self._set(defaults, "balance", p.balance.split())
        self._extra(defaults, p.extra.defaults)
        for be in self.cfg.backends.values():  # a backend's own balance would win
            if be.find("balance") and be.find("balance")[-1].args != p.balance.split():
                self._set(be, "balance", p.balance.split())
        for be in self.cfg.backends.values():  # likewise its own timeouts
            if not (be.name or "").startswith(HTTP_PREFIX):
                continue
            for kind, value in p.timeouts.items():
                current = be.timeouts.get(kind)
                if current is not None and Time.parse(value) != current:
                    be.timeouts[kind] = value
                    self.changes.append(f"backend {be.name}: timeout {kind} {current} -> {value}")

    def _health(self, be: Backend) -> None:
        hc = self.policy.health_check
        chk = be.options.get("httpchk")
        if chk is not None and not chk.negated:
            if chk.arguments != [hc.method, hc.path]:
                old = " ".join(chk.values)
                chk.set_values([*chk.values[: len(chk.values) - len(chk.arguments)],
                                hc.method, hc.path])  # fmt: skip
                self.changes.append(f"backend {be.name}: {old!r} -> {' '.join(chk.values)!r}")
            expects = [d for d in be.find("http-check") if d.args[:2] == ["expect", "status"]]
            status = str(hc.expect_status)
            if expects:
                if expects[-1].args[2:] != [status]:
                    old = " ".join(expects[-1].values)
                    expects[-1].set_values(["http-check", "expect", "status", status])
                    self.changes.append(f"backend {be.name}: {old!r} -> 'http-check expect "
                                        f"status {status}'")  # fmt: skip
            else:
                new = typed_line(["http-check", "expect", "status", status])
                _place(be, new, ("option",))
                self.changes.append(f"backend {be.name}: added 'http-check expect status'")
        ds = be.default_server
        if ds is None:
            if not be.servers:
                return
            ds = hm.DefaultServer()
            be.default_server = ds
            ds = be.default_server
            assert ds is not None
        before = ds.raw
        for field in ("inter", "fastinter", "downinter"):
            value = getattr(hc, field)
            if value is not None and getattr(ds, field) != Time.parse(value):
                setattr(ds, field, value)
        for field in ("rise", "fall"):
            value = getattr(hc, field)
            if value is not None and getattr(ds, field) != value:
                setattr(ds, field, value)
        if ds.raw != before:
            self.changes.append(f"backend {be.name}: {before.strip()!r} -> {ds.raw.strip()!r}")

    # -- servers ---------------------------------------------------------------
    @staticmethod
    def _is_replica(server: hm.Server) -> bool:
        return server.name.startswith(SERVER_PREFIX) and not server.backup

    def _names_from_frontend(self) -> dict[str, dict[str, str]]:
        """``{backend: {"app": ..., "deployment": ...}}`` from Ray's metric var rules."""
        out: dict[str, dict[str, str]] = {}
        for fe in self.cfg.frontends.values():
            for rule in fe.http_request:
                if rule.action != "set-var-fmt(txn.serve_app)" and rule.action != (
                    "set-var-fmt(txn.serve_deployment)"
                ):
                    continue
                cond = rule.condition
                if cond is None or not rule.arguments:
                    continue
                key = "app" if rule.action.endswith("serve_app)") else "deployment"
                for word in cond[1]:
                    if word.startswith("is_"):
                        out.setdefault(word[3:], {}).setdefault(
                            key, _unescape_fmt(rule.arguments[0])
                        )
                        break
        return out

    def _owner(self, be_name: str, server: str, names: Mapping[str, Mapping[str, str]]) -> _Owner:
        base = be_name[: -len(ROUTER_SUFFIX)] if be_name.endswith(ROUTER_SUFFIX) else be_name
        snap = self.snapshot
        if snap is not None:
            for app in snap.applications:
                for dep in app.deployments:
                    if any(r.server_name == server for r in dep.replicas):
                        return _Owner(app.name, dep.name, dep.max_ongoing_requests, True)
        known = names.get(base, {})
        app_name = known.get("app")
        dep_name = known.get("deployment")
        if snap is not None and app_name is None:
            for app in snap.applications:
                if app.backend_name == base:
                    app_name = app.name
                    dep_name = dep_name or app.ingress_deployment
        if app_name is not None and dep_name is not None:
            prefix = safe_name(replica_actor_name(app_name, dep_name, ""))
            if server.startswith(prefix):
                return _Owner(app_name, dep_name, self._mor(app_name, dep_name, True), True)
        # sanitised names only
        safe_app = base[len(HTTP_PREFIX) :]
        body = server[len(SERVER_PREFIX) :]
        if safe_app and body.startswith(safe_app + "-"):
            body = body[len(safe_app) + 1 :]
        deployment = body.rsplit("-", 1)[0] if "-" in body else body
        return _Owner(safe_app, deployment, self._mor(safe_app, deployment, False), False)

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
        return _lookup(table, app, deployment, exact)

    def _maxconn(self, owner: _Owner) -> tuple[bool, int | None]:
        """``(known, value)``: the server's ``maxconn``; ``known`` False: leave it."""
        rule: ServerMaxconn | None = self.policy.server_maxconn_rule
        if rule is None:
            return False, None
        for key, value in rule.overrides.items():
            if key in (f"{owner.app}/{owner.deployment}", owner.deployment):
                return True, value
        for key, value in rule.overrides.items():
            if _match_key(key, owner.app, owner.deployment, owner.exact):
                return True, value
        if rule.fixed is not None:
            return True, rule.fixed
        if owner.max_ongoing_requests is None:
            return False, None
        dep = _Dep(owner.deployment, owner.app, owner.max_ongoing_requests)
        return True, rule.compute(dep)

    def _observe(self, server: hm.Server) -> None:
        """The policy's traffic observation on a replica server (Ray renders the same
        ``observe layer4 error-limit 3 on-error mark-down`` by default)."""
        hc = self.policy.health_check
        if hc.observe is not None and server.observe != hc.observe:
            server.observe = hc.observe
        if hc.error_limit is not None and server.error_limit != hc.error_limit:
            server.error_limit = hc.error_limit
        if hc.on_error is not None and server.on_error != hc.on_error:
            server.on_error = hc.on_error

    def _servers(self, be: Backend, names: Mapping[str, Mapping[str, str]]) -> None:
        be_name = be.name or ""
        unknown: list[str] = []
        for server in be.servers.values():
            if not self._is_replica(server):
                continue
            before = server.raw
            owner = self._owner(be_name, server.name, names)
            known, value = self._maxconn(owner)
            if known:
                if server.maxconn != value:
                    server.maxconn = value
            elif self.policy.server_maxconn_rule is not None:
                unknown.append(server.name)
            if self.policy.maxqueue is not None and server.maxqueue != self.policy.maxqueue:
                server.maxqueue = self.policy.maxqueue
            self._observe(server)
            if server.raw != before:
                self.changes.append(f"backend {be_name}: server {server.name}: "
                                    f"{before.strip()!r} -> {server.raw.strip()!r}")  # fmt: skip
        if unknown:
            self.warnings.append(
                f"backend {be_name}: max_ongoing_requests unknown for "
                f"{', '.join(unknown)}; their maxconn is left as Ray wrote it (pass a "
                "snapshot or max_ongoing_requests, or use a fixed maxconn or an override)"
            )
