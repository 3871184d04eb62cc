"""The parts a :class:`~.policy.Policy` holds: its value types and their checks,
the timeouts, rates, health check, per-server ``maxconn`` rule and extra lines.

The checks are attrs validators, so a class built in Python and one read from a
file (:mod:`.policy_convert`) refuse the same values with the same words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Annotated, Any, Protocol

import attrs

from haproxy_model.base.errors import InvalidValue

from .policy_overlay import FILE_KEY, _given_field, _key, _settle

__all__ = [
    "TCP_CHECK",
    "TIME_RE",
    "DirectiveLine",
    "DirectiveLines",
    "Extra",
    "HealthCheck",
    "OverrideKey",
    "Overrides",
    "RateLimit",
    "RetryOn",
    "ServerMaxconn",
    "TimeText",
    "Timeouts",
]

TIME_RE = re.compile(r"[0-9]+(?:us|ms|s|m|h|d)?")
"""An HAProxy time: digits and an optional unit (milliseconds when none)."""

TimeText = Annotated[str, "an HAProxy time"]
"""An HAProxy time as text (``5s``); a policy file may give an integer of milliseconds."""

RetryOn = Annotated[tuple[str, ...], "retry-on keywords"]
"""``retry-on`` keywords; a policy file may give them as one string, or ``503`` as a number."""

DirectiveLine = Annotated[str, "one directive line"]
"""One raw configuration line (read from a file stripped, non-empty, a single line)."""

DirectiveLines = tuple[DirectiveLine, ...]
"""Raw directive lines (a list in a policy file)."""

OverrideKey = Annotated[str, "'app/deployment' or 'deployment'"]
"""A key of ``server.maxconn.overrides``: ``app/deployment`` or ``deployment``."""

Overrides = Mapping[OverrideKey, int | None]
"""Per-deployment ``maxconn`` overrides (``None``: no ``maxconn``)."""

ON_ERROR_ACTIONS = ("fastinter", "fail-check", "sudden-death", "mark-down")
"""HAProxy's ``on-error`` actions."""


