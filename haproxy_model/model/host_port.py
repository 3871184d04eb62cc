"""Host and port of ``server`` and ``bind`` addresses: one word, and the
declared fields (:class:`AddressHost`, :class:`AddressPort`) that read and set them."""

from __future__ import annotations

import re
from typing import Any, overload

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.model.fields import Field
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.words import Word, concat, cut, quote, text_of

# a port, a range, an offset, or a variable reference (``${PORT-8080}`` too)
_PORT = re.compile(r"[0-9]*(?:-[0-9]+)?|[+-][0-9]+|\$\{?[A-Za-z_][A-Za-z0-9_]*(?:-[^}:]*)?\}?")


#: address forms that carry no port, whatever colons they hold (paths, descriptors)
_NO_PORT = ("/", "unix@", "abns@", "abnsz@", "fd@", "sockpair@", "uxst@", "uxdg@")


def split_address(text: str) -> tuple[str, str | None]:
    """``"10.0.0.1:80"`` -> ``("10.0.0.1", "80")``; ``"[::1]:80"``; no port -> None.

    As HAProxy reads an address (``str2sa_range``): in brackets, the IPv6 address is
    what they hold and a port may follow; otherwise the last colon starts the port,
    IPv6 addresses included (``":::80"`` is ``::`` port 80; ``"::1:"`` is ``::1``
    without a port).  Paths and descriptors (``unix@``, ``/run/x.sock``...) have none.
    """
    if text.startswith("["):
        end = text.find("]")
        if end > 0:
            rest = text[end + 1 :]
            return text[1:end], rest[1:] if rest.startswith(":") else None
    host, sep, port = text.rpartition(":")
    if sep and not text.startswith(_NO_PORT) and _PORT.fullmatch(port):
        return host, port
    return text, None


def join_address(
    host: str | Word, port: int | str | Word | None, *, brackets: bool = True
) -> str | Word:
    """The inverse of :func:`split_address` (a Word part makes the result a Word).

    An IPv6 address goes in brackets: always without a port (HAProxy would read its
    last group as one), and with one unless ``brackets`` is False (``:::80``, the way
    the line was written).  A host that holds a port of its own cannot take another."""
    text = text_of(host)
    bare = text.split("@", 1)[-1]
    ipv6 = bare.count(":") >= 2 and not text.startswith(("[", *_NO_PORT))
    if port is None:
        return concat("[", host, "]", field="address") if ipv6 else host
    if bare.count(":") == 1 and not text.startswith(_NO_PORT):
        raise InvalidValue(f"address: {text!r} holds a port already: give the port apart")
    bracket = brackets and ipv6 and "@" not in text
    parts = ["[", host, "]"] if bracket else [host]
    return concat(*parts, ":", port if isinstance(port, Word) else str(port), field="address")


def address_parts(word: Word) -> tuple[str | Word, str | Word | None]:
    """An address word's host and port, each ready to be set again (references kept)."""
    value = word.value
    host, port = split_address(value)
    start = 1 if value.startswith("[") and value[1 : 1 + len(host)] == host else 0
    return (
        cut(word, start, start + len(host)),
        None if port is None else cut(word, len(value) - len(port)),
    )


def port_value(port: str | None) -> int | str | None:
    if port is None or port == "":
        return None
    return int(port) if port.isdigit() else port


class AddressPart(Field):
    """The host or the port of the address word: the last positional word of the line
    (``POSITIONAL``: 2 on ``server``, 3 on ``server-template``, 1 on ``bind``, where
    ``listed`` reads the first address of a comma-separated list)."""

    def __init__(self, *, required: bool = False, listed: bool = False) -> None:
        self.required = required
        self.listed = listed

    def index_in(self, cls: type[Any]) -> int | None:
        positional: int = getattr(cls, "POSITIONAL", 0)
        return positional

    def address_text(self, obj: Directive) -> str | None:
        """The address word's value (its first address when ``listed``), None when absent."""
        index = self.index_in(type(obj)) or 0
        values = obj.values
        if index < 1 or len(values) <= index:
            return None
        if self.listed:
            addrs = [a for a in values[index].split(",") if a]
            return addrs[0] if addrs else None
        return values[index]

    def write_word(self, obj: Directive, given: dict[Field, Any]) -> None:
        """Host and port given together make one word (``Bind(address="", port=80)``)."""
        self.update(obj, given)  # type: ignore[arg-type]

    def check(self, obj: Directive, value: Any) -> None:
        """Refuse a part that cannot stand in a word, naming this field."""
        if isinstance(value, str) and value:
            quote(value, field=self.attr)

    def update(self, obj: Directive, given: dict[AddressPart, Any]) -> None:
        """Write the address word with the given parts, keeping the other one."""
        if not self.present(type(obj)):
            raise self.absent(obj)
        for field, value in given.items():
            field.check(obj, value)
        index = self.index_in(type(obj)) or 0
        n = len(obj.values)
        if n > index:
            if self.listed and "," in obj.values[index]:
                raise InvalidValue(
                    f"{obj.keyword}: the line lists several addresses; set its words instead"
                )
            host, port = address_parts(obj.words[index])
            # an IPv6 address written with its port and no brackets stays so
            brackets = port is None or obj.values[index].startswith("[")
        elif n == index:
            host, port, brackets = "", None, True
        else:
            raise InvalidValue(f"{obj.keyword}: set the words before the {self.attr} first")
        for field, value in given.items():
            if isinstance(field, AddressHost):
                host = value
            else:
                port = value
        word = join_address(host, port, brackets=brackets)
        if n > index:
            obj.set_word(index, word, field=self.attr)
        else:
            obj.insert_word(index, word, field=self.attr)


class AddressHost(AddressPart):
    """The address without the port (``"10.0.0.9"``, ``"unix@/run/s.sock"``)."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> AddressHost: ...
    @overload
    def __get__(self, obj: Directive, owner: type[Any]) -> str: ...
    def __get__(self, obj: Directive | None, owner: type[Any]) -> AddressHost | str:
        if obj is None:
            return self
        text = self.address_text(obj)
        return "" if text is None else split_address(text)[0]

    def __set__(self, obj: Directive, value: str | Word) -> None:
        self.update(obj, {self: value})

    def check(self, obj: Directive, value: Any) -> None:
        if value is None and self.required:
            raise InvalidType(f"{obj.keyword}: {self.attr} is required")
        if not isinstance(value, (str, Word)):
            raise InvalidType(f"{self.attr}: expected a string or a Word, got {value!r}")
        super().check(obj, value)


class AddressPort(AddressPart):
    """The port: an int, a range or offset text (``"+1000"``), or None."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> AddressPort: ...
    @overload
    def __get__(self, obj: Directive, owner: type[Any]) -> int | str | None: ...
    def __get__(self, obj: Directive | None, owner: type[Any]) -> AddressPort | int | str | None:
        if obj is None:
            return self
        text = self.address_text(obj)
        return None if text is None else port_value(split_address(text)[1])

    def __set__(self, obj: Directive, value: int | str | Word | None) -> None:
        self.update(obj, {self: value})

    def check(self, obj: Directive, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, str, Word, type(None))):
            raise InvalidType(f"{self.attr}: expected an int, a string or a Word, got {value!r}")
        if isinstance(value, int) and not 1 <= value <= 65535:
            raise InvalidValue(f"{self.attr}: a port is within 1 and 65535, not {value}")
        super().check(obj, value)


__all__ = [
    "AddressHost",
    "AddressPart",
    "AddressPort",
    "address_parts",
    "join_address",
    "port_value",
    "split_address",
]
