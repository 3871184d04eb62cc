"""``haproxy-model ray-serve``: patch on a config rendered by the installed Ray version."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.adapters.ray_serve import Policy, patch_ray_config

pytest.importorskip("ray")

from tests.test_ray_patch import PRODUCTION, make_snapshot, render_ray


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "haproxy_model", "ray-serve", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_for_each_action() -> None:
    for action in ("generate", "sync", "patch"):
        result = run(action, "--help")
        assert result.returncode == 0
        assert "--policy" in result.stdout


def test_patch_prints_in_place_and_diff(tmp_path: Path) -> None:
    text = render_ray(make_snapshot(), tmp_path)
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    expected = patch_ray_config(
        text, None, Policy.from_file(PRODUCTION), max_ongoing_requests={"Echo": 64, "Model": 8}
    )
    args = ["--policy", str(PRODUCTION), "--max-ongoing-requests", "Echo=64,Model=8"]
    printed = run("patch", str(path), *args)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == expected
    diff = run("patch", str(path), *args, "--diff")
    assert diff.returncode == 0
    assert "+    timeout queue 60s" in diff.stdout or "timeout queue 60s" in diff.stdout
    assert path.read_text() == text  # nothing written without --in-place
    in_place = run("patch", str(path), *args, "--in-place")
    assert in_place.returncode == 0
    assert path.read_text() == expected
    servers = [s for b in hm.parse(expected).backends.values() for s in b.servers.values()]
    assert any(s.maxconn == 32 for s in servers)


def test_bad_policy_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text("timeouts:\n  conect: 5s\n")
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(render_ray(make_snapshot(), tmp_path))
    result = run("patch", str(cfg), "--policy", str(bad))
    assert result.returncode == 2
    assert "conect" in result.stderr and ":2" in result.stderr


RATIO_POLICY = "server:\n  maxconn: {ratio: 0.5}\n"


def _ray_file(tmp_path: Path) -> Path:
    path = tmp_path / "haproxy.cfg"
    path.write_text(render_ray(make_snapshot(), tmp_path))
    return path


def test_patch_needs_max_ongoing_requests(tmp_path: Path) -> None:
    """A ratio rule without max_ongoing_requests: exit 2, what is missing and how to
    give it, nothing written (it used to write no maxconn and exit 0)."""
    cfg = _ray_file(tmp_path)
    before = cfg.read_text()
    policy = tmp_path / "p.yaml"
    policy.write_text(RATIO_POLICY)
    result = run("patch", str(cfg), "--policy", str(policy), "--in-place", "--no-ray")
    assert result.returncode == 2, result.stdout + result.stderr
    err = result.stderr
    assert "max_ongoing_requests unknown for api/Model, default/Echo" in err
    assert "--max-ongoing-requests" in err and "Traceback" not in err
    assert cfg.read_text() == before
    # the dashboard cannot be reached: said so, same exit
    from haproxy_model._net import free_port

    port = free_port()
    result = run("patch", str(cfg), "--policy", str(policy), "--ray-dashboard",
                 f"127.0.0.1:{port}")  # fmt: skip
    assert result.returncode == 2 and f"127.0.0.1:{port} could not be reached" in result.stderr
    # a fixed rule needs nothing
    policy.write_text("server:\n  maxconn: 8\n")
    result = run("patch", str(cfg), "--policy", str(policy), "--no-ray")
    assert result.returncode == 0 and result.stdout.count(" maxconn 8\n") == 3


def test_patch_asks_rays_dashboard(tmp_path: Path) -> None:
    import json

    from tests.http_stubs import stub_servers

    apps = {"applications": {
        "default": {"deployments": {"Echo": {"deployment_config": {"max_ongoing_requests": 64}}}},
        "api": {"deployments": {"Model": {"deployment_config": {"max_ongoing_requests": 8}}}},
    }}  # fmt: skip
    cfg = _ray_file(tmp_path)
    policy = tmp_path / "p.yaml"
    policy.write_text(RATIO_POLICY)
    with stub_servers(1, lambda *_: json.dumps(apps)) as (port,):
        result = run("patch", str(cfg), "--policy", str(policy), "--ray-dashboard",
                     f"127.0.0.1:{port}", "--max-ongoing-requests", "api/Model=20")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(" maxconn 32\n") == 2  # Echo: 0.5 x 64, from Ray
    assert result.stdout.count(" maxconn 10\n") == 1  # Model: 0.5 x 20, the flag wins


def test_patch_refuses_what_is_not_rays(tmp_path: Path) -> None:
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text("global\n    maxconn 10\ndefaults\n    mode http\nfrontend web\n    bind :80\n")
    policy = tmp_path / "p.yaml"
    policy.write_text("retries: 2\n")
    result = run("patch", str(cfg), "--policy", str(policy))
    assert result.returncode == 2
    assert "not a layout Ray Serve's HAProxy mode renders" in result.stderr
    assert "nothing was patched" in result.stderr and "Traceback" not in result.stderr
    for bad_mor in ("lots", "a=b"):
        result = run("patch", str(cfg), "--policy", str(policy), "--max-ongoing-requests", bad_mor)
        assert result.returncode == 2 and "--max-ongoing-requests" in result.stderr


@pytest.mark.parametrize("action", ["generate", "sync"])
def test_no_ray_running_is_a_message(tmp_path: Path, action: str) -> None:
    from haproxy_model._net import free_port

    policy = tmp_path / "p.yaml"
    policy.write_text("retries: 2\n")
    extra = ["--workdir", str(tmp_path)] if action == "sync" else []
    result = run(action, "--policy", str(policy), "--address", f"127.0.0.1:{free_port()}",
                 *extra)  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "cannot connect to Ray at 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr and "ray start --head" in result.stderr
    missing = run(action, "--policy", str(tmp_path / "none.yaml"), *extra)
    assert missing.returncode == 2 and "none.yaml" in missing.stderr
