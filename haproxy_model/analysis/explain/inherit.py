"""A proxy's effective settings: its defaults sections, then its own lines (HAProxy's rules).

``proxy_defproxy_cpy`` in ``src/proxy.c`` copies a defaults section's settings
into each proxy by its capabilities (a frontend takes ``timeout client``, not
``timeout server``), which the manual's keyword matrix (section 4.1) records per
keyword; the proxy's own lines then override them.  ACLs, rules, ``bind``,
``server`` and the routing lines are not settings and are not passed on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from haproxy_model.analysis.explain.model import Setting, Source
from haproxy_model.analysis.validation._context import Context, Item, Proxy, resolve
from haproxy_model.keywords import Keyword
from haproxy_model.syntax.nodes import Directive

__all__ = ["Placer", "effective_settings", "inherited_rules", "placer", "raw_rest"]

#: (file, line) of a line of the configuration
Placer = Callable[[Directive], tuple[str, int]]

#: first words of lines that are not settings: ACLs, rules, routing, listeners, servers
NOT_SETTINGS = frozenset(
    {
        "acl",
        "bind",
        "server",
        "server-template",
        "default-server",
        "use_backend",
        "use-server",
        "http-request",
        "http-response",
        "http-after-response",
        "tcp-request",
        "tcp-response",
        "redirect",
        "stick",
        "monitor",
        "quic-initial",
    }
)

#: keywords that may stand several times, each line its own setting
LISTS = frozenset(
    {
        "log",
        "stats auth",
        "stats http-request",
        "stats scope",
        "capture cookie",
        "capture request header",
        "capture response header",
        "declare capture",
        "filter",
        "email-alert to",
    }
)

#: keywords keyed by their first argument (an HTTP status)
BY_STATUS = frozenset({"errorfile", "errorloc", "errorloc302", "errorloc303"})

#: health check rule sets: a level that writes any (or a check-type option) replaces the
#: ones it inherits (``proxy_parse_httpchk_opt`` and the per-proxy rule sets, src/tcpcheck.c)
CHECK_RULES = ("http-check", "tcp-check")

#: ``http-check`` lines that are flags of the proxy, not check rules
CHECK_FLAGS = frozenset({"http-check disable-on-404", "http-check send-state"})

#: the health check types: one of them at a time (``PR_O2_CHK_ANY``)
CHECK_OPTIONS = frozenset(
    {
        "option httpchk",
        "option ssl-hello-chk",
        "option smtpchk",
        "option ldap-check",
        "option mysql-check",
        "option pgsql-check",
        "option redis-check",
        "option spop-check",
        "option tcp-check",
        "option external-check",
    }
)

#: settings where setting one replaces the others (one field in HAProxy)
FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"option http-keep-alive", "option http-server-close", "option httpclose"}),
    frozenset({"option httplog", "option tcplog", "option httpslog", "log-format"}),
    frozenset({"disabled", "enabled"}),
    CHECK_OPTIONS,
)


def placer(cfg: object, ctx: Context) -> Placer:
    """The (file, line) of each line; for several files (``hm.load_many``), its own file's."""
    origins = getattr(cfg, "origins", None)
    places = origins.places(getattr(cfg, "body", [])) if origins is not None else None
    filename = str(getattr(cfg, "filename", "<string>"))

    def place(line: Directive) -> tuple[str, int]:
        number = ctx.line_of(line)
        if places is not None and 0 < number <= len(places):
            file, own = places[number - 1]
            return str(file.name), int(own)
        return filename, number

    return place


def section_label(proxy: Proxy) -> str:
    """``"defaults tuned"``, ``"backend be_app"``: the section's keyword and name."""
    return f"{proxy.kind} {proxy.name}" if proxy.name else proxy.kind


def source_of(place: Placer, proxy: Proxy, line: Directive) -> Source:
    file, number = place(line)
    return Source(file=file, line=number, section=section_label(proxy))


def raw_rest(line: Directive, start: int) -> str:
    """Words ``start`` and after as written, with the blanks between them."""
    parts = line.parts()
    out: list[str] = []
    for i in range(start, len(parts.words)):
        if out:
            out.append(parts.separators[i - 1])
        out.append(parts.words[i])
    return "".join(out)


def keyword_of(ctx: Context, values: Sequence[str], kind: str) -> tuple[str, int, Keyword | None]:
    """The keyword a line sets, how many words it takes (a ``no``/``default`` prefix included)
    and the table's entry (None for a keyword the manual does not know)."""
    kw = resolve(ctx.table, values, kind, ctx.version) or resolve(ctx.table, values, kind)
    if kw is None:
        for other in ("defaults", "listen", "frontend", "backend"):
            kw = resolve(ctx.table, values, other)
            if kw is not None:
                break
    if kw is not None and kw.kind in ("proxy", "action"):
        return kw.name, len(kw.words) + (1 if kw.prefix else 0), kw
    start = 1 if values[0] in ("no", "default") and len(values) > 1 else 0
    count = 2 if values[start] in ("option", "timeout") and len(values) > start + 1 else 1
    return " ".join(values[start : start + count]), start + count, None


#: rule sets a named defaults section may hold (2.5+); its proxies run them before their own
RULE_SETS = ("http-request", "http-response", "http-after-response", "tcp-request", "tcp-response")


