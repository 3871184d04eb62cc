"""Typed accessors of the options on ``server``/``bind`` lines (``check``, ``inter 2s``).

Each field reads its option's value as a typed value (its text when it is not
a literal of that type, a variable reference say) and writes a typed value,
or a :class:`~haproxy_model.syntax.words.Word` as it is.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.base.values import Time
from haproxy_model.model.fields import Field, int_or_text, time_or_text
from haproxy_model.model.options_line import OptionsLine
from haproxy_model.syntax.words import Word

T = TypeVar("T")


class OptionField(Field, Generic[T]):
    """A typed accessor of one option on a ``server``/``bind`` line.

    Reading gives the typed value, or the value's text when it is not a literal
    of that type (a variable reference, say); writing takes the typed value, or
    a :class:`~haproxy_model.syntax.words.Word` written as it is (``Word.env("INTER")``).
    """

    option: str

    def __init__(self, option: str) -> None:
        self.option = option

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> OptionField[T]: ...
    @overload
    def __get__(self, obj: OptionsLine, owner: type[Any]) -> T | str | None: ...
    def __get__(self, obj: OptionsLine | None, owner: type[Any]) -> OptionField[T] | T | str | None:
        if obj is None:
            return self
        raw = obj.get_option(self.option)
        if raw is None:
            return None
        if raw is True:  # written without its value (HAProxy refuses the line): no text
            return ""
        return self.convert(raw)

    def __set__(self, obj: OptionsLine, value: T | Word | None) -> None:
        if value is None:
            obj.remove_option(self.option)
        else:
            obj.set_option(self.option, value if isinstance(value, Word) else self.render(value))

    def convert(self, raw: str | bool) -> T | str:
        """Turn the option's value into the typed value (its text when it is not one)."""
        raise NotImplementedError

    def render(self, value: T) -> str | bool:
        """Turn a typed value into the option's value (True for a bare flag)."""
        raise NotImplementedError


class FlagField(OptionField[bool]):
    """A flag such as ``check`` or ``backup``: True when present."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> FlagField: ...
    @overload
    def __get__(self, obj: OptionsLine, owner: type[Any]) -> bool: ...
    def __get__(self, obj: OptionsLine | None, owner: type[Any]) -> FlagField | bool:
        if obj is None:
            return self
        return obj.get_option(self.option) is not None

    def __set__(self, obj: OptionsLine, value: bool | Word | None) -> None:
        if not isinstance(value, (bool, type(None))):
            raise InvalidType(f"{self.option} is a flag: set True or False, not {value!r}")
        if value:
            obj.set_option(self.option, True)
        else:
            obj.remove_option(self.option)


#: The largest value of a C int, where HAProxy keeps a server's or bind's numbers.
INT_MAX = 2**31 - 1


class IntField(OptionField[int]):
    """An option whose value is an integer (``maxconn 32``) within ``minimum``..``maximum``
    (HAProxy's own bounds: ``rise 0`` and ``weight 300`` are refused at load time)."""

    KIND = "number"

    def __init__(self, option: str, minimum: int = 0, maximum: int | None = None) -> None:
        super().__init__(option)
        self.minimum = minimum
        #: HAProxy keeps these numbers in a C int: larger ones are refused or wrap
        self.maximum = INT_MAX if maximum is None else maximum

    def convert(self, raw: str | bool) -> int | str:
        return int_or_text(str(raw))

    def render(self, value: int) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidType(f"{self.option}: expected an int, got {value!r}")
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            bounds = (
                f"within {self.minimum} and {self.maximum}"
                if self.maximum is not None
                else f"{self.minimum} or more"
            )
            raise InvalidValue(f"{self.option}: must be {bounds}, not {value}")
        return str(value)


class TimeField(OptionField[Time]):
    """An option whose value is a time (``inter 2s``)."""

    KIND = "time"

    def convert(self, raw: str | bool) -> Time | str:
        return time_or_text(str(raw))

    def render(self, value: Time | str | int) -> str:
        return str(Time.parse(value))

    def __set__(self, obj: OptionsLine, value: Time | str | int | Word | None) -> None:
        if isinstance(value, (str, int)):
            value = Time.parse(value)
        super().__set__(obj, value)


class StrField(OptionField[str]):
    """An option whose value is a word (``verify none``)."""

    def convert(self, raw: str | bool) -> str:
        return str(raw)

    def render(self, value: str) -> str:
        return str(value)


__all__ = [
    "FlagField",
    "IntField",
    "OptionField",
    "StrField",
    "TimeField",
]
