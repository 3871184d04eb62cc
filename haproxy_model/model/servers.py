"""``server``, ``default-server`` and ``server-template`` lines."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from haproxy_model.errors import InvalidType
from haproxy_model.model.addresses import address_parts, join_address, port_value, split_address
from haproxy_model.model.option_fields import FlagField, IntField, StrField, TimeField
from haproxy_model.model.options_line import OptionsLine
from haproxy_model.nodes import DEFAULT_INDENT
from haproxy_model.words import Word, check_name, quote


@attrs.define(eq=False, repr=False, init=False)
class Server(OptionsLine):
    """``server <name> <address>[:port] [options...]``."""

    KEYWORD: ClassVar[str] = "server"
    POSITIONAL: ClassVar[int] = 2

    def __init__(
        self,
        raw: str | None = None,
        *,
        newline: str = "\n",
        name: str | None = None,
        address: str | Word | None = None,
        port: int | str | Word | None = None,
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        **options: Any,
    ) -> None:
        def words() -> list[str | Word]:
            if name is None or address is None:
                raise InvalidType(f"{self.KEYWORD}: name and address are required")
            check_name(name, field="name")
            addr = join_address(address, port)
            quote(addr, field="address")
            return [self.KEYWORD, name, addr, *self._option_words(options)]

        self._setup(
            raw,
            newline=newline,
            fields_given=name is not None or address is not None or bool(options),
            words=words,
            indent=indent,
            comment=comment,
        )

    @property
    def name(self) -> str:
        """The server's name."""
        return self.values[1]

    @name.setter
    def name(self, value: str) -> None:
        self.set_word(1, check_name(value, field="name"), field="name")

    # the address is the last positional word (2 for server, 3 for server-template)

    @property
    def address(self) -> str:
        """The address without the port (``"10.0.0.9"``, ``"unix@/run/s.sock"``)."""
        i = self.POSITIONAL
        return split_address(self.values[i])[0] if len(self.values) > i else ""

    @address.setter
    def address(self, value: str | Word) -> None:
        i = self.POSITIONAL
        self.set_word(i, join_address(value, address_parts(self.words[i])[1]), field="address")

    @property
    def port(self) -> int | str | None:
        """The port: an int, a range or offset text (``"+1000"``), or None."""
        i = self.POSITIONAL
        return port_value(split_address(self.values[i])[1]) if len(self.values) > i else None

    @port.setter
    def port(self, value: int | str | Word | None) -> None:
        i = self.POSITIONAL
        self.set_word(i, join_address(address_parts(self.words[i])[0], value), field="port")

    check = FlagField("check")
    check_ssl = FlagField("check-ssl")
    backup = FlagField("backup")
    disabled = FlagField("disabled")
    ssl = FlagField("ssl")
    send_proxy = FlagField("send-proxy")
    send_proxy_v2 = FlagField("send-proxy-v2")
    inter = TimeField("inter")
    fastinter = TimeField("fastinter")
    downinter = TimeField("downinter")
    slowstart = TimeField("slowstart")
    rise = IntField("rise")
    fall = IntField("fall")
    maxconn = IntField("maxconn")
    maxqueue = IntField("maxqueue")
    minconn = IntField("minconn")
    weight = IntField("weight")
    error_limit = IntField("error-limit")
    verify = StrField("verify")
    sni = StrField("sni")
    resolvers = StrField("resolvers")
    init_addr = StrField("init-addr")
    on_error = StrField("on-error")
    observe = StrField("observe")
    track = StrField("track")
    cookie = StrField("cookie")
    ca_file = StrField("ca-file")
    crt = StrField("crt")
    alpn = StrField("alpn")
    proto = StrField("proto")


@attrs.define(eq=False, repr=False, init=False)
class DefaultServer(Server):
    """``default-server [options...]``: defaults for the servers of a proxy."""

    KEYWORD: ClassVar[str] = "default-server"
    POSITIONAL: ClassVar[int] = 0

    def __init__(
        self,
        raw: str | None = None,
        *,
        newline: str = "\n",
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        **options: Any,
    ) -> None:
        self._setup(
            raw,
            newline=newline,
            fields_given=bool(options),
            words=lambda: [self.KEYWORD, *self._option_words(options)],
            indent=indent,
            comment=comment,
        )

    @property
    def name(self) -> str:
        """A default-server has no name."""
        return ""

    @name.setter
    def name(self, value: str) -> None:
        raise AttributeError("a default-server has no name")

    @property
    def address(self) -> str:
        """A default-server has no address."""
        return ""

    @address.setter
    def address(self, value: str | Word) -> None:
        raise AttributeError("a default-server has no address")

    @property
    def port(self) -> int | str | None:
        """A default-server has no port."""
        return None

    @port.setter
    def port(self, value: int | str | Word | None) -> None:
        raise AttributeError("a default-server has no port")


@attrs.define(eq=False, repr=False, init=False)
class ServerTemplate(Server):
    """``server-template <prefix> <num | range> <fqdn>[:port] [options...]``."""

    KEYWORD: ClassVar[str] = "server-template"
    POSITIONAL: ClassVar[int] = 3

    def __init__(
        self,
        raw: str | None = None,
        *,
        newline: str = "\n",
        name: str | None = None,
        count: int | str | Word | None = None,
        address: str | Word | None = None,
        port: int | str | Word | None = None,
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        **options: Any,
    ) -> None:
        def words() -> list[str | Word]:
            if name is None or count is None or address is None:
                raise InvalidType("server-template: name (prefix), count and address are required")
            addr = join_address(address, port)
            number = count if isinstance(count, Word) else str(count)
            return [self.KEYWORD, name, number, addr, *self._option_words(options)]

        self._setup(
            raw,
            newline=newline,
            fields_given=name is not None or address is not None or bool(options),
            words=words,
            indent=indent,
            comment=comment,
        )

    @property
    def count(self) -> str:
        """How many servers: ``"5"`` or a range ``"1-5"``."""
        return self.values[2]


__all__ = ["DefaultServer", "Server", "ServerTemplate"]
