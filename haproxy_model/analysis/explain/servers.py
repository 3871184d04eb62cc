"""Each ``server``'s effective options: ``default-server`` lines merged in, its own last.

HAProxy keeps one ``default-server`` record per proxy: a proxy starts from its
defaults section's (``srv_settings_cpy`` in ``proxy_defproxy_cpy``), each
``default-server`` line updates it, and each ``server`` line starts from it as
it is at that line (``srv_settings_cpy`` in ``src/server.c``) before its own
options.  ``no-<option>`` cancels ``<option>``; of ``disabled`` and ``enabled`` the
last counts.  A ``server-template`` line is one entry for all the servers it
names (``web[1-3]``), with the same options.
"""

from __future__ import annotations

import re

from haproxy_model.analysis.explain.haproxy_defaults import SERVER_DEFAULTS
from haproxy_model.analysis.explain.inherit import Placer, source_of
from haproxy_model.analysis.explain.model import HAPROXY, ServerExplanation, Setting
from haproxy_model.analysis.validation._context import Context, Item, Proxy
from haproxy_model.model import line_options

__all__ = ["servers_of"]

#: server options that need ``check`` to mean anything
CHECK_TIMING = ("inter", "rise", "fall")

#: a server's administrative state: the last of the two written counts
STATE_FLAGS = ("disabled", "enabled")

#: ``server-template <prefix> <num | first-last> <fqdn>[:port]``
_RANGE = re.compile(r"([0-9]+)(?:-([0-9]+))?")


def _options(ctx: Context, item: Item, start: int) -> list[tuple[str, str, int]]:
    """(option, value, word index) of each option on a server/default-server line."""
    known = ctx.table.options("server")
    words = item.line.parts().words
    out: list[tuple[str, str, int]] = []
    for span in line_options.scan("server", item.values, start):
        name = span.name
        if name.startswith("no-") and name[3:] in known:  # "no-check" cancels "check"
            out.append((name[3:], "disabled", span.index))
        elif name in STATE_FLAGS:
            out.append((name, "", span.index))
        elif span.value_index is not None:
            out.append((name, words[span.value_index], span.index))
        else:
            out.append((name, "enabled", span.index))
    return out


def _merge(
    ctx: Context, found: dict[str, Setting], level: Proxy, item: Item, start: int, place: Placer
) -> None:
    source = source_of(place, level, item.line)
    for name, value, _ in _options(ctx, item, start):
        for key in STATE_FLAGS if name in STATE_FLAGS else (name,):
            found.pop(key, None)
        found[name] = Setting(name, value, source)


def servers_of(ctx: Context, proxy: Proxy, place: Placer) -> list[ServerExplanation]:
    """The proxy's ``server`` lines in order, each with its effective options."""
    inherited: dict[str, Setting] = {}
    for level in list(proxy.chain())[:0:-1]:  # its defaults sections, the farthest first
        for item in level.lines("default-server"):
            _merge(ctx, inherited, level, item, 1, place)
    current = dict(inherited)
    out: list[ServerExplanation] = []
    for item in proxy.items:
        if item.keyword == "default-server":
            _merge(ctx, current, proxy, item, 1, place)
        elif item.keyword == "server" and len(item.values) >= 3:
            out.append(_server(ctx, proxy, item, current, place, None))
        elif item.keyword == "server-template" and len(item.values) >= 4:
            numbers = _RANGE.fullmatch(item.values[2])
            if numbers is not None:
                first, last = numbers.groups()
                span = (int(first), int(last)) if last else (1, int(first))
                out.append(_server(ctx, proxy, item, current, place, (item.values[1], *span)))
    return out


def _server(
    ctx: Context,
    proxy: Proxy,
    item: Item,
    current: dict[str, Setting],
    place: Placer,
    template: tuple[str, int, int] | None,
) -> ServerExplanation:
    """A server (or a template's servers): the default-server record, then its own options."""
    found = dict(current)
    _merge(ctx, found, proxy, item, 3 if template is None else 4, place)
    checked = found.get("check") is not None and found["check"].value == "enabled"
    for name, (value, note) in SERVER_DEFAULTS.items():
        if name not in found and (checked or name not in CHECK_TIMING):
            found[name] = Setting(name, value, HAPROXY, note=note)
    values = item.values
    name = values[1] if template is None else f"{values[1]}[{template[1]}-{template[2]}]"
    return ServerExplanation(
        name=name,
        address=values[2] if template is None else values[3],
        source=source_of(place, proxy, item.line),
        settings=tuple(found.values()),
        template=template,
    )
