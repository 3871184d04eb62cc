"""Typed values with HAProxy's units: times and sizes.

A value keeps the text it was read from, so an untouched value is written
back exactly as the user wrote it (``"1m"`` stays ``"1m"``, not ``60000``).
"""

from __future__ import annotations

import re

import attrs

from haproxy_model.base.errors import InvalidType, InvalidValue

_TIME = re.compile(r"(\d+)(us|ms|s|m|h|d)?")
_TIME_UNITS_MS = {"us": 0.001, "ms": 1, "": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
_TIME_UNITS_MS["d"] = 86_400_000

_SIZE = re.compile(r"(\d+)([kKmMgG])?")
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


@attrs.frozen(eq=False)
class Time:
    """A time value: ``"5s"``, ``"250ms"``, ``"1m"``, or a bare number of milliseconds."""

    text: str

    @classmethod
    def parse(cls, value: Time | str | int) -> Time:
        """Read a time from its text, or from an ``int`` number of milliseconds."""
        if isinstance(value, Time):
            return value
        if isinstance(value, bool):
            raise InvalidType("a time cannot be a bool")
        if isinstance(value, int):
            if value < 0:
                raise InvalidValue(f"a time cannot be negative: {value}")
            return cls(str(value))
        if not isinstance(value, str):
            raise InvalidType(f"a time is a string or an int, not {type(value).__name__}")
        text = value.strip()
        if _TIME.fullmatch(text) is None:
            raise InvalidValue(
                f"not an HAProxy time: {value!r} (a number with an optional unit: "
                "us, ms, s, m, h, d; a bare number is milliseconds)"
            )
        return cls(text)

    @property
    def milliseconds(self) -> float:
        """The value in milliseconds."""
        m = _TIME.fullmatch(self.text)
        assert m is not None
        return int(m.group(1)) * _TIME_UNITS_MS[m.group(2) or ""]

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (str, int)) and not isinstance(other, bool):
            try:
                other = Time.parse(other)
            except ValueError:
                return False
        if isinstance(other, Time):
            return self.milliseconds == other.milliseconds
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.milliseconds)


def is_time(text: str) -> bool:
    """Whether ``text`` is a valid HAProxy time."""
    return _TIME.fullmatch(text) is not None


@attrs.frozen(eq=False)
class Size:
    """A size value: ``"16k"``, ``"1m"``, ``"512"`` (bytes)."""

    text: str

    @classmethod
    def parse(cls, value: Size | str | int) -> Size:
        """Read a size from its text, or from an ``int`` number of bytes."""
        if isinstance(value, Size):
            return value
        if isinstance(value, bool):
            raise InvalidType("a size cannot be a bool")
        if isinstance(value, int):
            if value < 0:
                raise InvalidValue(f"a size cannot be negative: {value}")
            return cls(str(value))
        if not isinstance(value, str):
            raise InvalidType(f"a size is a string or an int, not {type(value).__name__}")
        text = value.strip()
        if _SIZE.fullmatch(text) is None:
            raise InvalidValue(f"not an HAProxy size: {value!r} (a number with k, m or g)")
        return cls(text)

    @property
    def bytes(self) -> int:
        """The value in bytes."""
        m = _SIZE.fullmatch(self.text)
        assert m is not None
        return int(m.group(1)) * _SIZE_UNITS[(m.group(2) or "").lower()]

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (str, int)) and not isinstance(other, bool):
            try:
                other = Size.parse(other)
            except ValueError:
                return False
        if isinstance(other, Size):
            return self.bytes == other.bytes
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.bytes)


def is_size(text: str) -> bool:
    """Whether ``text`` is a valid HAProxy size."""
    return _SIZE.fullmatch(text) is not None
