"""Generated typed models: they render, parse back equal, and the real HAProxy accepts them."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import haproxy_model as hm

NAME = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789_-.:"), min_size=1, max_size=8)
TIME = st.tuples(st.integers(1, 900), st.sampled_from(["ms", "s", "m", ""])).map(
    lambda t: f"{t[0]}{t[1]}"
)
# HAProxy 2.6 balance algorithms that need no argument
BALANCE = st.sampled_from(["roundrobin", "static-rr", "leastconn", "first", "source", "random"])
HEADER_VALUE = st.text(st.sampled_from([*"abc XYZ#'\"$\\:;/,=()!{}", "é"]), min_size=1, max_size=12)


@st.composite
def servers(draw: st.DrawFn, base_port: int) -> list[hm.Server]:
    names = draw(st.lists(NAME, min_size=1, max_size=4, unique=True))
    out = []
    for i, name in enumerate(names):
        options: dict[str, object] = {}
        if draw(st.booleans()):
            options["maxconn"] = draw(st.integers(1, 10_000))
        if draw(st.booleans()):
            options["weight"] = draw(st.integers(0, 256))
        if draw(st.booleans()):
            options["check"] = True
            options["inter"] = draw(TIME)
            options["rise"] = draw(st.integers(1, 10))
            options["fall"] = draw(st.integers(1, 10))
        if draw(st.booleans()):
            options["backup"] = True
        out.append(
            hm.Server(name=name, address="127.0.0.1", port=base_port + i, **options)  # type: ignore[arg-type]
        )
    return out


@st.composite
def configs(draw: st.DrawFn) -> hm.Config:
    backend_names = draw(st.lists(NAME, min_size=1, max_size=3, unique=True))
    backends = []
    for i, name in enumerate(backend_names):
        backend = hm.Backend(
            name=name,
            balance=draw(BALANCE),
            servers=draw(servers(20000 + 10 * i)),
        )
        if draw(st.booleans()):
            backend.retries = draw(st.integers(0, 5))
        if draw(st.booleans()):
            backend.options["redispatch"] = draw(st.booleans())
        backends.append(backend)
    frontend = hm.Frontend(
        name="fe",
        binds=[hm.Bind(address="127.0.0.1", port=draw(st.integers(10000, 19999)))],
        default_backend=backend_names[0],
    )
    frontend.add_directive(["acl", "is_api", "path_beg", "/api"])
    frontend.add_directive(["http-request", "set-header", "X-Test", draw(HEADER_VALUE)])
    frontend.add_directive(["use_backend", backend_names[-1], "if", "is_api"])
    defaults = hm.Defaults(
        mode="http",
        timeouts={"connect": draw(TIME), "client": draw(TIME), "server": draw(TIME)},
    )
    if draw(st.booleans()):
        defaults.timeouts["queue"] = draw(TIME)
    glob = hm.Global(maxconn=draw(st.integers(100, 100_000)))
    return hm.Config(sections=[glob, defaults, frontend, *backends])


SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(SETTINGS, max_examples=200)
@given(configs())
def test_model_round_trips(cfg: hm.Config) -> None:
    text = hm.dumps(cfg)
    again = hm.parse(text)
    assert again == cfg
    assert hm.dumps(again) == text
    assert again.frontends["fe"].http_request[0].arguments[0] == "X-Test"


@pytest.mark.slow
@settings(SETTINGS, max_examples=25)
@given(configs())
def test_haproxy_accepts_generated_models(cfg: hm.Config) -> None:
    binary = hm.haproxy.find()
    path = Path(tempfile.mkdtemp()) / "haproxy.cfg"
    hm.dump(cfg, path)
    run = subprocess.run(
        [binary.path, "-c", "-f", str(path)], capture_output=True, text=True, timeout=60
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output + "\n" + hm.dumps(cfg)
    assert "ALERT" not in output
    # the header value HAProxy reads is the one we set
    value = cfg.frontends["fe"].http_request[0].arguments[1]
    assert hm.parse(path.read_text()).frontends["fe"].http_request[0].arguments[1] == value
