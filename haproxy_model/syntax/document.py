"""The document: every node of a configuration file, in file order.

The lossless layer's root. It knows lines, sections and `.if` blocks, never the
typed model: :class:`haproxy_model.Config` extends it with typed views
(``cfg.backends["app"]``) from above.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import repeat
from operator import attrgetter, is_
from typing import Any, TypeVar

import attrs

from haproxy_model.base.errors import InvalidType
from haproxy_model.base.files import FileState
from haproxy_model.syntax.nodes import Blank, Conditional, Line, Node, iter_lines, meaningful
from haproxy_model.syntax.origins import Origins
from haproxy_model.syntax.sections import Section
from haproxy_model.syntax.tracking import Container, changes

__all__ = ["Document"]

S = TypeVar("S", bound=Section)
_header_raw = attrgetter("header._raw")


@attrs.define(eq=False)
class _SectionIndex:
    """The top-level sections of a document by kind and name, with what it was built
    from: the body list and a copy of its nodes, the sections whose names it read with
    their header text then, and the count of node changes (:func:`changes`) when it
    was last seen to hold."""

    body: list[Node]
    nodes: list[Node]
    sections: list[Section]
    seen: tuple[object, int]
    named: dict[type, dict[str | None, Section]] = attrs.field(factory=dict)
    #: how far into ``sections`` the names of each type have been read
    walked: dict[type, int] = attrs.field(factory=dict)
    #: the sections whose names were read, and their header text when they were
    read: list[Section] = attrs.field(factory=list)
    headers: list[str] = attrs.field(factory=list)

    @classmethod
    def of(cls, body: list[Node]) -> _SectionIndex:
        sections = [node for node in body if isinstance(node, Section)]
        return cls(body, list(body), sections, changes())

    def holds_for(self, body: list[Node]) -> bool:
        """Whether ``body`` has the same nodes, and each section whose name was read the
        same header text: at once when no node changed since it last held, else by
        C-level identity passes over the nodes and those headers."""
        now = changes()
        if now == self.seen and body is self.body:
            return True
        if (
            len(body) == len(self.nodes)
            and all(map(is_, body, self.nodes))
            and all(map(is_, map(_header_raw, self.read), self.headers))
        ):
            self.body, self.seen = body, now
            return True
        return False

    def first(self, cls: type[S], name: str) -> S | None:
        """The first section of type ``cls`` named ``name``: the names read so far are
        kept, and the walk goes on from where the last one stopped (a first lookup
        costs what a plain walk to it would)."""
        named = self.named.setdefault(cls, {})
        found = named.get(name)
        if found is not None:
            return found  # type: ignore[return-value]
        sections = self.sections
        pos = self.walked.get(cls, 0)
        while pos < len(sections):
            section = sections[pos]
            pos += 1
            if isinstance(section, cls):
                read = section.name
                self.read.append(section)
                self.headers.append(section.header._raw)
                named.setdefault(read, section)
                if read == name:
                    break
        self.walked[cls] = pos
        return named.get(name)  # type: ignore[return-value]


@attrs.define(init=False, eq=False)
class Document(Container):
    """A configuration as nodes: ``body`` holds the top-level nodes in file order
    (lines before the first section, sections, and `.if` blocks that contain
    sections); ``sections`` lists every section in file order, including those
    inside `.if` blocks.

    A configuration read from several files (``hm.load_many``) is one document
    whose ``origins`` know which file each node belongs to
    (:mod:`haproxy_model.syntax.origins`).
    """

    _LISTS = frozenset(("body",))

    body: list[Node]
    filename: str
    source: FileState | None
    origins: Origins | None
    _text: str | None = attrs.field(default=None, init=False, repr=False)
    _parent: Any = attrs.field(default=None, init=False, repr=False)
    #: the last text rendered, its top-level nodes, where each one's text ends, and the
    #: cache each one had then (see :mod:`haproxy_model.syntax.render`)
    _layout: tuple[str, list[Node], list[int], list[Any]] | None = attrs.field(
        default=None, init=False, repr=False
    )
    _index: _SectionIndex | None = attrs.field(default=None, init=False, repr=False)

    def __init__(
        self,
        sections: Iterable[Section] = (),
        *,
        body: list[Node] | None = None,
        filename: str = "<string>",
    ) -> None:
        if body is None:
            body = []
            for section in sections:
                if body:
                    body.append(Blank(""))
                body.append(section)
        elif sections:
            raise InvalidType("give either sections or body, not both")
        if not isinstance(filename, str):
            raise InvalidType(f"filename: expected a str, got {filename!r}")
        self._text = None
        self._parent = None
        self._layout = None
        self._index = None
        self.body = body
        self.filename = filename
        #: what the file held when it was loaded (``hm.load``); ``hm.dump`` checks it
        self.source = None
        #: the files it was read from when more than one (``hm.load_many``), else None
        self.origins = None

    @property
    def sections(self) -> list[Section]:
        """Every section in file order (looking into `.if` blocks)."""
        return list(_iter_sections(self.body))

    def section_named(self, cls: type[S], name: str) -> S | None:
        """The first section of type ``cls`` named ``name`` (looking into `.if` blocks),
        or None.  Found through an index of the top-level sections kept until the
        top-level nodes or a section's header change, so that looking up many names
        in a large file does not walk it each time."""
        body = self.body
        index = self._index
        if index is None or not index.holds_for(body):
            if any(map(isinstance, body, repeat(Conditional))):
                self._index = None  # sections inside `.if` blocks: walk them
                for section in _iter_sections(body):
                    if isinstance(section, cls) and section.name == name:
                        return section
                return None
            index = self._index = _SectionIndex.of(body)
        return index.first(cls, name)

    def lines(self) -> Iterator[Line]:
        """Every line of the file in order."""
        return iter_lines(self.body)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return meaningful(self.body) == meaningful(other.body)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.filename!r}: {len(self.sections)} sections>"


def _iter_sections(nodes: list[Node]) -> Iterator[Section]:
    for node in nodes:
        if isinstance(node, Section):
            yield node
        elif isinstance(node, Conditional):
            for branch in node.branches:
                yield from _iter_sections(branch.body)
