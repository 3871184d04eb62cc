"""Fast tests for the Ray Serve HAProxy policy (no Ray needed)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from haproxy_model.adapters.ray_serve import Deployment, Policy, PolicyError
from haproxy_model.adapters.ray_serve.policy import RateLimit, ServerMaxconn, Timeouts

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ray-serve-policy.yaml"

YAML_DOC = """\
global:
  maxconn: 130000
  maxconnrate: {per_replica: 512}
  maxsessrate: 2000
timeouts:
  connect: 5s
  http-request: 30s
  queue: 60000
retries: 1
retry_on: [conn-failure, empty-response, 503]
redispatch: false
balance: roundrobin
http_reuse: safe
health_check:
  path: /health
  method: HEAD
  expect_status: 204
  inter: 2s
  rise: 3
  fall: 4
server:
  maxconn:
    ratio: 0.5
    floor: 2
    cap: 100
    overrides:
      app1/Model: 7
      Router: null
  maxqueue: 64
extra:
  global: ["tune.bufsize 32768"]
  backend: ["option forwardfor"]
"""

JSON_DOC = {
    "global": {"maxconn": 130000, "maxconnrate": {"per_replica": 512}, "maxsessrate": 2000},
    "timeouts": {"connect": "5s", "http-request": "30s", "queue": 60000},
    "retries": 1,
    "retry_on": ["conn-failure", "empty-response", "503"],
    "redispatch": False,
    "balance": "roundrobin",
    "http_reuse": "safe",
    "health_check": {"path": "/health", "method": "HEAD", "expect_status": 204,
                     "inter": "2s", "rise": 3, "fall": 4},
    "server": {"maxconn": {"ratio": 0.5, "floor": 2, "cap": 100,
                           "overrides": {"app1/Model": 7, "Router": None}},
               "maxqueue": 64},
    "extra": {"global": ["tune.bufsize 32768"], "backend": ["option forwardfor"]},
}  # fmt: skip

TOML_DOC = """\
retries = 1
retry_on = "conn-failure empty-response 503"
redispatch = false
balance = "roundrobin"
http_reuse = "safe"

[global]
maxconn = 130000
maxconnrate = { per_replica = 512 }
maxsessrate = 2000

[timeouts]
connect = "5s"
http-request = "30s"
queue = 60000

[health_check]
path = "/health"
method = "HEAD"
expect_status = 204
inter = "2s"
rise = 3
fall = 4

[server]
maxqueue = 64

[server.maxconn]
ratio = 0.5
floor = 2
cap = 100
overrides = { "app1/Model" = 7 }

