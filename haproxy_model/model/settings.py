"""Section-level settings: one directive whose value a typed attribute reads and writes.

``backend.balance = "leastconn"`` edits the ``balance`` line in place (the
last one, which is the one HAProxy uses), adds one when there is none, and
``None`` removes it.  A string is written so that HAProxy reads it literally;
a :class:`~haproxy_model.syntax.words.Word` is written as it is, so
``glob.maxconn = hm.Word.env("MAXCONN")`` writes ``maxconn "${MAXCONN}"``.
Reading a value that is not a literal of the setting's type (such a
reference) gives its text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar, overload

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.base.values import Time
from haproxy_model.model.directives import Server, directive_class, int_or_text, time_or_text
from haproxy_model.model.views import add_line, insertion_point, remove_line, top_directives
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.sections import Section
from haproxy_model.syntax.words import Word

T = TypeVar("T")


class Setting(Generic[T]):
    """A typed accessor of the directive ``keyword`` of a section."""

    def __init__(self, keyword: str) -> None:
        self.keyword = keyword

    def _lines(self, section: Section) -> list[Directive]:
        return [d for d in top_directives(section) if d.keyword == self.keyword]

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Setting[T]: ...
    @overload
    def __get__(self, obj: Section, owner: type[Any]) -> T | str | None: ...
    def __get__(self, obj: Section | None, owner: type[Any]) -> Setting[T] | T | str | None:
        if obj is None:
            return self
        lines = self._lines(obj)
        if not lines:
            return None
        return self.read(lines[-1].args)

    def __set__(self, obj: Section, value: T | Word | None) -> None:
        lines = self._lines(obj)
        if value is None or value is False:
            for line in lines:
                remove_line(obj, line)
            return
        words = [self.keyword, *self.arguments(value)]
        if lines:
            lines[-1].set_values(words)
            return
        add_line(
            obj,
            directive_class(self.keyword).from_values(words),
            insertion_point(obj, self.keyword, avoid=(Server,)),
        )

    def read(self, args: list[str]) -> T | str:
        """The typed value from the directive's arguments (their text when it is not one)."""
        raise NotImplementedError

    def write(self, value: T) -> Sequence[str | Word]:
        """The directive's arguments for a typed value."""
        raise NotImplementedError

    def arguments(self, value: T | Word) -> Sequence[str | Word]:
        """The directive's arguments: a Word as it is, else :meth:`write`."""
        return [value] if isinstance(value, Word) else self.write(value)


class IntSetting(Setting[int]):
    """``maxconn 4096``."""

    def read(self, args: list[str]) -> int | str:
        return int_or_text(args[0])

    def write(self, value: int) -> list[str]:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidType(f"{self.keyword}: expected an int, got {value!r}")
        return [str(value)]


class StrSetting(Setting[str]):
    """``mode http``, ``balance leastconn``: the first argument."""

    def read(self, args: list[str]) -> str:
        return args[0] if args else ""

    def write(self, value: str) -> list[str]:
        if not isinstance(value, str):
            raise InvalidType(f"{self.keyword}: expected a string, got {value!r}")
        return [value]


class ChoiceSetting(StrSetting):
    """A setting whose first argument is one of a closed set (``balance leastconn``)."""

    def __init__(self, keyword: str, allowed: Callable[[str], bool], examples: str) -> None:
        super().__init__(keyword)
        self.allowed = allowed
        self.examples = examples

    def write(self, value: str) -> list[str]:
        words = super().write(value)
        if not self.allowed(value):
            raise InvalidValue(f"{self.keyword}: unknown value {value!r} ({self.examples})")
        return words


class WordsSetting(Setting[Sequence[str | Word]]):
    """``retry-on conn-failure empty-response``: every argument.

    Set a list of words (strings, or Words written as they are) or one string
    of blank-separated words.
    """

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> WordsSetting: ...
    @overload
    def __get__(self, obj: Section, owner: type[Any]) -> list[str] | None: ...
    def __get__(self, obj: Section | None, owner: type[Any]) -> WordsSetting | list[str] | None:
        if obj is None:
            return self
        lines = self._lines(obj)
        return self.read(lines[-1].args) if lines else None

    def read(self, args: list[str]) -> list[str]:
        return list(args)

    def write(self, value: Sequence[str | Word]) -> Sequence[str | Word]:
        if isinstance(value, str):
            return value.split()
        if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
            raise InvalidType(
                f"{self.keyword}: expected a list of words or a str of them, got {value!r}"
            )
        words = list(value)
        for word in words:
            if isinstance(word, bool) or not isinstance(word, (str, Word, int)):
                raise InvalidType(f"{self.keyword}: a word is a str, not {word!r}")
        return [v if isinstance(v, Word) else str(v) for v in words]


class TimeSetting(Setting[Time]):
    """A setting whose value is a time."""

    def read(self, args: list[str]) -> Time | str:
        return time_or_text(args[0])

    def write(self, value: Time | str | int) -> list[str]:
        return [str(Time.parse(value))]


class FlagSetting(Setting[bool]):
    """``daemon``, ``master-worker``: True when the line is there."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> FlagSetting: ...
    @overload
    def __get__(self, obj: Section, owner: type[Any]) -> bool: ...
    def __get__(self, obj: Section | None, owner: type[Any]) -> FlagSetting | bool:
        if obj is None:
            return self
        return bool(self._lines(obj))

    def arguments(self, value: bool | Word) -> Sequence[str | Word]:
        if isinstance(value, Word):
            raise InvalidType(f"{self.keyword} is a flag: set True or False, not a word")
        return []
