"""The steps of a health check ruleset (``tcp-check``/``http-check`` lines).

``connect-not-first`` (HM403): a ``tcp-check connect`` (or ``http-check connect``)
while a step other than ``connect``, ``comment``, ``set-var`` or ``unset-var`` comes
before it in the same section. HAProxy (``parse_tcpcheck_connect()`` in
src/tcpcheck.c): "first step MUST also be a 'connect', optionally preceded by a
'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the
tcp-check ruleset". Sections whose steps sit in ``.if`` blocks are left alone.
"""

from __future__ import annotations

from haproxy_model.analysis.validation._context import Context
from haproxy_model.analysis.validation.registry import registered

FAMILIES = ("tcp-check", "http-check")
#: ``comment`` may precede a connect; ``disable-on-404`` and
#: ``send-state`` are flags of ``http-check``, not steps
MAY_PRECEDE = frozenset({"comment", "disable-on-404", "send-state"})


@registered("HM403")
def check(ctx: Context) -> None:
    """Report a ``connect`` step placed after another kind of step."""
    for proxy in ctx.proxies:
        for family in FAMILIES:
            steps = [it for it in proxy.items if it.keyword == family and len(it.values) > 1]
            if any(it.path for it in steps):
                continue
            first: str | None = None  # the first step that is not a comment or variable
            for it in steps:
                step = it.values[1]
                if step == "connect" and first not in (None, "connect"):
                    ctx.report("connect-not-first", "error",
                               f"'{family} connect': first step MUST also be a 'connect', "
                               "optionally preceded by a 'set-var', an 'unset-var' or a "
                               f"'comment' ('{family} {first}' comes first)",
                               proxy.section, it.line, 1)  # fmt: skip
                    break
                if first is None and step not in MAY_PRECEDE and not _is_variable(step):
                    first = step


def _is_variable(step: str) -> bool:
    return step.startswith(("set-var(", "unset-var(", "set-var-fmt("))
