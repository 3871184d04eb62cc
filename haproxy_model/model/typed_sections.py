"""Typed sections: ``Global``, ``Defaults``, ``Frontend``, ``Backend``, ``Listen``, ...

Each is a :class:`~haproxy_model.syntax.sections.Section` (header, body, leading
comments) with typed attributes that read and edit its lines.  Built from
keyword arguments, a section renders conventionally: header at column 0,
four-space indent, settings in the order given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import attrs

from haproxy_model.base.errors import InvalidType
from haproxy_model.base.values import Time
from haproxy_model.model.directives import (
    DIRECTIVE_CLASSES,
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
from haproxy_model.model.settings import (
    FlagSetting,
    IntSetting,
    StrSetting,
    WordsSetting,
)
from haproxy_model.model.views import (
    LineList,
    OptionMap,
    OptionValue,
    ServerMap,
    TimeoutMap,
    add_line,
    insertion_point,
    remove_line,
    top_directives,
)
from haproxy_model.syntax.nodes import Directive, Line, Node
from haproxy_model.syntax.sections import Header, Section, UnknownSection
from haproxy_model.syntax.words import Word, check_name, text_of


@attrs.define(eq=False, repr=False, init=False)
class TypedSection(Section):
    """Base of the typed sections; ``KEYWORD`` is the section keyword."""

    KEYWORD: ClassVar[str] = ""
    NAMED: ClassVar[bool] = True

    def __init__(
        self,
        name: str | None = None,
        *,
        header: Header | None = None,
        body: list[Node] | None = None,
        leading: list[Line] | None = None,
        from_: str | None = None,
        directives: Iterable[Sequence[str | Word] | Directive] = (),
        **fields: Any,
    ) -> None:
        if header is not None:
            if name is not None or fields or from_ is not None:
                raise InvalidType("give either a parsed header or fields, not both")
            self.__attrs_init__(header, body if body is not None else [], leading or [])
            return
        if self.NAMED and name is None and self.KEYWORD != "defaults":
            raise InvalidType(f"a {self.KEYWORD} section needs a name")
        words = [self.KEYWORD]
        if name is not None:
            words.append(check_name(name, field=f"{self.KEYWORD} name"))
        if from_ is not None:
            words += ["from", from_]
        built = Header.from_values(words, indent="")
        assert isinstance(built, Header)
        self.__attrs_init__(built, body if body is not None else [], leading or [])
        for key, value in fields.items():
            if not hasattr(type(self), key) or key.startswith("_"):
                raise InvalidType(f"{type(self).__name__} has no field {key!r}")
            setattr(self, key, value)
        for line in directives:
            self.add_directive(line)

    @property
    def name(self) -> str | None:
        """The section's name."""
        return super().name

    def add_directive(self, line: Sequence[str | Word] | Directive) -> Directive:
        """Append a directive (a line object or its words) after the last directive.

        Words given as strings are quoted so that HAProxy reads them literally;
        a :class:`~haproxy_model.syntax.words.Word` is written as it is.
        """
        if not isinstance(line, Directive):
            values = list(line)
            keyword = text_of(values[0]) if values else ""
            line = DIRECTIVE_CLASSES.get(keyword, Directive).from_values(values)
        elif type(line) is Directive:
            # give it the typed class the parser would give it
            line = DIRECTIVE_CLASSES.get(line.keyword, Directive)(line.raw, newline=line.newline)
        index = insertion_point(self, line.keyword, avoid=(Server,))
        add_line(self, line, index)
        return line

    def find(self, keyword: str) -> list[Directive]:
        """The section's directives (top level) whose first word is ``keyword``."""
        return [d for d in top_directives(self) if d.keyword == keyword]

    def remove(self, line: Directive) -> None:
        """Remove a line of this section, with the comment block directly above it."""
        remove_line(self, line)


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

    @property
    def logs(self) -> LineList[Directive]:
        """The ``log`` lines."""
        return LineList(self, Directive, ("log",))

    @property
    def stats_sockets(self) -> list[Stats]:
        """The ``stats socket`` lines."""
        return [d for d in self.find("stats") if isinstance(d, Stats) and d.sub_keyword == "socket"]


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

    balance = StrSetting("balance")
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


@attrs.define(eq=False, repr=False, init=False)
class Resolvers(TypedSection):
    """A ``resolvers`` section (DNS)."""

    KEYWORD: ClassVar[str] = "resolvers"

    @property
    def timeouts(self) -> TimeoutMap:
        """``timeout`` lines by kind (resolve, retry)."""
        return TimeoutMap(self)


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


SECTION_CLASSES: dict[str, type[TypedSection]] = {
    cls.KEYWORD: cls
    for cls in (
        Global, Defaults, Frontend, Backend, Listen, Userlist, Peers, Resolvers, Mailers,
        Cache, Program, HttpErrors, Ring, LogForward, FcgiApp, CrtStore, Traces, Acme,
        LogProfile,
    )
}  # fmt: skip


def make_section(header: Header) -> Section:
    """The typed section for a parsed header (a plain Section for other keywords)."""
    cls = SECTION_CLASSES.get(header.keyword)
    if cls is None:
        return Section(header)
    return cls(header=header)


__all__ = [
    "SECTION_CLASSES",
    "Acme",
    "Backend",
    "Cache",
    "CrtStore",
    "Defaults",
    "FcgiApp",
    "Frontend",
    "Global",
    "HttpErrors",
    "Listen",
    "LogForward",
    "LogProfile",
    "Mailers",
    "Peers",
    "Program",
    "Proxy",
    "Resolvers",
    "Ring",
    "Traces",
    "TypedSection",
    "UnknownSection",
    "Userlist",
    "make_section",
]
