"""Keywords HAProxy removed, with the message and replacement HAProxy itself gives.

Every entry is refused by HAProxy 2.6 to 3.4 (checked against the sources:
``src/cfgparse-listen.c``, ``src/cfgparse-global.c``, ``src/proxy.c``), and by the
older versions from :attr:`Removed.refused_since` on: the validator reports it in its
default mode (``removed-keyword``, HM108), an error for such a version and a warning
for an older one (which still takes it, though its manual may no longer list it).  The
version HAProxy's message names is not always the first refusing it: 2.0 to 2.4 only
warn about ``option forceclose`` ("removed since 2.0") and 2.2 and 2.4 about
``option http-tunnel``.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = ["REMOVED", "Removed", "removed"]

PROXY = ("defaults", "frontend", "backend", "listen")


@attrs.frozen
class Removed:
    """A removed keyword: its first words, the sections it stood in, since when, and
    HAProxy's message (with the replacement)."""

    words: tuple[str, ...]
    sections: tuple[str, ...]
    since: str
    message: str
    #: the first version refusing it, when later than ``since`` (checked in the sources)
    refused: str = ""

    @property
    def refused_since(self) -> str:
        """The first version whose parser refuses the keyword."""
        return self.refused or self.since


def _req(name: str, use: str | None) -> Removed:
    tail = f" Use '{use}' instead." if use else ""
    return Removed(
        (name,),
        PROXY,
        "2.1",
        f"The '{name}' directive is not supported anymore since HAProxy 2.1.{tail}",
    )


REMOVED: tuple[Removed, ...] = (
    _req("reqrep", "http-request replace-path', 'http-request replace-uri' or "
         "'http-request replace-header"),
    _req("cliexp", "http-request replace-path', 'http-request replace-uri' or "
         "'http-request replace-header"),
    _req("reqirep", "http-request replace-header"),
    _req("reqdel", "http-request del-header"),
    _req("reqidel", "http-request del-header"),
    _req("reqdeny", "http-request deny"),
    _req("reqideny", "http-request deny"),
    _req("reqpass", None),
    _req("reqipass", None),
    _req("reqallow", "http-request allow"),
    _req("reqiallow", "http-request allow"),
    _req("reqtarpit", "http-request tarpit"),
    _req("reqitarpit", "http-request tarpit"),
    _req("reqadd", "http-request add-header"),
    _req("rsprep", "http-response replace-header"),
    _req("srvexp", "http-response replace-header"),
    _req("rspirep", "http-response replace-header"),
    _req("rspdel", "http-response del-header"),
    _req("rspidel", "http-response del-header"),
    _req("rspdeny", "http-response deny"),
    _req("rspideny", "http-response deny"),
    _req("rspadd", "http-response add-header"),
    Removed(("block",), PROXY, "2.1", "The 'block' directive is not supported anymore since "
            "HAProxy 2.1. Use 'http-request deny' which uses the exact same syntax."),
    Removed(("redispatch",), PROXY, "2.1", "keyword 'redispatch' directive is not supported "
            "anymore since HAProxy 2.1. Use 'option redispatch'."),
    Removed(("redisp",), PROXY, "2.1", "keyword 'redisp' directive is not supported anymore "
            "since HAProxy 2.1. Use 'option redispatch'."),
    Removed(("contimeout",), PROXY, "2.1", "the 'contimeout' directive is not supported "
            "anymore since HAProxy 2.1. Use 'timeout connect'."),
    Removed(("clitimeout",), PROXY, "2.1", "the 'clitimeout' directive is not supported "
            "anymore since HAProxy 2.1. Use 'timeout client'."),
    Removed(("srvtimeout",), PROXY, "2.1", "the 'srvtimeout' directive is not supported "
            "anymore since HAProxy 2.1. Use 'timeout server'."),
    Removed(("appsession",), PROXY, "1.6",
            "'appsession' is not supported anymore since HAProxy 1.6."),
    Removed(("monitor-net",), PROXY, "2.4", "'monitor-net' doesn't exist anymore. Please use "
            "'http-request return status 200 if { src <network> }' instead."),
    Removed(("grace",), PROXY, "2.5",
            "the 'grace' keyword is not supported any more since HAProxy version 2.5."),
    Removed(("option", "forceclose"), PROXY, "2.0", "option 'forceclose' is not supported any "
            "more since HAProxy 2.0, please just remove it, or use 'option httpclose' if "
            "absolutely needed.", "2.5"),
    Removed(("option", "http-tunnel"), PROXY, "2.1", "option 'http-tunnel' is not supported "
            "any more since HAProxy 2.1, please just remove it, it shouldn't be needed.", "2.5"),
    Removed(("option", "http_proxy"), PROXY, "2.5", "option 'http_proxy' is not supported any "
            "more since HAProxy 2.5: use 'http-request set-dst' and 'http-request set-uri' "
            "(and 'http-request do-resolve' for DNS)."),
    Removed(("option", "http-use-htx"), PROXY, "2.1", "unknown option 'http-use-htx': HTX is "
            "the only HTTP engine since HAProxy 2.1, remove the line.", "2.5"),
    Removed(("nbproc",), ("global",), "2.5", "nbproc is not supported any more since HAProxy "
            "2.5. Threads will automatically be used on multi-processor machines if available."),
    Removed(("tune.chksize",), ("global",), "1.9",
            "option 'tune.chksize' is not supported any more (tune.bufsize is used instead).",
            "2.5"),
    Removed(("debug",), ("global",), "2.3", "unknown keyword 'debug' in 'global' section: use "
            "'-d' on HAProxy's command line instead."),
)  # fmt: skip
"""Every removed keyword the validator knows."""


def removed(values: Sequence[str], section: str) -> Removed | None:
    """The removed keyword ``values`` starts with in a ``section`` section, or None
    (whatever the version: see :attr:`Removed.refused_since`).

    ``no option X`` counts as ``option X``.
    """
    words = list(values[1:] if values[:1] == ["no"] else values)
    for entry in REMOVED:
        if section in entry.sections and tuple(words[: len(entry.words)]) == entry.words:
            return entry
    return None
