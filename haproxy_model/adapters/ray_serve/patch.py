"""Apply a :class:`~.policy.Policy` to the ``haproxy.cfg`` Ray Serve just wrote.

:func:`patch_ray_config` edits Ray's own file in place, line by line, with
the lossless model: the output differs from Ray's text only in the lines the
policy changes (a changed value keeps the line's spacing and comment; a new
line is indented like its neighbours and placed after its kin). Patching twice
is the same as patching once.

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

Which deployment a server belongs to: with a ``snapshot``, by its exact name
(:attr:`.Replica.server_name`). Servers the snapshot does not know (it may be
older than the file) and every server when ``snapshot`` is ``None`` are
resolved from Ray's file itself: the application and ingress deployment come
from the ``set-var-fmt(txn.serve_app|serve_deployment)`` rules Ray renders per
backend when its metrics are on (the default) and from the gRPC frontend's
``req.hdr(application)`` ACLs, else from the sanitised backend and server
names (``http-<app>``, ``SERVE_REPLICA_<app>-<deployment>-<id>``), which lose
characters outside ``[A-Za-z0-9._-]``; keys are then matched on their
sanitised form too.

``max_ongoing_requests`` (needed by ratio rules) comes from the snapshot, else
from the ``max_ongoing_requests`` argument (an int for every deployment, or a
mapping keyed ``"app/deployment"`` or ``"deployment"``). When it is unknown,
the server's ``maxconn`` is left as Ray wrote it, and
:attr:`PatchResult.missing_max_ongoing_requests` names the deployments.

A file whose layout is not Ray's (no ``global``/``defaults``, no Ray
frontend, replica servers outside Ray's application backends) raises
:class:`PatchError` naming the Ray version installed: never a guessed patch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

import haproxy_model as hm
from haproxy_model.base.errors import Error
from haproxy_model.base.values import Time
from haproxy_model.model.typed_sections import Backend, Proxy, TypedSection
from haproxy_model.model.views import add_line, insertion_point, top_directives
from haproxy_model.syntax.nodes import Directive

from .build import FRONTEND, parse_line, typed_line
from .policy import HealthCheck, Policy, ServerMaxconn
from .snapshot import REPLICA_ACTOR_PREFIX, ServeSnapshot, safe_name

__all__ = [
    "PatchError",
    "PatchResult",
    "merge_max_ongoing",
    "patch_ray_config",
    "patch_ray_config_report",
    "ray_version",
]

HTTP_PREFIX = "http-"
GRPC_PREFIX = "grpc-"
APP_BACKEND_PREFIXES = (HTTP_PREFIX, GRPC_PREFIX)
"""Ray names each application's backend ``<protocol>-<app>``."""
RAY_FRONTENDS = ("http_frontend", "grpc_frontend")
ROUTER_SUFFIX = "-via-ingress-request-router"
SERVER_PREFIX = safe_name(REPLICA_ACTOR_PREFIX)  # "SERVE_REPLICA_"

MaxOngoing = int | Mapping[str, int] | None


class PatchError(Error, ValueError):
    """Ray's file does not have a layout the patch knows (no ``defaults`` ...)."""


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


def ray_version() -> str | None:
    """The version of Ray installed here, or None."""
    import importlib.metadata

    try:
        return importlib.metadata.version("ray")
    except importlib.metadata.PackageNotFoundError:
        return None


