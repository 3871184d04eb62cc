"""What the commands share: output (byte-exact, coloured on terminals), errors, files."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from haproxy_model.base.errors import Error, ParseError
from haproxy_model.base.files import (
    ENCODING,
    ERRORS,
    FileChangedError,
    FileState,
    decode,
    read_bytes,
    read_text,
)
from haproxy_model.model.api import dump, load_many, parse
from haproxy_model.model.config import Config
from haproxy_model.model.many import write_back

PROG = "haproxy-model"

#: Exit statuses.
OK = 0
PROBLEMS = 1
USAGE = 2

STDIN = "-"

#: said when a directory is given where one file is needed
ONE_FILE = "this command reads one file; check, get, set and unset also take a directory"


class CliError(Error):
    """An error the command reports as ``haproxy-model: error: ...`` and exits with."""

    def __init__(self, message: str, status: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Failed(Exception):
    """The error was already shown; exit with ``status``."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


# -- colour ----------------------------------------------------------------------

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def color_enabled(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set."""
    if "NO_COLOR" in os.environ:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Style:
    """ANSI styling for one output stream (a no-op when colour is off)."""

    def __init__(self, stream: TextIO) -> None:
        self.enabled = color_enabled(stream)

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def severity(self, severity: str) -> str:
        color = {"error": "red", "warning": "yellow"}.get(severity, "cyan")
        return self(f"{severity}:", "bold", color)


# -- output ----------------------------------------------------------------------


def emit(stream: TextIO, text: str) -> None:
    """Write ``text`` as UTF-8, bytes that were not UTF-8 in the file written back as they were."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        return
    stream.flush()
    buffer.write(text.encode(ENCODING, ERRORS))
    buffer.flush()


def out(text: str) -> None:
    emit(sys.stdout, text)


def err(text: str) -> None:
    emit(sys.stderr, text)


def error_message(message: str) -> None:
    """``haproxy-model: error: message`` on stderr."""
    style = Style(sys.stderr)
    err(f"{PROG}: {style.severity('error')} {message}\n")


def note(message: str) -> None:
    style = Style(sys.stderr)
    err(f"{PROG}: {style('note:', 'bold', 'cyan')} {message}\n")


# -- located messages --------------------------------------------------------------


def _printable(text: str) -> str:
    return "".join(ch if ch == "\t" or (ch.isprintable() and ch != "\x7f") else "?" for ch in text)


def located(
    style: Style,
    *,
    filename: str,
    line: int,
    column: int,
    severity: str,
    message: str,
    source_line: str | None = None,
    code: str | None = None,
) -> str:
    """``file:line:col: severity: message [code]``, then the source line and a caret."""
    where = filename
    if line:
        where += f":{line}"
        if column:
            where += f":{column}"
    head = f"{style(where + ':', 'bold')} {style.severity(severity)} {message}"
    if code:
        head += " " + style(f"[{code}]", "dim")
    if not source_line:
        return head + "\n"
    shown = source_line
    offset = max(column - 1, 0)
    if len(shown) > 400:
        start = max(0, offset - 200)
        shown = shown[start : start + 400]
        offset -= start
    shown = _printable(shown)
    text = f"{head}\n    {shown}\n"
    if column:
        pad = "".join("\t" if ch == "\t" else " " for ch in shown[:offset])
        text += f"    {pad}{style('^', 'bold', 'green')}\n"
    return text


def parse_error_text(exc: ParseError, style: Style) -> str:
    """A ParseError as ``file:line:col: error: message``, the source line and a caret."""
    rendered = str(exc)
    head = f"{exc.filename}:{exc.line}:{exc.column}: "
    if rendered.startswith(head):
        first, _, rest = rendered.partition("\n")
        first = f"{style(head[:-1], 'bold')} {style.severity('error')} {first[len(head) :]}"
        if rest:
            body, caret_line = rest.rsplit("\n", 1) if "\n" in rest else (rest, "")
            if caret_line.rstrip().endswith("^"):
                caret_line = caret_line[:-1] + style("^", "bold", "green")
            rest = f"{body}\n{caret_line}" if caret_line else body
            return f"{first}\n{rest}\n"
        return first + "\n"
    return f"{style.severity('error')} {rendered}\n"


def source_lines(text: str) -> list[str]:
    """The file's lines as HAProxy reads them (each cut at its first CR)."""
    return [line.split("\r", 1)[0] for line in text.split("\n")]


# -- files -----------------------------------------------------------------------


def read(path: str) -> str:
    """A file's text (``-``: standard input), any bytes kept."""
    if path == STDIN:
        return sys.stdin.buffer.read().decode(ENCODING, ERRORS)
    try:
        return read_text(path)
    except (OSError, ValueError) as exc:
        raise CliError(str(exc)) from None


def display_name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


def load(path: str, stream: TextIO | None = None) -> tuple[Config, str]:
    """Read and parse a file; a parse error is shown on ``stream`` (stderr) and exits 2.

    A file read from disk records its state, so :func:`write` refuses to overwrite
    a change made on disk in between.
    """
    source: FileState | None = None
    if path == STDIN:
        text = read(path)
    else:
        try:
            data = read_bytes(path)
        except IsADirectoryError as exc:
            raise CliError(f"{exc} ({ONE_FILE})") from None
        except (OSError, ValueError) as exc:
            raise CliError(str(exc)) from None
        text = decode(data)
        source = FileState.of(Path(path), data)
    try:
        cfg = parse(text, filename=display_name(path))
        cfg.source = source
        return cfg, text
    except ParseError as exc:
        target = stream or sys.stderr
        emit(target, parse_error_text(exc, Style(target)))
        raise Failed(USAGE) from None


def load_files(paths: list[str], stream: TextIO | None = None) -> Config:
    """Several files (or directories) as one configuration (``hm.load_many``); errors as in
    :func:`load`."""
    if STDIN in paths:
        raise CliError("standard input cannot be one of several files; give file names")
    try:
        return load_many(paths)
    except ParseError as exc:
        target = stream or sys.stderr
        emit(target, parse_error_text(exc, Style(target)))
        raise Failed(USAGE) from None
    except (OSError, ValueError, Error) as exc:
        raise CliError(str(exc)) from None


def write_files(cfg: Config, *, backup: bool = False) -> None:
    """Write each file of a configuration of several that changed back (see ``hm.dump``)."""
    try:
        write_back(cfg, backup=backup)
    except FileChangedError as exc:
        message = str(exc) if "nothing written" in str(exc) else f"{exc}; nothing written"
        raise CliError(message) from None
    except OSError as exc:
        raise CliError(f"{exc.filename or ''}: {exc.strerror or exc}") from None


def write(path: str, cfg: Config, *, backup: bool = False) -> None:
    """Write ``cfg`` to ``path`` atomically (see :func:`haproxy_model.dump`); with ``backup``,
    the old file becomes ``path.bak``. A file changed on disk since :func:`load` is refused."""
    if path == STDIN:
        raise CliError("cannot write back to standard input")
    try:
        dump(cfg, path, backup=backup)
    except FileChangedError as exc:
        raise CliError(f"{exc}; nothing written") from None
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None


# -- diffs -----------------------------------------------------------------------

_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def unified_diff(old: str, new: str, fromfile: str, tofile: str, style: Style) -> str:
    """A unified diff of two texts (``\\ No newline at end of file`` where it applies)."""
    import difflib  # only the commands that show diffs need it

    chunks: list[str] = []
    for line in difflib.unified_diff(_lines(old), _lines(new), fromfile, tofile):
        ending = "" if line.endswith("\n") else "\n\\ No newline at end of file\n"
        body = line.rstrip("\n") if line.endswith("\n") else line
        if line.startswith(("---", "+++")):
            body = style(body, "bold")
        elif line.startswith("@@"):
            body = style(body, "cyan")
        elif line.startswith("-"):
            body = style(body, "red")
        elif line.startswith("+"):
            body = style(body, "green")
        chunks.append(body + ("\n" if line.endswith("\n") else "") + ending)
    return "".join(chunks)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def join_nonempty(parts: Iterable[str]) -> str:
    return ", ".join(p for p in parts if p)