def _is_setting(values: Sequence[str]) -> bool:
    """``tcp-request inspect-delay`` and ``tcp-response inspect-delay`` are settings."""
    return values[0] in ("tcp-request", "tcp-response") and values[1:2] == ["inspect-delay"]


def inherited_rules(proxy: Proxy, place: Placer) -> list[tuple[Source, str]]:
    """The TCP/HTTP rules of the named defaults sections ``proxy`` inherits (run first), each
    with its source and its text."""
    out: list[tuple[Source, str]] = []
    for level in list(proxy.chain())[:0:-1]:
        if not level.name:
            continue
        for item in level.items:
            if item.values[0] in RULE_SETS and not _is_setting(item.values):
                out.append((source_of(place, level, item.line), raw_rest(item.line, 0)))
    return out


class _State:
    """The settings in force, keyed so that a later line replaces an earlier one."""

    def __init__(self) -> None:
        self.settings: dict[tuple[str, ...], Setting] = {}
        self._counter = 0

    def put(self, key: tuple[str, ...], setting: Setting) -> None:
        self.settings.pop(key, None)  # a replaced setting moves to where it is now set
        self.settings[key] = setting

    def drop(self, test: Callable[[tuple[str, ...]], bool]) -> None:
        for key in [k for k in self.settings if test(k)]:
            del self.settings[key]

    def append(self, keyword: str, setting: Setting) -> None:
        self._counter += 1
        self.settings[(keyword, f"#{self._counter}")] = setting


def _applies(ctx: Context, kw: Keyword | None, kind: str) -> bool:
    """Whether a setting of a defaults section reaches a proxy of ``kind`` (matrix, 4.1)."""
    if kw is None:
        return True
    return kind in ctx.table.allowed_sections(kw, ctx.version if kw.in_version(ctx.version)
                                              else None)  # fmt: skip


def _apply(
    ctx: Context, state: _State, item: Item, kind: str, source: Source, started: set[str]
) -> None:
    values = item.values
    name, count, kw = keyword_of(ctx, values, kind)
    prefix = values[0] if values[0] in ("no", "default") and count > 1 else None
    rest = raw_rest(item.line, count)
    if (
        prefix is not None
        and kw is not None
        and not (kw.variant(ctx.version) or kw.latest).negatable
    ):
        warning = f"HAProxy refuses '{prefix}' before '{name}' (negation/default is not supported)"
        state.put((name,), Setting(name, "disabled" if prefix == "no" else "default", source,
                                   warning=warning))  # fmt: skip
        return
    is_rule = name.split()[0] in CHECK_RULES and name not in CHECK_FLAGS
    if (is_rule or (name in CHECK_OPTIONS and prefix is None)) and "checks" not in started:
        started.add("checks")  # this level's checks replace the rules it inherits
        state.drop(lambda k: k[0].split()[0] in CHECK_RULES and k[0] not in CHECK_FLAGS)
    if is_rule:
        state.append(name, Setting(name, rest, source))
        return
    if name == "log":
        if prefix == "no":
            state.drop(lambda k: k[0] == "log")
        else:
            state.append(name, Setting(name, rest, source))
        return
    if name in LISTS:
        state.append(name, Setting(name, rest, source))
        return
    key: tuple[str, ...] = (name,)
    if name in BY_STATUS and len(values) > count:
        key = (name, values[count])
        state.drop(lambda k: k[0] in BY_STATUS and k[1:] == (values[count],))
    for members in FAMILIES:
        if name in members and prefix is None:
            state.drop(lambda k, fam=members: k[0] in fam)  # type: ignore[misc]
    if name.startswith("option "):
        value = {"no": "disabled", "default": "default"}.get(prefix or "", "enabled")
        state.put(key, Setting(name, value, source, arguments=rest or None))
    elif prefix == "no":
        state.put(key, Setting(name, "disabled", source))
    elif prefix == "default":
        state.put(key, Setting(name, "default", source))
    else:
        state.put(key, Setting(name, rest, source))


def effective_settings(ctx: Context, proxy: Proxy, place: Placer) -> list[Setting]:
    """The settings ``proxy`` runs with from its defaults chain and its own lines, in the
    order they are set (what a later line overrides is gone)."""
    levels = list(proxy.chain())[::-1]  # the farthest defaults first, the proxy last
    state = _State()
    for level in levels:
        started: set[str] = set()
        own = level is proxy
        for item in level.items:
            values = item.values
            first = values[1] if values[0] in ("no", "default") and len(values) > 1 else values[0]
            if first in NOT_SETTINGS and not _is_setting(values):
                continue
            _, _, kw = keyword_of(ctx, values, level.kind)
            applies = _applies(ctx, kw, proxy.kind)
            if not own and not applies:
                continue
            source = source_of(place, level, item.line)
            _apply(ctx, state, item, level.kind, source, started)
            last = next(reversed(state.settings), None)
            if last is None or state.settings[last].source != source:
                continue
            if not applies:
                warning = (
                    f"not for a {proxy.kind} (the manual's keyword matrix): HAProxy ignores it"
                )
                state.settings[last] = attrs.evolve(state.settings[last], warning=warning)
            if item.path:  # which branch HAProxy reads is decided when it starts
                note = "inside an .if block"
                state.settings[last] = attrs.evolve(state.settings[last], note=note)
    return list(state.settings.values())
