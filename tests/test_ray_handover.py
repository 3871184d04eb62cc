"""hand_over: the HAProxy a reload replaces learns the new replica servers (real binaries)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model._net import free_port
from haproxy_model.adapters.ray_serve.handover import admin_socket, hand_over, is_reload
from haproxy_model.adapters.ray_serve.wrapper import hand_over_file
from haproxy_model.io import haproxy
from haproxy_model.io.runtime import HAProxyRuntimeError, RuntimeClient
from tests.http_stubs import stub_servers
from tests.running_haproxy import stop

BINARIES = haproxy.find_all()

RAY_LIKE = """\
global
    stats socket {sock} mode 600 level admin expose-fd listeners

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    timeout queue 10s
    option redispatch 1
    balance leastconn

frontend http_frontend
    bind 127.0.0.1:{fe}
    default_backend http-app

backend http-app
    option httpchk GET /-/healthz
    default-server fastinter 250ms downinter 250ms fall 2 rise 2 inter 5s check
{servers}
    server SERVE_PROXY_ACTOR-fallback 127.0.0.1:{fallback} backup
"""


def _servers(ports: dict[str, int]) -> str:
    return "".join(
        f"    server SERVE_REPLICA_app-D-{rid} 127.0.0.1:{port} check observe layer4 "
        f"error-limit 3 on-error mark-down maxconn 2\n"
        for rid, port in ports.items()
    )


def test_is_reload_and_admin_socket() -> None:
    assert is_reload(["-db", "-f", "c", "-sf", "12"]) and is_reload(["-st", "1"])
    assert not is_reload(["-db", "-f", "c", "-dR"])
    cfg = hm.parse(RAY_LIKE.format(sock="/run/a.sock", fe=1, servers="", fallback=2))
    assert admin_socket(["-sf", "1", "-x", "/x.sock"], cfg) == "/x.sock"
    assert admin_socket(["-sf", "1"], cfg) == "/run/a.sock"
    user = hm.parse("global\n    stats socket /run/u.sock mode 600 level user\n")
    assert admin_socket(["-sf", "1"], user) is None


@pytest.fixture(params=BINARIES, ids=[f"haproxy-{b.version}" for b in BINARIES])
def old_process(request: pytest.FixtureRequest) -> Iterator[tuple[Path, list[int]]]:
    """An HAProxy running a Ray-like file with replica ``a`` only; yields (folder, ports)."""
    binary: haproxy.Binary = request.param
    folder = Path(tempfile.mkdtemp(prefix="hm-ho-"))
    with stub_servers(3) as ports:
        cfg = folder / "haproxy.cfg"
        text = RAY_LIKE.format(
            sock=folder / "admin.sock", fe=free_port(), servers=_servers({"a": ports[0]}),
            fallback=ports[2],
        )  # fmt: skip
        cfg.write_text(text)
        proc = subprocess.Popen([binary.path, "-db", "-f", str(cfg)], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    RuntimeClient(folder / "admin.sock", timeout=1).show_info()
                    break
                except (OSError, HAProxyRuntimeError):
                    if time.monotonic() > deadline or proc.poll() is not None:
                        pytest.fail(f"{binary.path} did not start")
                    time.sleep(0.05)
            yield folder, ports
        finally:
            stop(proc)
            shutil.rmtree(folder, ignore_errors=True)


def _rows(sock: Path) -> dict[str, Mapping[str, str]]:
    return {r.svname: r.fields for r in RuntimeClient(sock).show_stat("http-app") if r.is_server}


@pytest.mark.slow
def test_hand_over_adds_new_and_retires_gone_replicas(old_process: tuple[Path, list[int]]) -> None:
    folder, ports = old_process
    sock = folder / "admin.sock"
    text = (folder / "haproxy.cfg").read_text()
    new = text.replace(_servers({"a": ports[0]}), _servers({"b": ports[1]}))
    done = hand_over(hm.parse(new), str(sock))
    assert done == [
        f"add http-app/SERVE_REPLICA_app-D-b 127.0.0.1:{ports[1]}",
        "maint http-app/SERVE_REPLICA_app-D-a",
    ]
    rows = _rows(sock)
    added = rows["SERVE_REPLICA_app-D-b"]
    assert added["status"].startswith("UP") and added["slim"] == "2"
    assert rows["SERVE_REPLICA_app-D-a"]["status"].startswith("MAINT")
    assert rows["SERVE_PROXY_ACTOR-fallback"]["status"] != "MAINT"  # the backup is Ray's own
    # a second hand-over of the same file changes nothing; bringing `a` back readies it
    assert hand_over(hm.parse(new), str(sock)) == []
    both = text.replace(_servers({"a": ports[0]}), _servers({"a": ports[0], "b": ports[1]}))
    assert hand_over(hm.parse(both), str(sock)) == ["ready http-app/SERVE_REPLICA_app-D-a"]
    assert not _rows(sock)["SERVE_REPLICA_app-D-a"]["status"].startswith("MAINT")


@pytest.mark.slow
def test_wrapper_hands_over_on_reload_only(old_process: tuple[Path, list[int]]) -> None:
    folder, ports = old_process
    cfg = folder / "haproxy.cfg"
    cfg.write_text(cfg.read_text().replace(_servers({"a": ports[0]}),
                                           _servers({"a": ports[0], "b": ports[1]})))  # fmt: skip
    assert hand_over_file(str(cfg), ["-db", "-f", str(cfg)]) == []  # a first start
    done = hand_over_file(
        str(cfg), ["-db", "-f", str(cfg), "-sf", "1", "-x", str(folder / "admin.sock")]
    )
    assert done == [f"add http-app/SERVE_REPLICA_app-D-b 127.0.0.1:{ports[1]}"]
    # the old process may be gone already: logged, never raised
    assert hand_over_file(str(cfg), ["-f", str(cfg), "-sf", "1", "-x", str(folder / "nope")]) == []
