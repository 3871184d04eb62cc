"""What the wrapper and the dashboard client do when something is wrong: each case
keeps Ray's HAProxy starting and says why in one line. Real HAProxy (Debian's
binary) and real loopback HTTP servers; no Ray needed."""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.adapters.ray_serve.dashboard import (
    DashboardError,
    MaxOngoingCache,
    dashboard_address,
    fetch_max_ongoing_requests,
    parse_applications,
)
from haproxy_model.adapters.ray_serve.fd_limit import estimate_maxsock
from haproxy_model.adapters.ray_serve.wrapper import (
    CACHE_NAME,
    ENV_MAX_ONGOING,
    ENV_POLICY,
    ENV_REAL_BINARY,
    prepare,
)
from haproxy_model.io.runtime import RuntimeClient

from .http_stubs import stub_servers

RAY_CFG = """\
global
    maxconn 4096
    nbthread 2
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend http_frontend
    bind 127.0.0.1:{port}
    acl is_http-app path_beg /
    http-request set-var-fmt(txn.serve_app) app if is_http-app
    http-request set-var-fmt(txn.serve_deployment) Model if is_http-app
    use_backend http-app if is_http-app
backend http-app
    http-reuse always
    default-server fastinter 250ms downinter 250ms fall 2 rise 2 inter 5s check
    server SERVE_REPLICA_app-Model-aaaa 127.0.0.1:1 check
"""
APPS_JSON = {
    "applications": {
        "app": {
            "deployments": {
                "Model": {"deployment_config": {"max_ongoing_requests": 64}},
                "Inner": {"deployment_config": {"max_ongoing_requests": 3}},
            }
        }
    }
}


def debian_haproxy() -> str:
    binary = hm.haproxy.find()
    return str(binary.path)


def free_port() -> int:
    from haproxy_model._net import free_port as pick

    return pick()


@pytest.fixture
def ray_dir(tmp_path: Path) -> Path:
    (tmp_path / "haproxy.cfg").write_text(RAY_CFG.format(port=free_port()))
    (tmp_path / "policy.yaml").write_text("server:\n  maxconn: {ratio: 0.5}\n")
    return tmp_path


def _env(ray_dir: Path, **extra: str) -> dict[str, str]:
    return {
        ENV_POLICY: str(ray_dir / "policy.yaml"),
        ENV_REAL_BINARY: debian_haproxy(),
        "PATH": "",
        **extra,
    }


def _argv(ray_dir: Path) -> list[str]:
    return ["/w", "-db", "-f", str(ray_dir / "haproxy.cfg"), "-dR"]


# ------------------------------------------------------------------ dashboard client


def test_parse_applications() -> None:
    assert parse_applications(APPS_JSON) == {"app/Model": 64, "app/Inner": 3}
    assert parse_applications({"applications": {}}) == {}
    assert parse_applications({"controller_info": {}}) == {}  # Serve not running
    with pytest.raises(DashboardError):
        parse_applications([1, 2])


def test_dashboard_address(tmp_path: Path) -> None:
    assert dashboard_address({"RAY_DASHBOARD_ADDRESS": "10.0.0.5:8265"}) == "http://10.0.0.5:8265"
    assert dashboard_address({"RAY_DASHBOARD_ADDRESS": "https://h:1/"}) == "https://h:1"
    cluster = tmp_path / "ray_current_cluster"
    cluster.write_text("192.0.2.7:6379\n")
    assert dashboard_address({}, cluster_file=str(cluster)) == "http://192.0.2.7:8265"
    assert dashboard_address({}, cluster_file=str(tmp_path / "none")) == "http://127.0.0.1:8265"


def test_fetch_from_a_real_http_server() -> None:
    def answer(_port: int, path: str) -> str:
        assert path == "/api/serve/applications/"
        return json.dumps(APPS_JSON)

    with stub_servers(1, answer) as (port,):
        assert fetch_max_ongoing_requests(f"127.0.0.1:{port}") == {
            "app/Model": 64,
            "app/Inner": 3,
        }


def test_fetch_errors_say_where_and_why() -> None:
    port = free_port()  # nothing listens
    with pytest.raises(DashboardError, match=rf"127\.0\.0\.1:{port} could not be reached"):
        fetch_max_ongoing_requests(f"127.0.0.1:{port}", timeout=1)
    with (
        stub_servers(1, lambda *_: "<html>") as (port,),
        pytest.raises(DashboardError, match="did not answer JSON"),
    ):
        fetch_max_ongoing_requests(f"127.0.0.1:{port}")


