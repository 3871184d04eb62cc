"""Following links: a proxy, then the defaults it inherits from, then theirs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def follow(start: T, step: Callable[[T], T | None]) -> Iterator[T]:
    """``start``, then ``step(start)``, and so on, until None or a node seen before (a
    loop HAProxy would refuse must not hang us)."""
    seen: set[int] = set()
    node: T | None = start
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        yield node
        node = step(node)


__all__ = ["follow"]
