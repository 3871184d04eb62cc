"""The reference path: a plain Lark parse of ``grammar/haproxy.lark``.

Slower than the fast path (one token at a time), it is the executable
statement of the grammar: tests check that both paths build the same tree.
"""

from __future__ import annotations

import lark

from haproxy_model.base.errors import ParseError
from haproxy_model.model import typed_sections
from haproxy_model.model.config import Config
from haproxy_model.model.directives import DIRECTIVE_CLASSES as _DIRECTIVE_CLASSES
from haproxy_model.syntax import _grammar
from haproxy_model.syntax.nodes import (
    Blank,
    Branch,
    Comment,
    Conditional,
    Directive,
    Line,
    Marker,
    Message,
    Node,
    ScopeLine,
)
from haproxy_model.syntax.parser import _group, refuse_nul
from haproxy_model.syntax.sections import Header, SectionFactory
from haproxy_model.syntax.words import value_of

_LINE_CLASSES: dict[str, type[Line]] = {
    "blank_line": Blank,
    "comment_line": Comment,
    "directive_line": Directive,
    "dot_line": Directive,
    "section_line": Header,
    "message_line": Message,
    "scope_line": ScopeLine,
    "if_line": Marker,
    "elif_line": Marker,
    "else_line": Marker,
    "endif_line": Marker,
}


def _line(tree: lark.Tree[lark.Token]) -> Line:
    tokens = [str(t) for t in tree.children]
    eol = tokens.pop()
    cls = _LINE_CLASSES[str(tree.data)]
    if cls is Directive and tree.data == "directive_line":
        first = next(t for t in tree.children if t.type == "WORD")  # type: ignore[union-attr]
        keyword = value_of(str(first))
        if keyword[:1] == ".":
            raise _QuotedDot(keyword)
        if keyword in _grammar.section_keywords():
            cls = Header
        else:
            cls = _DIRECTIVE_CLASSES.get(keyword, Directive)
    return cls("".join(tokens), newline=eol)


class _QuotedDot(Exception):
    """A `.` directive written with quotes or escapes (refused, as by the fast path)."""


class _UnknownDirective(Exception):
    def __init__(self, line: Directive) -> None:
        super().__init__(line.raw)
        self.line = line


def _nodes(children: list[lark.Tree[lark.Token] | lark.Token], depth: int = 0) -> list[Node]:
    out: list[Node] = []
    for child in children:
        assert isinstance(child, lark.Tree)
        if child.data == "conditional":
            out.append(_conditional(child, depth + 1))
        else:
            line = _line(child)
            if child.data == "dot_line" and depth == 0:
                assert isinstance(line, Directive)
                raise _UnknownDirective(line)
            out.append(line)
    return out


def _conditional(tree: lark.Tree[lark.Token], depth: int) -> Conditional:
    children = list(tree.children)
    first = children.pop(0)
    last = children.pop()
    assert isinstance(first, lark.Tree) and isinstance(last, lark.Tree)
    if_line = _line(first)
    assert isinstance(if_line, Marker)
    branches = [Branch(if_line)]
    plain: list[lark.Tree[lark.Token] | lark.Token] = []
    for child in children:
        assert isinstance(child, lark.Tree)
        if child.data in ("elif_branch", "else_branch"):
            head, *body = child.children
            assert isinstance(head, lark.Tree)
            line = _line(head)
            assert isinstance(line, Marker)
            branches.append(Branch(line, _nodes(body, depth)))
        else:
            plain.append(child)
    branches[0].body = _nodes(plain, depth)
    end = _line(last)
    assert isinstance(end, Marker)
    return Conditional(branches, end)


def parse_reference(
    text: str, *, filename: str = "<string>", make_section: SectionFactory | None = None
) -> Config:
    """Parse ``text`` with Lark alone; raises :class:`ParseError` where Lark fails."""
    if make_section is None:
        make_section = typed_sections.make_section
    refuse_nul(text, filename)
    missing_newline = not text.endswith("\n") and text != ""
    source = text + "\n" if missing_newline else text
    try:
        tree = _grammar.lark_parser().parse(source, start="start")
    except lark.exceptions.UnexpectedInput as exc:
        line = getattr(exc, "line", 1) or 1
        column = getattr(exc, "column", 1) or 1
        if line < 0:  # unexpected end of input
            line = max(1, source.count("\n"))
            column = 1
        lines = source.split("\n")
        raise ParseError(
            f"syntax error ({type(exc).__name__})",
            filename=filename,
            line=line,
            column=column,
            source_line=lines[line - 1] if line <= len(lines) else "",
        ) from None
    lines = source.split("\n")
    try:
        top = _nodes(list(tree.children))
    except _QuotedDot as exc:
        raise ParseError(
            f"write '{exc}' without quotes or escapes", filename=filename, line=1, column=1
        ) from None
    except _UnknownDirective as exc:
        raise ParseError(
            f"unknown directive '{exc.line.keyword}'",
            filename=filename,
            line=next(
                i for i, text in enumerate(lines, 1) if text.split("\r", 1)[0] == exc.line.raw
            ),
            column=len(exc.line.raw) - len(exc.line.raw.lstrip(" \t\x0b\x0c")) + 1,
            source_line=exc.line.raw,
        ) from None
    if missing_newline:
        _strip_added_newline(top)
    cfg = _group(top, filename, lines, make_section, Config)
    assert isinstance(cfg, Config)
    return cfg


def _strip_added_newline(nodes: list[Node]) -> None:
    last: Node = nodes[-1]
    while isinstance(last, Conditional):
        last = last.end
    assert isinstance(last, Line)
    last.newline = last.newline[:-1]
