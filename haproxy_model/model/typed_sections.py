"""Typed sections: ``Global``, ``Defaults``, ``Frontend``, ``Backend``, ``Listen``, ...

Each is a :class:`~haproxy_model.syntax.sections.Section` (header, body, leading
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
from haproxy_model.model.section_base import SECTION_CLASSES, TypedSection, make_section
from haproxy_model.syntax.sections import UnknownSection

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
