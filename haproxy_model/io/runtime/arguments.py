"""Command arguments checked, never escaped: no argument can smuggle a second command in."""

from __future__ import annotations

import re

from haproxy_model.base.errors import InvalidType, InvalidValue

_NAME_RE = re.compile(r"#\d+|[A-Za-z0-9_.:-]+")
_KEYWORD_RE = re.compile(r"[a-z][a-z0-9-]*")
_FORBIDDEN_RE = re.compile(r"[\s;\\\x00-\x1f\x7f]|<<")
_PROCESS_RE = re.compile(r"@?(?P<sel>!?\d+|master)")


def _name(value: object, what: str) -> str:
    """A proxy or server name (or ``#<id>``), as HAProxy accepts them."""
    if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
        raise InvalidValue(
            f"invalid {what} name {value!r}: use letters, digits, '-', '_', '.', ':' or '#<id>'"
        )
    return value


def _word(value: object, what: str) -> str:
    """One command word: no blank, ';', backslash, control character or '<<'."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValue(f"invalid {what} {value!r}: expected a string or an integer")
    text = str(value)
    if not text or _FORBIDDEN_RE.search(text):
        raise InvalidValue(
            f"invalid {what} {text!r}: empty, or holds a blank, ';', '\\\\', "
            "a control character or '<<'"
        )
    return text


def _count(value: object, what: str, *, minimum: int = 0) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidValue(f"invalid {what} {value!r}: expected an integer >= {minimum}")
    return str(value)


def _port(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise InvalidValue(f"invalid port {value!r}: expected an integer in 1..65535")
    return str(value)


def _server(backend: str, server: str) -> str:
    return f"{_name(backend, 'backend')}/{_name(server, 'server')}"


def _check_command(command: str) -> str:
    """A raw command line: one command, no newline, no unescaped ';', no payload marker."""
    if not isinstance(command, str):
        raise InvalidValue(f"command must be a string, not {type(command).__name__}")
    if any(ch in command for ch in "\n\r\x00"):
        raise InvalidValue(
            f"command {command!r} holds a newline or NUL: send one command at a time"
        )
    escaped = False
    for ch in command:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ";":
            raise InvalidValue(
                f"command {command!r} holds an unescaped ';' (a second command): "
                "send one command at a time"
            )
    if not command.strip():
        raise InvalidValue("empty command")
    if command.split()[0] in ("prompt", "quit"):
        raise InvalidValue(f"{command!r}: the client manages the session itself (persistent=True)")
    if command.rstrip().endswith("<<"):
        raise InvalidValue(f"command {command!r} ends with '<<': pass the payload as payload=")
    return command.strip()


def _check_payload(payload: str) -> str:
    lines = payload.split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise InvalidValue("empty payload")
    if any(line.strip() == "" for line in lines):
        raise InvalidValue("payload holds an empty line (it would end the payload)")
    if any(ch in payload for ch in "\r\x00"):
        raise InvalidValue("payload holds a carriage return or NUL")
    return "\n".join(lines)


def _process_prefix(process: int | str) -> str:
    if isinstance(process, bool):
        raise InvalidValue(f"invalid process {process!r}")
    if isinstance(process, int):
        if process < 0:
            raise InvalidValue(f"invalid process {process!r}")
        return f"@{process}"
    if not isinstance(process, str):
        raise InvalidType(
            f"process: expected an int or a str ('!<pid>', 'master'), got {process!r}"
        )
    m = _PROCESS_RE.fullmatch(process)
    if m is None:
        raise InvalidValue(f"invalid process {process!r}: expected 1, '!<pid>' or 'master'")
    return "@" + m["sel"]


# -- reply checking ------------------------------------------------------------------