def test_fetch_is_bounded_by_its_timeout() -> None:
    """A dashboard that accepts but never answers costs the timeout, not Ray's 30 s."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        t0 = time.monotonic()
        with pytest.raises(DashboardError):
            fetch_max_ongoing_requests(f"127.0.0.1:{port}", timeout=0.5)
        assert time.monotonic() - t0 < 3


def test_cache_serves_a_reload_when_the_dashboard_is_gone(tmp_path: Path) -> None:
    cache = MaxOngoingCache(tmp_path / "c.json")
    with stub_servers(1, lambda *_: json.dumps(APPS_JSON)) as (port,):
        address = f"http://127.0.0.1:{port}"
        values, where = cache.get(address=address, now=1000.0)
        assert values["app/Model"] == 64 and where == f"Ray's dashboard at {address}"
        # within the freshness window: no query at all
        assert cache.get(address=address, now=1003.0)[1].startswith("cached answer")
    # the dashboard is gone: the older answer is used, and said to be old
    values, where = cache.get(address=address, timeout=0.5, now=1100.0)
    assert values["app/Model"] == 64 and "100 s old" in where
    with pytest.raises(DashboardError):
        MaxOngoingCache(tmp_path / "none.json").get(address=address, timeout=0.5)


# ------------------------------------------------------------------ the wrapper


def test_max_ongoing_from_the_dashboard(ray_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with stub_servers(1, lambda *_: json.dumps(APPS_JSON)) as (port,):
        env = _env(ray_dir, RAY_DASHBOARD_ADDRESS=f"127.0.0.1:{port}")
        prepare(_argv(ray_dir), env)
    text = (ray_dir / "haproxy.cfg").read_text()
    assert "127.0.0.1:1 check maxconn 32\n" in text  # 0.5 x 64
    assert (ray_dir / CACHE_NAME).exists()
    assert "ERROR" not in capsys.readouterr().out
    # an explicit value wins over Ray's, per deployment
    (ray_dir / "haproxy.cfg").write_text(RAY_CFG.format(port=free_port()))
    prepare(_argv(ray_dir), {**env, ENV_MAX_ONGOING: "app/Model=10"})
    assert "127.0.0.1:1 check maxconn 5\n" in (ray_dir / "haproxy.cfg").read_text()


def test_max_ongoing_unknown_is_one_error_line(
    ray_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _env(ray_dir, RAY_DASHBOARD_ADDRESS=f"127.0.0.1:{free_port()}")
    binary, argv = prepare(_argv(ray_dir), env)
    assert binary == debian_haproxy() and argv[1:] == _argv(ray_dir)[1:]  # HAProxy still runs
    errors = [line for line in capsys.readouterr().out.splitlines() if "ERROR" in line]
    assert len(errors) == 1
    (line,) = errors
    assert "http-app/SERVE_REPLICA_app-Model-aaaa" in line and "app/Model" in line
    assert "max_ongoing_requests" in line and "could not be reached" in line
    assert ENV_MAX_ONGOING in line
    assert " maxconn " not in (ray_dir / "haproxy.cfg").read_text().split("backend")[-1]


def test_a_patch_haproxy_refuses_is_undone(
    ray_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The policy adds a line HAProxy rejects: Ray's config runs, an ERROR says why."""
    (ray_dir / "policy.yaml").write_text("retries: 2\nextra:\n  backend: ['no-such-keyword 1']\n")
    before = (ray_dir / "haproxy.cfg").read_text()
    prepare(_argv(ray_dir), _env(ray_dir))
    assert (ray_dir / "haproxy.cfg").read_text() == before
    out = capsys.readouterr().out
    assert "ERROR: HAProxy refuses" in out and "no-such-keyword" in out
    assert "running Ray's config unpatched" in out


