"""A conventional layout for a configuration: what ``haproxy-model fmt`` writes.

The style, applied line by line to the parsed tree (never by rewriting the
file's text as a whole):

- Section headers, the comments right above them, and `.if`/`.elif`/`.else`/
  `.endif` lines that stand between sections are at column 0.
- A section's lines are indented by four spaces; the body of a `.if` block
  inside a section is indented four more spaces per level.
- Words are separated by one space; a comment after a line's words follows
  one space; blanks at the end of a line go.  Words keep their quoting and
  escapes exactly as written.
- A comment line takes the indentation of the line it stands above.  A
  comment that ends a section (nothing but comments and blank lines after it
  in the section) stays at column 0 when it was there, since it usually
  speaks of what follows; otherwise it takes the section's indentation.
- Blank lines: runs collapse to one, none at the start of the file, right
  after a section header or `.if`-family line, or at the end of a section or
  of the file, and exactly one between two sections (or a section and a `.if`
  block that holds sections).
- Every line keeps its own line end (CRLF stays CRLF); a new blank line and
  a last line that had none take the line end of the line above them.
- Order, comments and meaning are kept: ``parse(format_text(x)) == parse(x)``
  and ``format_text(format_text(x)) == format_text(x)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from haproxy_model.model.api import parse
from haproxy_model.model.config import Config
from haproxy_model.model.edit import last_line
from haproxy_model.syntax.nodes import (
    Blank,
    Comment,
    Conditional,
    Directive,
    Line,
    Node,
    ScopeLine,
    iter_lines,
)
from haproxy_model.syntax.render import dumps
from haproxy_model.syntax.sections import Section, UnknownSection

_BodyLayout = Callable[[list[Node]], None]

#: One level of indentation.
INDENT = "    "

_BLANKS = " \t\x0b\x0c"


def format_text(text: str, *, filename: str = "<string>") -> str:
    """The text of a configuration in the conventional layout (raises ParseError)."""
    return _format(parse(text, filename=filename))


def format_config(cfg: Config) -> str:
    """``cfg``'s text in the conventional layout; ``cfg`` itself is left as it is."""
    return _format(parse(dumps(cfg), filename=cfg.filename))


def _format(work: Config) -> str:
    """Lay out ``work`` (a private copy) in place and render it."""
    _Layout().top(work.body)
    previous = "\n"
    for line in iter_lines(work.body):
        if line.newline == "":
            line.newline = previous
        previous = _plain_newline(line.newline)
    return dumps(work)


def _plain_newline(newline: str) -> str:
    """``\\r\\n`` for a line end starting with CR, else ``\\n``."""
    return "\r\n" if newline.startswith("\r") else "\n"


def holds_sections(cond: Conditional) -> bool:
    """Whether a `.if` block contains section headers (at any depth)."""
    for branch in cond.branches:
        for node in branch.body:
            if isinstance(node, Section):
                return True
            if isinstance(node, Conditional) and holds_sections(node):
                return True
    return False


class _Layout:
    # -- containers --------------------------------------------------------
    def top(self, nodes: list[Node]) -> None:
        """The file's top level, or a branch of a `.if` block there."""
        _collapse_blanks(nodes)
        spaced: list[Node] = []
        for node in nodes:
            if spaced and _is_block(node) and not isinstance(spaced[-1], Blank):
                # a new blank line takes the line end of the line above it
                newline = _plain_newline(last_line(spaced[-1]).newline)
                spaced.append(Blank("", newline=newline))
            spaced.append(node)
        nodes[:] = spaced
        previous: Section | None = None
        for node in nodes:
            if isinstance(node, Section):
                self.section(node, after_empty_unknown=_empty_unknown(previous))
                previous = node
            elif isinstance(node, Conditional):
                self.conditional(node, "", self.top)
            elif isinstance(node, Directive) and not node.keyword.startswith("."):
                # a line after a `.if` block that closed a section: it belongs to
                # the section before, so it is indented like a section's lines
                _words(node, INDENT)
            elif isinstance(node, (Directive, ScopeLine)):
                _reindent(node, "")
        self.comments(nodes, "")

    def section(self, section: Section, *, after_empty_unknown: bool = False) -> None:
        for comment in section.leading:
            _comment(comment, "")
        # an unknown section without lines is one only while the header after it is
        # indented (a header at column 0 would leave its line standing before any section)
        _words(section.header, INDENT if after_empty_unknown else "")
        self.body(section.body, 1)

    def body(self, nodes: list[Node], level: int) -> None:
        """A section's body (level 1) or a branch of a `.if` block inside it."""
        _collapse_blanks(nodes)
        indent = INDENT * level
        for node in nodes:
            if isinstance(node, Conditional):
                self.conditional(node, indent, lambda body: self.body(body, level + 1))
            elif isinstance(node, Directive):
                _words(node, indent)
            elif isinstance(node, ScopeLine):
                _reindent(node, indent)
        self.comments(nodes, indent)

    def conditional(self, cond: Conditional, indent: str, inner: _BodyLayout) -> None:
        for branch in cond.branches:
            _words(branch.line, indent)
            inner(branch.body)
        _words(cond.end, indent)

    # -- comment lines -----------------------------------------------------
    def comments(self, nodes: Sequence[Node], indent: str) -> None:
        """Indent each comment line like the line it stands above."""
        following: str | None = None
        for node in reversed(nodes):
            if isinstance(node, Comment):
                if following is not None:
                    _comment(node, following)
                elif node.raw[:1] not in _BLANKS:
                    _comment(node, "")
                else:
                    _comment(node, indent)
            elif not isinstance(node, Blank):
                following = _first_indent(node)


def _is_block(node: Node) -> bool:
    return isinstance(node, Section) or (isinstance(node, Conditional) and holds_sections(node))


def _empty_unknown(section: Section | None) -> bool:
    """Whether ``section`` is an unknown section without a directive."""
    return isinstance(section, UnknownSection) and not any(
        isinstance(line, Directive) for line in iter_lines(section.body)
    )


def _first_indent(node: Node) -> str:
    """The indentation of the first line of ``node`` (already laid out)."""
    if isinstance(node, Section):
        first: Line = node.leading[0] if node.leading else node.header
    elif isinstance(node, Conditional):
        first = node.branches[0].line
    else:
        first = node
    return first.raw[: len(first.raw) - len(first.raw.lstrip(_BLANKS))]


def _collapse_blanks(nodes: list[Node]) -> None:
    """No blank line at the start or the end; runs of blank lines become one."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, Blank):
            if not out or isinstance(out[-1], Blank):
                continue
            if node.raw:
                node.raw = ""
        out.append(node)
    while out and isinstance(out[-1], Blank):
        out.pop()
    nodes[:] = out


def _set_raw(line: Line, raw: str) -> None:
    if line.raw != raw:
        line.raw = raw


def _words(line: Directive, indent: str) -> None:
    """Indent a line and put one space between its words and before its comment."""
    parts = line.parts()
    parts.indent = indent
    parts.separators = [" "] * len(parts.separators)
    parts.trailing = " " if parts.comment and parts.words else ""
    _set_raw(line, parts.render())


def _comment(line: Line, indent: str) -> None:
    _set_raw(line, indent + line.raw.strip(_BLANKS))


def _reindent(line: Line, indent: str) -> None:
    _set_raw(line, indent + line.raw.lstrip(_BLANKS))


__all__ = ["INDENT", "format_config", "format_text", "holds_sections"]
