"""The file's text as HAProxy reads it, before any keyword.

``missing-newline`` (HM002): the last line does not end with a line feed. Since 2.3
HAProxy refuses the file ("Missing LF on last line, file might have been
truncated"): a file cut short by a failed copy must not start a proxy. (A NUL byte,
HAProxy's other text error, is already a parse error.)
"""

from __future__ import annotations

from haproxy_model.analysis.validation._context import Context
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.syntax.nodes import Line, Node, iter_lines


@registered("HM002")
def check(ctx: Context) -> None:
    """Report a last line without its line feed (each file's, for several files)."""
    origins = ctx.cfg.origins
    for nodes in origins.split(ctx.cfg.body) if origins else [ctx.cfg.body]:
        _last_line(ctx, nodes)


def _last_line(ctx: Context, nodes: list[Node]) -> None:
    last: Line | None = None
    for last in iter_lines(nodes):  # noqa: B007 (the loop finds the last line)
        pass
    if last is not None and last.newline == "":
        message = (
            "Missing LF on last line, file might have been truncated "
            f"at position {len(last.raw) + 1} (HAProxy 2.3+ refuses it)"
        )
        ctx.report("missing-newline", "error", message, None, last)
