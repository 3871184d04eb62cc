"""Where the runtime API listens: Unix, abstract, TCP and master-CLI addresses."""

from __future__ import annotations

import os
import re

import attrs

from haproxy_model.base.errors import InvalidType, InvalidValue


@attrs.frozen
class RuntimeAddress:
    """Where the runtime API listens: a Unix ``path`` or a TCP ``host``/``port``."""

    path: str | None = None
    host: str | None = None
    port: int | None = None
    master: bool = False

    def __str__(self) -> str:
        prefix = "master@" if self.master else ""
        if self.path is not None:
            if self.path.startswith("\0"):
                return f"{prefix}abns@{self.path[1:]}"
            return f"{prefix}unix@{self.path}"
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host
        return f"{prefix}tcp@{host}:{self.port}"


_TCP_PREFIXES = ("tcp@", "tcp4@", "tcp6@", "ipv4@", "ipv6@")
_HOST_PORT_RE = re.compile(
    r"(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:/\s]*|[0-9A-Fa-f:.]+)):(?P<port>\d+)"
)


def parse_address(address: str | os.PathLike[str], *, master: bool = False) -> RuntimeAddress:
    """Read an address as HAProxy writes them (see the module documentation)."""
    text = os.fspath(address) if isinstance(address, (str, os.PathLike)) else None
    if not isinstance(text, str):
        raise InvalidType(
            f"runtime API address: expected a str or a path (a socket, host:port...), "
            f"got {address!r}"
        )
    if text.startswith("master@"):
        master = True
        text = text[len("master@") :]
    if not text:
        raise InvalidValue("empty runtime API address")
    if text.startswith("unix@"):
        return RuntimeAddress(path=text[len("unix@") :], master=master)
    if text.startswith("abns@"):
        return RuntimeAddress(path="\0" + text[len("abns@") :], master=master)
    for prefix in _TCP_PREFIXES:
        if text.startswith(prefix):
            return _tcp_address(text[len(prefix) :], address, master)
    if "/" not in text and _HOST_PORT_RE.fullmatch(text):
        return _tcp_address(text, address, master)
    return RuntimeAddress(path=text, master=master)


def _tcp_address(text: str, original: object, master: bool) -> RuntimeAddress:
    m = _HOST_PORT_RE.fullmatch(text)
    if m is None:
        raise InvalidValue(f"{original!r}: expected host:port")
    host = m["v6"] or m["host"] or "127.0.0.1"
    port = int(m["port"])
    if not 0 < port < 65536:
        raise InvalidValue(f"{original!r}: port {port} out of range")
    return RuntimeAddress(host=host, port=port, master=master)


# -- argument validation -------------------------------------------------------------
