"""Names: duplicates HAProxy forbids, and references to things that do not exist.

Codes:

* ``duplicate-proxy``: two frontends, or two backends, with one name (a listen
  section is both); from 3.2 any two proxies (3.2 warns, 3.3 rejects); a proxy
  named like a log-forward section.
* ``bad-name``: a frontend/listen/backend without a name, or a proxy name with a
  character HAProxy refuses (only letters, digits, ``-``, ``_``, ``.`` and ``:``
  are allowed; manual section 4).
* ``duplicate-server``: two servers with one name in a proxy.
* ``duplicate-defaults``: two defaults sections with one name (an error when a
  ``from`` refers to that name, else a warning).
* ``missing-backend``: ``use_backend``/``default_backend``/``track`` naming no
  backend or listen section (names with ``%[`` are dynamic: not judged).
* ``missing-server``: ``use-server``/``track`` naming no server of that proxy.
* ``missing-defaults``: ``from`` naming no defaults section declared before.
* ``missing-http-errors``, ``missing-resolvers``, ``missing-peers``,
  ``missing-mailers``, ``missing-cache``, ``missing-fcgi-app``: references to
  sections of those kinds.
"""

from __future__ import annotations

import re

from haproxy_model.analysis.validation._context import (
    Context,
    Item,
    Proxy,
    exclusive,
    is_dynamic,
    options_start,
    repeats,
)
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.model import line_options

_SERVER_LINES = ("server", "default-server", "server-template")
_FRONT = ("frontend", "listen")
_BACK = ("backend", "listen")


@registered(
    "HM201",
    "HM202",
    "HM203",
    "HM204",
    "HM205",
    "HM206",
    "HM207",
    "HM208",
    "HM209",
    "HM210",
    "HM211",
    "HM212",
    "HM213",
)
def check(ctx: Context) -> None:
    """Report duplicate names and dangling references."""
    _bad_names(ctx)
    _duplicate_proxies(ctx)
    _duplicate_defaults(ctx)
    _defaults_references(ctx)
    backends = ctx.names(*_BACK)
    for proxy in ctx.proxies:
        _duplicate_servers(ctx, proxy)
        _proxy_references(ctx, proxy, backends)
    _track_references(ctx)


_NAME = re.compile(r"[A-Za-z0-9_.:-]+")


def _bad_names(ctx: Context) -> None:
    referenced = {p.section.from_ for p in ctx.proxies if p.section.from_}
    for proxy in ctx.proxies:
        name = proxy.name
        if name is None and proxy.kind != "defaults":
            ctx.report("bad-name", "error", f"a {proxy.kind} section needs a name", proxy.section)
            continue
        if not name or is_dynamic(name) or _NAME.fullmatch(name):
            continue
        if proxy.kind == "defaults" and name not in referenced:
            continue  # a defaults name is only checked when a "from" uses it
        bad = next(c for c in name if not _NAME.fullmatch(c))
        ctx.report(
            "bad-name",
            "error",
            f"character '{bad}' is not permitted in {proxy.kind} name '{name}' "
            "(letters, digits, '-', '_', '.' and ':' only)",
            proxy.section,
            proxy.section.header,
            1,
        )


def _duplicate_proxies(ctx: Context) -> None:
    seen: dict[str, list[Proxy]] = {}
    defaults: dict[str, Proxy] = {}
    log_forwards = {b.name: b for b in ctx.sections("log-forward") if b.name}
    for proxy in ctx.proxies:
        name = proxy.name
        if proxy.kind == "defaults" and name:
            defaults[name] = proxy
        if proxy.kind == "defaults" or not name or is_dynamic(name):
            continue
        earlier = [p for p in seen.get(name, []) if not exclusive(p.path, proxy.path)]
        seen.setdefault(name, []).append(proxy)
        same = [p for p in earlier if _overlap(p.kind, proxy.kind)]
        if same:
            other = same[0]
            ctx.report(
                "duplicate-proxy",
                "error",
                f"{proxy.kind} '{name}' has the same name as {other.kind} '{name}' "
                f"(line {ctx.line_of(other.section.header)}); two proxies that both "
                "accept or both serve connections need distinct names",
                proxy.section,
                proxy.section.header,
                1,
            )
            continue
        other_proxy = earlier[0] if earlier else defaults.get(name)
        if other_proxy is not None and ctx.at_least("3.2"):
            # src/cfgparse-listen.c: a warning in 3.2, refused from 3.3 on
            ctx.report(
                "duplicate-proxy",
                "error" if ctx.at_least("3.3") else "warning",
                f"{proxy.kind} '{name}' has the same name as {other_proxy.kind} '{name}' "
                f"(line {ctx.line_of(other_proxy.section.header)}); HAProxy 3.3 refuses it",
                proxy.section,
                proxy.section.header,
                1,
            )
        forward = log_forwards.get(name)
        if forward is not None:
            ctx.report(
                "duplicate-proxy",
                "error",
                f"{proxy.kind} '{name}' has the same name as log-forward section '{name}' "
                f"(line {ctx.line_of(forward.section.header)})",
                proxy.section,
                proxy.section.header,
                1,
            )


