"""Values of the wrong kind: times, sizes, numbers, ports, balance algorithms, modes.

What kind of value a keyword takes comes from its synopsis in the keyword
table: the manual names the argument (``timeout connect <timeout>``, ``inter
<delay>``, ``maxconn <conns>``, ``stick-table ... size <size>``).  Values with
environment variables (``$VAR``, ``${VAR}``) or ``%[...]`` are not judged.

Codes: ``bad-time``, ``bad-size``, ``bad-number``, ``weight-range``,
``bad-port``, ``unknown-balance``, ``unknown-mode``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from haproxy_model.analysis.validation._context import Block, Context, Item, is_dynamic, resolve
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.keywords import Keyword, KeywordTable
from haproxy_model.keywords.choices import BALANCE, BALANCE_INLINE, BALANCE_SINCE
from haproxy_model.model import line_options
from haproxy_model.model.directives import Shape, shape_of, split_address

#: Argument names of the manual's synopsis lines -> the kind of value they take.
_KINDS = {
    "timeout": "time",
    "delay": "time",
    "time": "time",
    "start_time_in_ms": "time",
    "expire": "time",
    "size": "size",
    "bytes": "size",
    "number": "number",
    "count": "number",
    "conns": "number",
    "nb": "number",
    "maxconn": "number",
    "max": "number",
    "maxqueue": "number",
    "minconn": "number",
    "connections": "number",
    "nbconn": "number",
    "backlog": "number",
    "weight": "weight",
    "port": "port",
}
# "retries <value>": the synopsis says <value>, too vague a name to generalize.
_KIND_OF_KEYWORD = {"retries": "number"}

# parse_time_err() in src/tools.c: digits, then us, ms, s, m, h or d.  Other
# characters after a unit only get a warning ("will be reported as an error in
# next versions").
_TIME = re.compile(r"\d+(?:us|ms|s|m|h|d)?")
_TIME_LOOSE = re.compile(r"\d+(?:us|ms|s|m|h|d)\S*")
# parse_size_err() in src/tools.c: digits, then k, m or g in either case.
_SIZE = re.compile(r"\d+[kKmMgG]?")
#: an integer, as the number arguments take
NUMBER = re.compile(r"[+-]?\d+")

# "mode": when the synopsis does not say ("mode { tcp|http }" in 2.6).
_MODES_FALLBACK = frozenset({"tcp", "http"})


@registered("HM302", "HM303", "HM305", "HM306", "HM307", "HM311", "HM312")
def check(ctx: Context) -> None:
    """Report values that are not of the kind their keyword takes."""
    documented = ctx.table.section_keywords()
    for block in ctx.blocks:
        if block.keyword not in documented:
            continue
        for item in block.items:
            _check_line(ctx, block, item)


def _check_line(ctx: Context, block: Block, item: Item) -> None:
    values = item.values
    kw = resolve(ctx.table, values, block.keyword)
    if kw is None or kw.negated or kw.prefix:
        return
    start = len(kw.words)
    first, pairs = _slots(ctx.table, kw, ctx.version)
    first = _KIND_OF_KEYWORD.get(kw.name, first)
    if first is not None and start < len(values):
        judge(ctx, block, item, start, first, kw.name)
    # the typed class's declared fields, where the manual's synopsis names no kind
    shape = shape_of(values[0])
    for index, declared in shape.arguments.items() if shape else ():
        if start <= index < len(values) and index not in _named(kw):
            judge(ctx, block, item, index, declared, kw.name)
    if pairs:
        for i in range(start, len(values) - 1):
            kind = pairs.get(values[i])
            if kind is not None:
                judge(ctx, block, item, i + 1, kind, values[i])
    if kw.name == "balance" and start < len(values):
        _check_balance(ctx, block, item, start)
    elif kw.name == "mode" and kw.kind == "proxy" and start < len(values):
        _check_mode(ctx, block, item, kw, start)
    if (
        shape is not None
        and shape.option_kind is not None
        and kw.name == values[0]
        and kw.kind in ("proxy", "peers", "ring", "log-forward")
    ):
        _check_options(ctx, block, item, kw.name, shape)


def judge(ctx: Context, block: Block, item: Item, index: int, kind: str, what: str) -> None:
    """Report word ``index`` if it is not a ``kind`` (time, size, number, weight, port)."""
    value = item.values[index]
    if not value or is_dynamic(value):
        return  # an empty word is a missing argument (module missing)
    problem: str | None = None
    loose = False
    code = f"bad-{kind}"
    if kind == "time":
        if _TIME.fullmatch(value) is None:
            problem = f"'{what}' expects a time (a number with us, ms, s, m, h or d), not '{value}'"
            # HAProxy warns about characters after the unit and ignores them
            loose = _TIME_LOOSE.fullmatch(value) is not None
    elif kind == "size":
        if _SIZE.fullmatch(value) is None:
            problem = f"'{what}' expects a size (a number with k, m or g), not '{value}'"
    elif kind in ("number", "weight", "port"):
        if NUMBER.fullmatch(value) is None:
            code = "bad-number"
            problem = f"'{what}' expects a number, not '{value}' (HAProxy would read it as 0)"
        elif kind == "weight" and not 0 <= int(value) <= 256:
            code = "weight-range"
            problem = f"'{what}' must be within 0 and 256, not {value}"
        elif kind == "port" and not 0 <= int(value) <= 65535:
            problem = f"'{what}' must be a port within 0 and 65535, not {value}"
    if problem is not None:
        ctx.report(code, "warning" if loose else "error", problem, block.section, item.line, index)


@functools.lru_cache(maxsize=2048)
def _slots(table: KeywordTable, kw: Keyword, version: str) -> tuple[str | None, dict[str, str]]:
    """The kind of the first argument, and ``literal <arg>`` pairs of the synopsis."""
    variant = kw.variant(version) or kw.latest
    first = next(
        (k for s in variant.synopsis if (k := _first_argument(s, kw.words)) is not None), None
    )
    pairs: dict[str, str] = {}
    for var in kw.variants:
        for synopsis in var.synopsis:
            pairs.update(_pairs(synopsis, kw.words))
    return first, pairs


@functools.lru_cache(maxsize=2048)
def _named(kw: Keyword) -> frozenset[int]:
    """Word indexes where a synopsis of ``kw`` names an argument of a known kind."""
    found = set()
    for var in kw.variants:
        for synopsis in var.synopsis:
            tokens = synopsis.split()
            if tokens[: len(kw.words)] == list(kw.words):
                found |= {i for i, t in enumerate(tokens) if i and _kind(t) is not None}
    return frozenset(found)


def _clean(token: str) -> str:
    return token.strip("[]{}|,")


def _kind(token: str) -> str | None:
    token = _clean(token)
    if token.startswith("<"):
        return _KINDS.get(token.strip("<>").rstrip(","))
    return None


def _first_argument(synopsis: str, name: tuple[str, ...]) -> str | None:
    tokens = synopsis.split()
    last = name[-1]
    for i, token in enumerate(tokens[:-1]):
        if token == last:
            after = tokens[i + 1]
            return _kind(after) if after.startswith("<") else None
    return None


def _pairs(synopsis: str, name: tuple[str, ...]) -> Iterable[tuple[str, str]]:
    tokens = synopsis.split()
    for i in range(len(tokens) - 1):
        literal = _clean(tokens[i])
        if not literal or literal in name or not re.fullmatch(r"[a-z][a-z0-9_-]*", literal):
            continue
        kind = _kind(tokens[i + 1])
        if kind is not None:
            yield literal, kind


def _check_balance(ctx: Context, block: Block, item: Item, index: int) -> None:
    algo = item.values[index]
    if is_dynamic(algo) or algo in BALANCE or BALANCE_INLINE.fullmatch(algo):
        return
    since = BALANCE_SINCE.get(algo)
    if since is not None and ctx.at_least(since):
        return
    known = sorted(BALANCE | {a for a, v in BALANCE_SINCE.items() if ctx.at_least(v)})
    extra = f" (introduced in {since})" if since else ""
    ctx.report(
        "unknown-balance",
        "error",
        f"unknown balance algorithm '{algo}'{extra}; HAProxy {ctx.version} knows: "
        + ", ".join([*known, "random(<draws>)", "hdr(<name>)", "rdp-cookie(<name>)"]),
        block.section,
        item.line,
        index,
    )


def _modes(kw: Keyword, version: str) -> frozenset[str]:
    """The modes of the ``mode { tcp|http|... }`` synopsis of the version."""
    variant = kw.variant(version) or kw.latest
    for synopsis in variant.synopsis:
        m = re.search(r"\{([^}]*)\}", synopsis)
        if m:
            return frozenset(w.strip() for w in m.group(1).split("|") if w.strip())
    return _MODES_FALLBACK


def _check_mode(ctx: Context, block: Block, item: Item, kw: Keyword, index: int) -> None:
    mode = item.values[index]
    modes = _modes(kw, ctx.version)
    if is_dynamic(mode) or mode in modes:
        return
    ctx.report(
        "unknown-mode",
        "error",
        f"unknown proxy mode '{mode}'; HAProxy {ctx.version} knows: {', '.join(sorted(modes))}",
        block.section,
        item.line,
        index,
    )


def _check_options(ctx: Context, block: Block, item: Item, keyword: str, shape: Shape) -> None:
    kind = shape.option_kind
    assert kind is not None
    values = item.values
    positional = shape.positional
    if keyword == "bind" and len(values) > 1:
        _check_bind_ports(ctx, block, item)
    elif keyword in ("server", "server-template") and len(values) > positional:
        _check_server_port(ctx, block, item, positional)
    for span in line_options.scan(kind, values, 1 + positional):
        if span.value_index is None:
            continue
        option = ctx.table.get(kind, span.name)
        first = None if option is None else _slots(ctx.table, option, ctx.version)[0]
        first = first or shape.options.get(span.name)
        if first is not None:
            judge(ctx, block, item, span.value_index, first, span.name)


#: address prefixes of manual section 11 that keep a host:port form
PORT_FAMILIES = ("ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@", "udp@", "udp4@", "udp6@", "quic")


def port_of(address: str) -> str | None:
    """The port of ``[family@]host:port`` (None without one, and for unix@, abns@, fd@...)."""
    if "@" in address and not address.startswith(PORT_FAMILIES):
        return None
    bare = address.split("@", 1)[-1]
    return split_address(bare if bare.startswith("[") else address)[1]


def _check_server_port(ctx: Context, block: Block, item: Item, positional: int) -> None:
    address = item.values[positional]
    port = port_of(address)
    if port is None or is_dynamic(address) or not port.isdigit():
        return  # no port, or "+1000"/"-1000" offsets
    if int(port) > 65535:
        ctx.report(
            "bad-port",
            "error",
            f"port {port} of server address '{address}' is not within 0 and 65535",
            block.section,
            item.line,
            positional,
        )


def _check_bind_ports(ctx: Context, block: Block, item: Item) -> None:
    text = item.values[1]
    if is_dynamic(text):
        return
    for address in text.split(","):
        port = port_of(address)
        if not port:
            continue
        low, _, high = port.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            continue
        bounds = [int(low), int(high or low)]
        if not all(1 <= p <= 65535 for p in bounds) or bounds[0] > bounds[1]:
            ctx.report(
                "bad-port",
                "error",
                f"bind port '{port}' of '{address}' is not a port (or range) within 1 and 65535",
                block.section,
                item.line,
                1,
            )
