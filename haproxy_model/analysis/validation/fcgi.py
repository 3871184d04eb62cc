"""FastCGI servers and the application they need.

``fcgi-server-without-app`` (HM216): a server speaking ``proto fcgi`` (its own
option, or the ``default-server`` it inherits) in a proxy with no ``use-fcgi-app``.
HAProxy (``cfg_fcgi_apps_postparser()`` in src/fcgi-app.c): "FCGI server 's' has no
FCGI app configured". Guarded (``.if``) lines are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from haproxy_model.analysis.validation._context import Context, Proxy
from haproxy_model.analysis.validation.registry import registered

SERVER_LINES = ("server", "server-template")


def _proto(values: Sequence[str], start: int) -> str | None:
    """The value of the ``proto`` option among ``values[start:]``, if any."""
    for i in range(start, len(values) - 1):
        if values[i] == "proto":
            return values[i + 1]
    return None


def _inherited_proto(proxy: Proxy) -> str | None:
    """The ``proto`` of the nearest ``default-server`` line that sets one."""
    for source in proxy.chain():
        for it in reversed(source.lines("default-server")):
            found = _proto(it.values, 1)
            if found is not None:
                return found
    return None


@registered("HM216")
def check(ctx: Context) -> None:
    """Report FastCGI servers of proxies that use no FastCGI application."""
    for proxy in ctx.proxies:
        if proxy.kind not in ("backend", "listen") or proxy.guarded or proxy.lines("use-fcgi-app"):
            continue
        servers = proxy.lines(*SERVER_LINES)
        if any(it.guarded or it.path for it in servers):
            continue
        inherited = _inherited_proto(proxy)
        for it in servers:
            start = 4 if it.keyword == "server-template" else 3
            proto = _proto(it.values, start) or inherited
            if proto == "fcgi" and len(it.values) > 1:
                ctx.report("fcgi-server-without-app", "error",
                           f"FCGI server '{it.values[1]}' has no FCGI app configured "
                           "(add 'use-fcgi-app <fcgi-app section>' to the proxy)",
                           proxy.section, it.line, 1)  # fmt: skip
