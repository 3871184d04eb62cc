"""The policy as an overlay on Ray's own config: absent keys keep Ray's lines,
values set them, ``null`` removes them (patch and wrapper modes)."""

from __future__ import annotations

from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.adapters.ray_serve import (
    PatchError,
    Policy,
    PolicyError,
    build_config,
    patch_ray_config,
    patch_ray_config_report,
)

from .test_ray_patch import make_snapshot, render_ray

MOR = {"default/Echo": 64, "api/Model": 8}


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """``(removed, added)`` lines of a line diff (the patch never reorders)."""
    import difflib

    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


@pytest.fixture
def ray_text(tmp_path: Path) -> str:
    return render_ray(make_snapshot(), tmp_path)


def test_an_empty_policy_changes_nothing(ray_text: str, tmp_path: Path) -> None:
    for policy in (Policy(), Policy.from_mapping({}), Policy.from_mapping({"timeouts": None})):
        result = patch_ray_config_report(ray_text, None, policy)
        assert result.text == ray_text and result.changes == () and result.warnings == ()
    router = render_ray(make_snapshot(), tmp_path, router_app="default")
    assert patch_ray_config(router, None, Policy()) == router


def test_server_maxconn_alone_touches_only_replica_servers(ray_text: str, tmp_path: Path) -> None:
    """The issue's bar: global maxconn, retry-on, balance, timeouts, observe stay Ray's."""
    policy = Policy.from_mapping({"server": {"maxconn": {"ratio": 0.5}}})
    for text in (ray_text, render_ray(make_snapshot(), tmp_path, router_app="default")):
        out = patch_ray_config(text, None, policy, max_ongoing_requests=MOR)
        removed, added = changed_lines(text, out)
        assert removed and len(removed) == len(added)
        for old, new in zip(removed, added, strict=True):
            assert old.strip().startswith("server SERVE_REPLICA_"), old
            assert new.startswith(old) and new[len(old) :] in (" maxconn 32", " maxconn 4")
        for kept in ("maxconn 4096", "retry-on conn-failure", "balance leastconn",
                     "option redispatch 1", "timeout client 3600s"):  # fmt: skip
            assert kept in out


def test_a_value_sets_and_null_removes(ray_text: str) -> None:
    policy = Policy.from_mapping(
        {
            "global": {"maxconn": None},
            "timeouts": {"client": None, "queue": "60s"},
            "retry_on": None,
            "redispatch": None,
            "balance": None,
            "http_reuse": None,
            "health_check": None,
        }
    )
    out = patch_ray_config(ray_text, None, policy)
    cfg = hm.parse(out)
    assert cfg.global_ is not None and not cfg.global_.find("maxconn")
    defaults = cfg.defaults[0]
    assert "client" not in defaults.timeouts and str(defaults.timeouts["queue"]) == "60s"
    assert not defaults.find("retry-on") and not defaults.find("balance")
    assert "redispatch" not in defaults.options
    for name in ("http-default", "http-api"):
        be = cfg.backends[name]
        assert not be.find("http-reuse") and "httpchk" not in be.options
        assert not be.find("http-check")
        assert be.default_server is not None  # the check tuning stays Ray's
    assert str(defaults.timeouts["connect"]) == "5s"  # not named: kept
    assert patch_ray_config(out, None, policy) == out


def test_null_server_maxconn_removes_it(ray_text: str) -> None:
    with_maxconn = patch_ray_config(
        ray_text, None, Policy.from_mapping({"server": {"maxconn": 7, "maxqueue": 3}})
    )
    assert with_maxconn.count(" maxconn 7 maxqueue 3\n") == 3
    out = patch_ray_config(
        with_maxconn, None, Policy.from_mapping({"server": {"maxconn": None, "maxqueue": None}})
    )
    assert out == ray_text


def test_health_check_subkeys_one_by_one(ray_text: str) -> None:
    out = patch_ray_config(ray_text, None, Policy.from_mapping({"health_check": {"rise": 5}}))
    removed, added = changed_lines(ray_text, out)
    assert len(removed) == len(added) == 2
    assert all("default-server" in line and "rise 5" in line for line in added)
    assert "option httpchk GET /-/healthz" in out  # path not named: kept
    out = patch_ray_config(ray_text, None, Policy.from_mapping({"health_check": {"path": "/h"}}))
    assert out.count("option httpchk GET /h\n") == 2
    assert out.count("observe layer4 error-limit 3 on-error mark-down\n") == 3  # kept
    out = patch_ray_config(ray_text, None, Policy.from_mapping({"health_check": {"observe": None}}))
    assert "observe layer4" not in out and "error-limit 3 on-error mark-down" in out


