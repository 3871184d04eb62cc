"""A build profile: what one HAProxy binary was built with, read from ``haproxy -vv``.

Some keywords, sample fetches and converters exist only in binaries built with a
build option (``USE_OPENSSL``, ``USE_LUA``, ``USE_QUIC``, ``USE_WURFL``...): the
tables record which (:mod:`.first_words`, :mod:`.samples`).  Without a profile the
validator accepts them; with one it knows::

    >>> from haproxy_model.keywords.build import Build
    >>> b = Build.from_vv("HAProxy version 2.6.12-1 2023/03/28\\n"
    ...                   "Feature list : +OPENSSL -LUA -WURFL\\n")
    >>> b.version, b.branch, b.has("OPENSSL"), b.has("USE_LUA"), b.has("SPOE")
    ('2.6.12-1', '2.6', True, False, True)

``haproxy -vv``'s "Feature list" line names every ``USE_*`` option of the build
system with ``+`` (set) or ``-`` (not set); an option it does not name (``USE_FCGI``,
``USE_SPOE``: parts of every build of some versions) counts as present, so that a
profile never refuses what the binary may have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from haproxy_model.base.errors import InvalidValue

__all__ = ["Build"]

_VERSION = re.compile(r"^(?:HAProxy|HA-Proxy) version (\S+)", re.MULTILINE)
_FEATURES = re.compile(r"^Feature list\s*:(.*(?:\n[ \t]+[+-].*)*)", re.MULTILINE)
_FEATURE = re.compile(r"([+-])([A-Za-z0-9_]+)")
_BUILT_WITH = re.compile(r"^Built with (.*?)\.?\s*$", re.MULTILINE)


def _name(option: str) -> str:
    """``"USE_OPENSSL"`` -> ``"OPENSSL"``; ``"OPENSSL"`` unchanged."""
    return option[4:] if option.startswith("USE_") else option


@attrs.frozen
class Build:
    """The build options of one binary: those set and those not set, its version and
    its "Built with ..." lines."""

    enabled: frozenset[str]
    disabled: frozenset[str]
    version: str = ""
    built_with: tuple[str, ...] = ()

    @classmethod
    def from_vv(cls, text: str) -> Build:
        """Read ``haproxy -vv`` output; :class:`InvalidValue` for anything else."""
        features = _FEATURES.search(text)
        if features is None:
            raise InvalidValue(
                "not the output of 'haproxy -vv': no 'Feature list : +OPENSSL -LUA ...' line"
            )
        pairs = _FEATURE.findall(features.group(1))
        if not pairs:
            raise InvalidValue("not the output of 'haproxy -vv': an empty 'Feature list'")
        version = _VERSION.search(text)
        return cls(
            enabled=frozenset(name for sign, name in pairs if sign == "+"),
            disabled=frozenset(name for sign, name in pairs if sign == "-"),
            version=version.group(1) if version else "",
            built_with=tuple(_BUILT_WITH.findall(text)),
        )

    @property
    def branch(self) -> str:
        """``"2.6.12-1+deb12u4"`` -> ``"2.6"`` (``""`` when the version is unknown)."""
        m = re.match(r"\d+\.\d+", self.version)
        return m.group(0) if m else ""

    def has(self, option: str) -> bool:
        """Whether the build has ``option`` (``"LUA"`` or ``"USE_LUA"``); an option the
        Feature list does not name counts as present."""
        return _name(option) not in self.disabled

    def meets(self, options: Iterable[str]) -> bool:
        """Whether the build meets every option (``"!USE_X"``: must not have X)."""
        for option in options:
            wanted = _name(option.lstrip("!"))
            if option.startswith("!"):
                if wanted in self.enabled:
                    return False
            elif wanted in self.disabled:
                return False
        return True

    def missing(self, options: Iterable[str]) -> list[str]:
        """The options of ``options`` the build lacks (``USE_`` names)."""
        return [f"USE_{_name(o)}" for o in options if not o.startswith("!") and not self.has(o)]

    def describe(self) -> str:
        """``"HAProxy 2.6.12-1+deb12u4"`` (or ``"the build profile"``)."""
        return f"HAProxy {self.version}" if self.version else "the build profile"
