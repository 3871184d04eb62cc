"""The parser's tree builder: `.if` nesting, sections grouped as lines come, and the
parent links the render cache follows (see :mod:`haproxy_model.syntax.parser`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import attrs

from haproxy_model.base.errors import ParseError
from haproxy_model.syntax.lexer import MAX_NESTING
from haproxy_model.syntax.nodes import (
    Branch,
    Comment,
    Conditional,
    Directive,
    Line,
    Marker,
    Node,
    Section,
    iter_lines,
)
from haproxy_model.syntax.sections import Header, MisplacedDirective, SectionFactory, _Grouper
from haproxy_model.syntax.tracking import NodeList

BLANKS = " \t\x0b\x0c"


class Builder:
    """Builds the tree line by line: follows `.if` nesting (raising HAProxy's structural
    errors) and groups the lines into sections as they come.

    Lines before the first section are kept aside (``pending``) and grouped once a
    section starts, the way :func:`group_sections` does (a directive there may open
    an unknown section, or be misplaced); a `.if` block is grouped when it closes.
    After that, each line goes straight into the list it belongs to (``append``).
    """

    def __init__(
        self,
        text: str,
        filename: str,
        lines: list[str],
        make_section: SectionFactory,
        section_classes: Mapping[str, type[Section]] | None,
    ) -> None:
        self.text = text
        self.filename = filename
        self.lines = lines
        #: the line number and text offset of the last offset asked for, and all of them
        self._offset = (0, 0)
        self.offsets: dict[int, int] = {0: 0}
        #: first (and, for `.if` blocks, past-the-last) line of top-level nodes, by id
        self.first_line: dict[int, int] = {}
        self.end_line: dict[int, int] = {}
        self.make_section = make_section
        self.section_classes = section_classes
        self.grouper = _Grouper(make_section)
        self.stack: list[tuple[Conditional, int]] = []
        #: top-level nodes before the first section (grouped when it starts), then None
        self.pending: list[Node] | None = []
        self.out: list[Node] = []
        #: where top-level lines go: pending, a section's body, or ``out``
        self.target: list[Node] = self.pending
        self.owner: object = None
        #: the first line standing before any section (reported once every line was read)
        self.misplaced: ParseError | None = None
        self.append = _bound_append(self.target)

    def error(self, lineno: int, column: int, message: str) -> ParseError:
        source = self.lines[lineno - 1].split("\r", 1)[0]
        return ParseError(
            message, filename=self.filename, line=lineno, column=column + 1, source_line=source
        )

    def _retarget(self) -> None:
        if self.stack:
            branch = self.stack[-1][0].branches[-1]
            self.append = _bound_append(branch.body)
            self.owner = branch
        else:
            self.append = _bound_append(self.target)
            self.owner = self.target_owner()

    def target_owner(self) -> object:
        target = self.target
        owner = getattr(target, "_owner", None)
        return owner

    def offset(self, index: int) -> int:
        """Where line ``index`` (0-based) starts in the text."""
        pos = self.offsets.get(index)
        if pos is not None:
            return pos
        known, pos = self._offset
        if index < known:
            known, pos = 0, 0
        pos += sum(map(len, self.lines[known:index])) + index - known
        self._offset = (index, pos)
        self.offsets[index] = pos
        return pos

    def header(self, index: int, line: str, newline: str, keyword: str) -> None:
        """A section header: opens a section (inside a `.if` block, at the block's end)."""
        header = new_line(Header, line, newline, None)
        assert isinstance(header, Header)
        if self.stack or self.misplaced is not None:
            self.append(header)
            return
        if self.pending is not None:
            self.pending.append(header)
            self.flush_pending()
            self._retarget()
            last = self.out[-1] if self.pending is None and self.out else None
            if isinstance(last, Section):
                self.first_line[id(last)] = index - len(last.leading)
            return
        target = self.target
        start = len(target)
        while start > 0 and isinstance(target[start - 1], Comment):
            start -= 1
        leading = cast(list[Line], target[start:])
        if leading:
            list.__delitem__(target, slice(start, None))  # nothing is cached yet
        section = self.new_section(header, keyword, leading)
        _list_append(self.out, section)
        self.target = section.body
        self._retarget()
        self.first_line[id(section)] = index - len(leading)

    def new_section(self, header: Header, keyword: str, leading: list[Line]) -> Section:
        classes = self.section_classes
        cls = Section if classes is None else classes.get(keyword, Section)
        if classes is None or not plain_section_class(cls):
            made = self.make_section(header)
            if leading:
                made.leading = leading
            return made
        section: Section = new(cls)
        _setattr(section, "header", header)
        _setattr(section, "body", NodeList((), section))
        _setattr(section, "leading", NodeList(leading, section))
        _setattr(section, "_text", None)
        _setattr(section, "_parent", None)
        header._parent = section
        for line in leading:
            line._parent = section
        return section

    def flush_pending(self) -> None:
        """Group the lines before the first section (its header is the last of them)."""
        pending = self.pending
        assert pending is not None
        try:
            out, _ = self.grouper.group(pending)
        except MisplacedDirective as exc:
            self.misplaced = self.misplaced_error(pending, exc.node)
            self.target = []
            return
        self.pending = None
        self.out = out
        for node in out:
            set_parents(node, None)  # the document is their parent, set at the end
        last = out[-1] if out else None
        self.target = last.body if isinstance(last, Section) else out

    def misplaced_error(self, nodes: list[Node], node: Directive) -> ParseError:
        lineno = line_number(nodes, node)
        source = self.lines[lineno - 1].split("\r", 1)[0] if lineno <= len(self.lines) else ""
        col = len(source) - len(source.lstrip(BLANKS))
        return ParseError(
            f"'{node.keyword}' stands before any section",
            filename=self.filename,
            line=lineno,
            column=col + 1,
            source_line=source,
        )

    def conditional(self, line: Marker, keyword: str, lineno: int, col: int) -> None:
        if keyword == ".if":
            if len(self.stack) >= MAX_NESTING:
                raise self.error(
                    lineno, col, f"too many nested '.if' blocks (HAProxy allows {MAX_NESTING})"
                )
            cond = Conditional([Branch(line)])
            if self.stack:
                self.append(cond)
            self.stack.append((cond, lineno))
            self._retarget()
            return
        if not self.stack:
            raise self.error(lineno, col, f"'{keyword}' without a matching '.if'")
        cond = self.stack[-1][0]
        if keyword != ".elif":
            args = line.parts()
            if len(args.words) > 1:
                extra = line.raw.index(args.words[1], col + len(keyword))
                raise self.error(
                    lineno, extra, f"unexpected argument '{args.words[1]}' after '{keyword}'"
                )
        if keyword == ".endif":
            cond.end = line
            if_lineno = self.stack.pop()[1]
            if not self.stack:
                self.end_line[id(cond)] = lineno
                self.place(cond, if_lineno - 1)
            self._retarget()
            return
        if cond.branches[-1].kind == ".else":
            raise self.error(lineno, col, f"'{keyword}' after '.else' is not allowed")
        cond.branches.append(Branch(line))
        self._retarget()

    def place(self, cond: Conditional, index: int) -> None:
        """Put a closed top-level `.if` block (its `.if` on line ``index``, 0-based) where
        :func:`group_sections` would."""
        if self.misplaced is not None:
            return
        if self.pending is not None:
            self.pending.append(cond)
            return
        inner = False
        for branch in cond.branches:
            branch.body, has = self.grouper.group(branch.body)
            inner = inner or has
        if inner:
            _list_append(self.out, cond)
            self.first_line[id(cond)] = index
            self.target = self.out
            set_parents(cond, None)
        else:
            _list_append(self.target, cond)
            set_parents(cond, self.target_owner())

    def finish(self) -> list[Node]:
        if self.stack:
            lineno = self.stack[-1][1]
            col = len(self.lines[lineno - 1]) - len(self.lines[lineno - 1].lstrip(BLANKS))
            raise self.error(lineno, col, "'.if' without a matching '.endif'")
        if self.misplaced is None and self.pending is not None:
            self.flush_pending()
        if self.misplaced is not None:
            raise self.misplaced
        return self.out

    def layout(self) -> list[int]:
        """Where each top-level node's text ends in the source (for the render cache)."""
        starts: list[int] = []
        index = starts_line = 0
        for node in self.out:
            index = self.first_line.get(id(node), index)
            if index not in self.offsets:
                self._offset = (starts_line, starts[-1]) if starts else (0, 0)
            starts.append(self.offset(index))
            starts_line = index
            if isinstance(node, Line):
                index += 1
            elif id(node) in self.end_line:
                index = self.end_line[id(node)]
            elif id(node) not in self.first_line:
                # grouped before the first section: count its lines
                index += sum(1 for _ in iter_lines([node]))
            # else: a section runs up to the next node, whose first line is known
        return [*starts[1:], len(self.text)]


new: Any = object.__new__
_setattr = object.__setattr__
_list_append = list.append


def _bound_append(items: list[Node]) -> Callable[[Node], None]:
    """``items``' own C-level append (a NodeList's override clears caches, not needed
    while the tree is being built)."""
    return _list_append.__get__(items)  # type: ignore[no-any-return]


_LINE_FIELDS = ("_raw", "_newline", "_parent")
_SECTION_FIELDS = ("header", "body", "leading", "_text", "_parent")


_PLAIN: dict[type, bool] = {}


def _plain_class(cls: type, fields: tuple[str, ...]) -> bool:
    plain = _PLAIN.get(cls)
    if plain is None:
        names = tuple(f.name for f in attrs.fields(cls))
        plain = _PLAIN[cls] = names == fields and not hasattr(cls, "__attrs_post_init__")
    return plain


def plain_line_class(cls: type[Line]) -> bool:
    """Whether the parser may build ``cls`` by setting its fields (its fields are Line's)."""
    return _plain_class(cls, _LINE_FIELDS)


def plain_section_class(cls: type[Section]) -> bool:
    """Whether the parser may build ``cls`` by setting its fields (its fields are Section's)."""
    return _plain_class(cls, _SECTION_FIELDS)


def new_line(cls: type[Line], raw: str, newline: str, parent: object) -> Line:
    node: Line = new(cls)
    node._raw = raw
    node._newline = newline
    node._parent = parent
    return node


def set_parents(node: Node | Branch, parent: object) -> None:
    """Point ``node`` and everything under it to the container it stands in (the
    render cache's invalidation follows these links up)."""
    node._parent = parent
    if isinstance(node, Section):
        for child in (*node.leading, node.header, *node.body):
            set_parents(child, node)
    elif isinstance(node, Conditional):
        for branch in node.branches:
            set_parents(branch, node)
        set_parents(node.end, node)
    elif isinstance(node, Branch):
        set_parents(node.line, node)
        for child in node.body:
            set_parents(child, node)


def line_number(nodes: list[Node], target: Line) -> int:
    for number, line in enumerate(iter_lines(nodes), 1):
        if line is target:
            return number
    return 1  # pragma: no cover - the node comes from this tree