def test_observe_never_goes_on_track_servers(tmp_path: Path) -> None:
    text = render_ray(make_snapshot(), tmp_path, router_app="default")
    policy = Policy.from_mapping(
        {"health_check": {"observe": "layer7", "error_limit": 5}, "server": {"maxconn": 9}}
    )
    out = patch_ray_config(text, None, policy)
    router = hm.parse(out).backends["http-default-via-ingress-request-router"]
    for server in router.servers.values():
        assert server.track is not None
        assert server.observe is None and server.error_limit is None
    assert [s.maxconn for s in router.servers.values()] == [9, 9, None]
    primary = hm.parse(out).backends["http-default"]
    assert {s.observe for s in primary.servers.values() if not s.backup} == {"layer7"}


def test_toml_remove_list_equals_yaml_null(tmp_path: Path, ray_text: str) -> None:
    yaml_file = tmp_path / "p.yaml"
    yaml_file.write_text("global:\n  maxconn: null\ntimeouts:\n  client: null\n")
    toml_file = tmp_path / "p.toml"
    toml_file.write_text('remove = ["global.maxconn", "timeouts.client"]\n')
    json_file = tmp_path / "p.json"
    json_file.write_text('{"remove": ["global.maxconn"], "timeouts": {"client": null}}')
    policies = [Policy.from_file(f) for f in (yaml_file, toml_file, json_file)]
    assert policies[0] == policies[1] == policies[2]
    assert policies[0].given == {"maxconn", "timeouts"}
    outs = {patch_ray_config(ray_text, None, p) for p in policies}
    assert len(outs) == 1 and "maxconn 4096" not in outs.pop()


def test_remove_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text('retries = 2\nremove = [\n  "retries",\n]\n')
    with pytest.raises(PolicyError, match="'retries' is both set and listed in remove"):
        Policy.from_file(bad)
    bad.write_text('remove = ["health_check.path"]\n')
    with pytest.raises(PolicyError, match="not a key that can be removed") as err:
        Policy.from_file(bad)
    assert err.value.line == 1
    with pytest.raises(PolicyError, match=r"health_check\.path cannot be null"):
        Policy.from_mapping({"health_check": {"path": None}})


def test_generate_keeps_its_own_defaults() -> None:
    """Building from scratch there is nothing to overlay: absent keys take defaults."""
    cfg = hm.dumps(build_config(make_snapshot(), Policy()))
    for line in ("maxconn 4096", "timeout connect 5s", "retry-on conn-failure",
                 "option redispatch", "balance leastconn",
                 "option httpchk GET /-/healthz"):  # fmt: skip
        assert line in cfg
    bare = hm.dumps(build_config(make_snapshot(), Policy.from_mapping(
        {"health_check": None, "retry_on": None, "redispatch": None, "global": {"maxconn": None}}
    )))  # fmt: skip
    assert "httpchk" not in bare and "retry-on" not in bare and "redispatch" not in bare
    assert "    maxconn 4096" not in bare
    assert "server SERVE_REPLICA_default-Echo-aaaa1111 127.0.0.1:30000 check" in bare


def test_python_policies_record_what_they_were_given() -> None:
    assert Policy().given == frozenset()
    p = Policy(maxconn=None, retries=3)
    assert p.given == {"maxconn", "retries"} and p.maxconn is None
    assert Policy().maxconn == 4096  # the standalone default
    assert Policy(maxconn=4096) != Policy()  # given, so it is applied to Ray's file


def test_missing_max_ongoing_requests_is_reported(ray_text: str) -> None:
    policy = Policy.from_mapping({"server": {"maxconn": {"ratio": 0.5}}})
    result = patch_ray_config_report(ray_text, None, policy, max_ongoing_requests={"Echo": 64})
    assert result.missing_max_ongoing_requests == ("api/Model",)
    assert result.unpatched_servers == ("http-api/SERVE_REPLICA_api-Model-cccc3333",)
    assert result.text.count("maxconn 32\n") == 2


def test_unknown_layout_is_refused_with_the_ray_version() -> None:
    text = (
        "global\n    maxconn 10\ndefaults\n    mode http\nfrontend web\n    bind :80\n"
        "backend app\n    server SERVE_REPLICA_x-Y-1 127.0.0.1:1 check\n"
    )
    with pytest.raises(PatchError, match=r"no frontend http_frontend or grpc_frontend.*Ray 2\."):
        patch_ray_config(text, None, Policy())
    text = text.replace("frontend web", "frontend http_frontend")
    with pytest.raises(PatchError, match="backend app: replica servers"):
        patch_ray_config(text, None, Policy())
