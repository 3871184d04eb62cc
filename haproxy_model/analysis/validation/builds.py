"""What a build profile says of addresses: QUIC ones need a build with QUIC.

``build-missing`` (HM114), given a build profile (``validate(build=...)``) without
QUIC: a ``quic4@``/``quic6@``/``quic+...`` address on a bind or server line, which
HAProxy refuses ("unsupported stream protocol for datagram family 2 address
'quic4@...'; QUIC is not compiled in", ``str2sa_range()`` in src/tools.c). Keywords,
fetches and converters needing a build option are judged by :mod:`.keywords` and
:mod:`.fetches`.
"""

from __future__ import annotations

from haproxy_model.analysis.validation._context import Context, is_dynamic
from haproxy_model.analysis.validation.registry import registered

#: line keyword -> index of its address
_ADDRESS = {"bind": 1, "server": 2, "server-template": 3}
_QUIC_FAMILIES = {"quic4@": " family 2", "quic6@": " family 10", "quic+": ""}


@registered("HM114")
def check(ctx: Context) -> None:
    """Report the QUIC addresses of a build without QUIC."""
    build = ctx.build
    if build is None or build.has("QUIC"):
        return
    for block in ctx.blocks:
        for item in block.items:
            values = item.values
            index = _ADDRESS.get(values[0], 0) if values and not is_dynamic(values[0]) else 0
            if not index or len(values) <= index:
                continue
            for address in values[index].split(","):
                family = next((f for p, f in _QUIC_FAMILIES.items() if address.startswith(p)), None)
                if family is None:
                    continue
                ctx.report(
                    "build-missing",
                    "warning" if item.guarded else "error",
                    f"unsupported stream protocol for datagram{family} address '{address}'; QUIC "
                    f"is not compiled in if this is what you were looking for "
                    f"({build.describe()} is built without USE_QUIC)",
                    block.section,
                    item.line,
                    index,
                )
                break
