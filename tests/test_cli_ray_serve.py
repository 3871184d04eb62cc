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
