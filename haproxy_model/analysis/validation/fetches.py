"""Sample fetches and converters the target version does not have.

Codes:

* ``unknown-fetch`` (HM110): a fetch HAProxy's parser would not find ("unknown fetch
  method 'fc_glitches'"), or none at all ("missing fetch method": ``%[(arg)]``). In
  an ACL's criterion an ACL keyword (``hdr_beg``) is a fetch too.
* ``unknown-converter`` (HM111): a converter after a comma it would not find
  ("unknown converter 'has_ctl'").

The names of each version come from HAProxy's sources
(:mod:`haproxy_model.keywords.samples`), so the verdict is certain: a name the target
version registers in no build is refused by every binary of it, and a name any build
registers (OpenSSL's ``ssl_*``, an addon's ``51d.all``, Lua's ``lua.<name>``) is
accepted. The message says when the name appeared or went, or the name it is a slip
of. Inside a ``.if`` block testing the version or a feature, a warning instead.
"""

from __future__ import annotations

from haproxy_model.analysis.validation._context import Context, version_key
from haproxy_model.analysis.validation.expressions import Expression, Term, expressions
from haproxy_model.analysis.validation.spelling import near_miss
from haproxy_model.keywords.samples import Kind, SampleKeyword, SampleTable, load_samples


def check(ctx: Context) -> None:
    """Report the fetches and converters of every expression the version lacks."""
    table = load_samples()
    if not table.knows(ctx.version):
        return
    seen: set[tuple[int, int, str]] = set()
    for expression in expressions(ctx):
        for term in expression.terms:
            key = (id(expression.item), expression.index, term.name)
            if key in seen:
                continue
            seen.add(key)
            # HAProxy's own wording: "unknown fetch method 'x' in ACL expression 'x(y)'"
            where = ""
            if expression.criterion:
                where = f" in ACL expression '{expression.item.values[expression.index]}'"
            message = judge(table, term, expression.criterion, ctx.version, where)
            if message is not None:
                _report(ctx, expression, term, message)


def judge(
    table: SampleTable, term: Term, criterion: bool, version: str, where: str = ""
) -> str | None:
    """HAProxy ``version``'s refusal of ``term`` (None when it takes it); ``criterion``:
    the term begins an ACL's criterion, where ACL keywords count as fetches; ``where``
    follows the name in the message."""
    if not term.converter and not term.name:
        return "missing fetch method" + where
    kinds: tuple[Kind, ...] = ("converter",) if term.converter else ("fetch",)
    if criterion and not term.converter:
        kinds += ("acl",)
    found = [kw for kw in (table.get(kind, term.name) for kind in kinds) if kw is not None]
    if any(kw.in_version(version) for kw in found):
        return None
    what = "converter" if term.converter else "fetch method"
    head = f"unknown {what} '{term.name}'{where}"
    if found:
        return f"{head}: {_history(table, found[0], version)}"
    known: set[str] = set()
    for kind in kinds:
        known |= table.in_version(kind, version)
    guess = near_miss(term.name, known)
    tail = f"; did you mean '{guess}'?" if guess else " (no HAProxy version has it)"
    return head + tail


def _history(table: SampleTable, keyword: SampleKeyword, version: str) -> str:
    """When ``keyword`` came or went, seen from ``version``."""
    key = version_key(version)
    since, last = keyword.since, keyword.last
    also = f" (and in {', '.join(keyword.backports)})" if keyword.backports else ""
    if since is None:
        return f"HAProxy {version} does not have it (only {', '.join(keyword.backports)} does)"
    if version_key(since) > key:
        if since.endswith("-dev"):
            return f"it only exists in HAProxy's development branch {since}, not in {version}"
        return f"it appeared in HAProxy {since}{also}, after {version}"
    if last is not None and version_key(last) < key:
        gone = table.after(last)
        return f"HAProxy {gone} removed it (it was in {since} to {last}), before {version}"
    return f"HAProxy {version} does not have it (it is in {_ranges(keyword)})"


def _ranges(keyword: SampleKeyword) -> str:
    return ", ".join(a if a == b else f"{a}-{b}" for a, b in keyword.ranges)


def _report(ctx: Context, expression: Expression, term: Term, message: str) -> None:
    item = expression.item
    ctx.report(
        "unknown-converter" if term.converter else "unknown-fetch",
        "warning" if item.guarded else "error",
        message,
        expression.block.section,
        item.line,
        expression.index,
        term.start,
    )
