"""What :func:`~haproxy_model.analysis.explain.explain` answers: settings and their sources."""

from __future__ import annotations

from typing import Any

import attrs

from haproxy_model.analysis.explain.names import not_found
from haproxy_model.base.errors import InvalidType

__all__ = ["Explanation", "InheritedRule", "ServerExplanation", "Setting", "Source"]


@attrs.frozen
class Source:
    """Where a setting comes from: a line of a file, or HAProxy itself."""

    file: str | None = None
    line: int | None = None
    #: the section the line is written in: ``"defaults tuned"``, ``"backend be_app"``
    section: str | None = None
    haproxy_default: bool = False

    def to_dict(self) -> dict[str, Any]:
        if self.haproxy_default:
            return {"haproxy_default": True}
        return {"file": self.file, "line": self.line, "section": self.section}

    def __str__(self) -> str:
        if self.haproxy_default:
            return "HAProxy's default"
        return f"{self.section}  {self.file}:{self.line}"


#: the source of every value HAProxy uses when the configuration sets none
HAPROXY = Source(haproxy_default=True)


@attrs.frozen
class Setting:
    """One effective setting.

    ``keyword`` is the directive without its value (``timeout server``,
    ``option redispatch``, ``maxconn``); ``value`` the rest of the line as
    written (for options ``"enabled"``/``"disabled"``, their arguments in
    ``arguments``); ``"unset"`` with a ``warning`` where HAProxy warns that
    nothing is set.
    """

    keyword: str
    value: str
    source: Source
    arguments: str | None = None
    warning: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "keyword": self.keyword,
            "value": self.value,
            "source": self.source.to_dict(),
        }
        for key in ("arguments", "warning", "note"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@attrs.frozen
class InheritedRule:
    """A TCP/HTTP rule of a named defaults section, which its proxies run before their own."""

    text: str
    source: Source

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "source": self.source.to_dict()}


@attrs.frozen
class ServerExplanation:
    """A ``server`` line with its effective options (``default-server`` lines merged in)."""

    name: str
    address: str
    source: Source
    settings: tuple[Setting, ...]
    #: for a ``server-template`` line: its prefix and the first and last numbers it names
    #: (``name`` is then ``"web[1-3]"``)
    template: tuple[str, int, int] | None = None

    def setting(self, keyword: str) -> Setting | None:
        """The effective setting ``keyword`` (``"maxconn"``, ``"check"``...), if any."""
        return next((s for s in self.settings if s.keyword == keyword), None)

    def names(self) -> list[str]:
        """The server's name; for a template, every name it gives (``web1``, ``web2``...)."""
        if self.template is None:
            return [self.name]
        prefix, first, last = self.template
        return [f"{prefix}{n}" for n in range(first, last + 1)]

    def named(self, name: str) -> bool:
        if self.template is None:
            return name == self.name
        prefix, first, last = self.template
        number = name[len(prefix) :] if name.startswith(prefix) else ""
        return number.isdigit() and first <= int(number) <= last and str(int(number)) == number

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "address": self.address,
            "source": self.source.to_dict(),
            "settings": [s.to_dict() for s in self.settings],
        }
        if self.template is not None:
            prefix, first, last = self.template
            out["template"] = {"prefix": prefix, "first": first, "last": last}
        return out


@attrs.frozen
class Explanation:
    """A proxy's effective settings, each with where it comes from.

    ``defaults`` is the name of the defaults section the proxy takes its settings
    from (``""`` for an anonymous one, None for none); ``defaults_chain`` lists
    that section and those it takes its own from (``from``), nearest first.
    """

    proxy: str
    type: str
    source: Source
    defaults: str | None
    defaults_chain: tuple[Source, ...]
    disabled: bool
    settings: tuple[Setting, ...]
    servers: tuple[ServerExplanation, ...]
    #: rules of a named defaults section (HAProxy 2.5+), run before the proxy's own
    rules_from_defaults: tuple[InheritedRule, ...] = ()

    def setting(self, keyword: str) -> Setting | None:
        """The effective setting ``keyword`` (``"timeout server"``, ``"balance"``...), if any.

        For keywords that may stand several times (``log``, ``errorfile``...), the first.
        """
        return next((s for s in self.settings if s.keyword == keyword), None)

    def server(self, name: str) -> ServerExplanation:
        """The server ``name``; :class:`~haproxy_model.NotFound` (with a suggestion) if none."""
        if not isinstance(name, str):
            raise InvalidType(f"a server is named by a str, not {type(name).__name__}")
        for server in self.servers:
            if server.named(name):
                return server if server.template is None else attrs.evolve(server, name=name)
        raise not_found(f"{self.type} {self.proxy!r} has no server", name,
                        [n for s in self.servers for n in s.names()[:100]])  # fmt: skip

    def only(self, server: str) -> Explanation:
        """This explanation with one server only (:meth:`server` raises if there is none)."""
        return attrs.evolve(self, servers=(self.server(server),))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``haproxy-model explain --json``."""
        return {
            "proxy": self.proxy,
            "type": self.type,
            "defaults": self.defaults,
            "source": self.source.to_dict(),
            "defaults_chain": [s.to_dict() for s in self.defaults_chain],
            "disabled": self.disabled,
            "settings": [s.to_dict() for s in self.settings],
            "servers": [s.to_dict() for s in self.servers],
            "rules_from_defaults": [r.to_dict() for r in self.rules_from_defaults],
        }
