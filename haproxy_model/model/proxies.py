"""The proxy sections: ``defaults``, ``frontend``, ``backend`` and ``listen``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from haproxy_model.keywords.choices import is_balance_algorithm
from haproxy_model.model.assign import (
    LinesField,
    MappingField,
    assign_line,
    assign_servers,
)
from haproxy_model.model.directives import (
    Acl,
    Bind,
    DefaultServer,
    Errorfile,
    HttpCheck,
    Log,
    Rule,
    Server,
    ServerTemplate,
    Stats,
    Stick,
    StickTable,
    UseBackend,
)
from haproxy_model.model.section_base import TypedSection
from haproxy_model.model.settings import ChoiceSetting, IntSetting, StrSetting, WordsSetting
from haproxy_model.model.views import (
    OptionMap,
    ServerMap,
    TimeoutMap,
    top_directives,
)
from haproxy_model.syntax.sections import Section


class Proxy(TypedSection):
    """What defaults, frontend, backend and listen sections share."""

    __slots__ = ()

    mode = StrSetting("mode")
    maxconn = IntSetting("maxconn")
    retries = IntSetting("retries")
    retry_on = WordsSetting("retry-on")
    log_format = StrSetting("log-format")

    timeouts = MappingField(TimeoutMap, "``timeout`` lines by kind.")
    options = MappingField(OptionMap, "``option`` lines by name.")
    logs = LinesField(Log, "log", "The ``log`` lines.")
    http_checks = LinesField(HttpCheck, "http-check", "The ``http-check`` lines in order.")

    @property
    def stick_table(self) -> StickTable | None:
        """The proxy's ``stick-table`` line, if any."""
        found = [d for d in top_directives(self) if isinstance(d, StickTable)]
        return found[-1] if found else None

    @stick_table.setter
    def stick_table(self, line: StickTable | None) -> None:
        assign_line(self, StickTable, line, "stick_table", "a StickTable line")

    sticks = LinesField(Stick, "stick", "The ``stick`` rules in order.")
    errorfiles = LinesField(Errorfile, "errorfile", "The ``errorfile`` lines.")
    stats = LinesField(Stats, "stats", "The ``stats`` lines.")
    acls = LinesField(Acl, "acl", "The ``acl`` lines.")
    http_request = LinesField(Rule, "http-request", "The ``http-request`` rules in order.")
    http_response = LinesField(Rule, "http-response", "The ``http-response`` rules in order.")
    http_after_response = LinesField(
        Rule, "http-after-response", "The ``http-after-response`` rules in order."
    )
    tcp_request = LinesField(Rule, "tcp-request", "The ``tcp-request`` rules in order.")
    tcp_response = LinesField(Rule, "tcp-response", "The ``tcp-response`` rules in order.")


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
        assign_servers(ServerMap(self), servers, "servers")

    @property
    def server_templates(self) -> ServerMap:
        """The ``server-template`` lines by prefix."""
        assert isinstance(self, Section)
        return ServerMap(self, templates=True)

    @server_templates.setter
    def server_templates(self, servers: Iterable[ServerTemplate]) -> None:
        assert isinstance(self, Section)
        assign_servers(ServerMap(self, templates=True), servers, "server_templates")

    @property
    def default_server(self) -> DefaultServer | None:
        """The ``default-server`` line, if any."""
        assert isinstance(self, Section)
        found = [d for d in top_directives(self) if isinstance(d, DefaultServer)]
        return found[-1] if found else None

    @default_server.setter
    def default_server(self, line: DefaultServer | None) -> None:
        assert isinstance(self, Section)
        what = "a DefaultServer line (hm.DefaultServer(check=True, inter='2s'...))"
        assign_line(self, DefaultServer, line, "default_server", what)


class _FrontendSide:
    """Attributes of sections that accept connections (frontend, listen)."""

    __slots__ = ()

    default_backend = StrSetting("default_backend")

    binds = LinesField(Bind, "bind", "The ``bind`` lines.")
    use_backends = LinesField(UseBackend, "use_backend", "The ``use_backend`` rules in order.")


class Defaults(_BackendSide, _FrontendSide, Proxy):
    """A ``defaults`` section (optionally named, optionally ``from`` another)."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "defaults"
    NAMED: ClassVar[bool] = False


class Frontend(_FrontendSide, Proxy):
    """A ``frontend`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "frontend"


class Backend(_BackendSide, Proxy):
    """A ``backend`` section."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "backend"


class Listen(_BackendSide, _FrontendSide, Proxy):
    """A ``listen`` section (frontend and backend in one)."""

    __slots__ = ()

    KEYWORD: ClassVar[str] = "listen"


__all__ = ["Backend", "Defaults", "Frontend", "Listen", "Proxy"]
