"""The one declaration of a typed directive, and what it gives.

A typed directive is a class that declares its keywords and its fields::

    @attrs.define(eq=False, repr=False, init=False)
    class Timeout(TypedDirective):
        KEYWORDS = ("timeout",)
        kind = WordArg(1)
        value = TimeArg(2)

and from that declaration alone come:

* parse-to-typed: declaring ``KEYWORDS`` registers the class in
  :data:`DIRECTIVE_CLASSES`, which the parser, ``add_directive``, settings and
  PATH edits use to build the lines starting with those keywords;
* setters: the fields (:mod:`~haproxy_model.model.fields`) read and write the words;
* a constructor, ``Timeout(kind="connect", value="5s")``, that sets each field
  through its setter, so that it validates exactly as setting the field does;
* :meth:`TypedDirective.to_dict`, the fields as plain data, which the
  constructor takes back (``type(line)(**line.to_dict()) == line``);
* the shape the validator's argument check reads (:func:`shape_of`): which
  words come before the options, which table kind the options are of, and the
  kind of value each declared field takes where the keyword table names none.

What a keyword is, where it may appear and what its arguments are named comes
from the keyword table; a test checks that every declared keyword is one of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.model.fields import Field, fields_of
from haproxy_model.syntax.nodes import DEFAULT_INDENT, Directive

#: first word of a line -> typed class the parser builds for it (filled by the declarations)
DIRECTIVE_CLASSES: dict[str, type[Directive]] = {}


def register(cls: type[Directive], keywords: tuple[str, ...]) -> None:
    """Make ``cls`` the typed class of lines starting with ``keywords``.

    A keyword another class already has is refused; the same class registered again
    (attrs rebuilds a slotted class under the same name) replaces itself.
    """
    for keyword in keywords:
        old = DIRECTIVE_CLASSES.get(keyword)
        if old is not None and old.__qualname__ != cls.__qualname__:
            raise InvalidValue(f"{keyword!r} is already the keyword of {old.__qualname__}")
        DIRECTIVE_CLASSES[keyword] = cls


def unregister(cls: type[Directive]) -> None:
    """Forget ``cls``'s keywords (for tests that declare a directive of their own)."""
    for keyword, registered in list(DIRECTIVE_CLASSES.items()):
        if registered.__qualname__ == cls.__qualname__:
            del DIRECTIVE_CLASSES[keyword]


def directive_class(keyword: str) -> type[Directive]:
    """The class lines starting with ``keyword`` are built as (a plain Directive if none)."""
    return DIRECTIVE_CLASSES.get(keyword, Directive)


