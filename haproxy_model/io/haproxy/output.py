"""Reading ``haproxy -c``'s messages: each one a diagnostic placed in the user's files.

HAProxy prints ``[ALERT]``/``[WARNING]``/``[NOTICE]``/``[DIAG]`` lines, some with
a position (``parsing [file:12] :``), some naming a proxy or a server only, some
followed by ``   | ...`` continuation lines.  It read temporary copies (one a
:class:`Source`), whose names are replaced by the user's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import attrs

from haproxy_model.base.diagnostics import Diagnostic, Severity
from haproxy_model.io.haproxy.places import Index
from haproxy_model.model.config import Config

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
_NO_LISTENER = "Configuration file has no error but will not start"
_QUIET_LINES = ("Configuration file is valid", "Warnings were found.")
# With -dr, a server whose name does not resolve starts disabled: a note, not a problem.
_UNRESOLVED_RE = re.compile(r"could not resolve address '[^']*', disabling server")


@attrs.frozen
class Source:
    """One configuration file HAProxy read.

    ``temp_path`` is the copy HAProxy read, ``filename`` the user's name for it,
    ``cfg`` its parsed :class:`Config` (None when it does not parse: messages
    then keep their line and column 1), ``folder`` what mentions of the copy's
    folder become (default: the folder of ``filename``).
    """

    temp_path: str
    filename: str
    cfg: Config | None = None
    folder: str = ""


class Names:
    """Replaces the temporary files' (and their folders') names by the user's in text."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self._pairs: dict[str, str] = {}
        for source in sources:
            folder = source.folder or user_folder(source.filename, os.getcwd())
            for temp in (source.temp_path, os.path.realpath(source.temp_path)):
                self._pairs.setdefault(temp, source.filename)
                self._pairs.setdefault(os.path.dirname(temp), folder)
        self._pairs.pop("", None)
        longest_first = sorted(self._pairs, key=len, reverse=True)
        self._re = re.compile("|".join(map(re.escape, longest_first))) if longest_first else None

    def replace(self, text: str) -> str:
        if self._re is None:
            return text
        return self._re.sub(lambda m: self._pairs[m.group()], text)


def parse_output(
    output: str,
    *,
    temp_path: str = "",
    filename: str = "<string>",
    cfg: Config | None = None,
    folder: str | None = None,
    sources: Sequence[Source] = (),
) -> list[Diagnostic]:
    """Turn ``haproxy -c`` output into diagnostics placed in the user's files.

    ``sources`` are the files HAProxy read (for one file, ``temp_path``,
    ``filename``, ``cfg`` and ``folder`` say the same).  Positions in a copy
    (``parsing [temp:12]``, ``(temp:12)``) become positions in its user's file,
    and the copy's name is replaced by the user's in messages.  Messages
    without a position that name a proxy (``missing timeouts for backend
    'app'``) or a server (``'server app/s1'``) are placed on that section's
    header or that server's line, in whichever file holds it.  Continuation
    lines (``   | ...``) join their message with newlines.  HAProxy's start-up
    notices (version, path) and its closing summary lines are left out; a
    server ``-dr`` disabled because its name does not resolve is a note
    (``haproxy-unresolved``).  Mentions of a copy's folder become the source's
    ``folder``.
    """
    if not sources:
        sources = [Source(temp_path, filename, cfg, folder or "")]
    names = Names(sources)
    which: dict[str, int] = {}
    for number, source in enumerate(sources):
        for name in (source.temp_path, os.path.realpath(source.temp_path)):
            which.setdefault(name, number)
    for number, source in enumerate(sources):
        which.setdefault(os.path.basename(source.temp_path), number)
    which.pop("", None)
    indexes = [Index(s.cfg) if s.cfg is not None else None for s in sources]
    inline = _inline_re(which)

    out: list[Diagnostic] = []
    for label, body, more in _entries(output):
        body = _PREFIX_RE.sub("", body, count=1)
        if body.startswith(_NOISE):
            continue
        code, severity = _LABELS[label]
        ours: int | None = 0
        where_file, line = sources[0].filename, 0
        loc = _LOC_RE.match(body)
        if loc is not None:
            body = body[loc.end() :]
            ours, line = which.get(loc["file"]), int(loc["line"])
            if ours is None:  # a message about another file HAProxy read
                where_file = loc["file"]
        elif inline is not None and (m := inline.search(body)) is not None:
            ours, line = which[m["name"]], int(m["line"])
        message = names.replace("\n".join([body, *more]))
        if line == 0:
            ours, line = _locate(indexes, message)
        column, section = (1 if line else 0), None
        if ours is not None:
            where_file = sources[ours].filename
            index = indexes[ours]
            if line and index is not None:
                column, section = index.column(line), index.section(line)
        if severity != "error" and _UNRESOLVED_RE.search(message):
            code, severity = "haproxy-unresolved", "info"
        out.append(Diagnostic(code, severity, message, where_file, line, column, section))
    return out


def _entries(output: str) -> list[tuple[str, str, list[str]]]:
    """HAProxy's tagged messages: (label, first line, continuation lines)."""
    entries: list[tuple[str, str, list[str]]] = []
    for raw in output.splitlines():
        tag = _TAG_RE.match(raw)
        if tag is not None:
            entries.append((tag["label"], tag["body"].rstrip(), []))
            continue
        cont = _CONT_RE.match(raw)
        if entries and (cont is not None or (raw[:1] in (" ", "\t") and raw.strip())):
            entries[-1][2].append(cont["text"].rstrip() if cont is not None else raw.strip())
    return entries


def _inline_re(which: dict[str, int]) -> re.Pattern[str] | None:
    """A ``(temp:12)`` position quoted inside a message (the leftmost one)."""
    if not which:
        return None
    alternatives = "|".join(map(re.escape, sorted(which, key=len, reverse=True)))
    return re.compile(rf"\(?(?P<name>{alternatives}):(?P<line>\d+)\)?")


def _locate(indexes: Sequence[Index | None], message: str) -> tuple[int | None, int]:
    """The file (its number) and line a line-less message names a proxy or server of."""
    for number, index in enumerate(indexes):
        if index is not None:
            line = index.locate(message)
            if line:
                return number, line
    return 0, 0


def exit_diagnostics(
    raw: str,
    returncode: int,
    found: list[Diagnostic],
    filename: str,
    names: Names,
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


__all__ = ["Names", "Source", "exit_diagnostics", "parse_output", "user_folder"]
