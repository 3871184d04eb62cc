"""Sample fetches and converters the target version does not have.

Codes:

* ``unknown-fetch`` (HM110): a fetch HAProxy's parser would not find ("unknown fetch
  method 'fc_glitches'"), or none at all ("missing fetch method": ``%[(arg)]``). In
  an ACL's criterion an ACL keyword (``hdr_beg``) is a fetch too.
* ``unknown-converter`` (HM111): a converter after a comma it would not find
  ("unknown converter 'has_ctl'").
* ``build-option`` (HM113, a note): a fetch or converter only some builds have (the
  51Degrees/WURFL/DeviceAtlas addons', Lua's ``lua.<name>``, ``USE_ECH``'s): accepted,
  since no build profile says which HAProxy runs it; one note per option. OpenSSL's
  (``ssl_*``) get none: the ``ssl`` of ``bind`` and ``server`` lines needs the same
  build, and is taken for granted too.
* ``build-missing`` (HM114): given a build profile (``validate(build=...)``), a fetch
  or converter needing a build option the profile lacks (``ssl_fc`` without
  +OPENSSL); with a profile, no ``build-option`` notes.
* ``sample-argument`` (HM112): arguments ``make_arg_list()`` (src/arg.c) refuses for
  the version's argument mask of a known fetch or converter: more than it takes, fewer
  than it needs, an empty or non-integer one where it takes an integer
  (``bytes(txn.start)`` before 2.9, where it took integers only).

The names of each version come from HAProxy's sources
(:mod:`haproxy_model.keywords.samples`), so the verdict is certain: a name the target
version registers in no build is refused by every binary of it, and a name any build
registers (OpenSSL's ``ssl_*``, an addon's ``51d.all``, Lua's ``lua.<name>``) is
accepted. The message says when the name appeared or went, or the name it is a slip
of. Inside a ``.if`` block testing the version or a feature, a warning instead.
"""

from __future__ import annotations

import re

from haproxy_model.analysis.validation._context import Context
from haproxy_model.analysis.validation.expressions import Expression, Term, expressions
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.analysis.validation.spelling import near_miss
from haproxy_model.base.diagnostics import Severity
from haproxy_model.keywords.samples import Kind, SampleKeyword, SampleTable, load_samples
from haproxy_model.keywords.versions import version_key


@registered("HM110", "HM111", "HM112", "HM113", "HM114")
def check(ctx: Context) -> None:
    """Report the fetches and converters of every expression the version lacks."""
    table = load_samples()
    if not table.knows(ctx.version):
        return
    seen: set[tuple[int, int, str, tuple[str, ...] | None]] = set()
    builds: dict[tuple[str, ...], list[tuple[Expression, Term]]] = {}
    for expression in expressions(ctx):
        for term in expression.terms:
            key = (id(expression.item), expression.index, term.name, term.args)
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
                continue
            message = arguments(table, term, expression.criterion, ctx.version)
            if message is not None:
                _report(ctx, expression, term, message, "sample-argument")
            options = _build(table, term, expression.criterion, ctx.version)
            if ctx.build is not None:
                if not ctx.build.meets(options):
                    lacks = " and ".join(ctx.build.missing(options))
                    what = "converter" if term.converter else "fetch method"
                    message = (
                        f"unknown {what} '{term.name}'{where}: "
                        f"{ctx.build.describe()} is built without {lacks}"
                    )
                    _report(ctx, expression, term, message, "build-missing")
            elif set(options) - {"OPENSSL"}:
                builds.setdefault(options, []).append((expression, term))
    for options, uses in builds.items():
        _note_build(ctx, options, uses)


def _build(table: SampleTable, term: Term, criterion: bool, version: str) -> tuple[str, ...]:
    """The build options HAProxy ``version`` needs for a ``term`` it has (() for none)."""
    kinds: tuple[Kind, ...] = ("converter",) if term.converter else ("fetch",)
    if criterion and not term.converter:
        kinds = ("acl", "fetch")  # HAProxy looks for an ACL keyword first
    for kind in kinds:
        keyword = table.get(kind, term.name)
        if keyword is not None and keyword.in_version(version):
            return keyword.build(version)
    return ()


