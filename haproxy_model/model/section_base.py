"""The base of the typed sections: building one, adding, finding and removing its lines.

A typed section class declares its section keyword once (``KEYWORD = "backend"``);
that registers it in :data:`SECTION_CLASSES`, which the parser uses to build the
sections with that header (a test checks every one is a keyword of the table).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.model.directives import Server, directive_class
from haproxy_model.model.views import add_line, insertion_point, remove_line, top_directives
from haproxy_model.syntax.defaults_links import PROXY_SECTIONS
from haproxy_model.syntax.line_text import check_words
from haproxy_model.syntax.nodes import Conditional, Directive, Line, Node
from haproxy_model.syntax.sections import Header, Section
from haproxy_model.syntax.words import Word, check_name, text_of

#: section keyword -> typed section class (filled by the declarations)
SECTION_CLASSES: dict[str, type[TypedSection]] = {}


class TypedSection(Section):
    """Base of the typed sections; ``KEYWORD`` is the section keyword."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = ""
    NAMED: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        keyword = cls.__dict__.get("KEYWORD")
        if keyword:
            # attrs rebuilds a slotted class: the rebuilt one replaces the first
            SECTION_CLASSES[keyword] = cls

    def __init__(
        self,
        name: str | None = None,
        *,
        header: Header | None = None,
        body: list[Node] | None = None,
        leading: list[Line] | None = None,
        from_: str | None = None,
        directives: Iterable[Sequence[str | Word] | Directive] = (),
        **fields: Any,
    ) -> None:
        if header is not None:
            if name is not None or fields or from_ is not None:
                raise InvalidType("give either a parsed header or fields, not both")
            if body is not None or leading is not None:
                body, leading = check_nodes(body, "body"), check_nodes(leading, "leading")
            Section.__init__(self, header, body if body is not None else [], leading or [])
            return
        body, leading = check_nodes(body, "body"), check_nodes(leading, "leading")
        lines = check_directives(directives)
        for key in fields:
            check_field(type(self), key)
        if self.NAMED and name is None and self.KEYWORD != "defaults":
            raise InvalidType(f"a {self.KEYWORD} section needs a name")
        words = [self.KEYWORD]
        if name is not None:
            words.append(check_name(name, field=f"{self.KEYWORD} name"))
        if from_ is not None:
            words += ["from", from_]
        built = Header.from_values(words, indent="")
        assert isinstance(built, Header)
        Section.__init__(self, built, body if body is not None else [], leading or [])
        for key, value in fields.items():
            setattr(self, key, value)
        for line in lines:
            self.add_directive(line)

    @property
    def name(self) -> str | None:
        """The section's name; setting it renames the section (its header's name word:
        the keyword, ``from`` and what follows stay as written)."""
        return super().name

    @name.setter
    def name(self, value: str | None) -> None:
        values = self.header.values
        args = values[1:]
        rest = args[1:] if args and args[0] != "from" else args
        if value is None:
            if self.NAMED and self.KEYWORD != "defaults":
                raise InvalidValue(f"a {self.KEYWORD} section needs a name")
            self.header.set_values([values[0], *rest])
            return
        name = check_name(value, field=f"{self.KEYWORD or values[0]} name")
        self.header.set_values([values[0], name, *rest])

    @property
    def from_(self) -> str | None:
        """The defaults section named after ``from`` in the header, if any; setting it
        (a proxy section's only) names another, None removes ``from`` and its name."""
        return super().from_

    @from_.setter
    def from_(self, value: str | None) -> None:
        values = self.header.values
        if values[0] not in PROXY_SECTIONS:
            raise InvalidValue(f"a {values[0]} section takes no 'from' (proxy sections do)")
        named = values[:2] if len(values) > 1 and values[1] != "from" else values[:1]
        rest = values[len(named) :]
        if rest[:1] == ["from"]:
            rest = rest[2:]
        if value is not None:
            rest = ["from", check_name(value, field="from"), *rest]
        self.header.set_values([*named, *rest])

    def add_directive(self, line: Sequence[str | Word] | Directive) -> Directive:
        """Append a directive (a line object or its words) after the last directive.

        Words given as strings are quoted so that HAProxy reads them literally;
        a :class:`~haproxy_model.syntax.words.Word` is written as it is.
        """
        if not isinstance(line, Directive):
            values = check_words(line, "directive")
            keyword = text_of(values[0]) if values else ""
            line = directive_class(keyword).from_values(values)
        elif type(line) is Directive:
            # give it the typed class the parser would give it
            line = directive_class(line.keyword)(line.raw, newline=line.newline)
        index = insertion_point(self, line.keyword, avoid=(Server,))
        add_line(self, line, index)
        return line

    def find(self, keyword: str) -> list[Directive]:
        """The section's directives (top level) whose first word is ``keyword``."""
        return [d for d in top_directives(self) if d.keyword == keyword]

    def remove(self, line: Directive) -> None:
        """Remove a line of this section, with the comment block directly above it."""
        remove_line(self, line)


def check_field(cls: type, key: str) -> None:
    """Raise :class:`InvalidType` unless ``key`` is a field a constructor may set."""
    attr = next((k.__dict__[key] for k in cls.__mro__ if key in k.__dict__), None)
    if attr is None or key.startswith("_") or not hasattr(attr, "__set__"):
        raise InvalidType(f"{cls.__name__} has no field {key!r}")
    if isinstance(attr, property) and attr.fset is None:
        raise InvalidType(f"{cls.__name__}: {key} is read-only")


def check_nodes(nodes: object, field: str) -> list[Any] | None:
    """``nodes`` as a list when it is None or a list of lines (and, in a body, `.if`
    blocks)."""
    if nodes is None:
        return None
    kinds = (Line, Conditional) if field == "body" else (Line,)
    if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Iterable):
        raise InvalidType(f"{field}: expected a list of lines, got {nodes!r}")
    listed = list(nodes)
    for node in listed:
        if not isinstance(node, kinds):
            raise InvalidType(f"{field}: expected a list of lines, got an item {node!r}")
    return listed


def check_directives(directives: object) -> list[Any]:
    """``directives`` as a list when each is a Directive or a list of words."""
    if isinstance(directives, (str, bytes)) or not isinstance(directives, Iterable):
        raise InvalidType(
            f"directives: expected a list of Directives or lists of words, got {directives!r}"
        )
    listed = list(directives)
    for line in listed:
        if not isinstance(line, Directive):
            check_words(line, "directives: a directive")
    return listed


def make_section(header: Header) -> Section:
    """The typed section for a parsed header (a plain Section for other keywords)."""
    cls = SECTION_CLASSES.get(header.keyword)
    if cls is None:
        return Section(header)
    return cls(header=header)


__all__ = ["SECTION_CLASSES", "TypedSection", "make_section"]
