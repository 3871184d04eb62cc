"""The line nodes of the document tree and the `.if` block node.

Every node owns its formatting: a line keeps its exact text (``raw``, without
the line end) and its line end (``newline``: ``"\\n"``, ``"\\r\\n"``, or ``""``
for a last line without one).  Rendering a node that was not edited gives
its original bytes back.  Edits rebuild only the edited line's text.

Equality (``==``) is by meaning: it ignores blank lines, comments, blanks
between words and the way a word is quoted.  Compare ``dumps()`` output for
byte equality.

Rendering is cached: setting a line's ``raw`` or ``newline`` clears the cache of
the containers it stands in (see :mod:`haproxy_model.syntax.tracking`).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.syntax.lexer import LineParts, cut, not_plain
from haproxy_model.syntax.line_text import check_indent, check_newline, check_raw, check_words
from haproxy_model.syntax.tracking import Container, touch
from haproxy_model.syntax.word_alignment import replace_words
from haproxy_model.syntax.words import Decoded, Word, decode, quote, value_of

DEFAULT_INDENT = "    "


@attrs.define(eq=False, repr=False)
class Line:
    """One physical line of the file."""

    _raw: str = attrs.field(default="", alias="raw")
    _newline: str = attrs.field(default="\n", kw_only=True, alias="newline")
    #: the container this line was rendered in (for the render cache), or None
    _parent: Any = attrs.field(default=None, init=False)

    def __attrs_pre_init__(self, raw: object = "", *, newline: object = "\n") -> None:
        check_raw(raw)  # (the parser sets the slots of its lines directly)
        check_newline(newline)

    @property
    def raw(self) -> str:
        """The line's text without its line end."""
        return self._raw

    @raw.setter
    def raw(self, value: str) -> None:
        self._raw = check_raw(value)
        touch(self._parent)

    @property
    def newline(self) -> str:
        """The line end: ``"\\n"``, ``"\\r\\n"``, or ``""`` for a last line without one."""
        return self._newline

    @newline.setter
    def newline(self, value: str) -> None:
        self._newline = check_newline(value)
        touch(self._parent)

    def render(self) -> str:
        """The line's text with its line end."""
        return self._raw + self._newline

    def __repr__(self) -> str:
        return f"{type(self).__name__}(raw={self._raw!r}, newline={self._newline!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Line):
            return NotImplemented
        return _family(type(self)) is _family(type(other)) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def _key(self) -> object:
        return self.raw.strip()


def _fast_getter(cls: type, name: str) -> None:
    """Read ``name`` through a C-level getter (the property above is what type checkers see)."""
    prop = cls.__dict__[name]
    setattr(cls, name, property(operator.attrgetter("_" + name), prop.fset, doc=prop.__doc__))


_fast_getter(Line, "raw")
_fast_getter(Line, "newline")


class Blank(Line):
    """An empty or whitespace-only line."""

    __slots__ = ()

    def _key(self) -> object:
        return None


class Comment(Line):
    """A line holding only a comment."""

    __slots__ = ()

    @classmethod
    def from_text(cls, text: str, *, indent: str = "") -> Comment:
        """A comment line ``# text`` (``text`` must not contain a line break)."""
        if "\n" in text or "\r" in text:
            raise InvalidValue("comment: a comment cannot contain a line break")
        return cls(f"{indent}# {text}" if text else f"{indent}#")

    @property
    def text(self) -> str:
        """The comment without its ``#`` and the blanks around it."""
        return self.raw.strip()[1:].strip()


class ScopeLine(Line):
    """A ``[scope]`` line, read by HAProxy as a whole."""

    __slots__ = ()


