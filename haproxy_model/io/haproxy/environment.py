"""The environment HAProxy checks a configuration in: ``KEY=VALUE`` settings and env files.

HAProxy puts environment variables into its configuration (``bind :${PORT}``,
``"$HOME/certs"``), so a check needs the variables the real service gets.

>>> parse_assignment("PORT=8080")
('PORT', '8080')
>>> read_env_file("prod.env")  # doctest: +SKIP
{'PORT': '8080', 'CERT_DIR': '/etc/ssl/site'}

An env file holds one ``KEY=VALUE`` a line, as systemd's ``EnvironmentFile``
and ``docker --env-file`` read them: blank lines and lines starting with ``#``
are skipped, an ``export`` before the key is allowed, the value is everything
after the first ``=`` (one pair of matching quotes around it is taken off).
A line without ``=`` or with a key that is not a variable name is an error
naming the file and the line (``prod.env:3: ...``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from haproxy_model.base.errors import FileError, InvalidValue, IsADirectory, MissingFile
from haproxy_model.base.files import ENCODING, ERRORS, PathLike

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_assignment(text: str, *, where: str = "") -> tuple[str, str]:
    """``"KEY=VALUE"`` as ``(KEY, VALUE)``; ValueError (prefixed with ``where``) otherwise."""
    prefix = f"{where}: " if where else ""
    key, sep, value = text.partition("=")
    key = key.strip()
    if key.startswith("export ") or key.startswith("export\t"):
        key = key[len("export") :].strip()
    if not sep:
        raise InvalidValue(f"{prefix}expected KEY=VALUE, got {text.strip()!r}")
    if not _NAME.fullmatch(key):
        raise InvalidValue(
            f"{prefix}{key!r} is not a variable name "
            "(letters, digits and '_', not starting with a digit)"
        )
    return key, value


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def read_env_file(path: PathLike) -> dict[str, str]:
    """The variables an env file sets (see the module's description of the format).

    Raises MissingFile when there is no such file, and ValueError naming
    ``file:line`` for a line that is not ``KEY=VALUE``.
    """
    name = os.fspath(path)
    try:
        text = Path(name).read_bytes().decode(ENCODING, ERRORS)
    except FileNotFoundError:
        raise MissingFile(f"{name}: no such env file") from None
    except IsADirectoryError:
        raise IsADirectory(f"{name}: is a directory, not an env file") from None
    except OSError as exc:
        raise FileError(f"{name}: cannot read the env file: {exc.strerror or exc}") from None
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, value = parse_assignment(stripped, where=f"{name}:{number}")
        found[key] = _unquote(value)
    return found


def merge(files: Iterable[PathLike] = (), assignments: Iterable[str] = ()) -> dict[str, str]:
    """The variables of ``files`` (in order), then of ``KEY=VALUE`` ``assignments`` (which win)."""
    merged: dict[str, str] = {}
    for path in files:
        merged.update(read_env_file(path))
    for text in assignments:
        key, value = parse_assignment(text, where="--env")
        merged[key] = value
    return merged


def expand(text: str, env: Mapping[str, str]) -> str | None:
    """``text`` with ``$NAME``, ``${NAME}`` and ``${NAME-default}`` put in from ``env``.

    None when it names a variable ``env`` lacks (with no default): what HAProxy
    makes of it then is for HAProxy to report.
    """
    missing = False

    def put(m: re.Match[str]) -> str:
        nonlocal missing
        name = m["braced"] or m["bare"]
        if name in env:
            return env[name]
        if m["default"] is not None:
            return m["default"]
        missing = True
        return ""

    result = _REF.sub(put, text)
    return None if missing else result


_REF = re.compile(
    r"\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:-(?P<default>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


__all__ = ["expand", "merge", "parse_assignment", "read_env_file"]
