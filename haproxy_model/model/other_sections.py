"""The sections other than proxies: ``global``, ``userlist``, ``peers``, ``resolvers``, ..."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

import attrs

from haproxy_model.base.values import Time
from haproxy_model.model.assign import LinesField, assign_mapping, assign_servers
from haproxy_model.model.directives import Server, Stats
from haproxy_model.model.section_base import TypedSection
from haproxy_model.model.settings import FlagSetting, IntSetting, StrSetting
from haproxy_model.model.views import ServerMap, TimeoutMap
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.words import Word


@attrs.define(eq=False, repr=False, init=False)
class Global(TypedSection):
    """The ``global`` section."""

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


@attrs.define(eq=False, repr=False, init=False)
class Userlist(TypedSection):
    """A ``userlist`` section (users and groups for HTTP authentication)."""

    KEYWORD: ClassVar[str] = "userlist"


@attrs.define(eq=False, repr=False, init=False)
class Peers(TypedSection):
    """A ``peers`` section (stick-table replication)."""

    KEYWORD: ClassVar[str] = "peers"

    @property
    def servers(self) -> ServerMap:
        """The ``server`` lines (peers) by name."""
        return ServerMap(self)

    @servers.setter
    def servers(self, servers: Iterable[Server]) -> None:
        assign_servers(ServerMap(self), servers, "servers")


@attrs.define(eq=False, repr=False, init=False)
class Resolvers(TypedSection):
    """A ``resolvers`` section (DNS)."""

    KEYWORD: ClassVar[str] = "resolvers"

    @property
    def timeouts(self) -> TimeoutMap:
        """``timeout`` lines by kind (resolve, retry)."""
        return TimeoutMap(self)

    @timeouts.setter
    def timeouts(self, values: Mapping[str, Time | str | int | Word]) -> None:
        assign_mapping(TimeoutMap(self), values, "timeouts")


@attrs.define(eq=False, repr=False, init=False)
class Mailers(TypedSection):
    """A ``mailers`` section."""

    KEYWORD: ClassVar[str] = "mailers"


@attrs.define(eq=False, repr=False, init=False)
class Cache(TypedSection):
    """A ``cache`` section."""

    KEYWORD: ClassVar[str] = "cache"


@attrs.define(eq=False, repr=False, init=False)
class Program(TypedSection):
    """A ``program`` section."""

    KEYWORD: ClassVar[str] = "program"


@attrs.define(eq=False, repr=False, init=False)
class HttpErrors(TypedSection):
    """An ``http-errors`` section."""

    KEYWORD: ClassVar[str] = "http-errors"


@attrs.define(eq=False, repr=False, init=False)
class Ring(TypedSection):
    """A ``ring`` section."""

    KEYWORD: ClassVar[str] = "ring"


@attrs.define(eq=False, repr=False, init=False)
class LogForward(TypedSection):
    """A ``log-forward`` section."""

    KEYWORD: ClassVar[str] = "log-forward"


@attrs.define(eq=False, repr=False, init=False)
class FcgiApp(TypedSection):
    """A ``fcgi-app`` section."""

    KEYWORD: ClassVar[str] = "fcgi-app"


@attrs.define(eq=False, repr=False, init=False)
class CrtStore(TypedSection):
    """A ``crt-store`` section (HAProxy 3.0+)."""

    KEYWORD: ClassVar[str] = "crt-store"


@attrs.define(eq=False, repr=False, init=False)
class Traces(TypedSection):
    """The ``traces`` section (HAProxy 3.1+)."""

    KEYWORD: ClassVar[str] = "traces"
    NAMED: ClassVar[bool] = False


@attrs.define(eq=False, repr=False, init=False)
class Acme(TypedSection):
    """An ``acme`` section (HAProxy 3.2+)."""

    KEYWORD: ClassVar[str] = "acme"


@attrs.define(eq=False, repr=False, init=False)
class LogProfile(TypedSection):
    """A ``log-profile`` section (HAProxy 3.1+)."""

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