def _note_build(
    ctx: Context, options: tuple[str, ...], uses: list[tuple[Expression, Term]]
) -> None:
    """One note for the terms needing ``options``, at the first."""
    expression, term = uses[0]
    others = sorted({t.name for _, t in uses} - {term.name})
    needs = " and ".join(f"USE_{o}" for o in options)
    if term.name.startswith("lua."):
        what = f"'{term.name}' is registered at run time by a Lua script (lua-load)"
    else:
        what = f"'{term.name}' exists only"
    more = f" (as do {', '.join(repr(n) for n in others)})" if others else ""
    message = f"{what} in HAProxy built with {needs}{more}: taken, as no build is given"
    _report(ctx, expression, term, message, "build-option", "info")


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


# make_arg_list()'s argument types: those stored as text (resolved later), and those
# that refuse an empty value ("expected type 'integer' at position 1, but got nothing").
_TEXT = frozenset({"STR", "ID", "FE", "BE", "TAB", "SRV", "USR", "REG"})
_TYPE_NAMES = {
    "SINT": "integer",
    "IPV4": "IPv4 address",
    "MSK4": "IPv4 mask",
    "IPV6": "IPv6 address",
    "MSK6": "IPv6 mask",
    "TIME": "delay",
    "SIZE": "size",
    "PBUF_FNUM": "Protocol buffers field number",
}
_INTEGER = re.compile(r"[+-]?[0-9]*")  # read_int64() reads a sign and digits, all of it


def arguments(table: SampleTable, term: Term, criterion: bool, version: str) -> str | None:
    """What HAProxy ``version`` says of the arguments of a ``term`` it knows (None: fine,
    or not followed: a type checked later, a mask the sources do not settle)."""
    if term.converter:
        keyword = table.converter(term.name)
    else:
        acl = table.acl_keyword(term.name) if criterion else None
        if acl is not None and acl.in_version(version):
            return None  # an ACL keyword: the arguments of the fetch it stands for
        keyword = table.fetch(term.name)
    signature = keyword.signature(version) if keyword and not keyword.prefix else None
    if signature is None:
        return None
    what = f"{'converter' if term.converter else 'fetch method'} '{term.name}'"
    # without parentheses, HAProxy reads one empty argument (when it takes any)
    pieces = list(term.args) if term.args is not None else [""]
    taken = len(signature.types)
    if not taken:
        return None if pieces == [""] else f"{what} takes no arguments in HAProxy {version}"
    for i, piece in enumerate(pieces[:taken]):
        kind = signature.types[i]
        if kind in _TEXT:
            continue
        if kind not in _TYPE_NAMES:
            return None
        if not piece:
            if i < signature.minimum:
                return (
                    f"{what} expects type '{_TYPE_NAMES[kind]}' at position {i + 1}, "
                    f"but got nothing (HAProxy {version})"
                )
            if i + 1 < len(pieces):  # reading stops at an empty optional one
                return f"{what}: expected ')' after argument {i} (HAProxy {version})"
            return None
        if kind == "SINT" and not _INTEGER.fullmatch(piece):
            return (
                f"{what}: failed to parse '{piece}' as type 'integer' at position {i + 1} "
                f"(HAProxy {version}{_later(table, keyword, version)})"
            )
    if len(pieces) > taken:
        return f"{what} takes at most {taken} argument(s) in HAProxy {version}, not {len(pieces)}"
    if len(pieces) < signature.minimum:
        return (
            f"{what}: missing arguments (got {len(pieces)}/{signature.minimum}) "
            f"in HAProxy {version}"
        )
    return None


def _later(table: SampleTable, keyword: SampleKeyword | None, version: str) -> str:
    """``"; 2.9 takes STR,STR"`` when a later release takes other arguments."""
    if keyword is None:
        return ""
    now = keyword.signature(version)
    for release in table.releases:
        if version_key(release) > version_key(version):
            other = keyword.signature(release)
            if other is not None and other != now:
                return f"; {release} takes {','.join(other.types) or 'none'}"
    return ""


def _report(
    ctx: Context,
    expression: Expression,
    term: Term,
    message: str,
    code: str = "",
    severity: Severity | None = None,
) -> None:
    item = expression.item
    ctx.report(
        code or ("unknown-converter" if term.converter else "unknown-fetch"),
        severity or ("warning" if item.guarded else "error"),
        message,
        expression.block.section,
        item.line,
        expression.index,
        term.start,
    )
