"""Typed readers of the other directives people edit: ``timeout``, ``option``, ``log``,
``http-check``, ``stick-table``, ``errorfile`` and ``stats``."""

from __future__ import annotations

import attrs

from haproxy_model.model.option_fields import time_or_text
from haproxy_model.nodes import Directive
from haproxy_model.values import Size, Time, is_size, is_time
from haproxy_model.words import Word


def timeout_word(value: Time | str | int | Word) -> str | Word:
    """What a timeout is set to: a Word as it is, a checked time's text, or a string
    holding ``$`` as it is (HAProxy reads it literally; ``Word.env`` makes a reference)."""
    if isinstance(value, Word) or (isinstance(value, str) and "$" in value):
        return value
    return str(Time.parse(value))


@attrs.define(eq=False, repr=False)
class Timeout(Directive):
    """``timeout <kind> <value>``."""

    @property
    def kind(self) -> str:
        """``connect``, ``client``, ``server``, ``queue``, ``http-request``, ..."""
        return self.value_at(1)

    @property
    def value(self) -> Time | str:
        """The time (a :class:`Time`; the raw text when it is not a literal time)."""
        return time_or_text(self.value_at(2))

    @value.setter
    def value(self, value: Time | str | int | Word) -> None:
        text = timeout_word(value)
        if len(self.values) > 2:
            self.set_word(2, text, field=f"timeout {self.kind}")
        else:
            self.insert_word(2, text, field=f"timeout {self.kind}")


@attrs.define(eq=False, repr=False)
class Option(Directive):
    """``[no] option <name> [args...]``."""

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


@attrs.define(eq=False, repr=False)
class Log(Directive):
    """``log <target> [len <n>] [format <f>] [sample <r>:<s>] <facility> [<level> [<min>]]``,
    ``log global`` or ``no log``."""

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


@attrs.define(eq=False, repr=False)
class HttpCheck(Directive):
    """``http-check <action> [args...]`` (``send``, ``expect``, ``connect``, ...)."""

    @property
    def action(self) -> str:
        """The action: ``expect``, ``send``, ``connect``, ``disable-on-404``, ..."""
        return self.value_at(1)

    @property
    def arguments(self) -> list[str]:
        """The words after the action."""
        return self.values[2:]


@attrs.define(eq=False, repr=False)
class StickTable(Directive):
    """``stick-table type <type> [len|size|expire|nopurge|peers|store ...]``."""

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


@attrs.define(eq=False, repr=False)
class Errorfile(Directive):
    """``errorfile <code> <file>``."""

    @property
    def code(self) -> int | None:
        """The HTTP status code."""
        values = self.values
        return int(values[1]) if len(values) > 1 and values[1].isdigit() else None

    @property
    def file(self) -> str:
        """The file HAProxy serves for that status."""
        return self.value_at(2)


@attrs.define(eq=False, repr=False)
class Stats(Directive):
    """``stats <sub-keyword> [args...]`` (``socket``, ``uri``, ``enable``, ``auth``, ...)."""

    @property
    def sub_keyword(self) -> str:
        """``socket``, ``uri``, ``enable``, ``timeout``, ..."""
        return self.value_at(1)

    @property
    def arguments(self) -> list[str]:
        """The words after the sub-keyword."""
        return self.values[2:]


__all__ = [
    "Errorfile",
    "HttpCheck",
    "Log",
    "Option",
    "Stats",
    "StickTable",
    "Timeout",
    "timeout_word",
]
