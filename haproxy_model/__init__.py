"""haproxy-model: HAProxy configuration as code.

A lossless parser (``dumps(parse(text)) == text``, byte for byte) and a typed
object model of ``haproxy.cfg``.
"""

from haproxy_model import haproxy as haproxy
from haproxy_model.api import dump, dumps, load, parse
from haproxy_model.config import Config
from haproxy_model.convert import from_dict, to_dict
from haproxy_model.diagnostics import Diagnostic
from haproxy_model.errors import ParseError
from haproxy_model.files import FileChangedError
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
from haproxy_model.nodes import (
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
from haproxy_model.runtime import HAProxyRuntimeError, RuntimeClient
from haproxy_model.sections import Header, Section, UnknownSection
from haproxy_model.validation import validate
from haproxy_model.values import Size, Time
from haproxy_model.words import Word, quote

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
    "Errorfile",
    "FcgiApp",
    "FileChangedError",
    "Frontend",
    "Global",
    "HAProxyRuntimeError",
    "Header",
    "HttpCheck",
    "HttpErrors",
    "Line",
    "Listen",
    "Log",
    "LogForward",
    "LogProfile",
    "Mailers",
    "Marker",
    "Message",
    "Option",
    "ParseError",
    "Peers",
    "Program",
    "Resolvers",
    "Ring",
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
    "dump",
    "dumps",
    "from_dict",
    "iter_lines",
    "load",
    "parse",
    "quote",
    "to_dict",
    "validate",
]
