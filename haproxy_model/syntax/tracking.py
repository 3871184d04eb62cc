"""Change tracking for the render cache (see :mod:`haproxy_model.syntax.render`).

A section, a `.if` block, a branch and the document keep their rendered text
(``_text``); every change clears the cache of the changed node and of the
containers around it.  Each node knows the container it stands in (``_parent``,
set by the parser and by rendering), lists of nodes are :class:`NodeList` objects
that tell their owner when they change, and assigning a container's attributes
goes through :meth:`Container.__setattr__` (a plain list assigned to ``body``,
``leading`` or ``branches`` is copied into a NodeList).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, SupportsIndex, overload

from haproxy_model.base.errors import InvalidType

_setattr = object.__setattr__


#: How many changes have been made to nodes so far (in any document): what was worked
#: out from nodes when it had some value still holds while it has it.
_changes = 0


class _Epoch:
    """This process's count of changes: a copy or an unpickled object is another epoch, so
    a count carried from elsewhere never equals one of this process."""

    __slots__ = ()


_EPOCH = _Epoch()


def changes() -> tuple[object, int]:
    """The count of changes made to nodes so far (see :func:`touch`), with the epoch it
    counts in: compare two with ``==``."""
    return (_EPOCH, _changes)


def touch(node: Any) -> None:
    """Clear the cached text of ``node`` (a container, a tuple of them, or None) and of
    every container around it, and count a change (also for None: a line that stands
    in no container yet)."""
    global _changes
    _changes += 1
    while node is not None:
        if node.__class__ is tuple:
            for one in node:
                touch(one)
            return
        _setattr(node, "_text", None)
        node = getattr(node, "_parent", None)  # unset while __init__ runs


def adopt(node: Any, parent: object) -> None:
    """Record that ``node`` stands in ``parent`` (a node held in two places keeps both)."""
    current = getattr(node, "_parent", None)
    if current is parent:
        return
    if current is None:
        _setattr(node, "_parent", parent)
    elif current.__class__ is tuple:
        if not any(p is parent for p in current):
            _setattr(node, "_parent", (*current, parent))
    else:
        _setattr(node, "_parent", (current, parent))


def _detach(node: object, owner: object) -> None:
    current = getattr(node, "_parent", None)
    if current is owner:
        _setattr(node, "_parent", None)
    elif current.__class__ is tuple:
        rest = tuple(p for p in current if p is not owner)
        _setattr(node, "_parent", rest if len(rest) > 1 else rest[0] if rest else None)


class NodeList(list[Any]):
    """A list of nodes that clears its owner's cached text when it changes."""

    __slots__ = ("_owner",)

    def __init__(self, items: Iterable[Any] = (), owner: object = None) -> None:
        super().__init__(items)
        self._owner = owner

    def _changed(self, removed: Sequence[object] = ()) -> None:
        owner = getattr(self, "_owner", None)
        if owner is not None:
            if removed:
                present = {id(n) for n in self}
                for node in removed:
                    if id(node) not in present:
                        _detach(node, owner)
            touch(owner)

    def append(self, item: Any) -> None:
        super().append(item)
        self._changed()

    def extend(self, items: Iterable[Any]) -> None:
        super().extend(items)
        self._changed()

    def insert(self, index: SupportsIndex, item: Any) -> None:
        super().insert(index, item)
        self._changed()

    def remove(self, item: Any) -> None:
        index = self.index(item)
        removed = self[index]
        super().__delitem__(index)
        self._changed((removed,))

    def pop(self, index: SupportsIndex = -1) -> Any:
        item = super().pop(index)
        self._changed((item,))
        return item

    def clear(self) -> None:
        removed = list(self)
        super().clear()
        self._changed(removed)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        super().sort(*args, **kwargs)
        self._changed()

    def reverse(self) -> None:
        super().reverse()
        self._changed()

    def __iadd__(self, items: Iterable[Any]) -> NodeList:  # type: ignore[misc]
        super().__iadd__(items)
        self._changed()
        return self

    def __imul__(self, n: SupportsIndex) -> NodeList:
        removed = list(self)
        super().__imul__(n)
        self._changed(removed)
        return self

    @overload
    def __setitem__(self, index: SupportsIndex, item: Any) -> None: ...
    @overload
    def __setitem__(self, index: slice, item: Iterable[Any]) -> None: ...
    def __setitem__(self, index: Any, item: Any) -> None:
        removed: Any = self[index]
        super().__setitem__(index, item)
        self._changed(removed if isinstance(index, slice) else (removed,))

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        removed: Any = self[index]
        super().__delitem__(index)
        self._changed(removed if isinstance(index, slice) else (removed,))


def own_list(owner: object, items: Iterable[Any]) -> NodeList:
    """``items`` as a NodeList of ``owner`` (the same list when it already is one of it)."""
    if items.__class__ is NodeList:
        assert isinstance(items, NodeList)
        current = getattr(items, "_owner", None)
        if current is None or current is owner:
            items._owner = owner
            return items
    return NodeList(items, owner)


def _check_nodes(value: object, name: str) -> None:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidType(f"{name}: expected a list of nodes, got {value!r}")


class Container:
    """Mixin of the nodes that hold other nodes and cache their rendered text."""

    __slots__ = ()
    #: the attributes holding lists of nodes (kept as NodeList objects)
    _LISTS: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._LISTS:
            if value.__class__ is not list and value.__class__ is not NodeList:
                _check_nodes(value, name)
            value = own_list(self, value)
        _setattr(self, name, value)
        if name[0] != "_":
            touch(self)
