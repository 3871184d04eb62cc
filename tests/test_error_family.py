"""One error family: everything haproxy-model raises on purpose is a
``haproxy_model.Error`` (and keeps the built-in base it always had). Hypothesis
throws bad input at the public functions; any other exception is a bug."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import haproxy_model as hm
from haproxy_model.adapters import ray_serve as rs
from haproxy_model.adapters.ray_serve import dashboard, patch, policy, wrapper
from haproxy_model.io.runtime import HAProxyRuntimeError
from haproxy_model.model.paths import EditError, PathError

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=20),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3),
)
WORDISH = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "a b", "${X}", '"', "'", "#", "\\", "\n", "\x00", "-1", "1e9"]),
)
SAMPLE = """\
global
    maxconn 100
defaults
    mode http
    timeout connect 5s
frontend web
    bind :8080
    default_backend app
backend app
    server s1 127.0.0.1:8081 check
"""


def named_errors() -> list[type[BaseException]]:
    return [
        hm.ParseError,
        hm.FileChangedError,
        hm.HAProxyRuntimeError,
        PathError,
        EditError,
        HAProxyRuntimeError,
        rs.PolicyError,
        rs.PatchError,
        rs.SyncError,
        wrapper.InstallError,
        dashboard.DashboardError,
    ]


def test_every_named_error_is_in_the_family() -> None:
    from haproxy_model.cli._common import CliError

    for cls in [*named_errors(), CliError]:
        assert issubclass(cls, hm.Error), cls
    # and keeps the built-in base older code catches
    assert issubclass(hm.ParseError, ValueError) and issubclass(rs.PolicyError, ValueError)
    assert issubclass(hm.NotFound, KeyError) and issubclass(hm.InvalidValue, ValueError)
    assert issubclass(hm.FileChangedError, RuntimeError)


def test_not_found_reads_as_a_sentence() -> None:
    cfg = hm.parse(SAMPLE)
    with pytest.raises(hm.NotFound) as err:
        cfg.backends["nope"]
    assert str(err.value).startswith("no backend") and not str(err.value).startswith("'")


def only_family(call: Callable[[], Any]) -> None:
    with contextlib.suppress(hm.Error):
        call()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=ANYTHING)
def test_parse_dumps_validate_from_dict(value: Any) -> None:
    only_family(lambda: hm.parse(value))
    only_family(lambda: hm.dumps(value))
    only_family(lambda: hm.from_dict(value))
    only_family(lambda: hm.validate(value))
    only_family(lambda: hm.validate(hm.parse(SAMPLE), version=value))
    only_family(lambda: hm.to_dict(value))
    only_family(lambda: hm.quote(value))
    only_family(lambda: list(hm.iter_lines(value)))


@settings(max_examples=100, deadline=None)
@given(value=st.one_of(ANYTHING, WORDISH))
def test_explain(value: Any) -> None:
    cfg = hm.parse(SAMPLE)
    only_family(lambda: hm.explain(value, "app"))
    only_family(lambda: hm.explain(cfg, value))
    only_family(lambda: hm.explain(cfg, "app", version=value))
    only_family(lambda: hm.explain(cfg, "app").server(value))
    only_family(lambda: hm.explain(hm.parse(SAMPLE + str(value) + "\n"), "app"))


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(["maxconn", "check", "weight", "address", "port", "inter",
                              "rise", "observe", "on_error", "name", "backup"]),
       value=st.one_of(ANYTHING, WORDISH))  # fmt: skip
def test_server_setters_and_constructor(field: str, value: Any) -> None:
    cfg = hm.parse(SAMPLE)
    server = cfg.backends["app"].servers["s1"]
    only_family(lambda: setattr(server, field, value))
    only_family(lambda: hm.Server(**{"name": "s2", "address": "10.0.0.1", field: value}))
    only_family(lambda: cfg.defaults[0].timeouts.__setitem__("client", value))
    only_family(lambda: cfg.backends["app"].options.__setitem__("redispatch", value))
    only_family(lambda: cfg.global_ and setattr(cfg.global_, "maxconn", value))
    only_family(lambda: hm.Bind(address=value, port=8080))
    only_family(lambda: hm.Word.env(value) if isinstance(value, str) else hm.Word.env("X", value))


@settings(max_examples=100, deadline=None)
@given(data=ANYTHING, text=st.text(max_size=200))
def test_ray_policy_and_patch(data: Any, text: str) -> None:
    only_family(lambda: policy.Policy.from_mapping(data))
    only_family(lambda: patch.patch_ray_config(text, None, policy.Policy()))
    only_family(lambda: patch.patch_ray_config(SAMPLE, None, policy.Policy(),
                                               max_ongoing_requests=data))  # fmt: skip
    only_family(lambda: wrapper.parse_max_ongoing(text))
    only_family(lambda: dashboard.parse_applications(data))


@settings(max_examples=60, deadline=None)
@given(name=st.text(max_size=30))
def test_files_and_binaries(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    folder = tmp_path_factory.mktemp("e")
    only_family(lambda: hm.load(folder / name) if name else hm.load(folder))
    only_family(lambda: hm.load_many([folder / name, folder]))
    only_family(lambda: hm.load_many(folder / name))
    only_family(lambda: hm.haproxy.probe(folder / name))
    only_family(lambda: policy.Policy.from_file(folder / (name + ".yaml")))


@settings(max_examples=100, deadline=None)
@given(value=ANYTHING, name=WORDISH)
def test_graph(value: Any, name: Any) -> None:
    cfg = hm.parse(SAMPLE)
    only_family(lambda: hm.graph(value))
    only_family(lambda: hm.graph([cfg, value]))
    only_family(lambda: hm.graph(cfg, frontend=value))
    only_family(lambda: hm.graph(cfg, frontend=name))
    only_family(lambda: hm.render_graph(value, "json"))
    only_family(lambda: hm.render_graph(hm.graph(cfg), value))
    only_family(lambda: hm.render_graph(hm.graph(cfg), name))


@settings(max_examples=150, deadline=None)
@given(
    frontend=st.one_of(ANYTHING, st.sampled_from(["web", "wbe", "app"])),
    method=st.one_of(ANYTHING, st.sampled_from(["GET", "get", "G T", ""])),
    path=st.one_of(ANYTHING, st.sampled_from(["/", "/a?b=c", "", "/ x", "\x00"])),
    header=st.one_of(ANYTHING, WORDISH, st.sampled_from(["K: V", "K V", ": v", "K:\n"])),
    src=st.one_of(ANYTHING, st.sampled_from(["1.2.3.4", "::1", "999.1.1.1", "x"])),
)
def test_route(frontend: Any, method: Any, path: Any, header: Any, src: Any) -> None:
    cfg = hm.parse(SAMPLE)
    only_family(lambda: hm.route(cfg, frontend, hm.Request()))
    only_family(lambda: hm.route(frontend, "web", hm.Request()))
    only_family(lambda: hm.route(cfg, "web", frontend))
    only_family(lambda: hm.route(cfg, "web", hm.Request(method=method, path=path, src=src)))
    only_family(lambda: hm.route(cfg, "web", hm.Request(headers=[header], host=frontend)))
    only_family(lambda: hm.route(cfg, "web", hm.Request(headers=header, sni=src)))


@settings(max_examples=100, deadline=None)
@given(value=st.one_of(ANYTHING, WORDISH))
def test_plan(value: Any) -> None:
    only_family(lambda: hm.plan(value, SAMPLE))
    only_family(lambda: hm.plan(SAMPLE, value))
    only_family(lambda: hm.plan(SAMPLE, SAMPLE + str(value) + "\n"))
    only_family(lambda: hm.plan(SAMPLE, SAMPLE, version=value))


@settings(max_examples=60, deadline=None)
@given(value=st.one_of(ANYTHING, WORDISH))
def test_drift(tmp_path_factory: pytest.TempPathFactory, value: Any) -> None:
    cfg = hm.parse(SAMPLE)
    nowhere = hm.RuntimeClient(tmp_path_factory.mktemp("d") / "none.sock", timeout=0.5)
    only_family(lambda: hm.drift(value, nowhere))
    only_family(lambda: hm.drift(cfg, value))
    folder = tmp_path_factory.mktemp("a")
    (folder / "h.cfg").write_text(SAMPLE)
    only_family(lambda: hm.apply(value, folder / "h.cfg", master_socket=folder / "m.sock"))
    only_family(lambda: hm.apply(SAMPLE, value, master_socket=folder / "m.sock"))
    only_family(lambda: hm.apply(SAMPLE, folder / "h.cfg", master_socket=value))
    only_family(lambda: hm.apply(SAMPLE, folder / "h.cfg", master_socket="m.sock", keep=value))


def test_the_public_surface_is_covered() -> None:
    """Each public function of the package root is called by a test above or listed here
    with why it needs no fuzzing (it takes no user input)."""
    covered = {"parse", "dumps", "from_dict", "validate", "to_dict", "load", "dump", "quote",
               "iter_lines", "load_many", "explain", "graph", "render_graph", "route",
               "plan", "drift", "apply"}  # fmt: skip
    functions = {n for n, v in vars(hm).items() if inspect.isfunction(v) and not n.startswith("_")}
    assert functions <= covered, functions - covered
