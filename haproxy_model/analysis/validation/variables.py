"""Variable names without a scope: ``var(foo)``, ``set-var(foo)``.

* ``variable-scope`` (HM310): HAProxy refuses a variable whose name does not start with
  its scope, ``proc.``, ``sess.``, ``txn.``, ``req.`` or ``res.`` ("invalid variable
  name 'foo'. A variable name must be start by its scope"). Looked for where HAProxy
  reads a sample expression: a rule action (``set-var(x)``, ``set-var-fmt(x)``,
  ``unset-var(x)``), ``var(...)`` as an ACL's criterion or first in an anonymous
  ACL (``{ var(x) -m found }``), and inside ``%[...]`` (log formats, header values),
  converters included.
"""

from __future__ import annotations

import re

from haproxy_model.analysis.validation._context import Context
from haproxy_model.model.directives import Rule
from haproxy_model.syntax.nodes import Directive, Section

SCOPES = ("proc.", "sess.", "txn.", "req.", "res.")
_NAME = r"([^),\s]*)"
_ACTION = re.compile(rf"(?:set-var-fmt|set-var|unset-var)\({_NAME}\)")
_FETCH = re.compile(rf"(?<![\w.-])(?:set-var|unset-var|var)\({_NAME}")
_EXPRESSION = re.compile(r"%\[([^\]]*)\]")


def _names(word: str, first_action: bool, fetch_place: bool) -> list[str]:
    found: list[str] = []
    if first_action and (m := _ACTION.fullmatch(word)):
        found.append(m.group(1))
    elif fetch_place and word.startswith("var("):
        found += _FETCH.findall(word)
    for expression in _EXPRESSION.findall(word):
        found += _FETCH.findall(expression)
    return found


def check(ctx: Context) -> None:
    """Report variable names without a scope in rules, ACLs, conditions and formats."""
    for block in ctx.blocks:
        if block.keyword == "global":
            continue
        for item in block.items:
            values = item.values
            if not values or any("$" in v for v in values):  # environment variables
                continue
            line = item.line
            action_at = line.action_index if isinstance(line, Rule) else -1
            seen: set[str] = set()
            for index, word in enumerate(values[1:], start=1):
                # a fetch stands as an ACL's criterion or first in an anonymous ACL
                fetch_place = (values[0] == "acl" and index == 2) or values[index - 1] == "{"
                for name in _names(word, index == action_at, fetch_place):
                    name = name.strip("'\"")  # HAProxy reads quoted sample arguments
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
