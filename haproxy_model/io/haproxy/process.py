"""Running ``haproxy`` as a child process: its own process group, killed whole on timeout."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence

from haproxy_model.base.errors import MissingFile
from haproxy_model.base.files import ENCODING


def run(
    argv: Sequence[str],
    *,
    cwd: str,
    timeout: float,
    what: str,
    env: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """Run ``argv`` in ``cwd``; return its exit status and its stdout and stderr as one text.

    ``env`` (default: this process's environment) is the whole environment of the
    child.  Past ``timeout`` seconds the child's process group is killed and
    TimeoutError raised, naming ``what`` was being done.
    """
    exe = argv[0]
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        missing = exe if exc.filename in (None, exe) else cwd
        raise MissingFile(f"{missing}: no such file or directory") from None
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise TimeoutError(f"{what} did not finish within {timeout:g}s (killed)") from None
    except BaseException:
        kill_group(proc)
        raise
    return proc.returncode, out.decode(ENCODING, "replace")


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` and every process of its group, then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    # The whole group is gone, so the pipe closes and this returns promptly.
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=5)


__all__ = ["kill_group", "run"]
