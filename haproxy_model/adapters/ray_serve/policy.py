"""A typed HAProxy tuning policy for Ray Serve, loadable from YAML, TOML or JSON.

Defaults reproduce what Ray Serve's HAProxy mode renders (ray 2.60,
``ray/serve/_private/constants.py`` and ``haproxy_templates.py``) except that
each replica ``server`` gets ``maxconn`` equal to its deployment's
``max_ongoing_requests`` (Ray renders none). File layout::

    global:       {maxconn, maxconnrate, maxsessrate}   # rates: int or {per_replica: int}
    timeouts:     {connect, client, server, http-request, queue, http-keep-alive, tunnel}
    retries: 1
    retry_on: conn-failure            # string or list
    redispatch: true
    balance: leastconn
    http_reuse: always
    health_check: {path, method, expect_status, inter, fastinter, downinter, rise, fall,
                   observe, error_limit, on_error}
    server:
      maxconn: {ratio, floor, cap, fixed, overrides: {"app/deployment" | "deployment": int|null}}
      maxqueue: 0
    extra:        {global: [...], defaults: [...], frontend: [...], backend: [...]}

``-`` and ``_`` are interchangeable in keys. An unknown key, at any level,
raises :class:`PolicyError` naming the key and the file and line it is on.

**The overlay rule.** A policy is an overlay: every key is either absent,
a value, or ``null`` (``None`` in Python). Each class records the keys it
was given in ``given``. Applied to the config Ray wrote
(:func:`~.patch.patch_ray_config`), an absent key leaves Ray's directive
exactly as Ray wrote it, a value sets it, and ``null`` removes it. Built from
scratch (:func:`~.build.build_config`), an absent key takes the default shown
on its field (the values Ray renders), and ``null`` leaves the directive out.
The grouping keys ``global``, ``timeouts``, ``server`` and ``extra`` only hold
other keys (``null`` there is the same as ``{}``); ``health_check: null``
removes the HTTP health check (``option httpchk``, ``http-check expect``).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import attrs

from haproxy_model.base.errors import InvalidValue

from .policy_documents import (
    Path_,
    PolicyError,
    _check,
    _Ctx,
    _dotted,
    _int,
    _join,
    _json_key_pattern,
    _load_toml,
    _load_yaml,
    _locate,
    _Section,
    _str,
    _toml_key_pattern,
)

__all__ = [
    "TCP_CHECK",
    "UNSET",
    "Extra",
    "HealthCheck",
    "Policy",
    "PolicyError",
    "RateLimit",
    "ServerMaxconn",
    "Timeouts",
]

TIME_RE = re.compile(r"[0-9]+(?:us|ms|s|m|h|d)?")
"""An HAProxy time: digits and an optional unit (milliseconds when none)."""

RETRY_ON_KEYWORDS = frozenset(
    {"none", "conn-failure", "empty-response", "junk-response", "response-timeout",
     "0rtt-rejected", "all-retryable-errors",
     "401", "403", "404", "408", "425", "500", "501", "502", "503", "504"}
)  # fmt: skip
BALANCE_ALGORITHMS = frozenset(
    {"roundrobin", "static-rr", "leastconn", "first", "source", "uri", "url_param",
     "hdr", "random", "rdp-cookie", "hash"}
)  # fmt: skip
HTTP_REUSE_MODES = frozenset({"never", "safe", "aggressive", "always"})
EXTRA_SECTIONS = ("global", "defaults", "frontend", "backend")


class _Unset:
    """The type of :data:`UNSET`."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""The default of every policy key: "not given". Replaced at construction by the
key's own default, the key then left out of ``given``."""

_STANDALONE = "haproxy_model.standalone_default"


WRITES = "haproxy_model.writes"
"""Field metadata: the directive a key writes (the README's policy table shows it)."""


