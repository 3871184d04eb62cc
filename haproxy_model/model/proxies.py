"""The proxy sections: ``defaults``, ``frontend``, ``backend`` and ``listen``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

import attrs

from haproxy_model.base.values import Time
from haproxy_model.keywords.choices import is_balance_algorithm
from haproxy_model.model.directives import (
    Acl,
    Bind,
    DefaultServer,
    Errorfile,
    HttpCheck,
    Log,
    Rule,
    Server,
    Stats,
    Stick,
    StickTable,
    UseBackend,
)
from haproxy_model.model.section_base import TypedSection
from haproxy_model.model.settings import ChoiceSetting, IntSetting, StrSetting, WordsSetting
from haproxy_model.model.views import (
    LineList,
    OptionMap,
    OptionValue,
    ServerMap,
    TimeoutMap,
    add_line,
    insertion_point,
    top_directives,
)
from haproxy_model.syntax.sections import Section
from haproxy_model.syntax.words import Word


@attrs.define(eq=False, repr=False, init=False)
class Proxy(TypedSection):
    """What defaults, frontend, backend and listen sections share."""

    mode = StrSetting("mode")
    maxconn = IntSetting("maxconn")
    retries = IntSetting("retries")
    retry_on = WordsSetting("retry-on")
    log_format = StrSetting("log-format")

    @property
    def timeouts(self) -> TimeoutMap:
        """``timeout`` lines by kind."""
        return TimeoutMap(self)

    @timeouts.setter
    def timeouts(self, values: Mapping[str, Time | str | int | Word]) -> None:
        view = TimeoutMap(self)
        for kind, value in values.items():
            view[kind] = value

    @property
    def options(self) -> OptionMap:
        """``option`` lines by name."""
        return OptionMap(self)

    @options.setter
    def options(self, values: Mapping[str, OptionValue]) -> None:
        view = OptionMap(self)
        for name, value in values.items():
            view[name] = value

    @property
    def logs(self) -> LineList[Log]:
        """The ``log`` lines."""
        return LineList(self, Log, ("log",))

    @property
    def http_checks(self) -> LineList[HttpCheck]:
        """The ``http-check`` lines in order."""
        return LineList(self, HttpCheck, ("http-check",))

    @property
    def stick_table(self) -> StickTable | None:
        """The proxy's ``stick-table`` line, if any."""
        found = [d for d in top_directives(self) if isinstance(d, StickTable)]
        return found[-1] if found else None

    @property
    def sticks(self) -> LineList[Stick]:
        """The ``stick`` rules in order."""
        return LineList(self, Stick, ("stick",))

    @property
    def errorfiles(self) -> LineList[Errorfile]:
        """The ``errorfile`` lines."""
        return LineList(self, Errorfile, ("errorfile",))

    @property
    def stats(self) -> LineList[Stats]:
        """The ``stats`` lines."""
        return LineList(self, Stats, ("stats",))

    @property
    def acls(self) -> LineList[Acl]:
        """The ``acl`` lines."""
        return LineList(self, Acl, ("acl",))

    @property
    def http_request(self) -> LineList[Rule]:
        """The ``http-request`` rules in order."""
        return LineList(self, Rule, ("http-request",))

    @property
    def http_response(self) -> LineList[Rule]:
        """The ``http-response`` rules in order."""
        return LineList(self, Rule, ("http-response",))

    @property
    def http_after_response(self) -> LineList[Rule]:
        """The ``http-after-response`` rules in order."""
        return LineList(self, Rule, ("http-after-response",))

    @property
    def tcp_request(self) -> LineList[Rule]:
        """The ``tcp-request`` rules in order."""
        return LineList(self, Rule, ("tcp-request",))

    @property
    def tcp_response(self) -> LineList[Rule]:
        """The ``tcp-response`` rules in order."""
        return LineList(self, Rule, ("tcp-response",))


class _BackendSide:
    """Attributes of sections that have servers (backend, listen, defaults)."""

    __slots__ = ()

    balance = ChoiceSetting(
        "balance",
        is_balance_algorithm,
        "roundrobin, static-rr, leastconn, first, source, uri, "
        "url_param, hash, random(<draws>), hdr(<name>), rdp-cookie(<name>), log-hash, sticky",
    )
    fullconn = IntSetting("fullconn")
    http_reuse = StrSetting("http-reuse")

    @property
    def servers(self) -> ServerMap:
        """The ``server`` lines by name (``server-template`` lines: :attr:`server_templates`)."""
        assert isinstance(self, Section)
        return ServerMap(self)

    @servers.setter
    def servers(self, servers: Iterable[Server]) -> None:
        assert isinstance(self, Section)
        view = ServerMap(self)
        for server in servers:
            view.add(server)

    @property
    def server_templates(self) -> ServerMap:
        """The ``server-template`` lines by prefix."""
        assert isinstance(self, Section)
        return ServerMap(self, templates=True)

    @property
    def default_server(self) -> DefaultServer | None:
        """The ``default-server`` line, if any."""
        assert isinstance(self, Section)
        found = [d for d in top_directives(self) if isinstance(d, DefaultServer)]
        return found[-1] if found else None

    @default_server.setter
    def default_server(self, line: DefaultServer | None) -> None:
        assert isinstance(self, TypedSection)
        current = self.default_server
        if line is None:
            if current is not None:
                self.remove(current)
        elif current is not None:
            current.set_values([w.settable() for w in line.words])
        else:
            add_line(self, line, insertion_point(self, "default-server", avoid=(Server,)))


class _FrontendSide:
    """Attributes of sections that accept connections (frontend, listen)."""

    __slots__ = ()

    default_backend = StrSetting("default_backend")

    @property
    def binds(self) -> LineList[Bind]:
        """The ``bind`` lines."""
        assert isinstance(self, Section)
        return LineList(self, Bind, ("bind",))

    @binds.setter
    def binds(self, binds: Iterable[Bind]) -> None:
        assert isinstance(self, Section)
        view = LineList(self, Bind, ("bind",))
        for bind in binds:
            view.append(bind)

    @property
    def use_backends(self) -> LineList[UseBackend]:
        """The ``use_backend`` rules in order."""
        assert isinstance(self, Section)
        return LineList(self, UseBackend, ("use_backend",))


@attrs.define(eq=False, repr=False, init=False)
class Defaults(_BackendSide, _FrontendSide, Proxy):
    """A ``defaults`` section (optionally named, optionally ``from`` another)."""

    KEYWORD: ClassVar[str] = "defaults"
    NAMED: ClassVar[bool] = False


@attrs.define(eq=False, repr=False, init=False)
class Frontend(_FrontendSide, Proxy):
    """A ``frontend`` section."""

    KEYWORD: ClassVar[str] = "frontend"


@attrs.define(eq=False, repr=False, init=False)
class Backend(_BackendSide, Proxy):
    """A ``backend`` section."""

    KEYWORD: ClassVar[str] = "backend"


@attrs.define(eq=False, repr=False, init=False)
class Listen(_BackendSide, _FrontendSide, Proxy):
    """A ``listen`` section (frontend and backend in one)."""

    KEYWORD: ClassVar[str] = "listen"


__all__ = ["Backend", "Defaults", "Frontend", "Listen", "Proxy"]
