"""Live views of a section's lines: servers by name, timeouts, options, lists.

A view holds no data of its own; it reads the section's body each time and
every change it makes is an edit of the section's lines (see :mod:`edit`).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, Sequence
from typing import Generic, TypeVar

from haproxy_model.base.errors import InvalidType, InvalidValue, NotFound
from haproxy_model.base.values import Time
from haproxy_model.model import edit
from haproxy_model.model.directives import (
    DefaultServer,
    Option,
    Server,
    ServerTemplate,
    Timeout,
)
from haproxy_model.syntax.nodes import Conditional, Directive, Line, Node, iter_lines
from haproxy_model.syntax.sections import Section
from haproxy_model.syntax.words import Word

D = TypeVar("D", bound=Directive)


def top_directives(section: Section) -> list[Directive]:
    """Directives directly in the section's body (not inside `.if` blocks)."""
    return [n for n in section.body if isinstance(n, Directive)]


def all_directives(section: Section) -> list[Directive]:
    """Every directive of the section, looking into `.if` blocks."""
    return section.directives()


def insertion_point(section: Section, keyword: str, *, avoid: tuple[type, ...] = ()) -> int:
    """Where a new ``keyword`` line goes: after the last one like it, else after the
    last directive that is not one of ``avoid``, else at the top of the body."""
    body = section.body
    same = [i for i, n in enumerate(body) if isinstance(n, Directive) and n.keyword == keyword]
    if same:
        return same[-1]
    others = [
        i
        for i, n in enumerate(body)
        if isinstance(n, (Directive, Conditional)) and not isinstance(n, avoid)
    ]
    if others:
        return others[-1]
    return -1


def add_line(section: Section, line: Line, index: int, like: Line | None = None) -> None:
    """Insert ``line`` into the section's body after ``index``, formatted like its neighbours."""
    indent = edit.indent_of(like) if like is not None else edit.body_indent(section)
    newline = edit.newline_of([section.header, *section.body])
    if index < 0:
        # right after the header
        if section.header.newline == "":
            section.header.newline = newline
            line.newline = ""
            edit.reindent(line, indent)
            section.body.insert(0, line)
            return
        edit.insert_after(section.body, -1, line, indent=indent, newline=newline)
        return
    edit.insert_after(section.body, index, line, indent=indent, newline=newline)


def remove_line(section: Section, line: Node) -> None:
    """Remove a line of the section (from a `.if` block too) with its comment block."""
    found = edit.locate(section.body, line)
    if found is None:
        raise InvalidValue("that line is not in this section")
    container, _ = found
    edit.remove_with_comment(container, line)
    if not section.body and line_is_last(line):
        section.header.newline = ""


def line_is_last(node: Node) -> bool:
    """Whether ``node`` is a line without a line end (the file's last line)."""
    return isinstance(node, Line) and node.newline == ""


