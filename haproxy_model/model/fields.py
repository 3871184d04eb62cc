"""Declared fields of a typed directive: descriptors that read and write its words.

A field is declared once on a directive class (``kind = WordArg(1)``, ``inter =
TimeField("inter")``) and that one declaration serves every use of it: reading
and setting the attribute, the constructor's keyword argument of the same name
(set through the same setter, so it validates exactly as setting it does),
:meth:`~haproxy_model.model.typed_directive.TypedDirective.to_dict`, and the
kind of value the validator expects there (:attr:`Field.KIND`).

This module holds the base and the positional fields (``Arg``: word ``index``
of the line); option fields (``check``, ``inter 2s``) are in :mod:`option_fields`,
address fields in :mod:`host_port`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, overload

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.base.values import Size, Time
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.words import Word, check_name


def int_or_text(text: str) -> int | str:
    """``text`` as an int, or as it is when it is not one (``"${MAXCONN}"``)."""
    try:
        return int(text)
    except ValueError:
        return text


def time_or_text(text: str) -> Time | str:
    """``text`` as a :class:`Time`, or as it is when it is not a literal time (``"${T}"``)."""
    try:
        return Time.parse(text)
    except ValueError:
        return text


def int_word(what: str, value: object) -> str:
    """An int's text; InvalidType naming ``what`` for anything else (a bool too)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"{what}: expected an int, got {value!r}")
    return str(value)


def timeout_word(value: Time | str | int | Word) -> str | Word:
    """What a time argument is set to: a Word as it is, a checked time's text, or a string
    holding ``$`` as it is (HAProxy reads it literally; ``Word.env`` makes a reference)."""
    if isinstance(value, Word) or (isinstance(value, str) and "$" in value):
        return value
    return str(Time.parse(value))


def plain(value: object) -> object:
    """A field's value as JSON-ready data (a time or size as its text)."""
    return str(value) if isinstance(value, (Time, Size)) else value


class Field:
    """The base of declared fields (see the module docstring)."""

    #: the kind of value the validator's argument check expects ("time", "number"), or None
    KIND: ClassVar[str | None] = None
    #: the Python attribute name, set when the class is created
    attr: str = ""
    #: word index of a positional field (None for an option); see :meth:`index_in`
    index: int | None = None
    #: the option name of an option field (``"inter"``), else None
    option: str | None = None
    #: whether the constructor needs it
    required: bool = False

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.attr = name

    def index_in(self, cls: type[Any]) -> int | None:
        """The word index this field reads on lines of ``cls`` (None: an option)."""
        return self.index

    def present(self, cls: type[Any]) -> bool:
        """Whether lines of ``cls`` have this field (a default-server has no name)."""
        index = self.index_in(cls)
        positional: int | None = getattr(cls, "POSITIONAL", None)
        if index is None:
            return True
        return index >= 1 and (positional is None or index <= positional)

    def absent(self, obj: Directive) -> InvalidType:
        """The error for setting a field the line does not have."""
        return InvalidType(f"a {obj.keyword} line has no {self.attr}")

    def write_word(self, obj: Directive, given: dict[Field, Any]) -> None:
        """Set the fields of one word together (the constructor's way): each through its
        setter, unless the fields share the word (an address's host and port)."""
        for field, value in given.items():
            setattr(obj, field.attr, value)

    def data(self, obj: Directive) -> object:
        """The field's value on ``obj`` as JSON-ready data."""
        return plain(getattr(obj, self.attr))


_FIELDS: dict[type[Any], dict[str, Field]] = {}


def fields_of(cls: type[Any]) -> dict[str, Field]:
    """The fields ``cls`` declares or inherits, by attribute, that its lines have;
    positional fields first, by word index, then the others in declaration order."""
    cached = _FIELDS.get(cls)
    if cached is None:
        cached = _FIELDS[cls] = _collect(cls)
    return cached


def _collect(cls: type[Any]) -> dict[str, Field]:
    found: dict[str, Field] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Field):
                found[name] = value
            elif name in found:  # a subclass replaced the field with something else
                del found[name]
    present = [(name, f) for name, f in found.items() if f.present(cls)]
    positional = sorted(
        ((n, f) for n, f in present if f.index_in(cls) is not None),
        key=lambda item: item[1].index_in(cls) or 0,
    )
    return dict(positional + [(n, f) for n, f in present if f.index_in(cls) is None])