class TypedDirective(Directive):
    """The base of the typed directives (see the module docstring)."""

    __slots__ = ()

    #: the first words of the lines this class reads; declaring them registers the class
    KEYWORDS: ClassVar[tuple[str, ...]] = ()
    #: the first of them, the one the constructor writes by default
    KEYWORD: ClassVar[str] = ""
    #: words between the keyword and the options (None: as many as the positional fields)
    POSITIONAL: ClassVar[int | None] = None
    #: the keyword-table kind of the line's options ("server", "bind"), None without options
    OPTION_KIND: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        keywords = cls.__dict__.get("KEYWORDS")
        if keywords:
            cls.KEYWORD = keywords[0]
            register(cls, tuple(keywords))

    def __init__(
        self,
        raw: str | None = None,
        *,
        newline: str = "\n",
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        keyword: str | None = None,
        **fields: Any,
    ) -> None:
        if raw is not None:
            if keyword is not None or any(v is not None for v in fields.values()):
                raise InvalidType("give either a raw line or fields, not both")
            Directive.__init__(self, raw, newline=newline)  # the line's own fields
            return
        self._build(fields, keyword=keyword, indent=indent, comment=comment, newline=newline)

    def _build(
        self,
        fields: Mapping[str, Any],
        *,
        keyword: str | None,
        indent: str,
        comment: str | None,
        newline: str,
    ) -> None:
        """The line from its fields: the keyword alone, then each field set through its
        setter (positional ones in word order, then the others in the order given)."""
        cls = type(self)
        if not cls.KEYWORDS:
            raise InvalidType(f"{cls.__name__} declares no keyword: give a raw line")
        keyword = cls.KEYWORDS[0] if keyword is None else keyword
        if keyword not in cls.KEYWORDS:
            raise InvalidValue(f"{cls.__name__} reads {', '.join(cls.KEYWORDS)}, not {keyword!r}")
        declared = fields_of(cls)
        missing = [n for n, f in declared.items() if f.required and fields.get(n) is None]
        if missing:
            *most, last = missing
            names = f"{', '.join(most)} and {last}" if most else last
            raise InvalidType(f"{keyword}: {names} {'are' if most else 'is'} required")
        built = Directive.from_values([keyword], indent=indent, comment=comment, newline=newline)
        Directive.__init__(self, built.raw, newline=newline)
        words: dict[int, dict[Field, Any]] = {}
        for name, field in declared.items():
            index = field.index_in(cls)
            if index is not None and fields.get(name) is not None:
                words.setdefault(index, {})[field] = fields[name]
        for _, given in sorted(words.items()):
            next(iter(given)).write_word(self, given)
        for name, value in fields.items():
            if declared.get(name) is None or declared[name].index_in(cls) is None:
                self.set_field(name, value)
        self._check_complete(keyword)

    def _check_complete(self, keyword: str) -> None:
        count = self.positional_count()
        if len(self.values) <= count:
            gap = len(self.values)
            names = [n for n, f in fields_of(type(self)).items() if f.index_in(type(self)) == gap]
            raise InvalidType(f"{keyword}: {' or '.join(names) or f'word {gap}'} is required")

    @classmethod
    def positional_count(cls) -> int:
        """How many words follow the keyword before anything optional."""
        if cls.POSITIONAL is not None:
            return cls.POSITIONAL
        indexes = [f.index_in(cls) for f in fields_of(cls).values() if f.required]
        return max((i for i in indexes if i is not None), default=0)

    def set_field(self, name: str, value: Any) -> None:
        """Set a field by its name, as ``setattr`` does (what the constructor calls)."""
        if name in fields_of(type(self)):
            setattr(self, name, value)
        elif hasattr(type(self), name):
            raise InvalidType(f"{type(self).__name__}: {name!r} is not a field")
        else:
            self.set_undeclared(name, value)

    def set_undeclared(self, name: str, value: Any) -> None:
        """Set a keyword argument that names no field (an option, on lines that have them)."""
        raise InvalidType(f"{type(self).__name__} has no field {name!r}")

    def to_dict(self) -> dict[str, Any]:
        """The line's keyword and fields as JSON-ready data; the constructor takes it back.

        Positional fields are always there; other fields when set (a flag when True).
        """
        cls = type(self)
        data: dict[str, Any] = {"keyword": self.keyword}
        for name, field in fields_of(cls).items():
            if field.index_in(cls) is not None:
                data[name] = field.data(self)
        data.update(self.other_data())
        return data

    def other_data(self) -> dict[str, Any]:
        """:meth:`to_dict`'s part after the positional fields (options keep line order)."""
        cls = type(self)
        out: dict[str, Any] = {}
        for name, field in fields_of(cls).items():
            if field.index_in(cls) is None:
                value = field.data(self)
                if value is not None and value is not False:
                    out[name] = value
        return out


@attrs.frozen
class Shape:
    """What the declaration of a keyword's typed class says about its words."""

    cls: type[TypedDirective]
    #: words after the keyword before the options
    positional: int
    #: the keyword-table kind of its options ("server", "bind"), or None
    option_kind: str | None
    #: word index -> kind of value of the declared positional fields that have one
    arguments: Mapping[int, str]
    #: option name -> kind of value of the declared option fields that have one
    options: Mapping[str, str]


_SHAPES: dict[type[Any], Shape] = {}


def shape_of(keyword: str) -> Shape | None:
    """The declared shape of the lines starting with ``keyword`` (None: no typed class)."""
    cls = DIRECTIVE_CLASSES.get(keyword)
    if cls is None or not issubclass(cls, TypedDirective):
        return None
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = _shape(cls)
    return shape


def _shape(cls: type[TypedDirective]) -> Shape:
    fields: dict[str, Field] = fields_of(cls)
    arguments: dict[int, str] = {}
    options: dict[str, str] = {}
    for field in fields.values():
        index = field.index_in(cls)
        if field.KIND is None:
            continue
        if index is not None:
            arguments[index] = field.KIND
        elif field.option is not None:
            options[field.option] = field.KIND
    return Shape(cls, cls.positional_count(), cls.OPTION_KIND, arguments, options)


__all__ = [
    "DIRECTIVE_CLASSES",
    "Shape",
    "TypedDirective",
    "directive_class",
    "register",
    "shape_of",
    "unregister",
]
