"""Proxies inheriting from a ``defaults`` section that defines TCP/HTTP rules.

Since 2.5 a named ``defaults`` section may hold ``http-request``, ``http-response``,
``http-after-response``, ``tcp-request connection|session|content`` and
``tcp-response content`` rules; the proxies using it run them first. HAProxy then
refuses (``src/cfgparse-listen.c``, one ``defaults-rules-inheritance``, HM215, each):

* a ``defaults`` section inheriting from it (``defaults b from a``);
* a ``listen`` section inheriting from it;
* frontends and backends sharing it (the first user decides which);
* a backend inheriting ``tcp-request connection``/``session`` rules;
* a frontend inheriting ``tcp-response content`` rules.

Sections inside version or feature ``.if`` blocks are skipped: which of them
HAProxy reads is not known here.
"""

from __future__ import annotations

from haproxy_model.analysis.validation._context import Context, Item, Proxy
from haproxy_model.analysis.validation.registry import registered

RULE_KEYWORDS = ("http-request", "http-response", "http-after-response")
TCP_RULES = {"tcp-request": ("connection", "session", "content"), "tcp-response": ("content",)}


def _rules(defaults: Proxy) -> list[Item]:
    """The TCP/HTTP rules a defaults section defines."""
    return [
        it
        for it in defaults.items
        if it.keyword in RULE_KEYWORDS
        or (len(it.values) > 1 and it.values[1] in TCP_RULES.get(it.keyword, ()))
    ]


def _defines(rules: list[Item], keyword: str, *kinds: str) -> bool:
    return any(it.keyword == keyword and it.values[1] in kinds for it in rules)


@registered("HM215")
def check(ctx: Context) -> None:
    """Report each proxy HAProxy refuses to let inherit its defaults' rules."""
    if not ctx.at_least("2.5"):
        return
    used_by: dict[int, str] = {}  # id(defaults) -> "frontend" or "backend", its first user
    for proxy in ctx.proxies:
        parent = proxy.defaults
        if parent is None or proxy.guarded or parent.guarded:
            continue
        rules = _rules(parent)
        if not rules:
            continue
        at = f"'defaults {parent.name}'" if parent.name else "the defaults section"
        at += f" (line {ctx.line_of(parent.section.header)})"
        message = None
        if proxy.kind == "defaults":
            message = f"a defaults section cannot inherit from {at}, which defines TCP/HTTP rules"
        elif proxy.kind == "listen":
            message = f"a listen section cannot inherit from {at}, which defines TCP/HTTP rules"
        elif used_by.setdefault(id(parent), proxy.kind) != proxy.kind:
            message = (
                f"frontends and backends cannot inherit from the same defaults section if it "
                f"defines TCP/HTTP rules: {at} already serves a {used_by[id(parent)]}"
            )
        elif proxy.kind == "backend" and _defines(rules, "tcp-request", "connection", "session"):
            message = (
                f"a backend section cannot inherit from {at}, which defines "
                "'tcp-request connection' or 'tcp-request session' rules"
            )
        elif proxy.kind == "frontend" and _defines(rules, "tcp-response", "content"):
            message = (
                f"a frontend section cannot inherit from {at}, which defines "
                "'tcp-response content' rules"
            )
        if message is not None:
            ctx.report("defaults-rules-inheritance", "error", message, proxy.section)
