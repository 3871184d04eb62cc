"""Rules written after rules HAProxy processes later, as HAProxy warns about them.

HAProxy runs each kind of rule at its own stage whatever the order of the
lines; a rule placed after one of a later stage "will still be processed
before" it (``warnif_misplaced_*()`` in src/cfgparse-listen.c, called from
src/cfgparse-listen.c, src/tcp_rules.c and, from 3.1, src/cfgparse-quic.c).
The stages, in the order HAProxy processes them: ``quic-initial`` (3.1+),
``tcp-request connection``, ``tcp-request session``, ``tcp-request content``,
``monitor fail``, ``http-request``, ``redirect``, then ``use_backend`` and
``use-server``; from 3.1 also ``tcp-response content`` before ``http-response``.
Like HAProxy, one warning per rule, about the earliest later stage that has
a rule above it; rules HAProxy refuses in the section are not counted.

Code: ``rule-order`` (a warning naming both lines).
"""

from __future__ import annotations

import attrs

from haproxy_model.analysis.validation._context import Context, Item, Proxy, exclusive
from haproxy_model.analysis.validation.registry import registered

_BACKEND = frozenset({"backend"})
_DEFAULTS = frozenset({"defaults"})


@attrs.frozen
class _Stage:
    """A kind of rule: its leading words and where HAProxy accepts it."""

    label: str
    refused_in: frozenset[str] = frozenset()
    since: str = "2.6"


#: chains of stages in processing order; stages of one tuple run together
_CHAINS: tuple[tuple[tuple[_Stage, ...], ...], ...] = (
    (
        (_Stage("quic-initial", _BACKEND, "3.1"),),
        (_Stage("tcp-request connection", _BACKEND),),
        (_Stage("tcp-request session", _BACKEND),),
        (_Stage("tcp-request content"),),
        (_Stage("monitor fail", _DEFAULTS),),
        (_Stage("http-request"),),
        (_Stage("redirect", _DEFAULTS),),
        (_Stage("use_backend", _DEFAULTS), _Stage("use-server", _DEFAULTS)),
    ),
    (
        (_Stage("tcp-response content", frozenset({"frontend"}), "3.1"),),
        (_Stage("http-response", since="3.1"),),
    ),
)

#: rule label -> (chain, stage index in it, stage)
_STAGES = {
    stage.label: (chain, index, stage)
    for chain in _CHAINS
    for index, group in enumerate(chain)
    for stage in group
}


@registered("HM402")
def check(ctx: Context) -> None:
    """Report rules placed after rules of a later stage."""
    for proxy in ctx.proxies:
        _check_proxy(ctx, proxy)


def _label(values: list[str]) -> str | None:
    """The stage a rule line belongs to (None for other lines and rules without arguments)."""
    for label in (" ".join(values[:2]), values[0]):
        if label in _STAGES and len(values) > len(label.split()):
            return label
    return None


def _check_proxy(ctx: Context, proxy: Proxy) -> None:
    seen: dict[str, list[Item]] = {}
    for item in proxy.items:
        label = _label(item.values)
        if label is None:
            continue
        chain, index, stage = _STAGES[label]
        if proxy.kind in stage.refused_in or not ctx.at_least(stage.since):
            continue
        found = _later_rule(seen, chain[index + 1 :], item)
        if found is not None:
            other, earlier = found
            ctx.report(
                "rule-order",
                "warning",
                f"a '{label}' rule (line {ctx.line_of(item.line)}) placed after a "
                f"'{other}' rule (line {ctx.line_of(earlier.line)}) will still be "
                "processed before it",
                proxy.section,
                item.line,
            )
        seen.setdefault(label, []).append(item)


def _later_rule(
    seen: dict[str, list[Item]], later: tuple[tuple[_Stage, ...], ...], item: Item
) -> tuple[str, Item] | None:
    """The first rule above ``item`` of the earliest ``later`` stage, with its label."""
    for group in later:
        for stage in group:
            for earlier in seen.get(stage.label, []):
                if not exclusive(earlier.path, item.path):
                    return stage.label, earlier
    return None
