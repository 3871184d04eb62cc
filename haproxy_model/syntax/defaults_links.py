"""Which ``defaults`` section each proxy section inherits from: HAProxy's rule, in one
place for validation, ``explain``, ``route`` and ``graph``.

A proxy section (``defaults``, ``frontend``, ``listen``, ``backend``) takes its settings
from the ``defaults`` section it names after ``from``, else, unless it is a
``defaults`` section itself, from the last ``defaults`` section above it, named or not
(HAProxy's manual, section 4, and its parser: checked live).  A later ``defaults``
section of the same name replaces the earlier one for the ``from`` lines below it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol, TypeVar

from haproxy_model.syntax.sections import Section

#: The sections that are proxies, in the order HAProxy's manual lists them.
PROXY_SECTIONS = ("defaults", "frontend", "listen", "backend")

T = TypeVar("T")


def with_defaults(proxies: Iterable[tuple[Section, T]]) -> Iterator[tuple[T, T | None]]:
    """For each ``(section, item)`` of proxy sections in file order (across files, in
    the order HAProxy reads them), ``item`` and the item of the ``defaults`` section it
    inherits from (None: it starts from HAProxy's own defaults, or names a ``defaults``
    section that is not above it)."""
    last: T | None = None
    named: dict[str, T] = {}
    for section, item in proxies:
        kind = section.keyword
        source = section.from_
        if source is not None:
            parent = named.get(source)
        elif kind != "defaults":
            parent = last
        else:
            parent = None
        if kind == "defaults":
            last = item
            if section.name:
                named[section.name] = item
        yield item, parent


class Linked(Protocol):
    """What :func:`link` links: a proxy of some user's own, with a ``defaults`` to set."""

    defaults: Any


L = TypeVar("L", bound=Linked)


def link(proxies: Iterable[tuple[Section, L]]) -> list[L]:
    """The items of :func:`with_defaults`, in order, each with ``defaults`` set to the
    item of the ``defaults`` section it inherits from (None: none)."""
    out: list[L] = []
    for item, defaults in with_defaults(proxies):
        item.defaults = defaults
        out.append(item)
    return out