class ServerMap(MutableMapping[str, Server]):
    """The ``server`` lines of a proxy by name (``servers``), or with ``templates`` its
    ``server-template`` lines by prefix (``server_templates``); ``default-server``
    lines are in neither.

    Replacing a line (``servers["s1"] = Server(...)``) keeps its indentation, the blanks
    before every word that stays, and its trailing comment; a new line goes after the
    last line of its kind, its words aligned on that line's columns.
    """

    def __init__(self, section: Section, *, templates: bool = False) -> None:
        self._section = section
        self._templates = templates
        self._kind = "server-template" if templates else "server"

    def _is_kind(self, node: object) -> bool:
        return (
            isinstance(node, Server)
            and not isinstance(node, DefaultServer)
            and isinstance(node, ServerTemplate) == self._templates
        )

    def _servers(self) -> list[Server]:
        return [d for d in iter_lines(self._section.body) if self._is_kind(d)]  # type: ignore[misc]

    def __getitem__(self, name: str) -> Server:
        for line in self._servers():
            if line.name == name:
                return line
        names = ", ".join(repr(s.name) for s in self._servers()) or "none"
        raise NotFound(
            f"no {self._kind} {name!r} in {self._section.keyword} {self._section.name!r} "
            f"({self._kind} lines: {names})"
        )

    def kind_name(self) -> str:
        """``server`` or ``server-template``: the lines this view holds."""
        return self._kind

    def check(self, server: object) -> None:
        """Raise :class:`InvalidType` unless ``server`` is a line of this view's kind."""
        if not isinstance(server, Server) or not self._is_kind(server):
            raise InvalidType(f"expected a {self._kind} line, got {server!r}")

    def __setitem__(self, name: str, server: Server) -> None:
        self.check(server)
        if server.name != name:
            raise InvalidValue(f"{self._kind} is named {server.name!r}, not {name!r}")
        if name in self:
            self[name].set_values([w.settable() for w in server.words])
        else:
            self.add(server)

    def __delitem__(self, name: str) -> None:
        remove_line(self._section, self[name])

    def __iter__(self) -> Iterator[str]:
        return iter([s.name for s in self._servers()])

    def __len__(self) -> int:
        return len(self._servers())

    def __contains__(self, name: object) -> bool:
        return any(s.name == name for s in self._servers())

    def values(self) -> list[Server]:  # type: ignore[override]
        """The lines in file order."""
        return self._servers()

    def items(self) -> list[tuple[str, Server]]:  # type: ignore[override]
        """``(name, line)`` pairs in file order."""
        return [(s.name, s) for s in self._servers()]

    def add(self, server: Server) -> Server:
        """Add a line after the section's last line of its kind, aligned like it."""
        self.check(server)
        if server.name in self:
            raise InvalidValue(f"{self._kind} {server.name!r} already exists")
        body = self._section.body
        same = [i for i, n in enumerate(body) if self._is_kind(n)]
        kin = same or [i for i, n in enumerate(body) if isinstance(n, Server)]
        if kin:
            like = body[kin[-1]]
            assert isinstance(like, Server)
            add_line(self._section, server, kin[-1], like=like)
            edit.align_words(server, like)
        else:
            add_line(self._section, server, insertion_point(self._section, self._kind))
        return server

    def __repr__(self) -> str:
        return f"ServerMap({list(self)})"


class TimeoutMap(MutableMapping[str, Time | str]):
    """``timeout <kind> <value>`` lines by kind: ``timeouts["connect"] = "5s"``.

    A value is a :class:`Time`, its text, an int of milliseconds, or a
    :class:`~haproxy_model.syntax.words.Word` written as it is (``Word.env("T")``).
    """

    def __init__(self, section: Section) -> None:
        self._section = section

    def _lines(self) -> list[Timeout]:
        return [d for d in top_directives(self._section) if isinstance(d, Timeout)]

    def _find(self, kind: str) -> Timeout | None:
        found = [t for t in self._lines() if t.kind == kind]
        return found[-1] if found else None

    def __getitem__(self, kind: str) -> Time | str:
        line = self._find(kind)
        if line is None:
            kinds = ", ".join(repr(t.kind) for t in self._lines()) or "none"
            raise NotFound(f"no 'timeout {kind}' in this section (timeouts: {kinds})")
        return line.value

    def __setitem__(self, kind: str, value: Time | str | int | Word) -> None:
        line = self._find(kind)
        if line is not None:
            line.value = value
            return
        new = Timeout(kind=kind, value=value)
        add_line(
            self._section,
            new,
            insertion_point(self._section, "timeout", avoid=(Server,)),
            like=self._lines()[-1] if self._lines() else None,
        )

    def __delitem__(self, kind: str) -> None:
        found = [t for t in self._lines() if t.kind == kind]
        if not found:
            raise NotFound(f"no 'timeout {kind}' in this section")
        for line in found:
            remove_line(self._section, line)

    def __iter__(self) -> Iterator[str]:
        seen: list[str] = []
        for t in self._lines():
            if t.kind not in seen:
                seen.append(t.kind)
        return iter(seen)

    def __len__(self) -> int:
        return len(set(t.kind for t in self._lines()))


OptionValue = bool | Sequence[str | Word]


