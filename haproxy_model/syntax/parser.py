"""The fast path: text to tree with one pattern match per line.

The patterns are the grammar's own terminals (see :mod:`haproxy_model.syntax.lexer`);
the `.if` nesting is followed with a stack.  ``tests/test_fast_path.py``
checks on generated texts that this path and a plain Lark parse of
``grammar/haproxy.lark`` build the same tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from haproxy_model.base.errors import ParseError
from haproxy_model.syntax import _grammar
from haproxy_model.syntax.document import Document
from haproxy_model.syntax.lexer import MAX_LINE_LENGTH, MAX_NESTING, MAX_WORDS, diagnose, patterns
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
    iter_lines,
)
from haproxy_model.syntax.sections import Header, MisplacedDirective, SectionFactory, group_sections
from haproxy_model.syntax.words import value_of

_CONDITIONALS = frozenset((".if", ".elif", ".else", ".endif"))
_MESSAGES = frozenset((".diag", ".notice", ".warning", ".alert"))
_BLANKS = " \t\x0b\x0c"
_SPECIAL = re.compile(r"[\\\"']")
# group numbers of the line pattern (see lexer.patterns())
_FIRST, _REST, _COMMENT = 2, 3, 5


class _Builder:
    """Follows `.if` nesting and raises HAProxy's structural errors."""

    def __init__(self, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines
        self.top: list[Node] = []
        self.container = self.top
        self.stack: list[tuple[Conditional, int]] = []

    def error(self, lineno: int, column: int, message: str) -> ParseError:
        source = self.lines[lineno - 1].split("\r", 1)[0]
        return ParseError(
            message, filename=self.filename, line=lineno, column=column + 1, source_line=source
        )

    def conditional(self, line: Marker, keyword: str, lineno: int, col: int) -> None:
        if keyword == ".if":
            if len(self.stack) >= MAX_NESTING:
                raise self.error(
                    lineno, col, f"too many nested '.if' blocks (HAProxy allows {MAX_NESTING})"
                )
            cond = Conditional([Branch(line)])
            self.container.append(cond)
            self.stack.append((cond, lineno))
            self.container = cond.branches[-1].body
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
            self.stack.pop()
            self.container = self.stack[-1][0].branches[-1].body if self.stack else self.top
            return
        if cond.branches[-1].kind == ".else":
            raise self.error(lineno, col, f"'{keyword}' after '.else' is not allowed")
        cond.branches.append(Branch(line))
        self.container = cond.branches[-1].body

    def finish(self) -> list[Node]:
        if self.stack:
            lineno = self.stack[-1][1]
            col = len(self.lines[lineno - 1]) - len(self.lines[lineno - 1].lstrip(_BLANKS))
            raise self.error(lineno, col, "'.if' without a matching '.endif'")
        return self.top


def refuse_nul(text: str, filename: str) -> None:
    """Raise :class:`ParseError` at the first NUL of ``text``: no configuration holds one
    (both parsers refuse it before anything else, wherever it stands)."""
    nul = text.find("\x00")
    if nul < 0:
        return
    lineno = text.count("\n", 0, nul) + 1
    start = text.rfind("\n", 0, nul) + 1
    end = text.find("\n", nul)
    source = text[start : len(text) if end < 0 else end].split("\r", 1)[0]
    raise ParseError(
        "NUL character in the configuration",
        filename=filename,
        line=lineno,
        column=nul - start + 1,
        source_line=source,
    )


def parse_fast(
    text: str,
    *,
    filename: str = "<string>",
    make_section: SectionFactory | None = None,
    directive_classes: Mapping[str, type[Directive]] | None = None,
    make_document: Callable[..., Document] = Document,
) -> Document:
    """Parse ``text`` into a document (see :func:`haproxy_model.parse`, which passes the
    typed ``Config`` as ``make_document`` and the typed sections and directives)."""
    lines = text.split("\n")
    last_newline = "\n"
    if lines[-1] == "":
        lines.pop()
    else:
        last_newline = ""
    builder = _Builder(filename, lines)
    refuse_nul(text, filename)

    classes = directive_classes or {}
    pats = patterns()
    fullmatch = pats.line.fullmatch
    section_keywords = _grammar.section_keywords()
    message_keyword = pats.message_keyword.fullmatch
    n = len(lines)
    for lineno, line in enumerate(lines, 1):
        newline = "\n" if lineno < n else last_newline
        cr = line.find("\r")
        if cr >= 0:
            newline = line[cr:] + newline
            line = line[:cr]
        if len(line) > MAX_LINE_LENGTH:
            raise builder.error(
                lineno, MAX_LINE_LENGTH, f"line longer than {MAX_LINE_LENGTH} characters"
            )
        m = fullmatch(line)
        if m is not None:
            first, rest = m.group(_FIRST, _REST)
        else:
            first = rest = None
        node: Line
        if first is None or first[0] == "[":
            if first is not None or m is None:
                stripped = line.lstrip(_BLANKS)
                if stripped.startswith("["):
                    builder.container.append(ScopeLine(line, newline=newline))
                    continue
                raise _lex_error(builder, lineno, line)
            if m.group(_COMMENT):
                node = Comment(line, newline=newline)
            else:
                node = Blank(line, newline=newline)
            builder.container.append(node)
            continue
        assert m is not None
        if rest and len(rest) >= 2 * MAX_WORDS and _may_exceed(rest):
            _check_word_count(builder, lineno, line)
        keyword = first
        if _SPECIAL.search(first):
            # HAProxy classifies a line by its first word's value, not its spelling
            keyword = value_of(first)
            if keyword[:1] == "." and first[0] != ".":
                raise builder.error(
                    lineno,
                    m.start("first"),
                    f"write '{keyword}' without quotes or escapes",
                )
        if keyword in section_keywords:
            builder.container.append(Header(line, newline=newline))
        elif first[0] == ".":
            if first in _CONDITIONALS:
                builder.conditional(Marker(line, newline=newline), first, lineno, m.start("first"))
            elif message_keyword(first):
                message = Message(line, newline=newline)
                words = message.parts().words
                if len(words) > 2:
                    col = line.index(words[2], m.end("first") + len(words[1]))
                    raise builder.error(
                        lineno,
                        col,
                        f"unexpected argument '{words[2]}' after '{first}': "
                        "quote a message that has blanks",
                    )
                builder.container.append(message)
            elif builder.stack:
                # HAProxy skips the lines of a false branch unread, so an unknown
                # directive inside a `.if` block may be meant for another version.
                builder.container.append(Directive(line, newline=newline))
            else:
                raise builder.error(lineno, m.start("first"), f"unknown directive '{first}'")
        else:
            builder.container.append(classes.get(keyword, Directive)(line, newline=newline))
    top = builder.finish()
    return _group(top, filename, lines, make_section, make_document)


def _group(
    top: list[Node],
    filename: str,
    lines: list[str],
    make_section: SectionFactory | None,
    make_document: Callable[..., Document] = Document,
) -> Document:
    try:
        body = group_sections(top, make_section) if make_section else group_sections(top)
    except MisplacedDirective as exc:
        lineno = _line_number(top, exc.node)
        source = lines[lineno - 1].split("\r", 1)[0] if lineno <= len(lines) else ""
        col = len(source) - len(source.lstrip(_BLANKS))
        raise ParseError(
            f"'{exc.node.keyword}' stands before any section",
            filename=filename,
            line=lineno,
            column=col + 1,
            source_line=source,
        ) from None
    return make_document(body=body, filename=filename)


def _line_number(nodes: list[Node], target: Line) -> int:
    for number, line in enumerate(iter_lines(nodes), 1):
        if line is target:
            return number
    return 1  # pragma: no cover - the node comes from this tree


def _may_exceed(rest: str) -> bool:
    # Each word after the first follows at least one blank character.
    return rest.count(" ") + rest.count("\t") + rest.count("\x0b") + rest.count("\x0c") >= MAX_WORDS


def _check_word_count(builder: _Builder, lineno: int, line: str) -> None:
    count = 0
    for m in patterns().parts.finditer(line):
        if m.lastgroup == "comment":
            return
        if m.lastgroup != "word":
            continue
        count += 1
        if count > MAX_WORDS:
            raise builder.error(
                lineno, m.start(), f"too many words: HAProxy reads at most {MAX_WORDS} per line"
            )


def _lex_error(builder: _Builder, lineno: int, line: str) -> ParseError:
    err = diagnose(line)
    return builder.error(lineno, err.column, err.message)


Parser = Callable[..., Document]
