"""Which file each part of a configuration came from: ``haproxy -f a.cfg -f b.cfg``.

HAProxy reads the files it is given one after another as one configuration,
and each file starts afresh at the top level (``readcfgfile()`` forgets the
current section and the `.if` nesting at the end of a file): a section never
runs on into the next file.  So a configuration of several files is one
:class:`~haproxy_model.syntax.document.Document` whose top-level nodes (the
lines before the first section, sections, `.if` blocks) each belong to one
file, and every line belongs to the file of the top-level node holding it.

A node added later belongs to the file it was given to (:meth:`Origins.assign`),
else to the file of the top-level node just before it (the first file at the
very start): a section added after the last one of its kind lands in that
section's file.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.base.errors import InvalidValue, NotFound
from haproxy_model.base.files import FileState
from haproxy_model.syntax.nodes import Conditional, Line, Node, iter_lines
from haproxy_model.syntax.sections import Section

__all__ = ["Origins", "SourceFile"]


@attrs.define(eq=False)
class SourceFile:
    """One file of a configuration: its name in messages, where it is written back, its state.

    ``path`` is None for text that came from no file (standard input): it cannot
    be written back.  ``source`` is what the file held when it was read (or last
    written), which writing back compares with the disk.
    """

    name: str
    path: str | None = None
    source: FileState | None = None


class Origins:
    """The files of a configuration and the file each top-level node belongs to."""

    def __init__(self, files: Sequence[SourceFile], parts: Sequence[Sequence[Node]]) -> None:
        if len(files) != len(parts) or not files:
            raise InvalidValue("give one list of nodes for each file, and at least one file")
        self.files: list[SourceFile] = list(files)
        self._owner: dict[int, tuple[Node, int]] = {}
        for index, nodes in enumerate(parts):
            for node in nodes:
                self._owner[id(node)] = (node, index)

    def __deepcopy__(self, memo: dict[int, Any]) -> Origins:
        new = Origins.__new__(Origins)
        new.files = copy.deepcopy(self.files, memo)
        new._owner = {}
        for node, index in self._owner.values():
            twin = copy.deepcopy(node, memo)
            new._owner[id(twin)] = (twin, index)
        return new

    def __getstate__(self) -> tuple[list[SourceFile], list[tuple[Node, int]]]:
        return self.files, list(self._owner.values())

    def __setstate__(self, state: tuple[list[SourceFile], list[tuple[Node, int]]]) -> None:
        self.files, owned = state
        self._owner = {id(node): (node, index) for node, index in owned}

    def __repr__(self) -> str:
        return f"<Origins {[f.name for f in self.files]!r}>"

    # -- which file --------------------------------------------------------------
    def index(self, file: str | SourceFile) -> int:
        """The position of ``file`` (a SourceFile, or a file's name or path) among the files."""
        for i, f in enumerate(self.files):
            if f is file or (isinstance(file, str) and file in (f.name, f.path)):
                return i
        names = ", ".join(f.name for f in self.files)
        raise NotFound(f"{file!r} is not a file of this configuration (its files: {names})")

    def assign(self, node: Node, file: str | SourceFile | int) -> None:
        """Make ``node`` (a top-level node) belong to ``file``."""
        index = file if isinstance(file, int) else self.index(file)
        if not 0 <= index < len(self.files):
            raise InvalidValue(f"file index {index} out of range (0-{len(self.files) - 1})")
        self._owner[id(node)] = (node, index)

    def owners(self, body: Sequence[Node]) -> list[int]:
        """The file index of each top-level node of ``body``."""
        out: list[int] = []
        current = 0
        for node in body:
            known = self._owner.get(id(node))
            if known is not None and known[0] is node:
                current = known[1]
            out.append(current)
        return out

    def split(self, body: Sequence[Node]) -> list[list[Node]]:
        """The top-level nodes of each file, in order (one list per file, maybe empty)."""
        parts: list[list[Node]] = [[] for _ in self.files]
        for node, index in zip(body, self.owners(body), strict=True):
            parts[index].append(node)
        return parts

    def texts(self, body: Sequence[Node]) -> list[str]:
        """Each file's text as it is now."""
        return [
            "".join([line.raw + line.newline for line in iter_lines(nodes)])
            for nodes in self.split(body)
        ]

    def top_index(self, body: Sequence[Node], node: Node) -> int:
        """The index in ``body`` of the top-level node that is or holds ``node``."""
        for i, top in enumerate(body):
            if top is node or _holds(top, node):
                return i
        raise NotFound("that node is not in this configuration")

    def file_of(self, body: Sequence[Node], node: Node) -> SourceFile:
        """The file ``node`` (a line, a section or a `.if` block) belongs to."""
        index = self.top_index(body, node)
        return self.files[self.owners(body[: index + 1])[index]]

    def span(self, body: Sequence[Node], node: Node) -> tuple[int, int]:
        """``(start, end)``: the run of ``body`` around ``node`` that belongs to its file."""
        index = self.top_index(body, node)
        owners = self.owners(body)
        start, end = index, index + 1
        while start > 0 and owners[start - 1] == owners[index]:
            start -= 1
        while end < len(body) and owners[end] == owners[index]:
            end += 1
        return start, end

    # -- line numbers ----------------------------------------------------------
    def places(self, body: Sequence[Node]) -> list[tuple[SourceFile, int]]:
        """For each line of ``body`` in order, its file and its line number in that file."""
        counts = [0] * len(self.files)
        out: list[tuple[SourceFile, int]] = []
        for node, index in zip(body, self.owners(body), strict=True):
            for _ in _lines_of(node):
                counts[index] += 1
                out.append((self.files[index], counts[index]))
        return out

    def relocate(self, body: Sequence[Node], found: Sequence[Diagnostic]) -> list[Diagnostic]:
        """Diagnostics numbered over all the lines in order, placed in their own files."""
        places = self.places(body)
        out: list[Diagnostic] = []
        for d in found:
            if 0 < d.line <= len(places):
                file, number = places[d.line - 1]
                d = attrs.evolve(d, filename=file.name, line=number)
            out.append(d)
        return out


def _lines_of(node: Node) -> Iterator[Line]:
    return iter_lines([node])


def _holds(top: Node, node: Node) -> bool:
    if isinstance(top, Section):
        return node is top.header or any(n is node for n in top.leading) or _in(top.body, node)
    if isinstance(top, Conditional):
        return _in([top], node)
    return False


def _in(nodes: Sequence[Node], node: Node) -> bool:
    for n in nodes:
        if n is node:
            return True
        if isinstance(n, Section) and _holds(n, node):
            return True
        if isinstance(n, Conditional):
            if n.end is node:
                return True
            for branch in n.branches:
                if branch.line is node or _in(branch.body, node):
                    return True
    return False