class OptionMap(MutableMapping[str, Option]):
    """``option <name>`` lines: ``options["redispatch"] = True``.

    True writes ``option NAME``, False writes ``no option NAME``, a list of
    words (strings, or Words written as they are) writes ``option NAME word...``;
    deleting removes the line. True on a line already enabled (False on one already
    disabled) leaves it as written: ``option redispatch 1`` stays.
    """

    def __init__(self, section: Section) -> None:
        self._section = section

    def _lines(self) -> list[Option]:
        return [
            d for d in top_directives(self._section) if isinstance(d, Option) and d.name is not None
        ]

    def _find(self, name: str) -> Option | None:
        found = [o for o in self._lines() if o.name == name]
        return found[-1] if found else None

    def __getitem__(self, name: str) -> Option:
        line = self._find(name)
        if line is None:
            names = ", ".join(repr(o.name) for o in self._lines()) or "none"
            raise NotFound(f"no 'option {name}' in this section (options: {names})")
        return line

    def enabled(self, name: str) -> bool | None:
        """True (``option``), False (``no option``) or None (not set here)."""
        line = self._find(name)
        return None if line is None else not line.negated

    def __setitem__(self, name: str, value: OptionValue | Option) -> None:
        words: list[str | Word]
        if isinstance(value, Option):
            words = [w.settable() for w in value.words]
        elif value is True:
            words = ["option", name]
        elif value is False:
            words = ["no", "option", name]
        elif isinstance(value, (list, tuple)):
            words = ["option", name, *value]
        else:
            raise InvalidType(f"option {name}: expected True, False or a list of words")
        line = self._find(name)
        if line is not None:
            if isinstance(value, bool) and line.negated != value:
                return  # already so: the line stays as written (``option redispatch 1``)
            _set_negation(line, words[0] == "no")
            line.set_values(words)
            return
        new = Option.from_values(words)
        add_line(
            self._section,
            new,
            insertion_point(self._section, "option", avoid=(Server,)),
            like=self._lines()[-1] if self._lines() else None,
        )

    def __delitem__(self, name: str) -> None:
        found = [o for o in self._lines() if o.name == name]
        if not found:
            raise NotFound(f"no 'option {name}' in this section")
        for line in found:
            remove_line(self._section, line)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(o.name for o in self._lines() if o.name))

    def __len__(self) -> int:
        return len(set(o.name for o in self._lines()))


def _set_negation(line: Option, negated: bool) -> None:
    """Add or drop a leading ``no`` with a single blank, keeping the rest of the line."""
    if line.negated == negated:
        return
    indent = edit.indent_of(line)
    rest = line.raw[len(indent) :]
    if negated:
        line.raw = f"{indent}no {rest}"
    else:
        line.raw = indent + rest[2:].lstrip(" \t")


def _first_expect(lines: Sequence[Directive]) -> Directive | None:
    """The first ``http-check expect`` after the last ``http-check connect``."""
    start = max((i for i, d in enumerate(lines) if d.values[1:2] == ["connect"]), default=-1)
    return next((d for d in lines[start + 1 :] if d.values[1:2] == ["expect"]), None)


class LineList(Sequence[D], Generic[D]):
    """The lines of one kind in a section (binds, ACLs, rules ...), in order."""

    def __init__(self, section: Section, cls: type[D], keywords: tuple[str, ...]) -> None:
        self._section = section
        self._cls = cls
        self._keywords = keywords

    def _items(self) -> list[D]:
        return [
            d
            for d in iter_lines(self._section.body)
            if isinstance(d, self._cls) and d.keyword in self._keywords
        ]

    def __getitem__(self, index: int) -> D:  # type: ignore[override]
        if not isinstance(index, (int, slice)):
            raise InvalidType(
                f"the {self.kind_name()} are a list indexed by position (0, 1, -1), "
                f"not by {index!r}"
            )
        return self._items()[index]

    def kind_name(self) -> str:
        """What the view holds, for messages: ``acl lines``."""
        return " or ".join(self._keywords) + " lines"

    def check(self, line: object, field: str | None = None) -> None:
        """Raise :class:`InvalidType` unless ``line`` is a line this view holds."""
        if not isinstance(line, self._cls) or line.keyword not in self._keywords:
            where = f"{field}: " if field else ""
            raise InvalidType(
                f"{where}expected one of the {self.kind_name()} ({self._cls.__name__}), "
                f"got {line!r}"
            )

    def __len__(self) -> int:
        return len(self._items())

    def append(self, line: D) -> D:
        """Add a line after the last one of its kind (or after the last directive).

        A new ``http-check send`` goes before the ``http-check expect`` of the last
        ruleset (after the last ``connect``), where HAProxy expects it.
        """
        self.check(line)
        items = [n for n in self._section.body if isinstance(n, self._cls)]
        body = self._section.body
        expect = _first_expect(items) if line.values[:2] == ["http-check", "send"] else None
        if expect is not None:
            index = next(i for i, n in enumerate(body) if n is expect) - 1
        elif items:
            index = next(i for i, n in enumerate(body) if n is items[-1])
        else:
            index = insertion_point(self._section, line.keyword, avoid=(Server,))
        add_line(self._section, line, index, like=items[-1] if items else None)
        return line

    def remove(self, line: D) -> None:
        """Remove one of these lines (with the comment block above it)."""
        remove_line(self._section, line)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items()!r})"
