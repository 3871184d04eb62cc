"""Typed readers of the other directives people edit: ``timeout``, ``option``, ``log``,
``http-check``, ``stick-table``, ``errorfile`` and ``stats``."""

from __future__ import annotations

from typing import Any, overload

from haproxy_model.base.values import Size, Time, is_size, is_time
from haproxy_model.keywords.choices import timeout_names
from haproxy_model.model.fields import Arg, ChoiceArg, TimeArg, WordArg, WordsArg, int_word
from haproxy_model.model.typed_directive import TypedDirective
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.words import Word


class Timeout(TypedDirective):
    """``timeout <kind> <value>``."""

    __slots__ = ()

    KEYWORDS = ("timeout",)
    #: ``connect``, ``client``, ``server``, ``queue``, ``http-request``, ...
    kind = ChoiceArg(1, timeout_names, "timeout")
    #: the time (a :class:`Time`; the raw text when it is not a literal time)
    value = TimeArg(2)


class Option(TypedDirective):
    """``[no] option <name> [args...]``."""

    __slots__ = ()

    KEYWORDS = ("option", "no", "default")

    def _offset(self) -> int:
        values = self.values
        return 1 if values and values[0] in ("no", "default") else 0

    @property
    def negated(self) -> bool:
        """True for ``no option ...``."""
        return self.values[:1] == ["no"]

    @property
    def name(self) -> str | None:
        """The option's name (``httplog``), or None if this is not an option line."""
        values = self.values
        i = self._offset()
        if len(values) > i + 1 and values[i] == "option":
            return values[i + 1]
        return None

    @property
    def arguments(self) -> list[str]:
        """Words after the option's name."""
        return self.values[self._offset() + 2 :]


class Log(TypedDirective):
    """``log <target> [len <n>] [format <f>] [sample <r>:<s>] <facility> [<level> [<min>]]``,
    ``log global`` or ``no log``."""

    __slots__ = ()

    KEYWORDS = ("log",)

    @property
    def target(self) -> str:
        """The address, ``stdout``/``stderr``, a ring, or ``global``."""
        values = self.values
        return values[1] if len(values) > 1 and values[0] == "log" else ""

    @property
    def is_global(self) -> bool:
        """True for ``log global`` (use the global section's loggers)."""
        return self.target == "global"

    @property
    def facility(self) -> str | None:
        """The syslog facility (``local0``...), if given."""
        values = self.values[2:]
        i = 0
        while i < len(values) and values[i] in ("len", "format", "sample", "profile"):
            i += 2
        return values[i] if i < len(values) else None


class HttpCheck(TypedDirective):
    """``http-check <action> [args...]`` (``send``, ``expect``, ``connect``, ...)."""

    __slots__ = ()

    KEYWORDS = ("http-check",)
    #: the action: ``expect``, ``send``, ``connect``, ``disable-on-404``, ...
    action = WordArg(1)
    #: the words after the action
    arguments = WordsArg(2)


class StickTable(TypedDirective):
    """``stick-table type <type> [len|size|expire|nopurge|peers|store ...]``."""

    __slots__ = ()

    KEYWORDS = ("stick-table",)

    @property
    def type(self) -> str | None:
        """``ip``, ``ipv6``, ``integer``, ``string``, ``binary``."""
        return self.value_after("type")

    @property
    def size(self) -> Size | None:
        """The number of entries (with k/m/g units)."""
        raw = self.value_after("size")
        return Size.parse(raw) if raw is not None and is_size(raw) else None

    @property
    def expire(self) -> Time | None:
        """How long an entry lives."""
        raw = self.value_after("expire")
        return Time.parse(raw) if raw is not None and is_time(raw) else None

    @property
    def peers(self) -> str | None:
        """The peers section the table is replicated with."""
        return self.value_after("peers")

    @property
    def store(self) -> list[str]:
        """The stored data types (comma-separated lists joined)."""
        raw = self.value_after("store")
        return raw.split(",") if raw else []


class StatusArg(Arg):
    """An HTTP status code: an int, None when the word is not one (no KIND: the keyword
    table's ``<code>`` names none, so the validator does not judge it)."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> StatusArg: ...
    @overload
    def __get__(self, obj: Directive, owner: type[Any]) -> int | None: ...
    def __get__(self, obj: Directive | None, owner: type[Any]) -> StatusArg | int | None:
        if obj is None:
            return self
        text = self.text(obj)
        return int(text) if text.isdigit() else None

    def __set__(self, obj: Directive, value: int | Word) -> None:
        self.write(obj, value)

    def render(self, value: Any) -> str:
        return int_word(self.attr, value)


class Errorfile(TypedDirective):
    """``errorfile <code> <file>``."""

    __slots__ = ()

    KEYWORDS = ("errorfile",)
    #: the HTTP status code
    code = StatusArg(1)
    #: the file HAProxy serves for that status
    file = WordArg(2)


class Stats(TypedDirective):
    """``stats <sub-keyword> [args...]`` (``socket``, ``uri``, ``enable``, ``auth``, ...)."""

    __slots__ = ()

    KEYWORDS = ("stats",)
    #: ``socket``, ``uri``, ``enable``, ``timeout``, ...
    sub_keyword = WordArg(1)
    #: the words after the sub-keyword
    arguments = WordsArg(2)


__all__ = [
    "Errorfile",
    "HttpCheck",
    "Log",
    "Option",
    "Stats",
    "StickTable",
    "Timeout",
]
