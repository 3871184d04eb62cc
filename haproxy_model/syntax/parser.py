"""The fast path: text to tree in one pass over the lines.

Whole-text ``str.find`` scans first mark the lines that need the full lexer
(:func:`special_lines`: quotes, backslashes, ``#``, CR, characters ``str.split``
would take for blanks); every other line holds only blanks and bare words and is
classified by its first word from ``str.split(None, 1)``.  The others are matched
with the line pattern compiled from the grammar's own terminals (see
:mod:`haproxy_model.syntax.lexer`), which also reports every lexical error with
its line and column.  The `.if` nesting is followed with a stack, and lines are
grouped into sections as they are read.  Words are cut when something first
reads them (:meth:`~haproxy_model.syntax.nodes.Directive.parts`).

The parse also seeds the render cache: the document's text is the source, and
each top-level section's a span of it, so ``dumps`` after an edit joins slices of
the source and the edited section.

``tests/test_hypothesis_text.py``, ``tests/test_roundtrip_corpus.py`` and
``tests/test_fast_path_boundary.py`` check on generated and real texts that this
path, this path with every line on the full lexer, and a plain Lark parse of
``grammar/haproxy.lark`` build the same tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from haproxy_model.base.errors import ParseError
from haproxy_model.syntax import _grammar
from haproxy_model.syntax.builder import (
    BLANKS,
    Builder,
    line_number,
    new_line,
    plain_line_class,
)
from haproxy_model.syntax.document import Document
from haproxy_model.syntax.lexer import MAX_LINE_LENGTH, MAX_WORDS, diagnose, patterns
from haproxy_model.syntax.nodes import (
    Blank,
    Comment,
    Directive,
    Line,
    Marker,
    Message,
    Node,
    ScopeLine,
    Section,
)
from haproxy_model.syntax.render import PARSED, layout_of
from haproxy_model.syntax.sections import (
    Header,
    MisplacedDirective,
    SectionFactory,
    group_sections,
)
from haproxy_model.syntax.words import value_of

_setattr = object.__setattr__
_CONDITIONALS = frozenset((".if", ".elif", ".else", ".endif"))
_MESSAGES = frozenset((".diag", ".notice", ".warning", ".alert"))
_BLANKS = BLANKS
_SPECIAL = re.compile(r"[\\\"']")
# group numbers of the line pattern (see lexer.patterns())
_FIRST, _REST, _COMMENT = 2, 3, 5


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


# Characters that only the full lexer reads right: quotes, backslashes and "#"
# (which start pieces other than bare runs), CR (a line end), and the characters
# ``str.split()`` takes for blanks although HAProxy does not (\x1c-\x1f; beyond
# ASCII, see _NON_ASCII).  A line without any is a "plain" line: blanks and bare
# words only, which ``str.split`` cuts exactly as the grammar does.
_SPECIAL_CHARS = ('"', "'", "\\", "#", "\r", "\x1c", "\x1d", "\x1e", "\x1f")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: a plain line of at most this many characters cannot have more than MAX_WORDS words
_SHORT = 2 * MAX_WORDS
_HEADER = object()
_FULL = object()


def special_lines(text: str) -> set[int]:
    """The 0-based numbers of the lines of ``text`` that need the full lexer.

    Whole-text scans: ``str.find`` for each special character, jumping to the
    end of the line after each hit, so the cost is one C-level pass per character
    plus a few steps per special line."""
    find = text.find
    rfind = text.rfind
    starts: set[int] = set()
    for ch in _SPECIAL_CHARS:
        pos = find(ch)
        while pos >= 0:
            starts.add(rfind("\n", 0, pos) + 1)
            end = find("\n", pos)
            if end < 0:
                break
            pos = find(ch, end)
    if not text.isascii():
        search = _NON_ASCII.search
        m = search(text)
        while m is not None:
            pos = m.start()
            starts.add(rfind("\n", 0, pos) + 1)
            end = find("\n", pos)
            if end < 0:
                break
            m = search(text, end)
    out: set[int] = set()
    count = text.count
    index = 0
    prev = 0
    for start in sorted(starts):
        index += count("\n", prev, start)
        prev = start
        out.add(index)
    return out


def parse_fast(
    text: str,
    *,
    filename: str = "<string>",
    make_section: SectionFactory | None = None,
    directive_classes: Mapping[str, type[Directive]] | None = None,
    make_document: Callable[..., Document] = Document,
    section_classes: Mapping[str, type[Section]] | None = None,
) -> Document:
    """Parse ``text`` into a document (see :func:`haproxy_model.parse`, which passes the
    typed ``Config`` as ``make_document`` and the typed sections and directives).

    ``section_classes`` (keyword -> class; others get a plain Section) and the
    ``directive_classes`` are built by setting their attrs fields when those are
    exactly the base class's (the typed classes add properties, not state);
    ``make_section`` builds the sections of the lines that stand before the first
    section or inside `.if` blocks (it defaults to one using ``section_classes``).

    One pass: each line is classified and put where it belongs as it is read.
    Plain lines (see :func:`special_lines`) are cut with ``str.split``; only the
    others go through the grammar's compiled line pattern.
    """
    refuse_nul(text, filename)
    lines = text.split("\n")
    last_newline = "\n"
    if lines[-1] == "":
        lines.pop()
    else:
        last_newline = ""
    special = special_lines(text)
    if not last_newline:
        special.add(len(lines) - 1)  # its line end is missing

    if make_section is None:
        make_section = _section_factory(section_classes)
    builder = Builder(text, filename, lines, make_section, section_classes)
    classes = directive_classes or {}
    kinds: dict[str, object] = {k: c if plain_line_class(c) else _FULL for k, c in classes.items()}
    for keyword in _grammar.section_keywords():
        kinds[keyword] = _HEADER
    kinds_get = kinds.get
    new: Any = object.__new__
    directive: Any = Directive
    blank: Any = Blank
    full_line = _FullLine(builder, classes, last_newline, len(lines))

    append = builder.append
    owner = builder.owner
    for index, line in enumerate(lines):
        if index in special or len(line) > _SHORT:
            full_line(index, line)
            append = builder.append
            owner = builder.owner
            continue
        words = line.split(None, 1)
        if words:
            first = words[0]
            kind = kinds_get(first)
            if kind is None:
                if first[0] == "." or first[0] == "[":
                    full_line(index, line)
                    append = builder.append
                    owner = builder.owner
                    continue
                kind = directive
            elif kind is _HEADER:
                builder.header(index, line, "\n", first)
                append = builder.append
                owner = builder.owner
                continue
            elif kind is _FULL:
                full_line(index, line)
                append = builder.append
                owner = builder.owner
                continue
        else:
            kind = blank
        node: Any = new(kind)
        node._raw = line
        node._newline = "\n"
        node._parent = owner
        append(node)
    top = builder.finish()
    document = make_document(body=top, filename=filename)
    for node in document.body:
        node._parent = document
        if not isinstance(node, Line):
            _setattr(node, "_text", PARSED)  # its text is where the layout says
    _setattr(document, "_text", text)  # the render cache starts as the source
    _setattr(document, "_layout", layout_of(text, document.body, builder.layout()))
    return document


def _section_factory(section_classes: Mapping[str, type[Section]] | None) -> SectionFactory:
    if not section_classes:
        return Section

    def make(header: Header) -> Section:
        assert section_classes is not None
        cls = section_classes.get(header.keyword)
        return Section(header) if cls is None else cls(header=header)

    return make


class _FullLine:
    """The full lexer's path for one line: the grammar's compiled line pattern, the
    exact error of a line that does not match, `.if` markers, messages, headers."""

    def __init__(
        self,
        builder: Builder,
        classes: Mapping[str, type[Directive]],
        last_newline: str,
        count: int,
    ) -> None:
        self.builder = builder
        self.classes = classes
        self.last_newline = last_newline
        self.last = count - 1
        self.patterns = patterns()  # each compiled when first used
        self.section_keywords = _grammar.section_keywords()

    def __call__(self, index: int, line: str) -> None:
        builder = self.builder
        lineno = index + 1
        newline = "\n" if index < self.last else self.last_newline
        cr = line.find("\r")
        if cr >= 0:
            newline = line[cr:] + newline
            line = line[:cr]
        if len(line) > MAX_LINE_LENGTH:
            raise builder.error(
                lineno, MAX_LINE_LENGTH, f"line longer than {MAX_LINE_LENGTH} characters"
            )
        stripped = line.lstrip(_BLANKS)
        if not stripped or stripped[0] == "#":  # what the line pattern would find
            kind = Comment if stripped else Blank
            builder.append(new_line(kind, line, newline, builder.owner))
            return
        m = self.patterns.line.fullmatch(line)
        if m is not None:
            first, rest = m.group(_FIRST, _REST)
        else:
            first = rest = None
        node: Line
        if first is None or first[0] == "[":
            if first is not None or m is None:
                if stripped.startswith("["):
                    builder.append(new_line(ScopeLine, line, newline, builder.owner))
                    return
                raise _lex_error(builder, lineno, line)
            if m.group(_COMMENT):
                node = new_line(Comment, line, newline, builder.owner)
            else:
                node = new_line(Blank, line, newline, builder.owner)
            builder.append(node)
            return
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
        if keyword in self.section_keywords:
            builder.header(index, line, newline, keyword)
        elif first[0] == ".":
            if first in _CONDITIONALS:
                builder.conditional(Marker(line, newline=newline), first, lineno, m.start("first"))
            elif self.patterns.message_keyword.fullmatch(first):
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
                builder.append(message)
            elif builder.stack:
                # HAProxy skips the lines of a false branch unread, so an unknown
                # directive inside a `.if` block may be meant for another version.
                builder.append(new_line(Directive, line, newline, builder.owner))
            else:
                raise builder.error(lineno, m.start("first"), f"unknown directive '{first}'")
        else:
            cls = self.classes.get(keyword, Directive)
            if plain_line_class(cls):
                builder.append(new_line(cls, line, newline, builder.owner))
            else:
                builder.append(cls(line, newline=newline))


def _group(
    top: list[Node],
    filename: str,
    lines: list[str],
    make_section: SectionFactory | None,
    make_document: Callable[..., Document] = Document,
) -> Document:
    """Group a whole file's top-level nodes into sections in a second pass (the
    reference parser's way; :func:`parse_fast` groups as it reads)."""
    try:
        body = group_sections(top, make_section) if make_section else group_sections(top)
    except MisplacedDirective as exc:
        lineno = line_number(top, exc.node)
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


def _may_exceed(rest: str) -> bool:
    # Each word after the first follows at least one blank character.
    return rest.count(" ") + rest.count("\t") + rest.count("\x0b") + rest.count("\x0c") >= MAX_WORDS


def _check_word_count(builder: Builder, lineno: int, line: str) -> None:
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


def _lex_error(builder: Builder, lineno: int, line: str) -> ParseError:
    err = diagnose(line)
    return builder.error(lineno, err.column, err.message)


Parser = Callable[..., Document]
