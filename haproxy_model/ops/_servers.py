"""What a configuration says of its servers and limits, as HAProxy runs them.

The effective settings come from :func:`haproxy_model.analysis.explain.explain`
(``default-server`` lines and ``defaults`` merged in, HAProxy's own defaults
where nothing is said), so ``plan`` and ``drift`` compare what HAProxy runs, not
how the file spells it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import attrs

from haproxy_model.analysis.explain import Explanation, ServerExplanation, explain
from haproxy_model.base.errors import Error
from haproxy_model.model.config import Config
from haproxy_model.model.config_views import SectionMap
from haproxy_model.syntax.sections import Section

#: ``balance`` algorithms whose weights change at runtime, and that take dynamic servers
#: (management guide, "add server"; hash algorithms too with ``hash-type consistent``).
DYNAMIC_ALGORITHMS = frozenset({"roundrobin", "leastconn", "first", "random"})

#: the server keywords ``add server`` takes (HAProxy 2.6 management guide)
ADD_SERVER_KEYWORDS = frozenset(
    [
        "agent-addr",
        "agent-check",
        "agent-inter",
        "agent-port",
        "agent-send",
        "allow-0rtt",
        "alpn",
        "addr",
        "backup",
        "ca-file",
        "check",
        "check-alpn",
        "check-proto",
        "check-send-proxy",
        "check-sni",
        "check-ssl",
        "check-via-socks4",
        "ciphers",
        "ciphersuites",
        "crl-file",
        "crt",
        "disabled",
        "downinter",
        "enabled",
        "error-limit",
        "fall",
        "fastinter",
        "force-sslv3",
        "force-tlsv10",
        "force-tlsv11",
        "force-tlsv12",
        "force-tlsv13",
        "id",
        "inter",
        "maxconn",
        "maxqueue",
        "minconn",
        "no-ssl-reuse",
        "no-sslv3",
        "no-tlsv10",
        "no-tlsv11",
        "no-tlsv12",
        "no-tlsv13",
        "no-tls-tickets",
        "npn",
        "observe",
        "on-error",
        "on-marked-down",
        "on-marked-up",
        "pool-low-conn",
        "pool-max-conn",
        "pool-purge-delay",
        "port",
        "proto",
        "proxy-v2-options",
        "rise",
        "send-proxy",
        "send-proxy-v2",
        "send-proxy-v2-ssl",
        "send-proxy-v2-ssl-cn",
        "slowstart",
        "sni",
        "source",
        "ssl",
        "ssl-max-ver",
        "ssl-min-ver",
        "tfo",
        "tls-tickets",
        "track",
        "usesrc",
        "verify",
        "verifyhost",
        "weight",
        "ws",
    ]
)

#: flags explain reports as ``enabled``/``disabled``
_SWITCHES = {"enabled", "disabled"}


@attrs.frozen
class ServerView:
    """One server as HAProxy runs it: address, port and its effective options."""

    backend: str
    name: str
    host: str
    port: int | None
    #: effective options: keyword -> value (flags: ``""`` or ``enabled``)
    options: dict[str, str]
    #: the options the file sets (not HAProxy's defaults), for ``add server``
    explicit: dict[str, str]
    template: bool = False

    @property
    def weight(self) -> int:
        return _int(self.options.get("weight"), 1)

    @property
    def maxconn(self) -> int:
        return _int(self.options.get("maxconn"), 0)

    @property
    def disabled(self) -> bool:
        return "disabled" in self.options and self.options["disabled"] != "disabled"

    @property
    def is_ip(self) -> bool:
        return is_ip(self.host)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def split_address(text: str) -> tuple[str, int | None]:
    """``10.0.0.1:80`` -> ``("10.0.0.1", 80)``; ``[::1]:80`` -> ``("::1", 80)``; a port that
    is not a plain number (``+1``, ``${PORT}``) gives None."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    return host, int(port) if port.isdigit() else None


class Views:
    """The servers and limits of one configuration, computed once per proxy."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self._explained: dict[str, Explanation | None] = {}

    def explained(self, kind: str, name: str) -> Explanation | None:
        key = f"{kind}/{name}"
        if key not in self._explained:
            try:
                self._explained[key] = explain(self.cfg, key)
            except Error:
                self._explained[key] = None
        return self._explained[key]

    def setting(self, kind: str, name: str, keyword: str) -> str | None:
        found = self.explained(kind, name)
        setting = found.setting(keyword) if found is not None else None
        return setting.value if setting is not None else None

    def dynamic(self, kind: str, name: str) -> bool:
        """Whether the backend's algorithm is dynamic (runtime weights, ``add server``)."""
        balance = (self.setting(kind, name, "balance") or "roundrobin").split(" ")[0]
        if balance in DYNAMIC_ALGORITHMS:
            return True
        return (self.setting(kind, name, "hash-type") or "").split()[:1] == ["consistent"]

    def servers(self, kind: str, name: str) -> dict[str, ServerView]:
        found = self.explained(kind, name)
        if found is None:
            return {}
        out: dict[str, ServerView] = {}
        for server in found.servers:
            for server_name in server.names():
                out[server_name] = _view(name, server_name, server)
        return out

    def server(self, kind: str, name: str, server: str) -> ServerView | None:
        return self.servers(kind, name).get(server)

    def proxies(self, *kinds: str) -> list[tuple[str, str]]:
        """(kind, name) of every named section of these kinds, in file order."""
        out: list[tuple[str, str]] = []
        for kind, sections in (
            ("frontend", self.cfg.frontends),
            ("backend", self.cfg.backends),
            ("listen", self.cfg.listens),
        ):
            if kind in kinds:
                out += [(kind, section_name) for section_name in sections]
        return out

    def section(self, kind: str, name: str) -> Section | None:
        """The frontend, backend or listen section ``name``."""
        sections: SectionMap[Any]
        if kind == "frontend":
            sections = self.cfg.frontends
        elif kind == "backend":
            sections = self.cfg.backends
        else:
            sections = self.cfg.listens
        return sections.get(name)

    def frontend_maxconn(self, kind: str, name: str) -> int | None:
        """The proxy's own ``maxconn`` (None when only HAProxy's default applies)."""
        found = self.explained(kind, name)
        setting = found.setting("maxconn") if found is not None else None
        if setting is None or setting.source.haproxy_default:
            return None
        return _int(setting.value, 0)

    def global_maxconn(self) -> int | None:
        glob = self.cfg.global_
        value = glob.maxconn if glob is not None else None
        return value if isinstance(value, int) else None


def _view(backend: str, name: str, server: ServerExplanation) -> ServerView:
    host, port = split_address(server.address)
    options = {s.keyword: s.value for s in server.settings}
    explicit = {s.keyword: s.value for s in server.settings if not s.source.haproxy_default}
    return ServerView(backend, name, host, port, options, explicit, server.template is not None)


def option_words(view: ServerView) -> list[str] | None:
    """The options of ``add server`` that recreate the server, or None if one cannot be."""
    words: list[str] = []
    for keyword, value in view.explicit.items():
        if keyword not in ADD_SERVER_KEYWORDS:
            return None
        if keyword == "disabled":
            continue
        if value in _SWITCHES or value == "":
            if value != "disabled":
                words.append(keyword)
            continue
        if any(c.isspace() for c in value) or not value:
            return None
        words += [keyword, value]
    return words
