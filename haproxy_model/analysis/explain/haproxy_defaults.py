"""What HAProxy uses where the configuration sets nothing.

Values from the manual (``doc/configuration.txt``, the same in 2.6 to 3.3) and,
where it is silent, from the sources it describes (``proxy_preset_defaults`` in
``src/proxy.c``, ``CONN_RETRIES`` in ``include/haproxy/defaults.h``).  "unset"
settings are those whose absence makes HAProxy warn ``missing timeouts for
<proxy>`` (``check_config_validity`` in ``src/cfgparse.c``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from haproxy_model.analysis.explain.model import HAPROXY, Setting

__all__ = ["SERVER_DEFAULTS", "proxy_defaults"]

FRONTEND = frozenset({"frontend", "listen"})
BACKEND = frozenset({"backend", "listen"})

#: keyword -> (value, the kinds of proxy it applies to, a note)
PROXY_DEFAULTS: dict[str, tuple[str, frozenset[str], str | None]] = {
    # "mode": tcp "is the default mode"
    "mode": ("tcp", FRONTEND | BACKEND, None),
    # "balance": "set to roundrobin when no other algorithm, mode nor option have been set"
    "balance": ("roundrobin", BACKEND, None),
    # proxy_preset_defaults(): conn_retries = CONN_RETRIES (3)
    "retries": ("3", BACKEND, None),
    # "maxconn": "When this value is set to zero, which is the default, the global
    # "maxconn" value is used."
    "maxconn": ("0", FRONTEND, "0: the global maxconn applies"),
    # "http-reuse": "safe" is the default
    "http-reuse": ("safe", BACKEND, None),
}

#: the connection modes of HTTP proxies; keep-alive "is the default mode" (manual section 4)
HTTP_MODES = ("option http-keep-alive", "option http-server-close", "option httpclose")

#: server options and HAProxy's values for them (manual section 5.2)
SERVER_DEFAULTS: dict[str, tuple[str, str | None]] = {
    "weight": ("1", None),  # "The default weight is 1"
    "maxconn": ("0", "0: no limit"),  # 'The default value is "0" which means unlimited'
    "maxqueue": ("0", "0: no limit"),  # 'The default value is "0" which means unlimited'
    "check": ("disabled", None),
    "inter": ("2000", "milliseconds"),  # "the delay defaults to 2000 ms"
    "rise": ("2", None),  # "This value defaults to 2"
    "fall": ("3", None),  # "This value defaults to 3"
}


def proxy_defaults(
    kind: str, name: str, has: Callable[[str], bool], values: Mapping[str, str], servers: bool
) -> list[Setting]:
    """HAProxy's settings for what a proxy of ``kind`` does not set.

    ``has(keyword)`` tells whether the proxy sets it; ``values`` the effective
    values of ``mode`` and ``timeout tunnel``; ``servers`` whether it has servers.
    """
    out: list[Setting] = []
    for keyword, (value, kinds, note) in PROXY_DEFAULTS.items():
        if kind in kinds and not has(keyword):
            out.append(Setting(keyword, value, HAPROXY, note=note))
    mode = values.get("mode", "tcp")
    if mode == "http" and not any(has(m) for m in HTTP_MODES):
        out.append(Setting(HTTP_MODES[0], "enabled", HAPROXY))
    if mode not in ("tcp", "http"):
        return out
    warning = f"HAProxy warns: missing timeouts for {kind} '{name}'"
    missing = []
    if kind in FRONTEND and not has("timeout client"):
        missing.append("timeout client")
    if kind in BACKEND and servers:
        if not has("timeout connect"):
            missing.append("timeout connect")
        if not has("timeout server") and (mode == "http" or not has("timeout tunnel")):
            missing.append("timeout server")
    out.extend(Setting(keyword, "unset", HAPROXY, warning=warning) for keyword in missing)
    return out
