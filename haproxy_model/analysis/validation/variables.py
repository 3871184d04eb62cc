"""Variable names without a scope: ``var(foo)``, ``set-var(foo)``.

* ``variable-scope`` (HM310): HAProxy refuses a variable whose name does not start with
  its scope, ``proc.``, ``sess.``, ``txn.``, ``req.``, ``res.`` or ``check.`` ("invalid
  variable name 'foo'. A variable name must be start by its scope", ``vars_hash_name()``
  in src/vars.c). Looked for in a rule's action (``set-var(x)``, ``set-var-fmt(x)``,
  ``unset-var(x)``) and in every sample expression (:mod:`.expressions`: ACL criteria,
  conditions, ``%[...]`` formats, action arguments): the ``var(x)`` fetch and the
  ``set-var(x)``/``unset-var(x)`` converters.
"""

from __future__ import annotations

import re

from haproxy_model.analysis.validation._context import Context
from haproxy_model.analysis.validation.expressions import RULES, action_index, expressions
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.syntax.nodes import Directive, Section

SCOPES = ("proc.", "sess.", "txn.", "req.", "res.", "check.")
_ACTION = re.compile(r"(?:set-var-fmt|set-var|unset-var)\(([^),\s]*)\)")
#: The terms whose first argument is a variable name.
_FETCHES = frozenset({"var"})
_CONVERTERS = frozenset({"set-var", "unset-var"})


@registered("HM310")
def check(ctx: Context) -> None:
    """Report variable names without a scope in rules, ACLs, conditions and formats."""
    found: dict[int, list[tuple[int, str]]] = {}
    for block in ctx.blocks:
        if block.keyword == "global":
            continue
        for item in block.items:
            values = item.values
            if values[0] not in RULES or any("$" in v for v in values):  # environment
                continue
            at = action_index(values)
            if at < len(values) and (m := _ACTION.fullmatch(values[at])):
                found.setdefault(id(item), []).append((at, m.group(1)))
    for expression in expressions(ctx):
        for term in expression.terms:
            names = _CONVERTERS if term.converter else _FETCHES
            if term.name in names and term.args:
                found.setdefault(id(expression.item), []).append((expression.index, term.args[0]))
    for block in ctx.blocks:
        for item in block.items:
            seen: set[str] = set()
            for index, name in sorted(found.get(id(item), ()), key=lambda f: f[0]):
                if name and not name.startswith(SCOPES) and name not in seen:
                    seen.add(name)
                    _report(ctx, block.section, item.line, index, name)


def _report(ctx: Context, section: Section, line: Directive, index: int, name: str) -> None:
    ctx.report(
        "variable-scope",
        "error",
        f"invalid variable name '{name}': a variable name starts with its scope "
        f"({', '.join(s.rstrip('.') for s in SCOPES)}), e.g. 'txn.{name}'",
        section,
        line,
        index,
    )
