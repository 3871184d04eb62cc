"""Install the wrapper: an executable script for ``RAY_SERVE_HAPROXY_BINARY_PATH``.

The script runs :func:`~.wrapper.main` with the settings given at install baked
in as defaults for their environment variables (the environment wins). A
``#!`` line names the interpreter when it can; a long or spaced interpreter
path gets a ``/bin/sh`` script that exports the baked values instead.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from pathlib import Path

from haproxy_model.base.errors import Error

from .real_haproxy import MARKER, is_executable, is_wrapper
from .wrapper_env import (
    ENV_HANDOVER,
    ENV_MAX_ONGOING,
    ENV_POLICY,
    ENV_REAL_BINARY,
    parse_max_ongoing,
)

__all__ = ["InstallError", "install_wrapper"]

_SHEBANG_MAX = 120


class InstallError(Error, ValueError):
    """The wrapper cannot be installed as asked (the message says why)."""


def install_wrapper(
    path: str | os.PathLike[str],
    *,
    policy: str | os.PathLike[str] | None = None,
    real_binary: str | os.PathLike[str] | None = None,
    max_ongoing_requests: str | None = None,
    handover: bool = True,
    python: str | None = None,
) -> Path:
    """Write an executable wrapper script at ``path`` and return its path.

    Set ``RAY_SERVE_HAPROXY_BINARY_PATH`` to it (before Ray starts). The
    script runs :mod:`.wrapper` with ``python`` (default: this interpreter);
    ``policy``, ``real_binary`` and ``max_ongoing_requests`` are baked in as
    defaults for ``$HAPROXY_MODEL_POLICY``, ``$HAPROXY_MODEL_REAL_BINARY`` and
    ``$HAPROXY_MODEL_MAX_ONGOING_REQUESTS`` (the environment wins);
    ``handover=False`` bakes in ``$HAPROXY_MODEL_HANDOVER=0``. The file is
    written atomically with mode 0755.

    Raises :class:`InstallError` (and writes nothing) when the policy is
    missing or invalid (its ``file:line`` in the message), ``real_binary`` is
    not an executable HAProxy or is itself a wrapper, ``path`` is the real
    binary, or ``path`` cannot be written; :class:`~.policy.PolicyError` is
    kept as the cause.
    """
    from haproxy_model.base.files import write_text_atomic

    from .policy import Policy, PolicyError

    python = python or sys.executable
    target = Path(path).absolute()
    baked: dict[str, str] = {}
    if policy is not None:
        try:
            Policy.from_file(Path(policy))
        except PolicyError as exc:
            raise InstallError(f"invalid policy: {exc}") from exc
        except OSError as exc:
            raise InstallError(f"cannot read the policy {policy}: {exc.strerror}") from exc
        baked[ENV_POLICY] = str(Path(policy).absolute())
    if real_binary is not None:
        real = str(Path(real_binary).absolute())
        if not is_executable(real):
            raise InstallError(f"the real binary {real} is not an executable file")
        if is_wrapper(real):
            raise InstallError(f"the real binary {real} is itself a haproxy-model wrapper")
        baked[ENV_REAL_BINARY] = real
    if os.path.exists(target) and not is_wrapper(str(target)):
        raise InstallError(
            f"{target} exists and is not a haproxy-model wrapper (is it the real HAProxy?); "
            "choose another path"
        )
    if max_ongoing_requests is not None:
        try:
            parse_max_ongoing(max_ongoing_requests)  # fail now, not at Ray's start-up
        except ValueError as exc:
            raise InstallError(str(exc)) from None
        baked[ENV_MAX_ONGOING] = max_ongoing_requests
    if not handover:
        baked[ENV_HANDOVER] = "0"
    shebang = f"#!{python}"
    if len(shebang) <= _SHEBANG_MAX and not any(c.isspace() for c in python):
        text = (
            f"{shebang}\n"
            f"# {MARKER}: set RAY_SERVE_HAPROXY_BINARY_PATH to this file.\n"
            "import sys\n\n"
            "from haproxy_model.adapters.ray_serve.wrapper import main\n\n"
            f"sys.exit(main(baked={baked!r}))\n"
        )
    else:  # a long or spaced interpreter path cannot go on a #! line
        exports = "".join(f': "${{{k}:={shlex.quote(v)}}}"\nexport {k}\n' for k, v in baked.items())
        text = (
            "#!/bin/sh\n"
            f"# {MARKER}: set RAY_SERVE_HAPROXY_BINARY_PATH to this file.\n"
            f"{exports}"
            f'exec {shlex.quote(python)} -m haproxy_model.adapters.ray_serve.wrapper "$@"\n'
        )
    try:
        write_text_atomic(target, text)
        mode = os.stat(target).st_mode
        os.chmod(target, stat.S_IMODE(mode) | 0o755)
    except OSError as exc:
        raise InstallError(f"cannot write {target}: {exc.strerror}") from None
    return target
