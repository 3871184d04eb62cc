"""Reading ``haproxy -c``'s messages: each one a diagnostic placed in the user's file.

HAProxy prints ``[ALERT]``/``[WARNING]``/``[NOTICE]``/``[DIAG]`` lines, some with
a position (``parsing [file:12] :``), some naming a proxy or a server only, some
followed by ``   | ...`` continuation lines; it read a temporary copy, whose
name is replaced by the user's.
"""

from __future__ import annotations

import os
import re

import attrs

from haproxy_model.base.diagnostics import Diagnostic, Severity
from haproxy_model.model.config import Config
from haproxy_model.syntax.nodes import Directive, Line
from haproxy_model.syntax.positions import column_of_word
from haproxy_model.syntax.sections import Section

_LABELS: dict[str, tuple[str, Severity]] = {
    "ALERT": ("haproxy-alert", "error"),
    "WARNING": ("haproxy-warning", "warning"),
    "NOTICE": ("haproxy-notice", "info"),
    "DIAG": ("haproxy-diag", "info"),
}

# "[ALERT]    (1234) : msg"; before 2.4 a date stood before the pid: "[ALERT] 123/104512 (1234) :"
_TAG_RE = re.compile(
    r"^\[(?P<label>ALERT|WARNING|NOTICE|DIAG)\]\s*(?:\d+/\d+\s+)?\(\d+\)\s*:\s?(?P<body>.*)$"
)
_CONT_RE = re.compile(r"^\s+\|\s?(?P<text>.*)$")
_PREFIX_RE = re.compile(r"^config\s*:\s*")
# "parsing [file:12] : ", "parsing [file:12]: ", "[file:12] : " (2.5+ message context)
_LOC_RE = re.compile(r"^(?:parsing\s*)?\[(?P<file>[^\[\]]*):(?P<line>\d+)\]\s*:?\s*")
_NOISE = (
    "haproxy version is ",
    "path to executable is ",
    "Fatal errors found in configuration.",
    "Error(s) found in configuration file",
)
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
_NO_LISTENER = "Configuration file has no error but will not start"
_QUIET_LINES = ("Configuration file is valid", "Warnings were found.")


@attrs.define
class TempNames:
    """Replaces the temporary file's (and folder's) name by the user's in text."""

    temp_path: str
    folder: str
    filename: str

    def replace(self, text: str) -> str:
        tmp_dir = os.path.dirname(self.temp_path)
        pairs = [(self.temp_path, self.filename), (tmp_dir, self.folder)]
        real = os.path.realpath(self.temp_path)
        if real != self.temp_path:
            pairs.insert(1, (real, self.filename))
            pairs.append((os.path.dirname(real), self.folder))
        for old, new in pairs:
            text = text.replace(old, new)
        return text


@attrs.define
class _Index:
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

    def column(self, line: int) -> int:
        if not 1 <= line <= len(self.lines):
            return 1
        node = self.lines[line - 1]
        return column_of_word(node, 0) if isinstance(node, Directive) else 1

    def section(self, line: int) -> str | None:
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


def section_title(section: Section) -> str:
    """A section's header words: ``"backend app"`` (comment and extra blanks left out)."""
    return " ".join(section.header.parts().words)


def parse_output(
    output: str,
    *,
    temp_path: str,
    filename: str,
    cfg: Config | None = None,
    folder: str | None = None,
) -> list[Diagnostic]:
    """Turn ``haproxy -c`` output into diagnostics placed in the user's file.

    ``temp_path`` is the file HAProxy read; positions in it (``parsing
    [temp:12]``, ``(temp:12)``) become positions in ``filename``, and its name
    is replaced by ``filename`` in messages.  Messages without a position that
    name a proxy (``missing timeouts for backend 'app'``) or a server
    (``'server app/s1'``) are placed on that section's header or that server's
    line when ``cfg`` is given.  Continuation lines (``   | ...``) join their
    message with newlines.  HAProxy's start-up notices (version, path) and its
    closing summary lines are left out.  Other mentions of the temporary
    folder become ``folder`` (default: the folder of ``filename``).
    """
    names = TempNames(temp_path, folder or user_folder(filename, os.getcwd()), filename)
    ours = {temp_path, os.path.realpath(temp_path), os.path.basename(temp_path)}
    index = _Index(cfg) if cfg is not None else None

    entries: list[tuple[str, str, list[str]]] = []
    for raw in output.splitlines():
        tag = _TAG_RE.match(raw)
        if tag is not None:
            entries.append((tag["label"], tag["body"].rstrip(), []))
            continue
        cont = _CONT_RE.match(raw)
        if entries and (cont is not None or (raw[:1] in (" ", "\t") and raw.strip())):
            entries[-1][2].append(cont["text"].rstrip() if cont is not None else raw.strip())

    out: list[Diagnostic] = []
    for label, body, more in entries:
        body = _PREFIX_RE.sub("", body, count=1)
        if body.startswith(_NOISE):
            continue
        code, severity = _LABELS[label]
        where_file, line = filename, 0
        loc = _LOC_RE.match(body)
        if loc is not None:
            body = body[loc.end() :]
            if loc["file"] in ours:
                line = int(loc["line"])
            else:  # a message about another file HAProxy read
                where_file, line = loc["file"], int(loc["line"])
        else:
            line = _inline_line(body, ours)
        message = names.replace("\n".join([body, *more]))
        if line == 0 and index is not None and where_file == filename:
            line = index.locate(message)
        column, section = 0, None
        if line:
            column = 1
            if index is not None and where_file == filename:
                column, section = index.column(line), index.section(line)
        out.append(
            Diagnostic(
                code=code,
                severity=severity,
                message=message,
                filename=where_file,
                line=line,
                column=column,
                section=section,
            )
        )
    return out


def _inline_line(body: str, ours: set[str]) -> int:
    """The first ``(temp:12)`` position quoted inside a message, or 0."""
    for name in sorted(ours, key=len, reverse=True):
        m = re.search(rf"\(?{re.escape(name)}:(\d+)\)?", body)
        if m is not None:
            return int(m[1])
    return 0


def exit_diagnostics(
    raw: str,
    returncode: int,
    found: list[Diagnostic],
    filename: str,
    names: TempNames,
) -> list[Diagnostic]:
    """Diagnostics for what the exit status says that the tagged lines did not."""
    untagged = [
        line.strip()
        for line in raw.splitlines()
        if line.strip()
        and _TAG_RE.match(line) is None
        and _CONT_RE.match(line) is None
        and not line.startswith((" ", "\t"))
    ]
    extra: list[Diagnostic] = []
    for text in untagged:
        if text.startswith(_NO_LISTENER):
            extra.append(
                Diagnostic("haproxy-notice", "info", names.replace(text), filename=filename)
            )
    if returncode in (0, 2) or any(d.severity == "error" for d in found):
        return extra
    rest = [t for t in untagged if not t.startswith((_NO_LISTENER, *_QUIET_LINES))]
    if returncode < 0:
        why = f"haproxy was killed by signal {-returncode}"
    else:
        why = f"haproxy exited with status {returncode}"
    detail = names.replace("\n".join(rest))
    message = f"{why}: {detail}" if detail else why
    extra.append(Diagnostic("haproxy-alert", "error", message, filename=filename))
    return extra


def user_folder(filename: str, fallback: str) -> str:
    """The folder of the user's file, or ``fallback`` when ``filename`` names no file."""
    if filename.startswith("<") and filename.endswith(">"):
        return fallback
    return os.path.dirname(os.path.abspath(filename))


__all__ = ["TempNames", "exit_diagnostics", "parse_output", "section_title", "user_folder"]
