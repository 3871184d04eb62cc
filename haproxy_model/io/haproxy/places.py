"""Where a line of a configuration is: its number, the column of a word, its section.

HAProxy names a line by its number, or only by the proxy or server it is about
(``missing timeouts for backend 'app'``, ``'server app/s1' ...``); an
:class:`Index` of the user's :class:`Config` turns either into a place.
"""

from __future__ import annotations

import re

import attrs

from haproxy_model.model.config import Config
from haproxy_model.syntax.nodes import Directive, Line
from haproxy_model.syntax.positions import column_of_word
from haproxy_model.syntax.sections import Section

_SERVER_RE = re.compile(
    r"'server (?P<a>[^'/\s]+)/(?P<b>[^'\s]+)'|server '(?P<c>[^'/]+)/(?P<d>[^']+)'"
)
_PROXY_RE = re.compile(
    r"\b(?P<kind>frontend|backend|listen|listener|proxy|defaults|peers|resolvers|mailers"
    r"|userlist|cache|ring|program|http-errors|log-forward|fcgi-app|crt-store|log-profile)"
    r"\s+(?:section\s+)?'(?P<name>[^']+)'",
    re.IGNORECASE,
)
_KINDS: dict[str, tuple[str, ...]] = {
    "proxy": ("frontend", "backend", "listen", "defaults"),
    "listener": ("listen", "frontend"),
    "frontend": ("frontend", "listen"),
    "backend": ("backend", "listen"),
}


def section_title(section: Section) -> str:
    """A section's header words: ``"backend app"`` (comment and extra blanks left out)."""
    return " ".join(section.header.parts().words)


@attrs.define
class Index:
    """Line numbers, columns and sections of a Config."""

    cfg: Config
    lines: list[Line] = attrs.field(init=False)
    section_of: dict[int, Section] = attrs.field(init=False)
    line_of: dict[int, int] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.lines = list(self.cfg.lines())
        self.line_of = {id(node): n for n, node in enumerate(self.lines, 1)}
        self.section_of = {}
        for section in self.cfg.sections:
            for node in [section.header, *section.lines]:
                self.section_of[id(node)] = section

    def column(self, line: int, word: int = 0) -> int:
        """The 1-based column of word ``word`` (0: the keyword) of line ``line``."""
        if not 1 <= line <= len(self.lines):
            return 1
        node = self.lines[line - 1]
        return column_of_word(node, word) if isinstance(node, Directive) else 1

    def section(self, line: int) -> str | None:
        """The title of the section line ``line`` is in (``"backend app"``), or None."""
        if not 1 <= line <= len(self.lines):
            return None
        section = self.section_of.get(id(self.lines[line - 1]))
        return None if section is None else section_title(section)

    def find_section(self, kind: str, name: str) -> Section | None:
        keywords = _KINDS.get(kind.lower(), (kind.lower(),))
        for keyword in keywords:
            for section in self.cfg.sections:
                if section.keyword == keyword and section.name == name:
                    return section
        return None

    def locate(self, message: str) -> int:
        """The line a line-less message is about, from the names it quotes (0: unknown)."""
        m = _SERVER_RE.search(message)
        if m is not None:
            proxy, server = (m["a"], m["b"]) if m["a"] else (m["c"], m["d"])
            section = self.find_section("proxy", proxy)
            if section is not None:
                for d in section.directives():
                    args = d.args
                    if d.keyword in ("server", "server-template") and args and args[0] == server:
                        return self.line_of.get(id(d), 0)
                return self.line_of.get(id(section.header), 0)
        m = _PROXY_RE.search(message)
        if m is not None:
            section = self.find_section(m["kind"], m["name"])
            if section is not None:
                return self.line_of.get(id(section.header), 0)
        return 0


__all__ = ["Index", "section_title"]