def _key(
    default: Any = None,
    *,
    factory: Callable[[], Any] | None = None,
    validator: Callable[[Any, attrs.Attribute[Any], Any], None] | None = None,
    writes: str = "",
) -> Any:
    """An overlay key: ``UNSET`` until given, then its standalone ``default``."""

    def check(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
        if validator is not None and value is not UNSET:
            validator(inst, attr, value)

    make = factory if factory is not None else (lambda: default)
    return attrs.field(default=UNSET, validator=check, metadata={_STANDALONE: make, WRITES: writes})


def _settle(inst: Any) -> None:
    """Fill every key left ``UNSET`` with its default; record the others in ``given``."""
    given = []
    for field in attrs.fields(type(inst)):
        make = field.metadata.get(_STANDALONE)
        if make is None:
            continue
        if getattr(inst, field.name) is UNSET:
            object.__setattr__(inst, field.name, make())
        else:
            given.append(field.name)
    object.__setattr__(inst, "given", frozenset(given))


def _given_field() -> Any:
    return attrs.field(init=False, factory=frozenset, repr=False)


# --------------------------------------------------------------------------- model


def _is_time(_inst: object, attr: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not TIME_RE.fullmatch(value):
        raise InvalidValue(f"{attr.name}: {value!r} is not an HAProxy time (e.g. 500ms, 5s, 2m)")


def _positive(_inst: object, attr: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 1:
        raise InvalidValue(f"{attr.name} must be >= 1, got {value}")


def _non_negative(_inst: object, attr: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 0:
        raise InvalidValue(f"{attr.name} must be >= 0, got {value}")


@attrs.frozen(kw_only=True)
class Timeouts:
    """``timeout`` values as HAProxy time strings; ``None`` leaves one unset
    (removes it from Ray's config, when given)."""

    connect: str | None = _key("5s", validator=_is_time, writes="`timeout connect` in `defaults`")
    client: str | None = _key("3600s", validator=_is_time, writes="`timeout client` in `defaults`")
    server: str | None = _key(None, validator=_is_time, writes="`timeout server` in `defaults`")
    http_request: str | None = _key(
        None, validator=_is_time, writes="`timeout http-request` in `defaults`"
    )
    queue: str | None = _key(None, validator=_is_time, writes="`timeout queue` in `defaults`")
    http_keep_alive: str | None = _key(
        None, validator=_is_time, writes="`timeout http-keep-alive` in `defaults`"
    )
    tunnel: str | None = _key(None, validator=_is_time, writes="`timeout tunnel` in `defaults`")
    given: frozenset[str] = _given_field()
    """The keys this policy set (``None`` included); the others are defaults."""

    def __attrs_post_init__(self) -> None:
        _settle(self)

    def items(self) -> tuple[tuple[str, str], ...]:
        """``(haproxy_name, value)`` for every set timeout, e.g. ``("http-request", "30s")``."""
        out = []
        for field in attrs.fields(Timeouts):
            value = getattr(self, field.name)
            if isinstance(value, str):
                out.append((field.name.replace("_", "-"), value))
        return tuple(out)

    def given_items(self) -> tuple[tuple[str, str | None], ...]:
        """``(haproxy_name, value or None)`` for every timeout the policy names."""
        return tuple(
            (f.name.replace("_", "-"), getattr(self, f.name))
            for f in attrs.fields(Timeouts)
            if f.name in self.given
        )


@attrs.frozen(kw_only=True)
class RateLimit:
    """A rate either ``fixed`` or ``per_replica`` (times the replica count)."""

    fixed: int | None = attrs.field(default=None, validator=_non_negative)
    per_replica: int | None = attrs.field(default=None, validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        if (self.fixed is None) == (self.per_replica is None):
            raise InvalidValue("set exactly one of 'fixed' and 'per_replica'")

    def resolve(self, replicas: int) -> int:
        """The rate for ``replicas`` servers."""
        if self.fixed is not None:
            return self.fixed
        assert self.per_replica is not None
        return self.per_replica * max(replicas, 0)


ON_ERROR_ACTIONS = ("fastinter", "fail-check", "sudden-death", "mark-down")
"""HAProxy's ``on-error`` actions."""


@attrs.frozen(kw_only=True)
class HealthCheck:
    """``option httpchk`` / ``http-check expect`` / ``default-server`` check settings.

    ``observe``/``error_limit``/``on_error`` (Ray's defaults: ``layer4``, 3,
    ``mark-down``) also judge a server by its live traffic: after
    ``error_limit`` consecutive connection errors it is marked down at once,
    not at its next failed check; a replica that died takes no more requests.
    """

    path: str = _key(
        "/-/healthz", writes="the path of `option httpchk METHOD PATH` (HTTP backends)"
    )
    method: str = _key("GET", writes="the method of `option httpchk METHOD PATH`")
    expect_status: int = _key(200, writes="`http-check expect status N`")
    inter: str | None = _key(
        "5s", validator=_is_time, writes="`inter` on each backend's `default-server`"
    )
    fastinter: str | None = _key(
        "250ms", validator=_is_time, writes="`fastinter` on `default-server`"
    )
    downinter: str | None = _key(
        "250ms", validator=_is_time, writes="`downinter` on `default-server`"
    )
    rise: int | None = _key(2, validator=_positive, writes="`rise` on `default-server`")
    fall: int | None = _key(2, validator=_positive, writes="`fall` on `default-server`")
    observe: str | None = _key(
        "layer4", writes="`observe` on replica servers that run checks (not `track` ones)"
    )
    error_limit: int | None = _key(
        3, validator=_positive, writes="`error-limit` on replica servers that run checks"
    )
    on_error: str | None = _key("mark-down", writes="`on-error` on replica servers that run checks")
    given: frozenset[str] = _given_field()
    """The keys this policy set (``None`` included); the others are defaults."""

    def __attrs_post_init__(self) -> None:
        _settle(self)
        if self.observe not in (None, "layer4", "layer7"):
            raise InvalidValue(f"observe must be layer4 or layer7, got {self.observe!r}")
        if self.on_error not in (None, *ON_ERROR_ACTIONS):
            raise InvalidValue(
                f"on_error must be one of {', '.join(ON_ERROR_ACTIONS)}, got {self.on_error!r}"
            )
        if not self.path.startswith("/") or re.search(r"\s", self.path):
            raise InvalidValue(f"path must start with '/' and hold no spaces, got {self.path!r}")
        if not re.fullmatch(r"[A-Z]+", self.method):
            raise InvalidValue(f"method must be an upper-case HTTP method, got {self.method!r}")
        if not 100 <= self.expect_status <= 599:
            raise InvalidValue(f"expect_status must be 100..599, got {self.expect_status}")


TCP_CHECK = HealthCheck(
    inter=None, fastinter=None, downinter=None, rise=None, fall=None,
    observe=None, error_limit=None, on_error=None,
)  # fmt: skip
"""The check tuning of ``health_check: null``: HAProxy's own defaults, no observation."""


class _DeploymentLike(Protocol):
    """Read-only, so frozen attrs classes such as ``Deployment`` satisfy it."""

    @property
    def name(self) -> str: ...
    @property
    def app(self) -> str: ...
    @property
    def max_ongoing_requests(self) -> int: ...


@attrs.frozen(kw_only=True)
class ServerMaxconn:
    """Per-server ``maxconn`` from a deployment's ``max_ongoing_requests``.

    ``fixed`` if set, else ``max(floor, floor(ratio * max_ongoing_requests))``
    limited to ``cap``. ``overrides`` keyed ``"app/deployment"`` (checked
    first) or ``"deployment"`` win outright; an override of ``None`` means no
    ``maxconn``. Results are never below 1: HAProxy reads 0 as "no limit".
    """

    ratio: float = 1.0
    floor: int = attrs.field(default=1, validator=_positive)
    cap: int | None = attrs.field(default=None, validator=_positive)
    fixed: int | None = attrs.field(default=None, validator=_positive)
    overrides: Mapping[str, int | None] = attrs.field(factory=dict, hash=False)

    def __attrs_post_init__(self) -> None:
        if not (math.isfinite(self.ratio) and self.ratio > 0):
            raise InvalidValue(f"ratio must be > 0, got {self.ratio}")
        if self.cap is not None and self.cap < self.floor:
            raise InvalidValue(f"cap ({self.cap}) is below floor ({self.floor})")
        for key, value in self.overrides.items():
            if value is not None and value < 1:
                raise InvalidValue(f"override {key!r} must be >= 1 or null, got {value}")

    def compute(self, deployment: _DeploymentLike) -> int | None:
        """The ``maxconn`` for each server of ``deployment``."""
        for key in (f"{deployment.app}/{deployment.name}", deployment.name):
            if key in self.overrides:
                return self.overrides[key]
        if self.fixed is not None:
            return self.fixed
        value = math.floor(Fraction(repr(self.ratio)) * deployment.max_ongoing_requests)
        value = max(self.floor, value)
        return value if self.cap is None else min(self.cap, value)


@attrs.frozen(kw_only=True)
class Extra:
    """Raw directive lines appended to each kind of section."""

    global_: tuple[str, ...] = ()
    defaults: tuple[str, ...] = ()
    frontend: tuple[str, ...] = ()
    backend: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Policy:
    """How to turn a :class:`~.snapshot.ServeSnapshot` into tuned HAProxy settings.

    ``maxconn``/``maxconnrate``/``maxsessrate`` are the ``global`` section's;
    ``server_maxconn_rule`` is ``None`` when servers get no ``maxconn``.
    """

    maxconn: int | None = _key(4096, validator=_positive, writes="`maxconn` in `global`")
    maxconnrate: RateLimit | None = _key(
        None, writes="`maxconnrate` in `global` (`per_replica`: times the replica servers)"
    )
    maxsessrate: RateLimit | None = _key(
        None, writes="`maxsessrate` in `global` (`per_replica`: times the replica servers)"
    )
    timeouts: Timeouts = _key(factory=Timeouts, writes="the `timeout` lines below")
    retries: int | None = _key(None, validator=_non_negative, writes="`retries` in `defaults`")
    retry_on: tuple[str, ...] | None = _key(("conn-failure",), writes="`retry-on` in `defaults`")
    redispatch: bool | None = _key(
        True, writes="`option redispatch` / `no option redispatch` in `defaults`"
    )
    balance: str | None = _key(
        "leastconn", writes="`balance` in `defaults` (and where a backend sets its own)"
    )
    http_reuse: str | None = _key("always", writes="`http-reuse` in each application backend")
    health_check: HealthCheck | None = _key(
        factory=HealthCheck,
        writes="the HTTP health check (`null`: removes `option httpchk` and `http-check expect`)",
    )
    server_maxconn_rule: ServerMaxconn | None = _key(
        factory=ServerMaxconn,
        writes="`maxconn` on every replica `server`/`server-template`, from `max_ongoing_requests`",
    )
    maxqueue: int | None = _key(
        None, validator=_non_negative, writes="`maxqueue` on every replica server"
    )
    extra: Extra = attrs.field(factory=Extra)
    source: str = attrs.field(default="<defaults>", eq=False)
    given: frozenset[str] = _given_field()
    """The keys this policy set (``None`` included); the others are defaults."""

    def __attrs_post_init__(self) -> None:
        _settle(self)
        if self.retry_on is not None:
            bad = [w for w in self.retry_on if w not in RETRY_ON_KEYWORDS]
            if bad or not self.retry_on:
                raise InvalidValue(f"retry_on: unknown keyword(s) {bad or self.retry_on!r}")
        if self.balance is not None:
            algorithm = re.split(r"[\s(]", self.balance, maxsplit=1)[0]
            if algorithm not in BALANCE_ALGORITHMS:
                raise InvalidValue(f"balance: unknown algorithm {algorithm!r}")
        if self.http_reuse is not None and self.http_reuse not in HTTP_REUSE_MODES:
            raise InvalidValue(f"http_reuse: must be one of {sorted(HTTP_REUSE_MODES)}")

    def server_maxconn(self, deployment: _DeploymentLike) -> int | None:
        """Per-server ``maxconn`` for the replicas of ``deployment`` (``None``: unset)."""
        if self.server_maxconn_rule is None:
            return None
        return self.server_maxconn_rule.compute(deployment)

    def check_tuning(self) -> HealthCheck:
        """The health check's tuning for servers (:data:`TCP_CHECK` without one)."""
        return TCP_CHECK if self.health_check is None else self.health_check

    def global_maxconnrate(self, replicas: int) -> int | None:
        """``global maxconnrate`` for ``replicas`` servers in total."""
        return None if self.maxconnrate is None else self.maxconnrate.resolve(replicas)

    def global_maxsessrate(self, replicas: int) -> int | None:
        """``global maxsessrate`` for ``replicas`` servers in total."""
        return None if self.maxsessrate is None else self.maxsessrate.resolve(replicas)

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any],
        *,
        source: str = "<mapping>",
        lines: Callable[[Path_], int | None] | None = None,
    ) -> Policy:
        """Build a policy from plain data; ``lines`` maps a key path to its line."""
        ctx = _Ctx(source, lines or (lambda _path: None))
        return _parse_policy(data, ctx)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Policy:
        """Load ``.yaml``/``.yml``, ``.toml`` or ``.json``; errors carry file and line."""
        if not isinstance(path, (str, os.PathLike)):
            raise PolicyError(f"a policy path is a str or a PathLike, not {type(path).__name__}",
                              filename="<policy>")  # fmt: skip
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:  # missing, a directory, not UTF-8, a NUL...
            reason = getattr(exc, "strerror", None) or str(exc)
            raise PolicyError(f"cannot read the policy: {reason}", filename=str(path)) from None
        filename = str(path)
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml"):
            data, found = _load_yaml(text, filename)
            return cls.from_mapping(data, source=filename, lines=found.get)
        if suffix == ".json":
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise PolicyError(
                    f"invalid JSON: {exc.msg}", filename=filename, line=exc.lineno
                ) from exc
            found = _locate(data, text, _json_key_pattern)
            return cls.from_mapping(data, source=filename, lines=found.get)
        if suffix == ".toml":
            data = _load_toml(text, filename)
            found = _locate(data, text, _toml_key_pattern)
            return cls.from_mapping(data, source=filename, lines=found.get)
        raise PolicyError(
            "unsupported policy file type (use .yaml, .yml, .toml or .json)", filename=filename
        )


def _time(sec: _Section, name: str, default: str | None) -> str | None:
    value = sec.get(name, default)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str) or not TIME_RE.fullmatch(value):
        raise sec.ctx.error(
            sec.at(name),
            f"{_dotted(sec.at(name))}: {value!r} is not an HAProxy time "
            "(digits with an optional unit us, ms, s, m, h or d, e.g. 5s)",
        )
    return value


def _rate(sec: _Section, name: str) -> RateLimit | None:
    value, path = sec.get(name), sec.at(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _check(sec.ctx, path, RateLimit, fixed=value)
    rate = _Section(value, path, sec.ctx, ("per_replica", "fixed"))
    per = _int(rate, "per_replica", None)
    fixed = _int(rate, "fixed", None)
    return _check(sec.ctx, path, RateLimit, fixed=fixed, per_replica=per)


def _keys(cls: type) -> list[str]:
    """The overlay keys of ``cls`` (its fields with a standalone default)."""
    return [f.name for f in attrs.fields(cls) if _STANDALONE in f.metadata]


def _group(top: _Section, name: str, allowed: Iterable[str]) -> _Section:
    """A grouping key (``global``, ``server``...): ``null`` reads as ``{}``."""
    value = top.get(name)
    return _Section({} if value is None else value, top.at(name), top.ctx, allowed)


def _timeouts(value: Any, path: Path_, ctx: _Ctx) -> Timeouts:
    names = _keys(Timeouts)
    sec = _Section({} if value is None else value, path, ctx, names)
    kwargs = {n: _time(sec, n, None) for n in names if sec.has(n)}
    return _check(ctx, path, Timeouts, **kwargs)


def _not_null(sec: _Section, name: str, hint: str) -> None:
    if sec.has(name) and sec.get(name) is None:
        raise sec.ctx.error(sec.at(name), f"{_dotted(sec.at(name))} cannot be null ({hint})")


def _health(value: Any, path: Path_, ctx: _Ctx) -> HealthCheck:
    sec = _Section(value, path, ctx, _keys(HealthCheck))
    hint = "set health_check: null to remove the HTTP health check"
    readers: dict[str, Callable[[], Any]] = {
        "path": lambda: _str(sec, "path", None),
        "method": lambda: _str(sec, "method", None),
        "expect_status": lambda: _int(sec, "expect_status", None, nullable=False),
        "rise": lambda: _int(sec, "rise", None),
        "fall": lambda: _int(sec, "fall", None),
        "observe": lambda: _str(sec, "observe", None, nullable=True),
        "error_limit": lambda: _int(sec, "error_limit", None),
        "on_error": lambda: _str(sec, "on_error", None, nullable=True),
        "inter": lambda: _time(sec, "inter", None),
        "fastinter": lambda: _time(sec, "fastinter", None),
        "downinter": lambda: _time(sec, "downinter", None),
    }
    for name in ("path", "method", "expect_status"):
        _not_null(sec, name, hint)
    kwargs = {name: read() for name, read in readers.items() if sec.has(name)}
    for name, checked in kwargs.items():
        _check(ctx, sec.at(name), HealthCheck, **{name: checked})
    return _check(ctx, path, HealthCheck, **kwargs)


def _server_maxconn(sec: _Section) -> ServerMaxconn | None:
    value, path, ctx = sec.get("maxconn", {}), sec.at("maxconn"), sec.ctx
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _check(ctx, path, ServerMaxconn, fixed=value)
    rule = _Section(value, path, ctx, ("ratio", "floor", "cap", "fixed", "overrides"))
    ratio = rule.get("ratio", 1.0)
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)):
        raise ctx.error(
            rule.at("ratio"), f"{_dotted(rule.at('ratio'))} must be a number, got {ratio!r}"
        )
    if rule.has("ratio") and rule.has("fixed"):
        raise ctx.error(rule.at("fixed"), f"{_dotted(path)}: set 'ratio' or 'fixed', not both")
    overrides: dict[str, int | None] = {}
    raw = rule.get("overrides", {})
    if not isinstance(raw, Mapping):
        raise ctx.error(
            rule.at("overrides"),
            f"{_dotted(rule.at('overrides'))} must be a "
            "mapping of 'app/deployment' or 'deployment' to an integer or null",
        )
    for key, item in raw.items():
        where = _join(rule.at("overrides"), str(key))
        if item is not None and (isinstance(item, bool) or not isinstance(item, int)):
            raise ctx.error(where, f"{_dotted(where)} must be an integer or null, got {item!r}")
        if not isinstance(key, str) or key.count("/") > 1 or not key.strip("/"):
            raise ctx.error(where, f"override key {key!r} must be 'app/deployment' or 'deployment'")
        overrides[key] = item
    return _check(
        ctx,
        path,
        ServerMaxconn,
        ratio=float(ratio),
        floor=_int(rule, "floor", 1, nullable=False),
        cap=_int(rule, "cap", None),
        fixed=_int(rule, "fixed", None),
        overrides=overrides,
    )


def _extra(value: Any, path: Path_, ctx: _Ctx) -> Extra:
    sec = _Section(value, path, ctx, EXTRA_SECTIONS)
    out: dict[str, tuple[str, ...]] = {}
    for name in EXTRA_SECTIONS:
        items = sec.get(name, [])
        if not isinstance(items, list):
            raise ctx.error(sec.at(name), f"{_dotted(sec.at(name))} must be a list of lines")
        for i, line in enumerate(items):
            if not isinstance(line, str) or not line.strip() or "\n" in line or "\r" in line:
                where = _join(sec.at(name), i)
                raise ctx.error(
                    where, f"{_dotted(where)} must be one non-empty directive line, got {line!r}"
                )
        out["global_" if name == "global" else name] = tuple(s.strip() for s in items)
    return Extra(**out)


TOP_LEVEL = ("global", "timeouts", "retries", "retry_on", "redispatch", "balance",
             "http_reuse", "health_check", "server", "extra", "remove")  # fmt: skip

REMOVABLE = (
    "global.maxconn", "global.maxconnrate", "global.maxsessrate",
    *(f"timeouts.{name}" for name in _keys(Timeouts)),
    "retries", "retry_on", "redispatch", "balance", "http_reuse", "health_check",
    *(f"health_check.{name}" for name in _keys(HealthCheck)
      if name not in ("path", "method", "expect_status")),
    "server.maxconn", "server.maxqueue",
)  # fmt: skip
"""The keys ``remove`` may list: those whose ``null`` removes a directive."""


def _apply_remove(data: Any, ctx: _Ctx) -> Any:
    """``remove: [key, ...]`` (for TOML, which has no null) as ``key: null`` entries."""
    if not isinstance(data, Mapping):
        return data
    raw_key = next((k for k in data if isinstance(k, str) and k.replace("-", "_") == "remove"),
                   None)  # fmt: skip
    if raw_key is None:
        return data
    items = data[raw_key]
    out = {k: v for k, v in data.items() if k != raw_key}
    if not isinstance(items, list):
        raise ctx.error((raw_key,), 'remove must be a list of keys, e.g. ["global.maxconn"]')
    for i, item in enumerate(items):
        where: Path_ = (raw_key, i)
        if not isinstance(item, str) or item.replace("-", "_") not in REMOVABLE:
            raise ctx.error(
                where, f"remove[{i}]: {item!r} is not a key that can be removed "
                f"(one of: {', '.join(REMOVABLE)})"
            )  # fmt: skip
        *parents, leaf = item.replace("-", "_").split(".")
        node: dict[str, Any] = out
        for part in parents:
            found = next((k for k in node if k.replace("-", "_") == part), part)
            child = node.get(found)
            child = dict(child) if isinstance(child, Mapping) else {}
            node[found] = child
            node = child
        existing = next((k for k in node if k.replace("-", "_") == leaf), None)
        if existing is not None and node[existing] is not None:
            raise ctx.error(where, f"{item!r} is both set and listed in remove")
        node[existing or leaf] = None
    return out


def _retry_on(top: _Section) -> tuple[str, ...] | None:
    retry_on, ctx = top.get("retry_on"), top.ctx
    if retry_on is None:
        return None
    if isinstance(retry_on, str):
        retry_on = retry_on.split()
    if isinstance(retry_on, list):  # YAML/TOML read a bare 503 as an int
        retry_on = [str(w) if type(w) is int else w for w in retry_on]
    if not isinstance(retry_on, list) or not all(isinstance(w, str) for w in retry_on):
        raise ctx.error(top.at("retry_on"), "retry_on must be a string or a list of strings")
    bad = [w for w in retry_on if w not in RETRY_ON_KEYWORDS]
    if bad or not retry_on:
        raise ctx.error(
            top.at("retry_on"),
            f"retry_on: unknown keyword(s) {bad or retry_on} "
            f"(expected: {', '.join(sorted(RETRY_ON_KEYWORDS))})",
        )
    return tuple(retry_on)


def _redispatch(top: _Section) -> bool | None:
    redispatch = top.get("redispatch")
    if redispatch is not None and not isinstance(redispatch, bool):
        raise top.ctx.error(
            top.at("redispatch"), f"redispatch must be true, false or null, got {redispatch!r}"
        )
    return redispatch


def _parse_policy(data: Any, ctx: _Ctx) -> Policy:
    data = _apply_remove(data, ctx)
    top = _Section({} if data is None else data, (), ctx, TOP_LEVEL)
    glob = _group(top, "global", ("maxconn", "maxconnrate", "maxsessrate"))
    server = _group(top, "server", ("maxconn", "maxqueue"))
    health = top.get("health_check")
    candidates: list[tuple[_Section, str, str, Callable[[], Any]]] = [
        (glob, "maxconn", "maxconn", lambda: _int(glob, "maxconn", None)),
        (glob, "maxconnrate", "maxconnrate", lambda: _rate(glob, "maxconnrate")),
        (glob, "maxsessrate", "maxsessrate", lambda: _rate(glob, "maxsessrate")),
        (top, "timeouts", "timeouts",
         lambda: _timeouts(top.get("timeouts"), top.at("timeouts"), ctx)),
        (top, "retries", "retries", lambda: _int(top, "retries", None)),
        (top, "retry_on", "retry_on", lambda: _retry_on(top)),
        (top, "redispatch", "redispatch", lambda: _redispatch(top)),
        (top, "balance", "balance", lambda: _str(top, "balance", None, nullable=True)),
        (top, "http_reuse", "http_reuse", lambda: _str(top, "http_reuse", None, nullable=True)),
        (top, "health_check", "health_check",
         lambda: None if health is None else _health(health, top.at("health_check"), ctx)),
        (server, "maxconn", "server_maxconn_rule", lambda: _server_maxconn(server)),
        (server, "maxqueue", "maxqueue", lambda: _int(server, "maxqueue", None)),
    ]  # fmt: skip
    kwargs: dict[str, Any] = {}
    for sec, key, name, read in candidates:
        if sec.has(key):
            kwargs[name] = read()
            _check(ctx, sec.at(key), Policy, **{name: kwargs[name]})
    kwargs["extra"] = _extra(top.get("extra") or {}, top.at("extra"), ctx)
    return _check(ctx, (), Policy, source=ctx.filename, **kwargs)
