"""haproxy-model: HAProxy configuration as code.

A lossless parser (``dumps(parse(text)) == text``, byte for byte) and a typed
object model of ``haproxy.cfg``.

The public names are imported on first use (``hm.parse``, ``from haproxy_model
import Config``), so ``import haproxy_model`` costs next to nothing and a
command imports only what it needs; type checkers see the imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from haproxy_model.analysis.explain import Explanation, explain
    from haproxy_model.analysis.graph import Graph, graph
    from haproxy_model.analysis.graph import render as render_graph
    from haproxy_model.analysis.route import Request, Route, route
    from haproxy_model.analysis.validation import validate
    from haproxy_model.base.diagnostics import Diagnostic
    from haproxy_model.base.errors import (
        Error,
        FileError,
        InvalidType,
        InvalidValue,
        MissingFile,
        NotFound,
        OperationFailed,
        ParseError,
    )
    from haproxy_model.base.files import FileChangedError
    from haproxy_model.base.values import Size, Time
    from haproxy_model.io import haproxy as haproxy
    from haproxy_model.io.convert import from_dict, to_dict
    from haproxy_model.io.runtime import HAProxyRuntimeError, RuntimeClient
    from haproxy_model.model.api import dump, dumps, load, load_many, parse
    from haproxy_model.model.config import Config
    from haproxy_model.model.directives import (
        Acl,
        Bind,
        DefaultServer,
        Errorfile,
        HttpCheck,
        Log,
        Option,
        Rule,
        Server,
        ServerTemplate,
        Stats,
        Stick,
        StickTable,
        Timeout,
        UseBackend,
    )
    from haproxy_model.model.typed_sections import (
        Acme,
        Backend,
        Cache,
        CrtStore,
        Defaults,
        FcgiApp,
        Frontend,
        Global,
        HttpErrors,
        Listen,
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
    from haproxy_model.ops import Drift, Plan, apply, drift, plan
    from haproxy_model.syntax.nodes import (
        Blank,
        Branch,
        Comment,
        Conditional,
        Directive,
        Line,
        Marker,
        Message,
        ScopeLine,
        iter_lines,
    )
    from haproxy_model.syntax.sections import Header, Section, UnknownSection
    from haproxy_model.syntax.words import Word, quote

#: Where the public names live (module: names), imported by :func:`__getattr__` when first read.
_ORIGINS: dict[str, str] = {
    "haproxy_model.analysis.explain": "Explanation explain",
    "haproxy_model.analysis.graph": "Graph graph",
    "haproxy_model.analysis.route": "Request Route route",
    "haproxy_model.analysis.validation": "validate",
    "haproxy_model.base.diagnostics": "Diagnostic",
    "haproxy_model.base.errors": (
        "Error FileError InvalidType InvalidValue MissingFile NotFound OperationFailed ParseError"
    ),
    "haproxy_model.base.files": "FileChangedError",
    "haproxy_model.base.values": "Size Time",
    "haproxy_model.io.convert": "from_dict to_dict",
    "haproxy_model.io.runtime": "HAProxyRuntimeError RuntimeClient",
    "haproxy_model.model.api": "dump dumps load load_many parse",
    "haproxy_model.model.config": "Config",
    "haproxy_model.ops": "Drift Plan apply drift plan",
    "haproxy_model.model.directives": (
        "Acl Bind DefaultServer Errorfile HttpCheck Log Option Rule Server "
        "ServerTemplate Stats Stick StickTable Timeout UseBackend"
    ),
    "haproxy_model.model.typed_sections": (
        "Acme Backend Cache CrtStore Defaults FcgiApp Frontend Global "
        "HttpErrors Listen LogForward LogProfile Mailers Peers Program "
        "Resolvers Ring Traces Userlist"
    ),
    "haproxy_model.syntax.nodes": (
        "Blank Branch Comment Conditional Directive Line Marker Message ScopeLine iter_lines"
    ),
    "haproxy_model.syntax.sections": "Header Section UnknownSection",
    "haproxy_model.syntax.words": "Word quote",
}

#: Public names that have another name in their module: name -> (module, attribute).
_RENAMED: dict[str, tuple[str, str]] = {"render_graph": ("haproxy_model.analysis.graph", "render")}

#: Public submodules: ``hm.haproxy`` is :mod:`haproxy_model.io.haproxy`.
_SUBMODULES: dict[str, str] = {"haproxy": "haproxy_model.io.haproxy"}

#: name -> (module, attribute) of every public name
_WHERE: dict[str, tuple[str, str]] = {
    **{name: (mod, name) for mod, names in _ORIGINS.items() for name in names.split()},
    **_RENAMED,
}

__all__ = [
    "Acl",
    "Acme",
    "Backend",
    "Bind",
    "Blank",
    "Branch",
    "Cache",
    "Comment",
    "Conditional",
    "Config",
    "CrtStore",
    "DefaultServer",
    "Defaults",
    "Diagnostic",
    "Directive",
    "Drift",
    "Error",
    "Errorfile",
    "Explanation",
    "FcgiApp",
    "FileChangedError",
    "FileError",
    "Frontend",
    "Global",
    "Graph",
    "HAProxyRuntimeError",
    "Header",
    "HttpCheck",
    "HttpErrors",
    "InvalidType",
    "InvalidValue",
    "Line",
    "Listen",
    "Log",
    "LogForward",
    "LogProfile",
    "Mailers",
    "Marker",
    "Message",
    "MissingFile",
    "NotFound",
    "OperationFailed",
    "Option",
    "ParseError",
    "Peers",
    "Plan",
    "Program",
    "Request",
    "Resolvers",
    "Ring",
    "Route",
    "Rule",
    "RuntimeClient",
    "ScopeLine",
    "Section",
    "Server",
    "ServerTemplate",
    "Size",
    "Stats",
    "Stick",
    "StickTable",
    "Time",
    "Timeout",
    "Traces",
    "UnknownSection",
    "UseBackend",
    "Userlist",
    "Word",
    "apply",
    "drift",
    "dump",
    "dumps",
    "explain",
    "from_dict",
    "graph",
    "iter_lines",
    "load",
    "load_many",
    "parse",
    "plan",
    "quote",
    "render_graph",
    "route",
    "to_dict",
    "validate",
]


if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all attribute

    def __getattr__(name: str) -> Any:
        """Import a public name on first use (PEP 562) and keep it in the module's namespace."""
        if name in _SUBMODULES:
            value: Any = importlib.import_module(_SUBMODULES[name])
        elif name in _WHERE:
            module, attribute = _WHERE[name]
            value = getattr(importlib.import_module(module), attribute)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_WHERE, *_SUBMODULES})
