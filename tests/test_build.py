"""Configs built from scratch render conventionally and the real HAProxy accepts them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import haproxy_model as hm

EXPECTED = """\
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend web
    bind 127.0.0.1:8080
    default_backend app

backend app
    balance leastconn
    server s1 127.0.0.1:8081 maxconn 32 check
"""


def build() -> hm.Config:
    return hm.Config(
        sections=[
            hm.Global(maxconn=4096),
            hm.Defaults(mode="http", timeouts={"connect": "5s", "client": "30s", "server": "30s"}),
            hm.Frontend(
                name="web", binds=[hm.Bind(address="127.0.0.1", port=8080)], default_backend="app"
            ),
            hm.Backend(
                name="app",
                balance="leastconn",
                servers=[
                    hm.Server(name="s1", address="127.0.0.1", port=8081, maxconn=32, check=True)
                ],
            ),
        ]
    )


def test_conventional_rendering() -> None:
    cfg = build()
    assert hm.dumps(cfg) == EXPECTED
    assert hm.parse(hm.dumps(cfg)) == cfg


def test_types_after_reparse() -> None:
    again = hm.parse(hm.dumps(build()))
    server = again.backends["app"].servers["s1"]
    assert isinstance(server, hm.Server)
    assert (server.maxconn, server.check, server.port) == (32, True, 8081)


@pytest.mark.slow
def test_haproxy_accepts_it(haproxy_bin: str, tmp_path: Path) -> None:
    path = tmp_path / "built.cfg"
    hm.dump(build(), path)
    run = subprocess.run(
        [haproxy_bin, "-c", "-f", str(path)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ALERT" not in run.stdout + run.stderr


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="name"):
        hm.Server(name="a\nb", address="10.0.0.1")
    with pytest.raises(TypeError):
        hm.Backend(name="x", no_such_field=1)
    with pytest.raises(ValueError, match="HAProxy time"):
        hm.Defaults(timeouts={"connect": "5 seconds"})
    server = hm.Server(name="s", address="10.0.0.1", port=80)
    with pytest.raises(TypeError):
        server.maxconn = "32"  # type: ignore[assignment]


def test_values_that_need_quoting_render_safely() -> None:
    backend = hm.Backend(name="app", directives=[["http-request", "set-header", "X-A", "a b#c"]])
    text = hm.dumps(hm.Config(sections=[backend]))
    assert "'a b#c'" in text
    assert hm.parse(text).backends["app"].http_request[0].arguments == ["X-A", "a b#c"]