def _layout_error(what: str) -> PatchError:
    version = ray_version()
    known = f"Ray {version} is installed here" if version else "Ray is not installed here"
    return PatchError(
        f"{what}: not a layout Ray Serve's HAProxy mode renders (the adapter knows "
        f"Ray 2.55-2.60; {known}); nothing was patched"
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


def lookup(table: Mapping[str, int], app: str, deployment: str, exact: bool) -> int | None:
    """``table``'s value for the deployment (``app/deployment``, then ``deployment``; names
    compared as Ray sanitises them unless ``exact``), or None."""
    for key in (f"{app}/{deployment}", deployment):
        if key in table:
            return table[key]
    for key, value in table.items():
        if _match_key(key, app, deployment, exact):
            return value
    return None


def _is_app_backend(name: str) -> bool:
    return name.startswith(APP_BACKEND_PREFIXES)


def _server_lines(section: Backend | hm.Listen) -> list[hm.Server]:
    """The ``server`` and ``server-template`` lines of a proxy, in file order."""
    return [
        line
        for line in hm.iter_lines(section.body)
        if isinstance(line, hm.Server) and not isinstance(line, hm.DefaultServer)
    ]


def _is_replica(server: hm.Server) -> bool:
    return server.name.startswith(SERVER_PREFIX) and not server.backup


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

    def _remove(self, section: TypedSection, lines: Sequence[Directive]) -> None:
        for line in lines:
            section.remove(line)
            self.changes.append(f"{_label(section)}: removed {' '.join(line.values)!r}")

    def _set_or_remove(
        self,
        section: TypedSection,
        keyword: str,
        args: Sequence[str] | None,
        after: Sequence[str] = (),
    ) -> None:
        if args is None:
            self._remove(section, section.find(keyword))
        else:
            self._set(section, keyword, args, after)

    def _extra(self, section: TypedSection, lines: Sequence[str]) -> None:
        for text in lines:
            new = parse_line(text)
            if any(d.values == new.values for d in top_directives(section)):
                continue
            section.add_directive(new)
            self.changes.append(f"{_label(section)}: added {text!r}")

    # -- the run -------------------------------------------------------------
    def _check_layout(self) -> tuple[hm.Global, hm.Defaults, list[Backend]]:
        glob = self.cfg.global_
        if glob is None:
            raise _layout_error("no global section")
        if not len(self.cfg.defaults):
            raise _layout_error("no defaults section")
        if not any(name in self.cfg.frontends for name in RAY_FRONTENDS):
            raise _layout_error(f"no frontend {' or '.join(RAY_FRONTENDS)}")
        for section in self.cfg.sections:
            if not isinstance(section, (hm.Backend, hm.Listen)):
                continue
            name = section.name or ""
            if _is_app_backend(name):
                continue
            stray = [s.name for s in _server_lines(section) if _is_replica(s)]
            if stray:
                raise _layout_error(
                    f"{section.keyword} {name}: replica servers ({', '.join(stray)}) outside "
                    "an http-<app> or grpc-<app> backend"
                )
        backends = [b for b in self.cfg.backends.values() if _is_app_backend(b.name or "")]
        return glob, self.cfg.defaults[0], backends

    def run(self) -> None:
        glob, defaults, backends = self._check_layout()
        primary = [b for b in backends if not (b.name or "").endswith(ROUTER_SUFFIX)]
        names = self._names_from_frontends()
        replicas = templates = 0
        for be in primary:
            for server in _server_lines(be):
                if _is_replica(server) and isinstance(server, hm.ServerTemplate):
                    templates += 1
                elif _is_replica(server):
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
                self._set_or_remove(be, "http-reuse", None if reuse is None else [reuse],
                                    after=("log",))  # fmt: skip
            self._servers(be, names)
        for be in primary:
            self._health(be)
            self._extra(be, self.policy.extra.backend)
        if FRONTEND in self.cfg.frontends:
            self._extra(self.cfg.frontends[FRONTEND], self.policy.extra.frontend)
        elif self.policy.extra.frontend:
            self.warnings.append(f"no frontend {FRONTEND!r}: extra.frontend lines not added")

    def _global(self, glob: hm.Global, replicas: int) -> None:
        p, given = self.policy, self.policy.given
        if "maxconn" in given:
            self._set_or_remove(glob, "maxconn", None if p.maxconn is None else [str(p.maxconn)])
        for keyword, rate, after in (
            ("maxconnrate", p.global_maxconnrate(replicas), ("maxconn",)),
            ("maxsessrate", p.global_maxsessrate(replicas), ("maxconnrate", "maxconn")),
        ):
            if keyword not in given:
                continue
            if rate is None:
                self._remove(glob, glob.find(keyword))
            elif rate:  # 0 (no replica yet) would mean "no limit": leave it out
                self._set(glob, keyword, [str(rate)], after=after)
        self._extra(glob, p.extra.global_)

    def _timeouts(self, section: Proxy, only_existing: bool) -> None:
        for kind, value in self.policy.timeouts.given_items():
            current = section.timeouts.get(kind)
            if value is None:
                if current is not None:
                    del section.timeouts[kind]
                    self.changes.append(f"{_label(section)}: removed timeout {kind}")
                continue
            if current is not None and Time.parse(value) == current:
                continue
            if current is None and only_existing:
                continue
            section.timeouts[kind] = value
            what = "added" if current is None else f"{current} ->"
            self.changes.append(f"{_label(section)}: timeout {kind} {what} {value}")

    def _defaults(self, defaults: hm.Defaults, backends: Sequence[Backend]) -> None:
        p, given = self.policy, self.policy.given
        if "timeouts" in given:
            self._timeouts(defaults, only_existing=False)
            for be in backends:  # a backend's own timeout would win
                self._timeouts(be, only_existing=True)
        if "retries" in given:
            retries = None if p.retries is None else [str(p.retries)]
            self._set_or_remove(defaults, "retries", retries, after=("retry-on",))
        if "retry_on" in given:
            current_on = defaults.find("retry-on")
            if p.retry_on is None:
                self._remove(defaults, current_on)
            elif not current_on or sorted(current_on[-1].args) != sorted(p.retry_on):
                self._set(defaults, "retry-on", list(p.retry_on), after=("retries", "option"))
        if "redispatch" in given:
            self._redispatch(defaults, p.redispatch)
        if "balance" in given:
            words = None if p.balance is None else p.balance.split()
            balance = defaults.find("balance")
            if words is None or not balance or balance[-1].args != words:
                self._set_or_remove(defaults, "balance", words)
            for be in backends:  # a backend's own balance would win
                own = be.find("balance")
                if own and (words is None or own[-1].args != words):
                    self._set_or_remove(be, "balance", words)
        self._extra(defaults, p.extra.defaults)

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
            self._remove(be, [d for d in be.find("http-check") if d.args[:1] == ["expect"]])
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
        _place(be, new, ("option",))
        self.changes.append(f"backend {be.name}: added 'http-check expect status {status}'")

    def _default_server(self, be: Backend, hc: HealthCheck) -> None:
        fields = [f for f in ("inter", "fastinter", "downinter", "rise", "fall") if f in hc.given]
        if not fields:
            return
        ds = be.default_server
        if ds is None:
            if not _server_lines(be) or all(getattr(hc, f) is None for f in fields):
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
    def _names_from_frontends(self) -> dict[str, dict[str, str]]:
        """``{backend: {"app": ..., "deployment": ...}}`` from Ray's frontends: the
        metric var rules (HTTP) and the ``application`` header ACLs (gRPC)."""
        out: dict[str, dict[str, str]] = {}
        for fe in self.cfg.frontends.values():
            for rule in fe.http_request:
                if rule.action not in ("set-var-fmt(txn.serve_app)",
                                       "set-var-fmt(txn.serve_deployment)"):  # fmt: skip
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
            for acl in fe.acls:
                words = acl.args
                if (acl.name or "").startswith("is_" + GRPC_PREFIX) and words[1:4] == [
                    "req.hdr(application)", "-m", "str"] and len(words) == 5:  # fmt: skip
                    out.setdefault(words[0][3:], {}).setdefault("app", words[4])
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
            # Ray's backend holds its application's ingress replicas only (named after
            # them, or `server-template` slots): the frontend's rules name the owner.
            return _Owner(app_name, dep_name, self._mor(app_name, dep_name, True), True)
        # sanitised names only
        safe_app = safe_name(app_name) if app_name else base.split("-", 1)[1]
        body = server[len(SERVER_PREFIX) :]
        if safe_app and body.startswith(safe_app + "-"):
            body = body[len(safe_app) + 1 :]
        deployment = body.rsplit("-", 1)[0] if "-" in body.rstrip("-") else body.rstrip("-")
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
        return lookup(table, app, deployment, exact)

    def _maxconn(self, owner: _Owner) -> tuple[bool, int | None]:
        """``(known, value)``: the server's ``maxconn``; ``known`` False: unknown."""
        rule: ServerMaxconn | None = self.policy.server_maxconn_rule
        if rule is None:
            return True, None
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
        """The policy's traffic observation on a replica server that runs checks."""
        hc = self.policy.health_check
        if "health_check" not in self.policy.given or hc is None or server.track is not None:
            return
        for field in ("observe", "error_limit", "on_error"):
            if field in hc.given and getattr(server, field) != getattr(hc, field):
                setattr(server, field, getattr(hc, field))

    def _servers(self, be: Backend, names: Mapping[str, Mapping[str, str]]) -> None:
        be_name = be.name or ""
        given = self.policy.given
        for server in _server_lines(be):
            if not _is_replica(server):
                continue
            before = server.raw
            if "server_maxconn_rule" in given:
                owner = self._owner(be_name, server.name, names)
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
