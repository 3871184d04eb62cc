"""``server``, ``default-server`` and ``server-template`` lines."""

from __future__ import annotations

from typing import Any, ClassVar, overload

from haproxy_model.base.errors import InvalidType
from haproxy_model.model.fields import NameArg, WordArg
from haproxy_model.model.host_port import AddressHost, AddressPort
from haproxy_model.model.option_fields import FlagField, IntField, StrField, TimeField
from haproxy_model.model.options_line import OptionsLine
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.words import Word


class Server(OptionsLine):
    """``server <name> <address>[:port] [options...]``.

    Built from keyword arguments: ``Server(name="s1", address="10.0.0.1", port=80,
    check=True, inter="2s")``, each one set through its attribute's setter.
    """

    __slots__ = ()

    KEYWORDS = ("server",)
    POSITIONAL: ClassVar[int] = 2

    name = NameArg(1)
    # the address is the last positional word (2 for server, 3 for server-template)
    address = AddressHost(required=True)
    port = AddressPort()

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
    rise = IntField("rise", minimum=1)
    fall = IntField("fall", minimum=1)
    maxconn = IntField("maxconn")
    maxqueue = IntField("maxqueue")
    minconn = IntField("minconn")
    weight = IntField("weight", maximum=256)
    error_limit = IntField("error-limit", minimum=1)
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


class DefaultServer(Server):
    """``default-server [options...]``: defaults for the servers of a proxy (no name,
    address or port: reading them gives ``""``, ``""`` and None)."""

    __slots__ = ()

    KEYWORDS = ("default-server",)
    POSITIONAL: ClassVar[int] = 0


class CountArg(WordArg):
    """How many servers a template makes: an int, or a range text ``"1-5"``."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> CountArg: ...
    @overload
    def __get__(self, obj: Directive, owner: type[Any]) -> str: ...
    def __get__(self, obj: Directive | None, owner: type[Any]) -> CountArg | str:
        return self if obj is None else self.text(obj)

    def __set__(self, obj: Directive, value: int | str | Word) -> None:
        self.write(obj, value)

    def render(self, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return value
        raise InvalidType(f"{self.attr}: expected an int or a range text, got {value!r}")


class ServerTemplate(Server):
    """``server-template <prefix> <num | range> <fqdn>[:port] [options...]``."""

    __slots__ = ()

    KEYWORDS = ("server-template",)
    POSITIONAL: ClassVar[int] = 3

    #: how many servers: ``"5"`` or a range ``"1-5"``
    count = CountArg(2)


__all__ = ["DefaultServer", "Server", "ServerTemplate"]