def test_the_policy_turning_invalid_later(
    ray_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prepare(_argv(ray_dir), _env(ray_dir, **{ENV_MAX_ONGOING: "64"}))
    assert "maxconn 32" in (ray_dir / "haproxy.cfg").read_text()
    (ray_dir / "haproxy.cfg").write_text(RAY_CFG.format(port=free_port()))
    (ray_dir / "policy.yaml").write_text("server:\n  maxconn: {ratio: 0.5}\n  maxcon: 3\n")
    prepare(_argv(ray_dir), _env(ray_dir, **{ENV_MAX_ONGOING: "64"}))
    out = capsys.readouterr().out
    assert "ERROR: not patching" in out and "policy.yaml:3: unknown key 'maxcon'" in out
    assert "maxconn 32" not in (ray_dir / "haproxy.cfg").read_text()


def test_estimate_matches_haproxy_maxsock(tmp_path: Path) -> None:
    """Our file-descriptor estimate is HAProxy's own (show info: Maxsock)."""
    sock = tmp_path / "s.sock"
    text = (
        RAY_CFG.format(port=free_port())
        .replace("    nbthread 2\n", f"    nbthread 2\n    stats socket {sock} level admin\n")
        .replace("    mode http\n", "    mode http\n    option splice-request\n")
    )
    cfg_path = tmp_path / "h.cfg"
    cfg_path.write_text(text)
    proc = subprocess.Popen([debian_haproxy(), "-db", "-f", str(cfg_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        info = RuntimeClient(str(sock), timeout=5).show_info()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert int(info["Maxpipes"]) == 1024  # maxconn / 4: splice
    assert estimate_maxsock(hm.parse(text)) == int(info["Maxsock"])


def _wrapper_under_limit(
    ray_dir: Path, hard: int, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 1024), hard))

    code = (
        "import sys\n"
        "from haproxy_model.adapters.ray_serve.wrapper import prepare\n"
        "print('->', prepare(sys.argv, None)[0])\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *_argv(ray_dir)[1:]],
        capture_output=True, text=True, timeout=60, preexec_fn=lower,
        env={**os.environ, **env, "PATH": os.environ.get("PATH", "")},
    )  # fmt: skip


def test_global_maxconn_beyond_ulimit(ray_dir: Path) -> None:
    """HAProxy would exit with 'Cannot raise FD limit': Ray's config runs instead, and
    the ERROR line says what to change."""
    (ray_dir / "policy.yaml").write_text("global:\n  maxconn: 130000\n")
    before = (ray_dir / "haproxy.cfg").read_text()
    hard = min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 65536)
    out = _wrapper_under_limit(ray_dir, hard, _env(ray_dir))
    assert out.returncode == 0, out.stderr
    if "ERROR" not in out.stdout:  # this process may raise its own hard limit (privileged)
        assert "maxconn 130000" in (ray_dir / "haproxy.cfg").read_text()
        return
    assert "global maxconn 130000 needs about 260" in out.stdout
    assert (
        f"ulimit -n allows {hard}" in out.stdout and "running Ray's config unpatched" in out.stdout
    )
    assert (ray_dir / "haproxy.cfg").read_text() == before
    # Ray's own config beyond the limit: a WARNING (HAProxy will say the rest)
    (ray_dir / "policy.yaml").write_text("retries: 2\n")
    (ray_dir / "haproxy.cfg").write_text(before.replace("maxconn 4096", f"maxconn {hard}"))
    out = _wrapper_under_limit(ray_dir, hard, _env(ray_dir))
    assert f"WARNING: global maxconn {hard} needs about" in out.stdout


@pytest.mark.slow
def test_haproxy_alert_comes_first_on_stderr(ray_dir: Path, tmp_path: Path) -> None:
    """HAProxy fails to start (its port is taken): its stderr, which Ray shows as the
    error, holds HAProxy's ALERT and none of the wrapper's lines (those go to stdout)."""
    from haproxy_model.adapters.ray_serve import install_wrapper

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        (ray_dir / "haproxy.cfg").write_text(RAY_CFG.format(port=port))
        wrapper = install_wrapper(
            tmp_path / "w",
            policy=ray_dir / "policy.yaml",
            real_binary=debian_haproxy(),
            max_ongoing_requests="64",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("HAPROXY_MODEL_")}
        proc = subprocess.run([str(wrapper), *_argv(ray_dir)[1:]], capture_output=True,
                              text=True, timeout=60, env=env)  # fmt: skip
    assert proc.returncode != 0
    assert "[ALERT]" in proc.stderr and "haproxy-model" not in proc.stderr
    first_alert = next(line for line in proc.stderr.splitlines() if "ALERT" in line)
    assert "ALERT" in first_alert and "[haproxy-model wrapper] INFO" in proc.stdout


def test_a_fresh_cache_without_a_new_deployment_is_asked_again(tmp_path: Path) -> None:
    """A second app deployed within the cache's freshness: its deployment is not in the
    cached answer, so the dashboard is asked again (it was the cause of a missing maxconn)."""
    cache = MaxOngoingCache(tmp_path / "c.json")
    first = {"applications": {"a": {"deployments": {"A": {"deployment_config": {
        "max_ongoing_requests": 4}}}}}}  # fmt: skip
    second = {"applications": {**first["applications"], "b": {"deployments": {"B": {
        "deployment_config": {"max_ongoing_requests": 2}}}}}}  # fmt: skip
    answers = [first, second]
    with stub_servers(1, lambda *_: json.dumps(answers[0])) as (port,):
        address = f"http://127.0.0.1:{port}"
        assert cache.get(address=address, now=1000.0)[0] == {"a/A": 4}
        answers[0] = second
        values, where = cache.get(address=address, now=1001.0, covers=lambda v: "b/B" in v)
        assert values == {"a/A": 4, "b/B": 2} and where.startswith("Ray's dashboard")
        assert cache.get(address=address, now=1002.0, covers=lambda v: "b/B" in v)[1].startswith(
            "cached answer"
        )


def test_a_missing_config_is_named(ray_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ray's file gone before the wrapper reads it: the ERROR says which file, and
    HAProxy is still the one to run (it reports the missing file itself)."""
    argv = ["/w", "-db", "-f", str(ray_dir / "gone.cfg"), "-dR"]
    binary, _ = prepare(argv, _env(ray_dir))
    assert binary == debian_haproxy()
    out = capsys.readouterr().out
    assert f"{ray_dir / 'gone.cfg'}: no such file" in out and "None" not in out
