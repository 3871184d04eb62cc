"""haproxy-model's exceptions: one family under :class:`Error`.

Every exception the library raises on purpose is an :class:`Error`, so
``except haproxy_model.Error`` catches them all; each also keeps the built-in
base it always had (``ParseError`` is a ``ValueError``, a missing server a
``KeyError``...), so older ``except ValueError`` code keeps working.
"""

from __future__ import annotations

__all__ = [
    "Error",
    "FileError",
    "InvalidType",
    "InvalidValue",
    "IsADirectory",
    "MissingFile",
    "NotFound",
    "OperationFailed",
    "ParseError",
]


class Error(Exception):
    """The base of every exception haproxy-model raises on purpose."""


class InvalidValue(Error, ValueError):
    """A value haproxy-model refuses: the wrong kind, or one HAProxy cannot carry."""


class InvalidType(Error, TypeError):
    """An argument of the wrong type, or a missing required argument."""


class NotFound(Error, KeyError, IndexError):
    """No such section, server, option or timeout (a ``KeyError``, for mappings), or no
    item at that position (an ``IndexError``, for sequences such as ``cfg.defaults``)."""

    def __str__(self) -> str:  # KeyError quotes its message; ours reads as a sentence
        return str(self.args[0]) if self.args else ""


class FileError(Error, OSError):
    """A file that cannot be read or written as asked (a directory, no permission...)."""


class IsADirectory(FileError, IsADirectoryError):
    """A folder was given where a file is needed."""


class MissingFile(FileError, FileNotFoundError):
    """A file or program haproxy-model needs (a config, the ``haproxy`` binary...) is missing."""


class OperationFailed(Error, RuntimeError):
    """An operation could not be carried out in the state things are in."""


def _printable(text: str) -> str:
    """Replace characters a terminal would not show in one cell."""
    return "".join(ch if ch == "\t" or (ch.isprintable() and ch != "\x7f") else "?" for ch in text)


class ParseError(Error, ValueError):
    """A configuration text HAProxy would not read.

    ``line`` and ``column`` are 1-based; ``column`` counts characters.
    ``str(err)`` shows ``file:line:col: message``, the source line and a caret.
    """

    def __init__(
        self,
        message: str,
        *,
        filename: str = "<string>",
        line: int,
        column: int,
        source_line: str = "",
    ) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        self.source_line = source_line
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.filename}:{self.line}:{self.column}: {self.message}"
        if not self.source_line and self.column <= 1:
            return head
        shown = self.source_line
        if len(shown) > 400:
            # Keep the caret's neighbourhood of a very long line.
            start = max(0, self.column - 200)
            shown = shown[start : start + 400]
            offset = self.column - 1 - start
        else:
            offset = self.column - 1
        shown = _printable(shown)
        pad = "".join("\t" if ch == "\t" else " " for ch in shown[:offset])
        return f"{head}\n    {shown}\n    {pad}^"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.message, self.filename, self.line, self.column, self.source_line))


def _rebuild(message: str, filename: str, line: int, column: int, source_line: str) -> ParseError:
    return ParseError(message, filename=filename, line=line, column=column, source_line=source_line)
