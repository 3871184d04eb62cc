"""``bind`` lines."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from haproxy_model.model.addresses import join_address, port_value, split_address
from haproxy_model.model.option_fields import FlagField, IntField, StrField
from haproxy_model.model.options_line import OptionsLine
from haproxy_model.nodes import DEFAULT_INDENT
from haproxy_model.words import Word


@attrs.define(eq=False, repr=False, init=False)
class Bind(OptionsLine):
    """``bind <address>[:port_range] [, ...] [options...]``."""

    OPTION_KIND: ClassVar[str] = "bind"
    POSITIONAL: ClassVar[int] = 1

    def __init__(
        self,
        raw: str | None = None,
        *,
        newline: str = "\n",
        address: str | Word | None = None,
        port: int | str | Word | None = None,
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        **options: Any,
    ) -> None:
        self._setup(
            raw,
            newline=newline,
            fields_given=address is not None or bool(options),
            words=lambda: ["bind", join_address(address or "", port), *self._option_words(options)],
            indent=indent,
            comment=comment,
        )

    @property
    def addresses(self) -> list[str]:
        """Each address of the comma-separated list, port included."""
        return [a for a in self.values[1].split(",") if a] if len(self.values) > 1 else []

    @property
    def address(self) -> str:
        """The first address without its port."""
        addrs = self.addresses
        return split_address(addrs[0])[0] if addrs else ""

    @property
    def port(self) -> int | str | None:
        """The first address's port or port range."""
        addrs = self.addresses
        return port_value(split_address(addrs[0])[1]) if addrs else None

    ssl = FlagField("ssl")
    accept_proxy = FlagField("accept-proxy")
    transparent = FlagField("transparent")
    v4v6 = FlagField("v4v6")
    crt = StrField("crt")
    alpn = StrField("alpn")
    name = StrField("name")
    maxconn = IntField("maxconn")
    mode = StrField("mode")
    verify = StrField("verify")


__all__ = ["Bind"]
