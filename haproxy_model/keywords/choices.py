"""Closed sets of argument values the typed model checks when a value is set: ``balance``
algorithms and ``timeout`` names, for every version the tables know (the validator
then says which version has which)."""

from __future__ import annotations

import re
from functools import cache

from haproxy_model.keywords.table import load_table

# "balance" algorithms: manual section 4.2, "balance"; the parser is
# backend_parse_balance() in src/backend.c (random(<draws>), hdr(<name>) and
# rdp-cookie(<name>) take their argument inline).
BALANCE = frozenset(
    {"roundrobin", "static-rr", "leastconn", "first", "source", "uri", "url_param", "hash"}
)
#: algorithms added later, with the version that added them
BALANCE_SINCE = {"log-hash": "3.0", "sticky": "3.0"}
BALANCE_INLINE = re.compile(r"(?:random|rdp-cookie)(?:\(.*\))?|hdr\(.+\)")

#: ``timeout resolve|retry`` of ``resolvers`` sections (manual 5.3.2), documented
#: under one ``timeout <event>`` entry rather than a keyword each
_RESOLVER_TIMEOUTS = frozenset({"resolve", "retry"})


def is_balance_algorithm(algorithm: str) -> bool:
    """Whether some HAProxy version knows ``algorithm`` (``random(2)``, ``hdr(host)``...)."""
    return (
        algorithm in BALANCE
        or algorithm in BALANCE_SINCE
        or BALANCE_INLINE.fullmatch(algorithm) is not None
    )


@cache
def timeout_names() -> frozenset[str]:
    """Every ``timeout <name>`` some version's manual documents, in any section."""
    table = load_table()
    names = {
        name.split(" ", 1)[1]
        for keywords in table.kinds.values()
        for name in keywords
        if name.startswith("timeout ")
    }
    return frozenset(names) | _RESOLVER_TIMEOUTS


__all__ = ["BALANCE", "BALANCE_INLINE", "BALANCE_SINCE", "is_balance_algorithm", "timeout_names"]