def _overlap(a: str, b: str) -> bool:
    return (a in _FRONT and b in _FRONT) or (a in _BACK and b in _BACK)


def _duplicate_defaults(ctx: Context) -> None:
    referenced = {p.section.from_ for p in ctx.proxies if p.section.from_}
    seen: dict[str, Proxy] = {}
    for proxy in ctx.proxies:
        name = proxy.name
        if proxy.kind != "defaults" or not name:
            continue
        other = seen.get(name)
        seen[name] = proxy
        if other is None or exclusive(other.path, proxy.path):
            continue
        used = name in referenced
        ctx.report(
            "duplicate-defaults",
            "error" if used else "warning",
            f"defaults section '{name}' is declared twice "
            f"(also at line {ctx.line_of(other.section.header)})"
            + ("; a 'from' refers to it, so the name must be unique" if used else ""),
            proxy.section,
            proxy.section.header,
            1,
        )


def _defaults_references(ctx: Context) -> None:
    declared: dict[str, int] = {}
    for proxy in ctx.proxies:
        source = proxy.section.from_
        header = proxy.section.header
        if source is not None and source not in declared and not is_dynamic(source):
            later = [
                p
                for p in ctx.proxies
                if p.kind == "defaults" and p.name == source and p is not proxy
            ]
            where = (
                f"; it is declared later (line {ctx.line_of(later[0].section.header)}) and "
                "must come first"
                if later
                else ""
            )
            ctx.report(
                "missing-defaults",
                "error",
                f"{proxy.kind} takes its settings from defaults section '{source}', "
                f"which is not declared before it{where}",
                proxy.section,
                header,
                header.values.index("from", 1) + 1,
            )
        if proxy.kind == "defaults" and proxy.name:
            declared.setdefault(proxy.name, ctx.line_of(header))


def server_names(proxy: Proxy) -> tuple[set[str], list[str]]:
    """The proxy's server names, and the prefixes of its server templates."""
    names = {it.values[1] for it in proxy.lines("server") if len(it.values) > 1}
    prefixes = [it.values[1] for it in proxy.lines("server-template") if len(it.values) > 1]
    return names, prefixes


def _has_server(proxy: Proxy, name: str) -> bool:
    names, prefixes = server_names(proxy)
    if name in names:
        return True
    # server-template <prefix> <num | range>: servers <prefix>1 ... <prefix><num>
    return any(name.startswith(p) and name[len(p) :].isdigit() for p in prefixes)


def _duplicate_servers(ctx: Context, proxy: Proxy) -> None:
    for item, earlier in repeats(proxy.items, "server"):
        ctx.report(
            "duplicate-server",
            "error",
            f"another server named '{item.values[1]}' is declared in this {proxy.kind} "
            f"(line {ctx.line_of(earlier.line)})",
            proxy.section,
            item.line,
            1,
        )


#: directive -> (word holding the name, section keyword, code)
_SECTION_REFERENCES = {
    "errorfiles": (1, "http-errors", "missing-http-errors"),
    "email-alert": (2, "mailers", "missing-mailers"),
    "use-fcgi-app": (1, "fcgi-app", "missing-fcgi-app"),
}


