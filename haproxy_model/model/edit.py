"""Small edits on the tree that touch only the lines they must.

New lines borrow their indentation and line end from their neighbours; a
removed line takes the comment block directly above it along.
"""

from __future__ import annotations

from haproxy_model.syntax.nodes import (
    DEFAULT_INDENT,
    Blank,
    Comment,
    Conditional,
    Directive,
    Line,
    Node,
    iter_lines,
)
from haproxy_model.syntax.sections import Section

_BLANKS = " \t\x0b\x0c"


def indent_of(line: Line) -> str:
    """The blanks that start ``line``."""
    return line.raw[: len(line.raw) - len(line.raw.lstrip(_BLANKS))]


def reindent(line: Line, indent: str) -> None:
    """Give ``line`` a new indentation, keeping the rest of its text."""
    line.raw = indent + line.raw.lstrip(_BLANKS)


def align_words(line: Directive, like: Directive) -> None:
    """Lay ``line``'s words out on ``like``'s columns, the one alignment routine for
    inserted lines (replaced lines keep their own blanks, :meth:`Directive.set_values`).

    Only when ``like`` is visibly aligned (a separator of a tab or several blanks):
    each word then starts where ``like``'s word of the same rank starts, or one
    blank after the previous word when there is no room; a tab-separated ``like``
    lends its separators as they are.
    """
    ref, own = like.parts(), line.parts()
    if not any(len(sep) > 1 or "\t" in sep for sep in ref.separators) or len(own.words) < 2:
        return
    columns, pos = [], len(ref.indent)
    for i, word in enumerate(ref.words):
        pos += len(ref.separators[i - 1]) if i else 0
        columns.append(pos)
        pos += len(word)
    separators, pos = [], len(own.indent) + len(own.words[0])
    for i, word in enumerate(own.words[1:], start=1):
        if i - 1 < len(ref.separators) and "\t" in ref.separators[i - 1]:
            sep = ref.separators[i - 1]
        else:
            target = columns[i] if i < len(columns) else pos + 1
            sep = " " * max(1, target - pos)
        separators.append(sep)
        pos += len(sep) + len(word)
    own.separators = separators
    line.raw = own.render()


def body_indent(section: Section) -> str:
    """The indentation the section's own lines use (four spaces when it has none)."""
    for node in section.body:
        if isinstance(node, Line) and not isinstance(node, Blank) and node.raw.strip():
            indent = indent_of(node)
            if indent:
                return indent
    header_indent = indent_of(section.header)
    return header_indent + DEFAULT_INDENT if header_indent else DEFAULT_INDENT


def newline_of(nodes: list[Node]) -> str:
    """The line end used by the first line under ``nodes`` that has one."""
    for line in iter_lines(nodes):
        if line.newline:
            return "\r\n" if line.newline == "\r\n" else "\n"
    return "\n"


def last_line(node: Node) -> Line:
    """The last physical line of a node."""
    if isinstance(node, Line):
        return node
    if isinstance(node, Section):
        return last_line(node.body[-1]) if node.body else node.header
    assert isinstance(node, Conditional)
    return node.end


def insert_after(
    container: list[Node], index: int, new: Line, *, indent: str, newline: str
) -> None:
    """Insert ``new`` after ``container[index]`` (``index`` -1: at the start)."""
    reindent(new, indent)
    new.newline = newline
    if index >= 0:
        before = last_line(container[index])
        if before.newline == "":
            # inserting after the file's last line: it gets a line end, the new one does not
            before.newline = newline
            new.newline = ""
    container.insert(index + 1, new)


def remove_with_comment(container: list[Node], node: Node) -> None:
    """Remove ``node`` and the comment lines directly above it."""
    index = next(i for i, n in enumerate(container) if n is node)
    start = index
    while start > 0 and isinstance(container[start - 1], Comment):
        start -= 1
    removed_last = last_line(container[index]).newline == ""
    del container[start : index + 1]
    if removed_last and container:
        last_line(container[start - 1] if start > 0 else container[-1]).newline = ""


def locate(nodes: list[Node], target: Node) -> tuple[list[Node], int] | None:
    """The list holding ``target`` (looking into `.if` blocks) and its index there."""
    for i, node in enumerate(nodes):
        if node is target:
            return nodes, i
        if isinstance(node, Conditional):
            for branch in node.branches:
                found = locate(branch.body, target)
                if found:
                    return found
    return None


def last_meaningful_index(nodes: list[Node]) -> int:
    """Index of the last node that is not a blank line (-1 when none)."""
    for i in range(len(nodes) - 1, -1, -1):
        if not isinstance(nodes[i], Blank):
            return i
    return -1
