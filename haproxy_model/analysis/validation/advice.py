"""The warnings HAProxy users hit most, and two more of the same spirit.

Codes (all warnings):

* ``missing-timeout``: a TCP/HTTP proxy without ``timeout client`` (frontend
  side) or, when it has servers, ``timeout connect``/``timeout server``
  (backend side), counting what it inherits from its defaults section.  HAProxy
  says "missing timeouts for frontend 'x'" (``check_config_validity()`` in
  src/cfgparse.c: a TCP backend may replace ``timeout server`` with ``timeout
  tunnel``).
* ``no-health-check``: a backend with servers none of which is checked
  (``check``, ``track``) while other backends of the file do check theirs.
* ``server-maxconn``: a server ``maxconn`` above its proxy's ``fullconn`` or
  above the global ``maxconn``.
"""

from __future__ import annotations

import re

from haproxy_model.analysis.validation._context import (
    Context,
    Item,
    Proxy,
    is_dynamic,
    options_start,
)
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.model import line_options

_FRONT = ("frontend", "listen")
_BACK = ("backend", "listen")
_INT = re.compile(r"\d+")
_ZERO = re.compile(r"0+(?:us|ms|s|m|h|d)?")


@registered("HM501", "HM502", "HM503")
def check(ctx: Context) -> None:
    """Report the missing timeouts, unchecked backends and server maxconn above limits."""
    for proxy in ctx.proxies:
        if proxy.kind != "defaults" and proxy.name is not None:
            _missing_timeouts(ctx, proxy)
    _health_checks(ctx)
    _server_maxconn(ctx)


def _setting(proxy: Proxy, *words: str) -> str | None:
    """The value after ``words`` of the last line setting it, looking up the defaults."""
    n = len(words)
    for source in proxy.chain():
        for item in reversed(source.lines(words[0])):
            values = item.values
            if tuple(values[:n]) == words and len(values) > n:
                return values[n]
    return None


def _has_servers(proxy: Proxy) -> bool:
    return bool(proxy.lines("server", "server-template"))


def _missing_timeouts(ctx: Context, proxy: Proxy) -> None:
    mode = _setting(proxy, "mode") or "tcp"
    if mode not in ("tcp", "http"):
        return

    def unset(kind: str) -> bool:
        value = _setting(proxy, "timeout", kind)
        return value is None or (not is_dynamic(value) and _ZERO.fullmatch(value) is not None)

    missing: list[str] = []
    if proxy.kind in _FRONT and unset("client"):
        missing.append("client")
    if proxy.kind in _BACK and _has_servers(proxy):
        if unset("connect"):
            missing.append("connect")
        if unset("server") and (mode == "http" or unset("tunnel")):
            missing.append("server")
    if missing:
        names = ", ".join(f"'timeout {m}'" for m in missing)
        ctx.report(
            "missing-timeout",
            "warning",
            f"missing timeouts for {proxy.kind} '{proxy.name}': set {names} here or in "
            "its defaults section, or connections may hang forever",
            proxy.section,
        )


def _options(item: Item) -> dict[str, str | None]:
    values = item.values
    spans = line_options.scan("server", values, options_start(item.keyword))
    return {s.name: (values[s.value_index] if s.value_index is not None else None) for s in spans}


def _checked(proxy: Proxy) -> bool:
    """Whether any server of the proxy is health-checked (itself or through tracking)."""
    default_check = False
    for source in reversed(list(proxy.chain())):
        for item in source.lines("default-server"):
            opts = _options(item)
            if "check" in opts:
                default_check = True
            if "no-check" in opts:
                default_check = False
    for item in proxy.lines("server", "server-template"):
        opts = _options(item)
        if "track" in opts or "check" in opts or (default_check and "no-check" not in opts):
            return True
    return False


def _health_checks(ctx: Context) -> None:
    serving = [p for p in ctx.proxies if p.kind in _BACK and _has_servers(p)]
    checked = {id(p) for p in serving if _checked(p)}
    if not checked:
        return
    for proxy in serving:
        if id(proxy) in checked:
            continue
        ctx.report(
            "no-health-check",
            "warning",
            f"{proxy.kind} '{proxy.name}' has servers but none is health-checked "
            "(no 'check' option) while other backends are; a dead server will still "
            "receive traffic",
            proxy.section,
        )


def _server_maxconn(ctx: Context) -> None:
    limits: list[tuple[str, int]] = []
    for block in ctx.sections("global"):
        for item in block.items:
            values = item.values
            if values[0] == "maxconn" and len(values) > 1 and _INT.fullmatch(values[1]):
                limits = [("the global maxconn", int(values[1]))]
    for proxy in ctx.proxies:
        if proxy.kind not in _BACK:
            continue
        fullconn = _setting(proxy, "fullconn")
        mine = list(limits)
        if fullconn is not None and _INT.fullmatch(fullconn) and int(fullconn) > 0:
            mine.append((f"the {proxy.kind}'s fullconn", int(fullconn)))
        if not mine:
            continue
        for item in proxy.lines("server", "default-server", "server-template"):
            values = item.values
            spans = line_options.scan("server", values, options_start(item.keyword))
            for span in spans:
                if span.name != "maxconn" or span.value_index is None:
                    continue
                value = values[span.value_index]
                if not _INT.fullmatch(value):
                    continue
                for what, limit in mine:
                    if int(value) > limit:
                        ctx.report(
                            "server-maxconn",
                            "warning",
                            f"server maxconn {value} is above {what} ({limit})",
                            proxy.section,
                            item.line,
                            span.value_index,
                        )