[extra]
global = ["tune.bufsize 32768"]
backend = ["option forwardfor"]
"""


def dep(mor: int, name: str = "Model", app: str = "app1") -> Deployment:
    return Deployment(name=name, app=app, max_ongoing_requests=mor)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ----------------------------------------------------------------- formats


def test_yaml_json_toml_load_the_same_policy(tmp_path: Path) -> None:
    from_yaml = Policy.from_file(write(tmp_path, "p.yaml", YAML_DOC))
    from_json = Policy.from_file(write(tmp_path, "p.json", json.dumps(JSON_DOC, indent=2)))
    from_toml = Policy.from_file(write(tmp_path, "p.toml", TOML_DOC))
    # TOML has no null, so that override is absent there.
    assert from_yaml == from_json
    assert from_yaml.server_maxconn_rule is not None
    assert from_toml.server_maxconn_rule is not None
    assert dict(from_toml.server_maxconn_rule.overrides) == {"app1/Model": 7}
    assert from_toml.server_maxconn_rule.ratio == from_yaml.server_maxconn_rule.ratio
    assert (
        from_toml.timeouts
        == from_yaml.timeouts
        == Timeouts(connect="5s", http_request="30s", queue="60000")
    )
    for p in (from_yaml, from_json, from_toml):
        assert p.maxconn == 130000
        assert p.maxconnrate == RateLimit(per_replica=512)
        assert p.maxsessrate == RateLimit(fixed=2000)
        assert p.retries == 1
        assert p.retry_on == ("conn-failure", "empty-response", "503")
        assert p.redispatch is False
        assert (p.balance, p.http_reuse, p.maxqueue) == ("roundrobin", "safe", 64)
        assert p.health_check.path == "/health"
        assert p.health_check.method == "HEAD"
        assert (p.health_check.expect_status, p.health_check.rise, p.health_check.fall) == (
            204, 3, 4)  # fmt: skip
        assert p.health_check.inter == "2s"
        assert p.health_check.fastinter == "250ms"
        assert p.extra.global_ == ("tune.bufsize 32768",)
        assert p.extra.backend == ("option forwardfor",)
        assert p.extra.defaults == p.extra.frontend == ()
    assert from_yaml.source.endswith("p.yaml")


def test_empty_documents_give_defaults(tmp_path: Path) -> None:
    assert Policy.from_file(write(tmp_path, "e.yaml", "")) == Policy()
    assert Policy.from_file(write(tmp_path, "e.json", "{}")) == Policy()
    assert Policy.from_file(write(tmp_path, "e.toml", "")) == Policy()
    assert Policy.from_mapping({}) == Policy()


def test_defaults_mirror_ray_haproxy_mode() -> None:
    p = Policy()
    assert p.maxconn == 4096
    assert p.timeouts.items() == (("connect", "5s"), ("client", "3600s"))
    assert p.retry_on == ("conn-failure",) and p.retries is None and p.redispatch
    assert (p.balance, p.http_reuse) == ("leastconn", "always")
    hc = p.health_check
    assert (hc.method, hc.path, hc.expect_status) == ("GET", "/-/healthz", 200)
    assert (hc.inter, hc.fastinter, hc.downinter, hc.rise, hc.fall) == (
        "5s", "250ms", "250ms", 2, 2)  # fmt: skip
    assert p.maxconnrate is None and p.maxsessrate is None and p.maxqueue is None
    # The one deliberate difference from Ray: servers get maxconn = max_ongoing_requests.
    assert p.server_maxconn(dep(5)) == 5
    assert p.server_maxconn(dep(64)) == 64


def test_defaults_match_installed_ray_constants() -> None:
    constants = pytest.importorskip("ray.serve._private.constants")
    p = Policy()
    assert p.maxconn == constants.RAY_SERVE_HAPROXY_MAXCONN
    assert p.timeouts.connect == f"{constants.RAY_SERVE_HAPROXY_TIMEOUT_CONNECT_S}s"
    assert p.timeouts.client == f"{constants.RAY_SERVE_HAPROXY_TIMEOUT_CLIENT_S}s"
    assert p.balance == constants.RAY_SERVE_HAPROXY_BALANCE_ALGORITHM
    assert " ".join(p.retry_on) == constants.RAY_SERVE_HAPROXY_RETRY_ON
    assert p.health_check.inter == constants.RAY_SERVE_HAPROXY_HEALTH_CHECK_INTER
    assert p.health_check.fastinter == constants.RAY_SERVE_HAPROXY_HEALTH_CHECK_FASTINTER
    assert p.health_check.downinter == constants.RAY_SERVE_HAPROXY_HEALTH_CHECK_DOWNINTER
    assert p.health_check.rise == constants.RAY_SERVE_HAPROXY_HEALTH_CHECK_RISE
    assert p.health_check.fall == constants.RAY_SERVE_HAPROXY_HEALTH_CHECK_FALL


def test_production_example() -> None:
    p = Policy.from_file(EXAMPLE)
    assert p.maxconn == 130000
    assert p.global_maxconnrate(3) == p.global_maxsessrate(3) == 1536
    assert p.timeouts.connect == "5s"
    assert p.timeouts.client == "60s"
    assert p.timeouts.server == "120s"
    assert p.timeouts.http_request == "30s"
    assert p.timeouts.queue == "60s"
    assert p.redispatch is True
    assert p.retries == 1
    assert (p.health_check.method, p.health_check.path) == ("GET", "/health")
    assert p.server_maxconn(dep(64)) == 32


# ----------------------------------------------------------------- maths


@pytest.mark.parametrize(
    ("rule", "mor", "expected"),
    [
        (ServerMaxconn(), 64, 64),
        (ServerMaxconn(ratio=0.5), 64, 32),
        (ServerMaxconn(ratio=0.5), 3, 1),  # rounds down
        (ServerMaxconn(ratio=0.5), 1, 1),  # never 0 (HAProxy: unlimited)
        (ServerMaxconn(ratio=0.29), 100, 29),  # exact, not 28.999...
        (ServerMaxconn(ratio=0.1), 30, 3),
        (ServerMaxconn(ratio=2), 10, 20),
        (ServerMaxconn(ratio=0.5, floor=8), 4, 8),
        (ServerMaxconn(ratio=0.5, cap=16), 64, 16),
        (ServerMaxconn(ratio=0.5, floor=4, cap=16), 20, 10),
        (ServerMaxconn(fixed=9), 64, 9),
    ],
)
def test_server_maxconn_maths(rule: ServerMaxconn, mor: int, expected: int) -> None:
    assert Policy(server_maxconn_rule=rule).server_maxconn(dep(mor)) == expected


def test_server_maxconn_overrides() -> None:
    rule = ServerMaxconn(ratio=0.5, overrides={"app1/Model": 7, "Model": 11, "Router": None})
    p = Policy(server_maxconn_rule=rule)
    assert p.server_maxconn(dep(64, "Model", "app1")) == 7  # app/deployment wins
    assert p.server_maxconn(dep(64, "Model", "app2")) == 11  # then bare deployment
    assert p.server_maxconn(dep(64, "Router", "app1")) is None  # null: no maxconn
    assert p.server_maxconn(dep(64, "Other", "app1")) == 32  # then the ratio


def test_server_maxconn_shorthands() -> None:
    assert Policy.from_mapping({"server": {"maxconn": None}}).server_maxconn(dep(64)) is None
    assert Policy.from_mapping({"server": {"maxconn": 12}}).server_maxconn(dep(64)) == 12


def test_rates() -> None:
    assert RateLimit(per_replica=512).resolve(4) == 2048
    assert RateLimit(per_replica=512).resolve(0) == 0
    assert RateLimit(fixed=100).resolve(4) == 100
    p = Policy.from_mapping({"global": {"maxconnrate": {"fixed": 10}}})
    assert p.global_maxconnrate(5) == 10 and p.global_maxsessrate(5) is None
    with pytest.raises(ValueError, match="exactly one"):
        RateLimit()
    with pytest.raises(ValueError, match="exactly one"):
        RateLimit(fixed=1, per_replica=2)


def test_hyphen_and_underscore_keys_are_the_same() -> None:
    p = Policy.from_mapping(
        {
            "retry-on": "503",
            "http-reuse": "never",
            "timeouts": {"http_keep_alive": "1m", "http-request": "2s"},
        }
    )
    assert p.retry_on == ("503",) and p.http_reuse == "never"
    assert p.timeouts.http_keep_alive == "1m" and p.timeouts.http_request == "2s"
    with pytest.raises(PolicyError, match="duplicate key 'retry-on'"):
        Policy.from_mapping({"retry_on": "503", "retry-on": "504"})


# ----------------------------------------------------------------- errors


def test_unknown_top_level_key_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "retries: 1\nretires: 2\n")
    with pytest.raises(PolicyError) as err:
        Policy.from_file(path)
    assert err.value.line == 2 and err.value.key == "retires"
    assert str(err.value).startswith(f"{path}:2: unknown key 'retires'")


def test_unknown_nested_key_yaml(tmp_path: Path) -> None:
    doc = """\
    global:
      maxconn: 10
    server:
      maxconn:
        ratio: 0.5
        celing: 3
    """
    path = write(tmp_path, "p.yaml", doc)
    with pytest.raises(PolicyError) as err:
        Policy.from_file(path)
    assert (err.value.filename, err.value.line, err.value.key) == (str(path), 6, "celing")
    assert "'server.maxconn'" in str(err.value)
    assert "ratio, floor, cap" in str(err.value)


def test_unknown_key_json(tmp_path: Path) -> None:
    doc = {"server": {"maxconn": {"ratio": 0.5}}, "health_check": {"path": "/h", "rize": 2}}
    path = write(tmp_path, "p.json", json.dumps(doc, indent=2))
    with pytest.raises(PolicyError) as err:
        Policy.from_file(path)
    lines = path.read_text().splitlines()
    assert err.value.key == "rize"
    assert err.value.line is not None and '"rize"' in lines[err.value.line - 1]
    assert str(err.value).startswith(f"{path}:{err.value.line}: unknown key 'rize'")


def test_unknown_key_json_same_name_elsewhere(tmp_path: Path) -> None:
    # 'maxconn' is valid under global but not at the top level, which comes later.
    text = '{\n  "global": {\n    "maxconn": 5\n  },\n  "maxconn": 6\n}\n'
    path = write(tmp_path, "p.json", text)
    with pytest.raises(PolicyError) as err:
        Policy.from_file(path)
    assert (err.value.line, err.value.key) == (5, "maxconn")


def test_unknown_key_toml(tmp_path: Path) -> None:
    doc = """\
    retries = 1

    [global]
    maxconn = 5

    [server.maxconn]
    ratio = 0.5
    overides = { "a/b" = 3 }
    """
    path = write(tmp_path, "p.toml", doc)
    with pytest.raises(PolicyError) as err:
        Policy.from_file(path)
    assert (err.value.line, err.value.key) == (8, "overides")
    assert f"{path}:8:" in str(err.value)


def test_unknown_key_toml_inline_table(tmp_path: Path) -> None:
    path = write(tmp_path, "p.toml", "[global]\nmaxconn = 5\nmaxconnrate = { per_replika = 1 }\n")
    with pytest.raises(PolicyError) as err:
        Policy.from_file(path)
    assert (err.value.line, err.value.key) == (3, "per_replika")


def test_unknown_key_from_mapping_has_no_line() -> None:
    with pytest.raises(PolicyError) as err:
        Policy.from_mapping({"extra": {"listen": ["x"]}}, source="inline")
    assert err.value.line is None
    assert str(err.value).startswith("inline: unknown key 'listen' in 'extra'")


@pytest.mark.parametrize("bad", ["5 s", "5sec", "1.5s", "-1", "s", "", "5S", "10ns"])
def test_bad_time_values(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path, "p.yaml", f"retries: 1\ntimeouts:\n  connect: 1s\n  server: '{bad}'\n")
    with pytest.raises(PolicyError, match="is not an HAProxy time") as err:
        Policy.from_file(path)
    assert (err.value.line, err.value.key) == (4, "server")


@pytest.mark.parametrize("good", ["0", "100", "250ms", "5s", "2m", "1h", "1d", "10us"])
def test_good_time_values(good: str) -> None:
    assert Policy.from_mapping({"timeouts": {"tunnel": good}}).timeouts.tunnel == good


def test_bad_time_types() -> None:
    for bad in (True, 1.5, -3, ["5s"]):
        with pytest.raises(PolicyError, match="not an HAProxy time"):
            Policy.from_mapping({"health_check": {"inter": bad}})
    with pytest.raises(ValueError, match="not an HAProxy time"):
        Timeouts(connect="5 s")


def test_bad_health_check_time_has_line(tmp_path: Path) -> None:
    path = write(tmp_path, "p.json", '{\n  "health_check": {\n    "fastinter": "fast"\n  }\n}\n')
    with pytest.raises(PolicyError) as err:
        Policy.from_file(path)
    assert (err.value.line, err.value.key) == (3, "fastinter")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"retries": "1"}, "retries must be an integer"),
        ({"retries": -1}, "must be >= 0"),
        ({"retry_on": "conn-failure bogus"}, "unknown keyword"),
        ({"redispatch": "yes"}, "redispatch must be true, false or null"),
        ({"balance": "fastest"}, "unknown algorithm"),
        ({"http_reuse": "sometimes"}, "http_reuse"),
        ({"global": {"maxconn": 0}}, "must be >= 1"),
        ({"global": {"maxconnrate": "lots"}}, "must be a mapping"),
        ({"health_check": {"path": "health"}}, "must start with '/'"),
        ({"health_check": {"method": "get"}}, "upper-case"),
        ({"health_check": {"expect_status": 999}}, "100..599"),
        ({"health_check": {"observe": "layer3"}}, "layer4 or layer7"),
        ({"health_check": {"on_error": "explode"}}, "on_error must be one of"),
        ({"health_check": {"error_limit": 0}}, "must be >= 1"),
        ({"server": {"maxconn": {"ratio": 0}}}, "ratio must be > 0"),
        ({"server": {"maxconn": {"ratio": "half"}}}, "must be a number"),
        ({"server": {"maxconn": {"floor": 0}}}, "floor must be >= 1"),
        ({"server": {"maxconn": {"floor": 10, "cap": 5}}}, "below floor"),
        ({"server": {"maxconn": {"ratio": 1, "fixed": 5}}}, "not both"),
        ({"server": {"maxconn": {"overrides": {"a/b": 0}}}}, ">= 1 or null"),
        ({"server": {"maxconn": {"overrides": {"a/b/c": 1}}}}, "'app/deployment'"),
        ({"server": {"maxconn": {"overrides": {"a": "x"}}}}, "integer or null"),
        ({"extra": {"global": "tune.bufsize 1"}}, "must be a list"),
        ({"extra": {"global": ["a\nb"]}}, "one non-empty directive line"),
        ({"timeouts": ["5s"]}, "must be a mapping"),
    ],
)
def test_invalid_values(doc: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        Policy.from_mapping(doc)


def test_invalid_value_line_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "server:\n  maxconn:\n    floor: 10\n    cap: 5\n")
    with pytest.raises(PolicyError, match="below floor") as err:
        Policy.from_file(path)
    assert err.value.line == 2


def test_extra_line_location_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "extra:\n  backend:\n    - option a\n    - ''\n")
    with pytest.raises(PolicyError) as err:
        Policy.from_file(path)
    assert err.value.line == 4


def test_syntax_errors_have_lines(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="invalid YAML") as err:
        Policy.from_file(write(tmp_path, "p.yaml", "retries: 1\nglobal: [\n"))
    assert err.value.line is not None
    with pytest.raises(PolicyError, match="invalid JSON") as err:
        Policy.from_file(write(tmp_path, "p.json", '{\n  "retries": 1,\n}\n'))
    assert err.value.line == 3
    with pytest.raises(PolicyError, match="invalid TOML") as err:
        Policy.from_file(write(tmp_path, "p.toml", "retries = 1\nretries = 2\n"))
    assert err.value.line == 2


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="duplicate key 'retries'") as err:
        Policy.from_file(write(tmp_path, "p.yaml", "retries: 1\nretries: 2\n"))
    assert err.value.line == 2


def test_unsupported_suffix(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="unsupported policy file type"):
        Policy.from_file(write(tmp_path, "p.ini", "x=1"))


def test_time_with_trailing_newline_is_rejected() -> None:
    with pytest.raises(PolicyError, match="not an HAProxy time"):
        Policy.from_mapping({"timeouts": {"server": "5s\n"}})


def test_observe_defaults_and_null() -> None:
    hc = Policy().health_check
    assert (hc.observe, hc.error_limit, hc.on_error) == ("layer4", 3, "mark-down")  # as Ray
    off = Policy.from_mapping({"health_check": {"observe": None, "on_error": None}}).health_check
    assert (off.observe, off.on_error) == (None, None)


def test_readme_policy_table_is_generated() -> None:
    """README's policy-key table is what the attrs classes say (refresh: python -m
    haproxy_model.adapters.ray_serve.policy_table --write README.md)."""
    from haproxy_model.adapters.ray_serve.policy_table import README_END, README_START, policy_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    start = readme.index(README_START) + len(README_START)
    assert readme[start : readme.index(README_END)] == "\n" + policy_table()
    table = policy_table()
    for key in ("global.maxconn", "timeouts.http-request", "health_check.path", "server.maxconn",
                "retry_on", "extra.backend", "remove"):  # fmt: skip
        assert f"| {key} |" in table


def test_backoff_doubles_to_its_cap_and_resets() -> None:
    from haproxy_model.adapters.ray_serve.backoff import Backoff

    b = Backoff(first=0.2, most=1.0)
    assert b.ready(0.0)
    assert [b.failed(10.0) for _ in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]
    assert not b.ready(10.5) and b.ready(11.0)
    b.succeeded()
    assert b.failed(20.0) == 0.2
