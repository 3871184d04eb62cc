"""The HTTP request a route is asked for, and its state while the rules change it.

A :class:`Request` is what the caller gives: method, request target as sent
(``/search?q=1``), headers, client address, TLS or not.  A :class:`State` is
the copy the walk works on: ``set-path``, ``set-header`` and friends change it.
"""

from __future__ import annotations

import ipaddress
import re

import attrs

from haproxy_model.analysis.route.matching import Opaque, Sample, Unknown
from haproxy_model.base.errors import InvalidValue

__all__ = ["Request", "State", "parse_header"]

# RFC 9110 token characters: a method or a header name.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


def _check_method(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not _TOKEN.match(value):
        raise InvalidValue(f"bad method {value!r}: an HTTP token such as GET or POST")


def _check_target(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise InvalidValue(f"bad path {value!r}: the request target as sent, e.g. /search?q=1")
    if not value.isprintable() or not value.isascii():
        raise InvalidValue(f"bad path {value!r}: printable ASCII only (percent-encode the rest)")
    if "#" in value:
        raise InvalidValue(f"bad path {value!r}: a fragment (#...) is not sent in a request")


def _check_src(_: object, __: object, value: str | None) -> None:
    if value is None:
        return
    try:
        if not isinstance(value, str):
            raise TypeError
        ipaddress.ip_address(value)
    except (ValueError, TypeError):
        raise InvalidValue(f"bad source address {value!r}: an IPv4 or IPv6 address") from None


def _headers(value: object) -> tuple[tuple[str, str], ...]:
    if isinstance(value, dict):
        value = list(value.items())
    if not isinstance(value, (list, tuple)):
        raise InvalidValue("headers: a list of (name, value) pairs or 'Name: value' strings")
    out: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, str):
            out.append(parse_header(item))
        elif (
            isinstance(item, (list, tuple))
            and len(item) == 2
            and all(isinstance(x, str) for x in item)
        ):
            out.append(parse_header(f"{item[0]}: {item[1]}"))
        else:
            raise InvalidValue(f"bad header {item!r}: a (name, value) pair or 'Name: value'")
    return tuple(out)


def parse_header(text: str) -> tuple[str, str]:
    """``"Name: value"`` -> ``("Name", "value")``; anything else is refused."""
    if not isinstance(text, str):
        raise InvalidValue(f"bad header {text!r}: expected 'Name: value'")
    name, colon, value = text.partition(":")
    if not colon or not _TOKEN.match(name):
        raise InvalidValue(f"bad header {text!r}: expected 'Name: value'")
    value = value.strip(" \t")
    if any(c in value for c in "\r\n\x00") or not value.isprintable():
        raise InvalidValue(f"bad header {text!r}: the value has control characters")
    return name, value


@attrs.frozen
class Request:
    """An HTTP/1.1 request as a client sends it.

    ``path`` is the request target as sent, query string included; ``host``
    sets the Host header (first).  ``src`` is the client address; left unset,
    a rule that reads it is undecided.  ``sni`` defaults to the host name (without
    port, in lower case, as clients send it) when ``ssl`` is set.
    """

    method: str = attrs.field(default="GET", validator=_check_method)
    path: str = attrs.field(default="/", validator=_check_target)
    host: str | None = None
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_headers)
    src: str | None = attrs.field(default=None, validator=_check_src)
    ssl: bool = attrs.field(default=False, converter=bool)
    sni: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.host is not None:
            if not isinstance(self.host, str) or not self.host:
                raise InvalidValue(f"bad host {self.host!r}")
            parse_header(f"Host: {self.host}")
            if any(name.lower() == "host" for name, _ in self.headers):
                raise InvalidValue("the Host header is given twice (host and a Host header)")
        if self.sni is not None and not isinstance(self.sni, str):
            raise InvalidValue(f"bad SNI {self.sni!r}")

    def all_headers(self) -> list[tuple[str, str]]:
        """The headers as sent: Host first when ``host`` is set."""
        head = [("Host", self.host)] if self.host is not None else []
        return head + list(self.headers)


@attrs.define
class State:
    """The request as the rules see it at one point of the walk."""

    method: str
    target: str
    headers: list[tuple[str, str | Opaque]]
    src: str | Opaque | None
    ssl: bool
    sni: str | None
    frontend: str = ""
    variables: dict[str, Sample | Opaque] = attrs.field(factory=dict)

    @classmethod
    def of(cls, request: Request, frontend: str = "") -> State:
        sni = request.sni
        if sni is None and request.ssl and request.host:
            sni = _host_only(request.host).lower()  # as clients send it
        return cls(
            request.method,
            request.path,
            list(request.all_headers()),
            request.src,
            request.ssl,
            sni if request.ssl else None,
            frontend,
        )

    # -- the parts of the target ------------------------------------------------
    def _path_span(self) -> tuple[int, int] | None:
        """Where the path is in the target (origin or absolute form), else None."""
        target = self.target
        start = 0
        if not target.startswith("/"):
            scheme = target.find("://")
            if scheme <= 0:
                return None
            slash = target.find("/", scheme + 3)
            if slash < 0:
                return None
            start = slash
        end = target.find("?", start)
        return start, (len(target) if end < 0 else end)

    @property
    def path(self) -> str | None:
        span = self._path_span()
        return None if span is None else self.target[span[0] : span[1]]

    @property
    def query(self) -> str | None:
        mark = self.target.find("?")
        return None if mark < 0 else self.target[mark + 1 :]

    def set_path(self, path: str) -> None:
        span = self._path_span()
        if span is None:
            self.target = path
        else:
            self.target = self.target[: span[0]] + path + self.target[span[1] :]

    def set_query(self, query: str) -> None:
        mark = self.target.find("?")
        base = self.target if mark < 0 else self.target[:mark]
        self.target = base + ("?" + query if query else "")

    # -- headers ---------------------------------------------------------------
    def header_lines(self, name: str) -> list[str]:
        """Every occurrence of ``name`` (undecided when a rule set it to what is not known)."""
        out: list[str] = []
        for n, v in self.headers:
            if n.lower() == name.lower():
                if isinstance(v, Opaque):
                    raise Unknown(v.reason)
                out.append(v)
        return out

    def header_values(self, name: str) -> list[str]:
        """Each comma-separated value of every occurrence of ``name``, in order."""
        return [part for line in self.header_lines(name) for part in split_values(line)]

    def set_header(self, name: str, value: str | Opaque) -> None:
        self.del_header(name)
        self.headers.append((name, value))

    def del_header(self, name: str) -> None:
        self.headers = [(n, v) for n, v in self.headers if n.lower() != name.lower()]


def split_values(line: str) -> list[str]:
    """A header line's comma-separated values (commas in quoted strings kept), trimmed."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(current).strip(" \t"))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip(" \t"))
    return parts


def _host_only(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
