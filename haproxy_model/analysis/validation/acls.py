"""ACLs named in conditions (``if``/``unless``) but not declared in that proxy.

HAProxy resolves a condition's ACL names while it parses the rule, among the
ACLs of the same proxy declared above it, then among its predefined ACLs
(``parse_acl_cond()`` in src/acl.c).  ACLs are not inherited from defaults
sections; a named defaults section's own rules use its own ACLs.

Code: ``undeclared-acl``.
"""

from __future__ import annotations

from haproxy_model.analysis.validation._context import Context, Proxy, is_dynamic
from haproxy_model.analysis.validation.expressions import condition_start
from haproxy_model.analysis.validation.registry import registered

# Manual section 7.4, "Pre-defined ACLs" (default_acl_list[] in src/acl.c);
# HTTP_3.0 was added in 2.9.
_PREDEFINED = frozenset(
    {
        "FALSE",
        "HTTP",
        "HTTP_1.0",
        "HTTP_1.1",
        "HTTP_2.0",
        "HTTP_CONTENT",
        "HTTP_URL_ABS",
        "HTTP_URL_SLASH",
        "HTTP_URL_STAR",
        "LOCALHOST",
        "METH_CONNECT",
        "METH_DELETE",
        "METH_GET",
        "METH_HEAD",
        "METH_OPTIONS",
        "METH_POST",
        "METH_PUT",
        "METH_TRACE",
        "RDP_COOKIE",
        "REQ_CONTENT",
        "TRUE",
        "WAIT_END",
    }
)
_PREDEFINED_SINCE = {"HTTP_3.0": "3.0"}


def predefined(ctx: Context) -> frozenset[str]:
    """The predefined ACL names of the version validated."""
    extra = {name for name, since in _PREDEFINED_SINCE.items() if ctx.at_least(since)}
    return _PREDEFINED | extra


@registered("HM401")
def check(ctx: Context) -> None:
    """Report ACL names used in conditions and not declared above in the proxy."""
    known = predefined(ctx)
    for proxy in ctx.proxies:
        _check_proxy(ctx, proxy, known)


def _check_proxy(ctx: Context, proxy: Proxy, known: frozenset[str]) -> None:
    declared: dict[str, int] = {}
    for item in proxy.items:
        values = item.values
        if values[0] == "acl" and len(values) > 1:
            declared.setdefault(values[1], ctx.line_of(item.line))
    for item in proxy.items:
        values = item.values
        if values[0] == "acl":
            continue
        here = ctx.line_of(item.line)
        for index, name in condition_names(values):
            if name in known or is_dynamic(name):
                continue
            line = declared.get(name)
            if line is None:
                message = f"ACL '{name}' is not declared in this {proxy.kind}"
            elif line > here:
                message = f"ACL '{name}' is used before its declaration (line {line})"
            else:
                continue
            ctx.report("undeclared-acl", "error", message, proxy.section, item.line, index)


def condition_names(values: list[str]) -> list[tuple[int, str]]:
    """``(word index, ACL name)`` for each named ACL of a line's condition."""
    start = condition_start(values)
    if start is None:
        return []
    out: list[tuple[int, str]] = []
    i = start + 1
    while i < len(values):
        word = values[i].lstrip("!")
        if word == "{":
            # an anonymous ACL runs to the next "}"
            while i < len(values) and values[i] != "}":
                i += 1
        elif word and word.lower() != "or" and word != "||":
            out.append((i, word))
        i += 1
    return out
