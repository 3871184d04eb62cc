"""Addresses of ``server`` and ``bind`` lines: host and port in one word."""

from __future__ import annotations

import re

from haproxy_model.words import Word, concat, cut, text_of

# a port, a range, an offset, or a variable reference (``${PORT-8080}`` too)
_PORT = re.compile(r"[0-9]*(?:-[0-9]+)?|[+-][0-9]+|\$\{?[A-Za-z_][A-Za-z0-9_]*(?:-[^}:]*)?\}?")


def split_address(text: str) -> tuple[str, str | None]:
    """``"10.0.0.1:80"`` -> ``("10.0.0.1", "80")``; ``"[::1]:80"``; no port -> None."""
    if text.startswith("["):
        end = text.find("]")
        if end > 0:
            rest = text[end + 1 :]
            return text[1:end], rest[1:] if rest.startswith(":") else None
    host, sep, port = text.rpartition(":")
    if (
        sep
        and (host.count(":") == 0 or host.startswith(("ipv6@", "ipv4@")))
        and _PORT.fullmatch(port)
    ):
        return host, port
    return text, None


def join_address(host: str | Word, port: int | str | Word | None) -> str | Word:
    """The inverse of :func:`split_address` (a Word part makes the result a Word)."""
    if port is None:
        return host
    text = text_of(host)
    bracket = ":" in text and "@" not in text and not text.startswith("[")
    parts = ["[", host, "]"] if bracket else [host]
    return concat(*parts, ":", port if isinstance(port, Word) else str(port), field="address")


def address_parts(word: Word) -> tuple[str | Word, str | Word | None]:
    """An address word's host and port, each ready to be set again (references kept)."""
    value = word.value
    host, port = split_address(value)
    start = 1 if value.startswith("[") and value[1 : 1 + len(host)] == host else 0
    return (
        cut(word, start, start + len(host)),
        None if port is None else cut(word, len(value) - len(port)),
    )


def port_value(port: str | None) -> int | str | None:
    if port is None or port == "":
        return None
    return int(port) if port.isdigit() else port


__all__ = ["address_parts", "join_address", "port_value", "split_address"]