class Directive(Line):
    """A line of words: a keyword and its arguments, with an optional comment.

    Subclasses (``Server``, ``Bind``, ...) add typed accessors; all of them
    read and write through the words kept here.
    """

    __slots__ = ()

    @classmethod
    def from_values(
        cls,
        values: Sequence[str | Word],
        *,
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        newline: str = "\n",
    ) -> Directive:
        """Build a directive from word values, quoting each one as needed (a Word as it is)."""
        values = check_words(values)
        if not values:
            raise InvalidValue("a directive needs at least a keyword")
        raws = [quote(v, field=f"word {i + 1}") for i, v in enumerate(values)]
        line = cls(check_indent(indent) + " ".join(raws), newline=newline)
        if comment is not None:
            line.comment = comment
        return line

    # -- reading -----------------------------------------------------------
    def parts(self) -> LineParts:
        """The line cut into indent, words, separators, trailing blanks and comment.

        The result is a fresh object the caller may change; the cut itself is
        kept in a bounded cache keyed by the line's text (the line holds no copy).
        """
        indent, words, seps, trailing, comment = cut(self.raw)
        return LineParts(indent, list(words), list(seps), trailing, comment)

    @property
    def keyword(self) -> str:
        """The first word's value (``server``, ``timeout``, ``.if``, ...)."""
        return self.values[0] if self.raw.strip() else ""

    @property
    def words(self) -> tuple[Word, ...]:
        """Every word, raw text and value."""
        return tuple(Word(w) for w in self.parts().words)

    @property
    def values(self) -> list[str]:
        """Every word's decoded value, keyword included."""
        raw = self._raw
        if not_plain(raw) is None:
            return raw.split()  # bare words only: each is its own value
        return [value_of(w) for w in self.parts().words]

    @property
    def args(self) -> list[str]:
        """The decoded values of the words after the keyword."""
        return self.values[1:]

    def value_at(self, index: int) -> str:
        """The decoded value of word ``index`` (0 is the keyword); ``""`` past the end."""
        values = self.values
        return values[index] if len(values) > index else ""

    def value_after(self, word: str, start: int = 1) -> str | None:
        """The value following the first word ``word`` at index ``start`` or later, or None."""
        values = self.values
        for i in range(start, len(values) - 1):
            if values[i] == word:
                return values[i + 1]
        return None

    @property
    def indent(self) -> str:
        """The blanks before the first word."""
        return self.parts().indent

    @property
    def comment(self) -> str | None:
        """The trailing comment's text (after ``#``), or None."""
        c = self.parts().comment
        return c[1:].strip() if c else None

    @comment.setter
    def comment(self, text: str | None) -> None:
        parts = self.parts()
        if text is None:
            parts.comment = ""
            parts.trailing = ""
        else:
            if "\n" in text or "\r" in text:
                raise InvalidValue("comment: a comment cannot contain a line break")
            parts.comment = f"# {text}" if text else "#"
            if not parts.trailing:
                parts.trailing = " "
        self.raw = parts.render()

    # -- editing -----------------------------------------------------------
    def set_word(self, index: int, value: str | Word, *, field: str | None = None) -> None:
        """Replace word ``index`` (0 is the keyword) with ``value``, quoted as needed."""
        parts = self.parts()
        raw = quote(value, field=field or f"word {index + 1}")
        if parts.words[index] != raw and value_of(parts.words[index]) != value:
            parts.words[index] = raw
            self.raw = parts.render()

    def insert_word(self, index: int, value: str | Word, *, field: str | None = None) -> None:
        """Insert a word before position ``index`` (``len(values)`` appends)."""
        self.insert_words(index, [value], field=field)

    def insert_words(
        self, index: int, values: Sequence[str | Word], *, field: str | None = None
    ) -> None:
        """Insert several words before position ``index``, reusing the line's spacing."""
        values = check_words(values)
        if not values:
            return
        parts = self.parts()
        n = len(parts.words)
        if index < 0:
            index += n
        if not 0 < index <= n:
            raise IndexError(f"cannot insert a word at position {index} of {n}")
        raws = [quote(v, field=field or f"word {index + i + 1}") for i, v in enumerate(values)]
        sep = parts.separators[index - 2] if index >= 2 and parts.separators else " "
        if "\t" in sep and len(sep) > 1:
            sep = " "
        parts.words[index:index] = raws
        parts.separators[index - 1 : index - 1] = [sep] * len(raws)
        self.raw = parts.render()

    def remove_words(self, index: int, count: int = 1) -> None:
        """Remove ``count`` words starting at ``index`` (the keyword cannot go)."""
        parts = self.parts()
        n = len(parts.words)
        if index < 0:
            index += n
        if not index > 0 or index + count > n:
            raise IndexError(f"cannot remove words {index}..{index + count - 1} of {n}")
        del parts.words[index : index + count]
        del parts.separators[index - 1 : index - 1 + count]
        self.raw = parts.render()

    def set_values(self, values: Sequence[str | Word]) -> None:
        """Replace all words; words that stay keep their spelling and the blanks before them."""
        values = check_words(values)
        if not values:
            raise InvalidValue("a directive needs at least a keyword")
        raws = [quote(v, field=f"word {j + 1}") for j, v in enumerate(values)]
        self.set_words(raws, keys=list(values))

    def set_words(self, raws: Sequence[str], keys: Sequence[object] | None = None) -> None:
        """Replace all words with ``raws`` (raw text, already quoted), the one routine
        behind every replacement: words that stay (same ``keys``, by default their values)
        keep their spelling and the blanks before them, and a word replaced in place keeps
        the blanks that stood before the old one. The line is untouched when nothing changes.
        """
        raws = check_words(raws, "raw words")
        parts = self.parts()
        replace_words(parts, raws, keys)
        rendered = parts.render()
        if rendered != self.raw:
            self.raw = rendered

    def _key(self) -> object:
        # a "$VAR" inside double quotes is a variable, elsewhere it is text
        return tuple(decode(w) if '"' in w else Decoded(value_of(w)) for w in self.parts().words)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.raw.strip()!r})"


