"""``bind`` lines."""

from __future__ import annotations

from typing import ClassVar

from haproxy_model.model.host_port import AddressHost, AddressPort
from haproxy_model.model.option_fields import FlagField, IntField, StrField
from haproxy_model.model.options_line import OptionsLine


class Bind(OptionsLine):
    """``bind <address>[:port_range] [, ...] [options...]``.

    ``address`` and ``port`` read the first address of the list, and set it on a
    line that has one (``Bind(address="0.0.0.0", port=443, ssl=True, crt=...)``).
    """

    __slots__ = ()

    KEYWORDS = ("bind",)
    OPTION_KIND: ClassVar[str] = "bind"
    POSITIONAL: ClassVar[int] = 1

    address = AddressHost(listed=True)
    port = AddressPort(listed=True)

    @property
    def addresses(self) -> list[str]:
        """Each address of the comma-separated list, port included."""
        return [a for a in self.values[1].split(",") if a] if len(self.values) > 1 else []

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