def _is_time(_inst: object, attr: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not (isinstance(value, str) and TIME_RE.fullmatch(value)):
        raise InvalidValue(
            f"{attr.name}: {value!r} is not an HAProxy time "
            "(digits with an optional unit us, ms, s, m, h or d, e.g. 5s)"
        )


def _positive(_inst: object, attr: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 1:
        raise InvalidValue(f"{attr.name} must be >= 1, got {value}")


def _non_negative(_inst: object, attr: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 0:
        raise InvalidValue(f"{attr.name} must be >= 0, got {value}")


def _one_of(*allowed: str) -> Any:
    """A validator: the value is one of ``allowed`` (or ``None``)."""
    words = " or ".join(allowed) if len(allowed) == 2 else "one of " + ", ".join(allowed)

    def check(_inst: object, attr: attrs.Attribute[Any], value: str | None) -> None:
        if value is not None and value not in allowed:
            raise InvalidValue(f"{attr.name} must be {words}, got {value!r}")

    return check


def _http_path(_inst: object, attr: attrs.Attribute[Any], value: str) -> None:
    if not value.startswith("/") or re.search(r"\s", value):
        raise InvalidValue(f"{attr.name} must start with '/' and hold no spaces, got {value!r}")


def _http_method(_inst: object, attr: attrs.Attribute[Any], value: str) -> None:
    if not re.fullmatch(r"[A-Z]+", value):
        raise InvalidValue(f"{attr.name} must be an upper-case HTTP method, got {value!r}")


def _http_status(_inst: object, attr: attrs.Attribute[Any], value: int) -> None:
    if not 100 <= value <= 599:
        raise InvalidValue(f"{attr.name} must be 100..599, got {value}")


def _ratio(_inst: object, attr: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise InvalidValue(f"{attr.name} must be > 0, got {value}")


def _overrides(_inst: object, _attr: attrs.Attribute[Any], value: Overrides) -> None:
    for key, item in value.items():
        if item is not None and item < 1:
            raise InvalidValue(f"override {key!r} must be >= 1 or null, got {item}")


@attrs.frozen(kw_only=True)
class Timeouts:
    """``timeout`` values as HAProxy time strings; ``None`` leaves one unset
    (removes it from Ray's config, when given)."""

    connect: TimeText | None = _key(
        "5s", validator=_is_time, writes="`timeout connect` in `defaults`"
    )
    client: TimeText | None = _key(
        "3600s", validator=_is_time, writes="`timeout client` in `defaults`"
    )
    server: TimeText | None = _key(
        None, validator=_is_time, writes="`timeout server` in `defaults`"
    )
    http_request: TimeText | None = _key(
        None, validator=_is_time, writes="`timeout http-request` in `defaults`"
    )
    queue: TimeText | None = _key(None, validator=_is_time, writes="`timeout queue` in `defaults`")
    http_keep_alive: TimeText | None = _key(
        None, validator=_is_time, writes="`timeout http-keep-alive` in `defaults`"
    )
    tunnel: TimeText | None = _key(
        None, validator=_is_time, writes="`timeout tunnel` in `defaults`"
    )
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


@attrs.frozen(kw_only=True)
class HealthCheck:
    """``option httpchk`` / ``http-check expect`` / ``default-server`` check settings.

    ``observe``/``error_limit``/``on_error`` (Ray's defaults: ``layer4``, 3,
    ``mark-down``) also judge a server by its live traffic: after
    ``error_limit`` consecutive connection errors it is marked down at once,
    not at its next failed check; a replica that died takes no more requests.
    """

    path: str = _key(
        "/-/healthz",
        validator=_http_path,
        writes="the path of `option httpchk METHOD PATH` (HTTP backends)",
    )
    method: str = _key(
        "GET", validator=_http_method, writes="the method of `option httpchk METHOD PATH`"
    )
    expect_status: int = _key(200, validator=_http_status, writes="`http-check expect status N`")
    inter: TimeText | None = _key(
        "5s", validator=_is_time, writes="`inter` on each backend's `default-server`"
    )
    fastinter: TimeText | None = _key(
        "250ms", validator=_is_time, writes="`fastinter` on `default-server`"
    )
    downinter: TimeText | None = _key(
        "250ms", validator=_is_time, writes="`downinter` on `default-server`"
    )
    rise: int | None = _key(2, validator=_positive, writes="`rise` on `default-server`")
    fall: int | None = _key(2, validator=_positive, writes="`fall` on `default-server`")
    observe: str | None = _key(
        "layer4",
        validator=_one_of("layer4", "layer7"),
        writes="`observe` on replica servers that run checks (not `track` ones)",
    )
    error_limit: int | None = _key(
        3, validator=_positive, writes="`error-limit` on replica servers that run checks"
    )
    on_error: str | None = _key(
        "mark-down",
        validator=_one_of(*ON_ERROR_ACTIONS),
        writes="`on-error` on replica servers that run checks",
    )
    given: frozenset[str] = _given_field()
    """The keys this policy set (``None`` included); the others are defaults."""

    def __attrs_post_init__(self) -> None:
        _settle(self)


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

    ratio: float = attrs.field(default=1.0, validator=_ratio)
    floor: int = attrs.field(default=1, validator=_positive)
    cap: int | None = attrs.field(default=None, validator=_positive)
    fixed: int | None = attrs.field(default=None, validator=_positive)
    overrides: Overrides = attrs.field(factory=dict, hash=False, validator=_overrides)

    def __attrs_post_init__(self) -> None:
        if self.cap is not None and self.cap < self.floor:
            raise InvalidValue(f"cap ({self.cap}) is below floor ({self.floor})")

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

    global_: DirectiveLines = attrs.field(default=(), metadata={FILE_KEY: "global"})
    defaults: DirectiveLines = ()
    frontend: DirectiveLines = ()
    backend: DirectiveLines = ()
