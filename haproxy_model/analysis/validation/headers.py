"""Section lines and global prerequisites HAProxy refuses before anything else.

* ``header-argument`` (HM109): a ``frontend``/``backend``/``listen`` line with more
  than its name and an optional ``from <defaults>`` (HAProxy: "please use the 'bind'
  keyword for listening addresses" for an address), or a ``global`` line with any
  argument ("'global' cannot handle unexpected argument").
* ``missing-external-check`` (HM214): ``option external-check`` in a backend while
  the ``global`` section has no ``external-check`` (HAProxy: "'option external-check'
  unable to find required 'global.external-check'").
"""

from __future__ import annotations

from haproxy_model.analysis.validation._context import Context
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.model.typed_sections import Backend, Global, Listen
from haproxy_model.syntax.nodes import Directive

PROXY_HEADERS = ("frontend", "backend", "listen")


@registered("HM109", "HM214")
def check(ctx: Context) -> None:
    """Report unexpected words on section lines and a missing ``global external-check``."""
    has_external_check = False
    for section in ctx.cfg.sections:
        args = section.header.args
        if section.keyword == "global" and args:
            ctx.report("header-argument", "error",
                       f"'global' cannot handle unexpected argument '{args[0]}'",
                       section, section.header, 1)  # fmt: skip
        elif section.keyword in PROXY_HEADERS and len(args) > 1:
            rest = args[1:]
            if rest[0] == "from" and len(rest) == 2:
                continue
            word = rest[0]
            looks_like_address = ":" in word or word.startswith(("*", "/"))
            message = (
                "please use the 'bind' keyword for listening addresses"
                if looks_like_address and section.keyword != "backend"
                else f"unexpected '{word}' after the name (only 'from <defaults>' may follow)"
            )
            ctx.report("header-argument", "error", f"'{section.keyword} {args[0]}': {message}",
                       section, section.header, 2)  # fmt: skip
        if isinstance(section, Global):
            has_external_check |= any(
                isinstance(n, Directive) and n.keyword == "external-check" for n in section.body
            )
    if has_external_check:
        return
    for section in ctx.cfg.sections:
        if not isinstance(section, (Backend, Listen)):
            continue
        for line in section.body:
            if isinstance(line, Directive) and line.values == ["option", "external-check"]:
                ctx.report(
                    "missing-external-check",
                    "error",
                    "'option external-check' needs 'external-check' in the global section "
                    "(and 'insecure-fork-wanted')",
                    section,
                    line,
                    1,
                )