class Arg(Field):
    """Word ``index`` of the line, read as text (the base of the typed positional fields)."""

    def __init__(self, index: int, *, required: bool = True) -> None:
        self.index = index
        self.required = required

    def render(self, value: Any) -> str | Word:
        """Check a value and turn it into the word to write (a Word as it is)."""
        raise NotImplementedError

    def write(self, obj: Directive, value: Any) -> None:
        """Set the word: replace it, or append it when the line stops right before it."""
        if not self.present(type(obj)):
            raise self.absent(obj)
        if value is None:
            raise InvalidType(f"{obj.keyword}: {self.attr} is required")
        word = value if isinstance(value, Word) else self.render(value)
        assert self.index is not None
        n = len(obj.values)
        if n > self.index:
            obj.set_word(self.index, word, field=self.attr)
        elif n == self.index:
            obj.insert_word(self.index, word, field=self.attr)
        else:
            raise InvalidValue(
                f"{obj.keyword}: {self.attr} is word {self.index}, set the words before it first"
            )

    def text(self, obj: Directive) -> str:
        """The word's value ("" when absent or past the end of the line)."""
        assert self.index is not None
        return obj.value_at(self.index) if self.present(type(obj)) else ""


class WordArg(Arg):
    """A positional word read and written as text."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> WordArg: ...
    @overload
    def __get__(self, obj: Directive, owner: type[Any]) -> str: ...
    def __get__(self, obj: Directive | None, owner: type[Any]) -> WordArg | str:
        return self if obj is None else self.text(obj)

    def __set__(self, obj: Directive, value: str | Word) -> None:
        self.write(obj, value)

    def render(self, value: Any) -> str | Word:
        if not isinstance(value, str):
            raise InvalidType(f"{self.attr}: expected a string, got {value!r}")
        return value


class ChoiceArg(WordArg):
    """A positional word from a closed set (``timeout <name>``), given as a function
    returning the set (loaded when first needed)."""

    def __init__(self, index: int, choices: Callable[[], frozenset[str]], what: str) -> None:
        super().__init__(index)
        self.choices = choices
        self.what = what

    def render(self, value: Any) -> str | Word:
        text = super().render(value)
        if isinstance(text, str) and text not in self.choices():
            known = ", ".join(sorted(self.choices()))
            raise InvalidValue(f"{self.attr}: unknown {self.what} {text!r} (known: {known})")
        return text


class NameArg(WordArg):
    """A name HAProxy checks (a server's, an ACL's): letters, digits, ``.``, ``_``, ``-``, ``:``."""

    def render(self, value: Any) -> str:
        return check_name(value, field=self.attr)


class IntArg(Arg):
    """A positional integer (its text when it is not one, ``"${N}"``)."""

    KIND = "number"

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> IntArg: ...
    @overload
    def __get__(self, obj: Directive, owner: type[Any]) -> int | str: ...
    def __get__(self, obj: Directive | None, owner: type[Any]) -> IntArg | int | str:
        return self if obj is None else int_or_text(self.text(obj))

    def __set__(self, obj: Directive, value: int | Word) -> None:
        self.write(obj, value)

    def render(self, value: Any) -> str:
        return int_word(self.attr, value)


class TimeArg(Arg):
    """A positional time (``timeout connect 5s``): a :class:`Time`, its text, an int of
    milliseconds, a string holding ``$`` as it is, or a Word."""

    KIND = "time"

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> TimeArg: ...
    @overload
    def __get__(self, obj: Directive, owner: type[Any]) -> Time | str: ...
    def __get__(self, obj: Directive | None, owner: type[Any]) -> TimeArg | Time | str:
        return self if obj is None else time_or_text(self.text(obj))

    def __set__(self, obj: Directive, value: Time | str | int | Word) -> None:
        self.write(obj, value)

    def render(self, value: Any) -> str | Word:
        return timeout_word(value)


class WordsArg(Arg):
    """Every word from ``index`` to the end of the line (an ACL's patterns, a stats
    line's arguments); set a list of words (strings, or Words written as they are)."""

    def __init__(self, index: int) -> None:
        super().__init__(index, required=False)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> WordsArg: ...
    @overload
    def __get__(self, obj: Directive, owner: type[Any]) -> list[str]: ...
    def __get__(self, obj: Directive | None, owner: type[Any]) -> WordsArg | list[str]:
        assert self.index is not None
        return self if obj is None else obj.values[self.index :]

    def __set__(self, obj: Directive, value: Sequence[str | Word]) -> None:
        assert self.index is not None
        if isinstance(value, (str, Word)) or not isinstance(value, Sequence):
            raise InvalidType(f"{self.attr}: expected a list of words, got {value!r}")
        words = [w if isinstance(w, Word) else self.render(w) for w in value]
        kept = [w.settable() for w in obj.words[: self.index]]
        if len(kept) < self.index:
            raise InvalidValue(
                f"{obj.keyword}: {self.attr} start at word {self.index}, set the words before"
            )
        obj.set_values([*kept, *words])

    def render(self, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidType(f"{self.attr}: expected strings, got {value!r}")
        return value


__all__ = [
    "Arg",
    "Field",
    "IntArg",
    "NameArg",
    "TimeArg",
    "WordArg",
    "WordsArg",
    "fields_of",
    "int_or_text",
    "int_word",
    "plain",
    "time_or_text",
    "timeout_word",
]
