"""Sections, and the grouping of a file's lines into them.

HAProxy starts a new section at every line whose first word is a section
keyword, whatever its indentation, and a section runs until the next one.
`.if` blocks are line-level, so a block may sit inside a section or contain
whole sections.  The tree keeps both: a block that contains a section header
stands at the level of the sections around it (and groups its own lines into
sections); any other block stays in the body of the section it is in.

A section owns the comment lines directly above its header (no blank line
between), so deleting a section takes its comment with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from haproxy_model.syntax.nodes import (
    Blank,
    Comment,
    Conditional,
    Directive,
    Header,
    Line,
    Node,
    Section,
)

__all__ = [
    "Header",
    "MisplacedDirective",
    "Section",
    "SectionFactory",
    "UnknownSection",
    "group_sections",
]


class UnknownSection(Section):
    """A section whose keyword HAProxy 2.0-3.4 does not register; kept verbatim."""

    __slots__ = ()


class MisplacedDirective(Exception):
    """A directive outside any section; carries the node for the error report."""

    def __init__(self, node: Directive) -> None:
        super().__init__(node.raw)
        self.node = node


SectionFactory = Callable[[Header], Section]


def _plain_factory(header: Header) -> Section:
    return Section(header)


@attrs.define
class _Grouper:
    make_section: SectionFactory
    seen_section: bool = False

    def group(self, items: Sequence[Node]) -> tuple[list[Node], bool]:
        """Group ``items`` into sections; also say whether any header was found."""
        out: list[Node] = []
        current: Section | None = None
        found = False
        for index, item in enumerate(items):
            target = current.body if current is not None else out
            if isinstance(item, Header):
                found = True
                current = self._open(self.make_section(item), target, out)
            elif isinstance(item, Conditional):
                inner = False
                for branch in item.branches:
                    branch.body, has = self.group(branch.body)
                    inner = inner or has
                if inner:
                    found = True
                    out.append(item)
                    current = None
                else:
                    target.append(item)
            elif (
                isinstance(item, Directive)
                and not self.seen_section
                and current is None
                and not item.keyword.startswith(".")
            ):
                if not _opens_unknown_section(item, items, index):
                    raise MisplacedDirective(item)
                found = True
                header = Header(item.raw, newline=item.newline)
                current = self._open(UnknownSection(header), target, out)
            else:
                target.append(item)
        return out, found

    def _open(self, section: Section, target: list[Node], out: list[Node]) -> Section:
        self.seen_section = True
        # The comment block right above the header belongs to the new section.
        start = len(target)
        while start > 0 and isinstance(target[start - 1], Comment):
            start -= 1
        section.leading = [n for n in target[start:] if isinstance(n, Line)]
        del target[start:]
        out.append(section)
        return section


def _opens_unknown_section(item: Directive, items: Sequence[Node], index: int) -> bool:
    """A line at column 0 followed by indented lines reads as an unknown section."""
    if item.raw[:1] in (" ", "\t", "\x0b", "\x0c"):
        return False
    for nxt in items[index + 1 :]:
        if isinstance(nxt, (Blank, Comment)):
            continue
        return isinstance(nxt, Directive) and nxt.raw[:1] in (" ", "\t")
    return False


def group_sections(
    nodes: Sequence[Node], make_section: SectionFactory = _plain_factory
) -> list[Node]:
    """Group a file's top-level nodes (lines and `.if` blocks) into sections."""
    grouped, _ = _Grouper(make_section).group(nodes)
    return grouped