def _proxy_references(ctx: Context, proxy: Proxy, backends: set[str]) -> None:
    section = proxy.section
    for item in proxy.items:
        line = item.line
        values = item.values
        keyword = values[0]
        if keyword in ("use_backend", "default_backend") and len(values) > 1:
            target = values[1]
            if target not in backends and not is_dynamic(target):
                ctx.report(
                    "missing-backend",
                    "error",
                    f"{keyword} names backend '{target}', which is not declared",
                    section,
                    line,
                    1,
                )
        elif keyword == "use-server" and len(values) > 1 and proxy.kind in _BACK:
            target = values[1]
            if not _has_server(proxy, target) and not is_dynamic(target):
                ctx.report(
                    "missing-server",
                    "error",
                    f"use-server names server '{target}', which {proxy.kind} "
                    f"'{proxy.name}' does not have",
                    section,
                    line,
                    1,
                )
        elif keyword in _SECTION_REFERENCES:
            index, kind, code = _SECTION_REFERENCES[keyword]
            if keyword == "email-alert" and values[1:2] != ["mailers"]:
                continue
            _reference(ctx, proxy, item, index, kind, code)
        elif keyword == "stick-table":
            _after_word(ctx, proxy, item, "peers", "peers", "missing-peers")
        elif keyword in _SERVER_LINES:
            _after_option(ctx, proxy, item, "resolvers", "resolvers", "missing-resolvers")
        if keyword in ("http-request", "http-response", "http-error", "http-after-response"):
            _after_word(ctx, proxy, item, "errorfiles", "http-errors", "missing-http-errors")
        if (
            keyword in ("http-request", "http-response")
            and len(values) > 2
            and values[1] in ("cache-use", "cache-store")
        ) or (keyword == "filter" and values[1:2] == ["cache"] and len(values) > 2):
            _reference(ctx, proxy, item, 2, "cache", "missing-cache")


def _reference(ctx: Context, proxy: Proxy, item: Item, index: int, kind: str, code: str) -> None:
    values = item.values
    if index >= len(values):
        return
    name = values[index]
    if is_dynamic(name) or name in ctx.names(kind):
        return
    if kind == "resolvers" and name == "default":
        return  # HAProxy (2.2+) creates "resolvers default" from /etc/resolv.conf
    ctx.report(
        code,
        "error",
        f"'{values[0]}' refers to {kind} section '{name}', which is not declared",
        proxy.section,
        item.line,
        index,
    )


def _after_word(ctx: Context, proxy: Proxy, item: Item, word: str, kind: str, code: str) -> None:
    values = item.values
    for i in range(1, len(values) - 1):
        if values[i] == word:
            _reference(ctx, proxy, item, i + 1, kind, code)
            return


def _server_options(item: Item) -> list[line_options.OptionSpan]:
    return line_options.scan("server", item.values, options_start(item.keyword))


def _after_option(
    ctx: Context, proxy: Proxy, item: Item, option: str, kind: str, code: str
) -> None:
    for span in _server_options(item):
        if span.name == option and span.value_index is not None:
            _reference(ctx, proxy, item, span.value_index, kind, code)


def _track_references(ctx: Context) -> None:
    """``track [<backend>/]<server>`` on server lines."""
    by_name = {p.name: p for p in ctx.proxies if p.kind in _BACK and p.name}
    for proxy in ctx.proxies:
        if proxy.kind not in _BACK:
            continue
        for item in proxy.lines("server", "default-server", "server-template"):
            line = item.line
            for span in _server_options(item):
                if span.name != "track" or span.value_index is None:
                    continue
                target = item.values[span.value_index]
                if is_dynamic(target):
                    continue
                backend_name, _, server = target.rpartition("/")
                owner = by_name.get(backend_name) if backend_name else proxy
                if owner is None:
                    ctx.report(
                        "missing-backend",
                        "error",
                        f"track names backend '{backend_name}', which is not declared",
                        proxy.section,
                        line,
                        span.value_index,
                    )
                elif not _has_server(owner, server):
                    ctx.report(
                        "missing-server",
                        "error",
                        f"track names server '{server}', which {owner.kind} "
                        f"'{owner.name}' does not have",
                        proxy.section,
                        line,
                        span.value_index,
                    )
