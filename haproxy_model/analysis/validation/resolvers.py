"""``resolvers`` sections (manual section 5.3.2; ``cfg_parse_resolvers()`` in src/resolvers.c).

Codes:

* ``bad-time``: a ``timeout resolve|retry`` or ``hold <status>`` period that is
  not a time.
* ``unknown-event``: a ``timeout`` event other than ``resolve``/``retry``, a
  ``hold`` status other than nx, other, refused, timeout, valid, obsolete.
* ``payload-size-range``: ``accepted_payload_size`` outside 12..65535 (an
  error: HAProxy refuses it), or below the 512 bytes of RFC 6891 (a warning).
* ``missing-port`` / ``bad-port``: a ``nameserver`` address without a port, or
  with a port HAProxy refuses (0, above 65535, a range or an offset).
* ``duplicate-nameserver``: two nameservers with one name in a section.

``resolve_retries``/``accepted_payload_size`` values that are not numbers are
``bad-number`` (module ``arguments``); missing arguments are ``missing-argument``.
"""

from __future__ import annotations

from haproxy_model.analysis.validation._context import Block, Context, Item, is_dynamic, repeats
from haproxy_model.analysis.validation.arguments import NUMBER, PORT_FAMILIES, judge, port_of
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.base.diagnostics import Severity

#: directive -> the events (word 1) it accepts; word 2 is a time
_EVENTS = {
    "timeout": ("resolve", "retry"),
    "hold": ("nx", "other", "refused", "timeout", "valid", "obsolete"),
}
# DNS_HEADER_SIZE and DNS_MAX_UDP_MESSAGE in include/haproxy/dns-t.h; the manual
# calls 512 the minimum of RFC 6891 (and HAProxy's default).
_PAYLOAD_LIMITS = (12, 65535)
_PAYLOAD_RFC_MINIMUM = 512


@registered("HM302", "HM303", "HM304", "HM311", "HM601", "HM602", "HM603")
def check(ctx: Context) -> None:
    """Report bad timeouts, hold periods, payload sizes and nameservers of resolvers sections."""
    for block in ctx.sections("resolvers"):
        for item in block.items:
            values = item.values
            if item.keyword in _EVENTS and len(values) > 1:
                _event(ctx, block, item)
            elif item.keyword == "accepted_payload_size" and len(values) > 1:
                _payload_size(ctx, block, item)
            elif item.keyword == "nameserver" and len(values) > 2:
                _nameserver_port(ctx, block, item)
        for item, earlier in repeats(block.items, "nameserver"):
            ctx.report(
                "duplicate-nameserver",
                "error",
                f"another nameserver named '{item.values[1]}' is declared in this section "
                f"(line {ctx.line_of(earlier.line)})",
                block.section,
                item.line,
                1,
            )


def _event(ctx: Context, block: Block, item: Item) -> None:
    keyword, event = item.values[0], item.values[1]
    known = _EVENTS[keyword]
    if event not in known and not is_dynamic(event):
        ctx.report(
            "unknown-event",
            "error",
            f"'{keyword}' does not know '{event}'; it expects one of: {', '.join(known)}",
            block.section,
            item.line,
            1,
        )
    if len(item.values) > 2:
        judge(ctx, block, item, 2, "time", f"{keyword} {event}")


def _payload_size(ctx: Context, block: Block, item: Item) -> None:
    value = item.values[1]
    if NUMBER.fullmatch(value) is None:
        return  # bad-number (or dynamic)
    size = int(value)
    low, high = _PAYLOAD_LIMITS
    severity: Severity
    if not low <= size <= high:
        severity = "error"
        message = f"'accepted_payload_size' must be within {low} and {high}, not {size}"
    elif size < _PAYLOAD_RFC_MINIMUM:
        severity = "warning"
        message = (
            f"'accepted_payload_size' {size} is below {_PAYLOAD_RFC_MINIMUM}, the minimum "
            "of RFC 6891 (and the default); larger answers would be dropped"
        )
    else:
        return
    ctx.report("payload-size-range", severity, message, block.section, item.line, 1)


def _nameserver_port(ctx: Context, block: Block, item: Item) -> None:
    """``nameserver <name> <address>:<port>``: HAProxy needs the port (PA_O_PORT_MAND)."""
    address = item.values[2]
    if is_dynamic(address) or ("@" in address and not address.startswith(PORT_FAMILIES)):
        return  # unix@, abns@...: no port
    bare = address.split("@", 1)[-1]
    port = port_of(address)
    if port is None and ":" in bare and not bare.startswith("["):
        return  # a bare IPv6 address: HAProxy reads its last colon as the port's
    if not port:
        code, problem = "missing-port", "has no port (HAProxy needs one, e.g. ':53')"
    elif port.isdigit() and 1 <= int(port) <= 65535:
        return
    else:
        code, problem = "bad-port", f"has port '{port}'; a single port within 1 and 65535 is needed"
    ctx.report(
        code,
        "error",
        f"nameserver '{item.values[1]}' address '{address}' {problem}",
        block.section,
        item.line,
        2,
    )
