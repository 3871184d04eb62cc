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

``-`` and ``_`` are interchangeable in keys. An unknown key or a bad value, at
any level, raises :class:`PolicyError` naming the key and the file and line it
is on (:mod:`.policy_convert` reads a document with cattrs).

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

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from haproxy_model.base.errors import InvalidValue

from .policy_convert import structure_policy
from .policy_documents import Path_, load_document
from .policy_documents import PolicyError as PolicyError
from .policy_overlay import _STANDALONE as _STANDALONE
from .policy_overlay import FILE_KEY, _given_field, _key, _settle, file_key, removable
from .policy_overlay import UNSET as UNSET
from .policy_overlay import WRITES as WRITES
from .policy_parts import ON_ERROR_ACTIONS as ON_ERROR_ACTIONS
from .policy_parts import TCP_CHECK as TCP_CHECK
from .policy_parts import TIME_RE as TIME_RE
from .policy_parts import Extra as Extra
from .policy_parts import HealthCheck as HealthCheck
from .policy_parts import RateLimit as RateLimit
from .policy_parts import RetryOn, _DeploymentLike, _non_negative, _positive
from .policy_parts import ServerMaxconn as ServerMaxconn
from .policy_parts import Timeouts as Timeouts

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
"""The keys of ``extra``: the kinds of section its lines go to."""


def _retry_on(_inst: object, attr: attrs.Attribute[Any], value: tuple[str, ...] | None) -> None:
    if value is not None:
        bad = [w for w in value if w not in RETRY_ON_KEYWORDS]
        if bad or not value:
            raise InvalidValue(
                f"{attr.name}: unknown keyword(s) {bad or list(value)} "
                f"(expected: {', '.join(sorted(RETRY_ON_KEYWORDS))})"
            )


def _balance(_inst: object, attr: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        algorithm = re.split(r"[\s(]", value, maxsplit=1)[0]
        if algorithm not in BALANCE_ALGORITHMS:
            raise InvalidValue(f"{attr.name}: unknown algorithm {algorithm!r}")


def _http_reuse(_inst: object, attr: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and value not in HTTP_REUSE_MODES:
        raise InvalidValue(f"{attr.name}: must be one of {sorted(HTTP_REUSE_MODES)}")


@attrs.frozen(kw_only=True)
class Policy:
    """How to turn a :class:`~.snapshot.ServeSnapshot` into tuned HAProxy settings.

    ``maxconn``/``maxconnrate``/``maxsessrate`` are the ``global`` section's;
    ``server_maxconn_rule`` is ``None`` when servers get no ``maxconn``.
    """

    maxconn: int | None = _key(
        4096, validator=_positive, writes="`maxconn` in `global`", file_key="global.maxconn"
    )
    maxconnrate: RateLimit | None = _key(
        None,
        writes="`maxconnrate` in `global` (`per_replica`: times the replica servers)",
        file_key="global.maxconnrate",
    )
    maxsessrate: RateLimit | None = _key(
        None,
        writes="`maxsessrate` in `global` (`per_replica`: times the replica servers)",
        file_key="global.maxsessrate",
    )
    timeouts: Timeouts = _key(factory=Timeouts, writes="the `timeout` lines below")
    retries: int | None = _key(None, validator=_non_negative, writes="`retries` in `defaults`")
    retry_on: RetryOn | None = _key(
        ("conn-failure",), validator=_retry_on, writes="`retry-on` in `defaults`"
    )
    redispatch: bool | None = _key(
        True, writes="`option redispatch` / `no option redispatch` in `defaults`"
    )
    balance: str | None = _key(
        "leastconn",
        validator=_balance,
        writes="`balance` in `defaults` (and where a backend sets its own)",
    )
    http_reuse: str | None = _key(
        "always", validator=_http_reuse, writes="`http-reuse` in each application backend"
    )
    health_check: HealthCheck | None = _key(
        factory=HealthCheck,
        writes="the HTTP health check (`null`: removes `option httpchk` and `http-check expect`)",
    )
    server_maxconn_rule: ServerMaxconn | None = _key(
        factory=ServerMaxconn,
        writes="`maxconn` on every replica `server`/`server-template`, from `max_ongoing_requests`",
        file_key="server.maxconn",
    )
    maxqueue: int | None = _key(
        None,
        validator=_non_negative,
        writes="`maxqueue` on every replica server",
        file_key="server.maxqueue",
    )
    extra: Extra = attrs.field(factory=Extra)
    source: str = attrs.field(default="<defaults>", eq=False, metadata={FILE_KEY: ""})
    """The file the policy was read from (not a key of the file)."""
    given: frozenset[str] = _given_field()
    """The keys this policy set (``None`` included); the others are defaults."""

    def __attrs_post_init__(self) -> None:
        _settle(self)

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
        return structure_policy(cls, data, source=source, lines=lines or (lambda _path: None))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Policy:
        """Load ``.yaml``/``.yml``, ``.toml`` or ``.json``; errors carry file and line."""
        data, lines, filename = load_document(path)
        return cls.from_mapping(data, source=filename, lines=lines)


TOP_LEVEL = (*dict.fromkeys(file_key(f).split(".")[0] for f in attrs.fields(Policy)
                             if f.init and file_key(f)), "remove")  # fmt: skip
"""The keys a policy file may hold at its top level."""

REMOVABLE = removable(Policy)
"""The keys ``remove`` may list: those whose ``null`` removes a directive."""
