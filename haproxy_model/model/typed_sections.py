"""Typed sections: ``Global``, ``Defaults``, ``Frontend``, ``Backend``, ``Listen``, ...

Each is a :class:`~haproxy_model.sections.Section` (header, body, leading
comments) with typed attributes that read and edit its lines.  Built from
keyword arguments, a section renders conventionally: header at column 0,
four-space indent, settings in the order given.
"""

from __future__ import annotations

from haproxy_model.model.other_sections import (
    Acme,
    Cache,
    CrtStore,
    FcgiApp,
    Global,
    HttpErrors,
    LogForward,
    LogProfile,
    Mailers,
    Peers,
    Program,
    Resolvers,
    Ring,
    Traces,
    Userlist,
)
from haproxy_model.model.proxies import Backend, Defaults, Frontend, Listen, Proxy
from haproxy_model.model.section_base import TypedSection
from haproxy_model.sections import Header, Section, UnknownSection

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
