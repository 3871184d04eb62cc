"""The wrapper's edit of Ray's config file: the policy applied in place, safely.

:func:`patch_file` patches the file under Ray's own ``<cfg>.lock`` flock and
replaces it atomically when it changed; with the real HAProxy at hand it runs
``haproxy -c`` on it, and if HAProxy refuses the patched file but accepts Ray's,
puts Ray's back (an ERROR line says why). A patch whose ``maxconn`` needs more
file descriptors than ``ulimit -n`` allows is not written (:mod:`.fd_limit`), and
:func:`warn_fd_limit` warns when the file HAProxy is about to run needs more.

**max_ongoing_requests.** Ratio ``maxconn`` rules need each deployment's
``max_ongoing_requests``. Explicit values win, per deployment:
``$HAPROXY_MODEL_MAX_ONGOING_REQUESTS`` is an int for every deployment or
``app/Deployment=64,Other=8``. The rest is asked of Ray's dashboard
(:mod:`.dashboard`; ``$RAY_DASHBOARD_ADDRESS``), with a 5 s timeout and a
cache beside Ray's config: a reload whose deployments the cache already knows
(from the last 5 s) does not wait on it at all. When it still cannot be found, those servers get no
``maxconn`` and one ERROR line names them and says why.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from .wrapper_env import ENV_CHECK, ENV_MAX_ONGOING, log

__all__ = ["CACHE_NAME", "DASHBOARD_TIMEOUT_S", "patch_file", "warn_fd_limit"]

CACHE_NAME = ".haproxy-model-max-ongoing.json"
"""The dashboard answer cache, beside Ray's config file."""
DASHBOARD_TIMEOUT_S = 5.0
"""How long a reload may wait on Ray's dashboard when the cache lacks a deployment it
needs (Ray gives HAProxy 30 s to start; without the answer those servers get no
``maxconn`` until Ray's next reload). A cached answer that covers them costs no wait."""


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
            log(
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
                log(warning, "WARNING", env)
        note = (
            "" if "server_maxconn_rule" in policy.given
            else "; the policy names no server.maxconn: replica servers keep Ray's (no maxconn)"
        )  # fmt: skip
        if result.text == text:
            log(f"{cfg_path}: policy {policy_path} changes nothing{note}", env=env)
            return False
        short = _fd_shortfall(result.text, try_raise=True)
        if short and _fd_shortfall(text) is None:
            log(f"{short}; running Ray's config unpatched", "ERROR", env)
            return False
        write_text_atomic(cfg_path, result.text)
        if binary is not None and env.get(ENV_CHECK, "1") != "0":
            accepted, alerts = _check_config(binary, cfg_path)
            if not accepted:
                write_text_atomic(cfg_path, text)
                if _check_config(binary, cfg_path)[0]:
                    log(
                        f"HAProxy refuses {cfg_path} as patched by {policy_path} ({alerts}); "
                        "running Ray's config unpatched",
                        "ERROR",
                        env,
                    )
                    return False
                write_text_atomic(cfg_path, result.text)  # Ray's own fails too: not ours
    log(f"{cfg_path}: applied {policy_path} ({len(result.changes)} edits){note}", env=env)
    return True


def _fd_shortfall(text: str, *, try_raise: bool = False) -> str | None:
    from haproxy_model.model.api import parse

    from .fd_limit import fd_shortfall

    return fd_shortfall(parse(text), try_raise=try_raise)


def warn_fd_limit(cfg_path: str, env: Mapping[str, str] | None = None) -> None:
    """A WARNING when the config's global maxconn needs more file descriptors than
    ``ulimit -n`` allows (HAProxy's own estimate, :mod:`.fd_limit`)."""
    from haproxy_model.base.files import read_text

    try:
        message = _fd_shortfall(read_text(cfg_path), try_raise=True)
    except Exception:  # a file HAProxy will report on itself
        return
    if message:
        log(message, "WARNING", env)