class Message(Directive):
    """A ``.diag``, ``.notice``, ``.warning`` or ``.alert`` line."""

    __slots__ = ()

    @property
    def level(self) -> str:
        """``diag``, ``notice``, ``warning`` or ``alert``."""
        return self.keyword[1:]

    @property
    def text(self) -> str:
        """The message HAProxy prints."""
        args = self.args
        return args[0] if args else ""


class Marker(Directive):
    """A `.if`, `.elif`, `.else` or `.endif` line."""

    __slots__ = ()


@attrs.define(eq=False)
class Branch(Container):
    """One branch of a `.if` block: the `.if`/`.elif`/`.else` line and its body."""

    _LISTS = frozenset(("body",))

    line: Marker
    body: list[Node] = attrs.field(factory=list)
    _text: object = attrs.field(default=None, init=False, repr=False)
    _parent: Any = attrs.field(default=None, init=False, repr=False)

    @property
    def kind(self) -> str:
        """``.if``, ``.elif`` or ``.else``."""
        return self.line.keyword

    @property
    def condition(self) -> str:
        """The condition as HAProxy evaluates it (the words after the keyword)."""
        return " ".join(self.line.args)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Branch):
            return NotImplemented
        return self.line == other.line and meaningful(self.body) == meaningful(other.body)

    __hash__ = None  # type: ignore[assignment]


@attrs.define(eq=False)
class Conditional(Container):
    """A `.if` ... `.endif` block: its branches and the `.endif` line."""

    _LISTS = frozenset(("branches",))

    branches: list[Branch]
    end: Marker = attrs.field(factory=lambda: Marker(".endif"))
    _text: object = attrs.field(default=None, init=False, repr=False)
    _parent: Any = attrs.field(default=None, init=False, repr=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Conditional):
            return NotImplemented
        return self.branches == other.branches

    __hash__ = None  # type: ignore[assignment]


class Header(Directive):
    """The line that opens a section: ``backend app``, ``defaults base from x``."""

    __slots__ = ()


@attrs.define(eq=False)
class Section(Container):
    """A section: its header line, its body, and the comments right above it."""

    _LISTS = frozenset(("body", "leading"))

    header: Header
    body: list[Node] = attrs.field(factory=list)
    leading: list[Line] = attrs.field(factory=list)
    #: the rendered text, a mark (see :mod:`haproxy_model.syntax.render`), or None
    _text: object = attrs.field(default=None, init=False, repr=False)
    _parent: Any = attrs.field(default=None, init=False, repr=False)

    @property
    def keyword(self) -> str:
        """The section keyword: ``global``, ``backend``, ... as written."""
        return self.header.keyword

    @property
    def name(self) -> str | None:
        """The section's name, or None where it has none (``global``, anonymous ``defaults``)."""
        args = self.header.args
        if not args or args[0] == "from":
            return None
        return args[0]

    @property
    def from_(self) -> str | None:
        """The defaults section named after ``from`` in the header, if any."""
        args = self.header.args
        for i, word in enumerate(args[:-1]):
            if word == "from":
                return args[i + 1]
        return None

    @property
    def lines(self) -> list[Line]:
        """The body's lines in file order (`.if` markers included, header excluded)."""
        return list(iter_lines(self.body))

    def directives(self) -> list[Directive]:
        """The body's directives in file order, looking into `.if` blocks."""
        return [
            line
            for line in iter_lines(self.body)
            if isinstance(line, Directive) and not isinstance(line, Marker)
        ]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Section):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.header == other.header
            and meaningful(self.body) == meaningful(other.body)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.header.raw.strip()!r}: {len(self.body)} nodes>"


Node = Line | Conditional | Section


def _family(cls: type[Line]) -> type[Line]:
    """The kind of line that matters for equality (typed directives are directives)."""
    for family in (Header, Marker, Message, Directive, Comment, Blank, ScopeLine):
        if issubclass(cls, family):
            return family
    return Line


def meaningful(nodes: Sequence[Node]) -> list[Node]:
    """The nodes that count for equality (no blank lines or comments)."""
    return [n for n in nodes if not isinstance(n, (Blank, Comment))]


def iter_lines(nodes: Sequence[Node]) -> Iterator[Line]:
    """Every line under ``nodes`` in file order (conditional markers included)."""
    if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Sequence):
        raise InvalidType(f"iter_lines() takes a sequence of nodes, not {type(nodes).__name__}")
    stack: list[Iterator[Node]] = [iter(nodes)]
    while stack:
        for node in stack[-1]:
            if isinstance(node, Line):
                yield node
            elif isinstance(node, Section):
                yield from node.leading
                yield node.header
                stack.append(iter(node.body))
                break
            elif isinstance(node, Conditional):
                stack.append(_conditional_items(node))
                break
            else:
                raise InvalidType(f"not a node of a configuration: {type(node).__name__}")
        else:
            stack.pop()


def _conditional_items(cond: Conditional) -> Iterator[Node]:
    for branch in cond.branches:
        yield branch.line
        yield from branch.body
    yield cond.end
