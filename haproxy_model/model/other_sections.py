"""The sections other than proxies: ``global``, ``userlist``, ``peers``, ``resolvers``, ..."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from haproxy_model.model.assign import LinesField, MappingField, assign_servers
from haproxy_model.model.directives import Server, Stats
from haproxy_model.model.section_base import TypedSection
from haproxy_model.model.settings import FlagSetting, IntSetting, StrSetting
from haproxy_model.model.views import ServerMap, TimeoutMap
from haproxy_model.syntax.nodes import Directive


class Global(TypedSection):
    """The ``global`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "global"
    NAMED: ClassVar[bool] = False

    maxconn = IntSetting("maxconn")
    maxconnrate = IntSetting("maxconnrate")
    maxsessrate = IntSetting("maxsessrate")
    maxsslrate = IntSetting("maxsslrate")
    nbthread = IntSetting("nbthread")
    daemon = FlagSetting("daemon")
    master_worker = FlagSetting("master-worker")
    user = StrSetting("user")
    group = StrSetting("group")
    chroot = StrSetting("chroot")
    pidfile = StrSetting("pidfile")

    logs = LinesField(Directive, "log", "The ``log`` lines.")

    @property
    def stats_sockets(self) -> list[Stats]:
        """The ``stats socket`` lines."""
        return [d for d in self.find("stats") if isinstance(d, Stats) and d.sub_keyword == "socket"]


class Userlist(TypedSection):
    """A ``userlist`` section (users and groups for HTTP authentication)."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "userlist"


class Peers(TypedSection):
    """A ``peers`` section (stick-table replication)."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "peers"

    @property
    def servers(self) -> ServerMap:
        """The ``server`` lines (peers) by name."""
        return ServerMap(self)

    @servers.setter
    def servers(self, servers: Iterable[Server]) -> None:
        assign_servers(ServerMap(self), servers, "servers")


class Resolvers(TypedSection):
    """A ``resolvers`` section (DNS)."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "resolvers"

    timeouts = MappingField(TimeoutMap, "``timeout`` lines by kind (resolve, retry).")


class Mailers(TypedSection):
    """A ``mailers`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "mailers"


class Cache(TypedSection):
    """A ``cache`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "cache"


class Program(TypedSection):
    """A ``program`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "program"


class HttpErrors(TypedSection):
    """An ``http-errors`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "http-errors"


class Ring(TypedSection):
    """A ``ring`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "ring"


class LogForward(TypedSection):
    """A ``log-forward`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "log-forward"


class FcgiApp(TypedSection):
    """A ``fcgi-app`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "fcgi-app"


class CrtStore(TypedSection):
    """A ``crt-store`` section (HAProxy 3.0+)."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "crt-store"


class Traces(TypedSection):
    """The ``traces`` section (HAProxy 3.1+)."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "traces"
    NAMED: ClassVar[bool] = False


class Acme(TypedSection):
    """An ``acme`` section (HAProxy 3.2+)."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "acme"


class LogProfile(TypedSection):
    """A ``log-profile`` section (HAProxy 3.1+)."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "log-profile"


__all__ = [
    "Acme",
    "Cache",
    "CrtStore",
    "FcgiApp",
    "Global",
    "HttpErrors",
    "LogForward",
    "LogProfile",
    "Mailers",
    "Peers",
    "Program",
    "Resolvers",
    "Ring",
    "Traces",
    "Userlist",
]
