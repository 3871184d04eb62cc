"""Options on ``server``/``bind`` lines: which words are option names and values.

Whether an option takes a value comes from the keyword table (its synopsis in
HAProxy's manual: ``inter <delay>`` takes one, ``check`` takes none).  An
option the table does not know keeps its place; it is read as taking a value
when the next word is not a known option.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import attrs

from haproxy_model.keywords import load_table


@functools.cache
def takes_value(kind: str, name: str) -> bool | None:
    """Whether option ``name`` of ``kind`` ("server", "bind") takes a value; None if unknown."""
    table = load_table()
    kw = table.get(kind, name)
    if kw is None and name.startswith("no-"):
        # "no-check", "no-ssl", ...: the negation of a documented flag.
        base = table.get(kind, name[3:])
        if base is not None:
            return False
    if kw is None:
        return None
    return any(len(s.split()) > 1 for var in kw.variants for s in var.synopsis)


@functools.cache
def known(kind: str) -> frozenset[str]:
    """Every option name of ``kind`` in any version."""
    return load_table().options(kind)


@attrs.frozen
class OptionSpan:
    """One option on a line: its name's word index and its value's (or None)."""

    name: str
    index: int
    value_index: int | None


def scan(kind: str, values: Sequence[str], start: int) -> list[OptionSpan]:
    """Find the options in ``values[start:]``."""
    names = known(kind)
    out: list[OptionSpan] = []
    i = start
    n = len(values)
    while i < n:
        name = values[i]
        has_value = takes_value(kind, name)
        if has_value is None:
            has_value = (
                i + 1 < n
                and values[i + 1] not in names
                and takes_value(kind, values[i + 1]) is None
            )
        if has_value and i + 1 < n:
            out.append(OptionSpan(name, i, i + 1))
            i += 2
        else:
            out.append(OptionSpan(name, i, None))
            i += 1
    return out
