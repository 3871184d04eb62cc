"""Assigning a whole collection of a section: ``fe.acls = [...]``, ``be.servers = [...]``,
``be.timeouts = {...}``, ``be.default_server = DefaultServer(...)``.

An assignment replaces the collection: lines of the kind that are not in the new value
are removed (with the comment block above them, as the views' ``remove`` does), lines
already there and kept stay as they are written, new ones are added through the view
as ``append``/``add``/``[key] = value`` would, in the order given.  Everything given is
checked before the section changes.  A section's constructor sets its fields this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar, overload

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.model.directives import Server
from haproxy_model.model.views import (
    LineList,
    OptionMap,
    ServerMap,
    TimeoutMap,
    add_line,
    insertion_point,
    remove_line,
    top_directives,
)
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.sections import Section

D = TypeVar("D", bound=Directive)


def _listed(values: object, field: str, what: str) -> list[Any]:
    """``values`` as a list, when it is a collection of items (not a str or a mapping)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise InvalidType(f"{field}: expected a list of {what}, got {values!r}")
    return list(values)


def assign_lines(view: LineList[D], values: Iterable[D], field: str) -> None:
    """Make ``values`` the lines of ``view``, in that order."""
    items = _listed(values, field, view.kind_name())
    for item in items:
        view.check(item, field)
    current = view._items()
    # keep the lines given first that already stand here in the same order; the rest
    # of the given lines go after them (moved when they stand here too)
    kept: list[D] = []
    position = -1
    for item in items:
        index = next((i for i, line in enumerate(current) if line is item), -1)
        if index <= position:
            break
        kept.append(item)
        position = index
    for line in current:
        if not any(line is k for k in kept):
            view.remove(line)
    for item in items[len(kept) :]:
        view.append(item)


def assign_servers(view: ServerMap, values: Iterable[Server], field: str) -> None:
    """Make ``values`` the ``server`` (or ``server-template``) lines of ``view``: a line
    whose name is already there is rewritten in place (as ``view[name] = line`` does)."""
    items = _listed(values, field, f"{view.kind_name()} lines")
    names: list[str] = []
    for server in items:
        view.check(server)
        if server.name in names:
            raise InvalidValue(f"{field}: {view.kind_name()} {server.name!r} is given twice")
        names.append(server.name)
    for name in list(view):
        if name not in names:
            del view[name]
    for server in items:
        if server.name not in view:
            view.add(server)
        elif view[server.name] is not server:
            view[server.name] = server


def assign_mapping(view: TimeoutMap | OptionMap, values: Mapping[str, Any], field: str) -> None:
    """Make ``values`` the lines of a timeout or option view, by key."""
    if not isinstance(values, Mapping):
        example = "{'httplog': True}" if isinstance(view, OptionMap) else "{'connect': '5s'}"
        raise InvalidType(f"{field}: expected a mapping such as {example}, got {values!r}")
    wanted = dict(values)  # the value may be a view of this very section
    for key in wanted:
        if not isinstance(key, str):
            raise InvalidType(f"{field}: a key is a str, not {key!r}")
    for key, value in wanted.items():
        view[key] = value
    for key in list(view):
        if key not in wanted:
            del view[key]


def assign_line(
    section: Section, cls: type[Directive], line: Directive | None, field: str, what: str
) -> None:
    """Make ``line`` the section's last ``cls`` line, the one read (rewritten in place
    when there is one: earlier ones stay, a ``default-server`` applies to the servers
    after it); None removes that last line."""
    if line is not None and not isinstance(line, cls):
        raise InvalidType(f"{field}: expected {what} or None, got {line!r}")
    found = [d for d in top_directives(section) if isinstance(d, cls)]
    current = found[-1] if found else None
    if line is None:
        if current is not None:
            remove_line(section, current)
    elif current is not None:
        if current is not line:
            current.set_values([w.settable() for w in line.words])
    else:
        add_line(section, line, insertion_point(section, line.keyword, avoid=(Server,)))


class LinesField(Generic[D]):
    """A section attribute: its lines of one kind as a :class:`LineList`; assigning a
    list of lines replaces them (see :func:`assign_lines`)."""

    def __init__(self, cls: type[D], keyword: str, doc: str) -> None:
        self.cls = cls
        self.keywords = (keyword,)
        self.name = keyword
        self.__doc__ = doc

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> LinesField[D]: ...
    @overload
    def __get__(self, obj: Section, owner: type[Any]) -> LineList[D]: ...
    def __get__(self, obj: Section | None, owner: type[Any]) -> LinesField[D] | LineList[D]:
        if obj is None:
            return self
        return LineList(obj, self.cls, self.keywords)

    def __set__(self, obj: Section, values: Iterable[D]) -> None:
        assign_lines(LineList(obj, self.cls, self.keywords), values, self.name)


M = TypeVar("M", TimeoutMap, OptionMap)


class MappingField(Generic[M]):
    """A section attribute: its ``timeout`` or ``option`` lines as a view by key;
    assigning a mapping replaces them (see :func:`assign_mapping`)."""

    def __init__(self, view: type[M], doc: str) -> None:
        self.view: type[M] = view
        self.name = ""
        self.__doc__ = doc

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> MappingField[M]: ...
    @overload
    def __get__(self, obj: Section, owner: type[Any]) -> M: ...
    def __get__(self, obj: Section | None, owner: type[Any]) -> MappingField[M] | M:
        if obj is None:
            return self
        return self.view(obj)

    def __set__(self, obj: Section, values: Mapping[str, Any]) -> None:
        assign_mapping(self.view(obj), values, self.name)


__all__ = [
    "LinesField",
    "MappingField",
    "assign_line",
    "assign_lines",
    "assign_mapping",
    "assign_servers",
]
