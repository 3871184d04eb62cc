"""Directives missing an argument HAProxy requires.

Each entry was checked against ``haproxy -c`` (2.6), which rejects the line
("'server' expects <name> and <addr>[:<port>] as arguments", "'timeout
server' expects an integer value", ...).  An empty quoted word counts as
missing, as it does for HAProxy; lines with environment variables are not
judged (one may expand to several words).  ``balance`` alone is not here:
HAProxy takes it as the default algorithm.

Code: ``missing-argument``.
"""

from __future__ import annotations

from haproxy_model.analysis.validation._context import (
    Block,
    Context,
    Item,
    is_dynamic,
)
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.syntax.defaults_links import PROXY_SECTIONS

_PROXY = frozenset(PROXY_SECTIONS)
_GLOBAL_TOO = _PROXY | {"global"}
_ACTION = "<action>"  # a rule's action, which cannot be its condition's "if"/"unless"

#: leading words -> (sections, the arguments they need); the longest match wins
_REQUIRED: dict[tuple[str, ...], tuple[frozenset[str], tuple[str, ...]]] = {
    ("server",): (_PROXY, ("<name>", "<address>[:port]")),
    ("bind",): (_PROXY, ("<address>",)),
    ("acl",): (_PROXY, ("<name>", "<criterion>")),
    ("use_backend",): (_PROXY, ("<backend>",)),
    ("default_backend",): (_PROXY, ("<backend>",)),
    ("use-server",): (_PROXY, ("<server>",)),
    ("timeout",): (_PROXY | {"resolvers", "mailers"}, ("<name>", "<time>")),
    ("maxconn",): (_GLOBAL_TOO, ("<number>",)),
    ("retries",): (_PROXY, ("<number>",)),
    ("fullconn",): (_PROXY, ("<number>",)),
    ("mode",): (_PROXY, ("<mode>",)),
    ("option",): (_PROXY, ("<option>",)),
    ("log",): (_GLOBAL_TOO, ("<target>",)),
    ("errorfile",): (_PROXY | {"http-errors"}, ("<code>", "<file>")),
    ("http-request",): (_PROXY, (_ACTION,)),
    ("http-response",): (_PROXY, (_ACTION,)),
    ("http-after-response",): (_PROXY, (_ACTION,)),
    ("tcp-request",): (_PROXY, ("connection|session|content|inspect-delay",)),
    ("tcp-request", "connection"): (_PROXY, (_ACTION,)),
    ("tcp-request", "session"): (_PROXY, (_ACTION,)),
    ("tcp-request", "content"): (_PROXY, (_ACTION,)),
    ("tcp-request", "inspect-delay"): (_PROXY, ("<time>",)),
    ("tcp-response",): (_PROXY, ("content|inspect-delay",)),
    ("tcp-response", "content"): (_PROXY, (_ACTION,)),
    ("tcp-response", "inspect-delay"): (_PROXY, ("<time>",)),
    ("nameserver",): (frozenset({"resolvers"}), ("<name>", "<address>:<port>")),
    ("hold",): (frozenset({"resolvers"}), ("<status>", "<period>")),
    ("resolve_retries",): (frozenset({"resolvers"}), ("<number>",)),
    ("accepted_payload_size",): (frozenset({"resolvers"}), ("<number>",)),
}


@registered("HM301")
def check(ctx: Context) -> None:
    """Report the directives above that lack an argument."""
    for block in ctx.blocks:
        for item in block.items:
            if not any(is_dynamic(v) for v in item.values):
                _check_line(ctx, block, item)


def _check_line(ctx: Context, block: Block, item: Item) -> None:
    values = item.values
    key = tuple(values[:2])
    if key not in _REQUIRED:
        key = key[:1]
    found = _REQUIRED.get(key)
    if found is None or block.keyword not in found[0]:
        return
    arguments = found[1]
    start = len(key)
    for offset, argument in enumerate(arguments):
        index = start + offset
        word = values[index] if index < len(values) else ""
        if word and not (argument == _ACTION and word in ("if", "unless")):
            continue
        given = " ".join(values[:index])
        before = " before its condition" if word else ""
        ctx.report(
            "missing-argument",
            "error",
            f"'{given}' expects {' and '.join(arguments[offset:])}{before}",
            block.section,
            item.line,
        )
        return
