"""Map and ACL file entries in a plan: ``set/add/del map`` and ``add/del acl`` commands
(or a reload with the reason), applied to a real master-worker HAProxy with no reload:
``show map``/``show acl`` then list NEW's file and requests follow the new entries."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.analysis.route.matching import read_map
from haproxy_model.io import haproxy
from haproxy_model.io.runtime import HAProxyRuntimeError
from haproxy_model.ops.apply import ApplyError, _Run, apply
from haproxy_model.ops.patterns import parse_shown, pattern_files
from tests.running_haproxy import BINARIES, BINARY_IDS, Running, running
from tests.test_apply import load
from tests.test_runtime import web  # noqa: F401 - a fixture

CONFIG = """\
global
    default-path config
    stats socket {d}/admin.sock level admin
    stats timeout 30s

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend fe
    bind 127.0.0.1:{fe}
    acl api path_beg -f paths.acl
    acl known req.hdr(host) -M -f hosts.map
    http-request set-header X-Note %[req.hdr(host),map(notes.map,none)]
    use_backend be_c if api
    use_backend %[req.hdr(host),lower,map(hosts.map,be_a)] if known
    default_backend be_a

backend be_a
    server a 127.0.0.1:{A}
backend be_b
    server b 127.0.0.1:{B}
backend be_c
    server c 127.0.0.1:{C}
"""

OLD_MAP = "# hosts\none.test be_a\ntwo.test be_a\nthree.test be_b\n"
NEW_MAP = "# hosts\none.test be_b\ntwo.test be_a\nfour.test be_b\n"
OLD_ACL = "/api\n/old\n"
NEW_ACL = "/api\n/v2\n"
OLD_NOTES = "one.test plain\n"
NEW_NOTES = "one.test a b;c\\d\n"  # a value HAProxy takes with its blanks, ';' and '\\'
FILES = {"hosts.map": OLD_MAP, "paths.acl": OLD_ACL, "notes.map": OLD_NOTES}


def folder(path: Path, cfg: str, hosts: str, paths: str, notes: str = OLD_NOTES) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "notes.map").write_text(notes)
    (path / "haproxy.cfg").write_text(cfg)
    (path / "hosts.map").write_text(hosts)
    (path / "paths.acl").write_text(paths)
    return path / "haproxy.cfg"


def changes(tmp_path: Path, new_hosts: str, new_paths: str = OLD_ACL, **kw: str) -> hm.Plan:
    cfg = CONFIG.format(d="/x", fe=80, A=1, B=2, C=3)
    old = folder(tmp_path / "old", cfg, OLD_MAP, OLD_ACL)
    new_cfg = kw.get("new_cfg", CONFIG).format(d="/x", fe=80, A=1, B=2, C=3)
    new = folder(tmp_path / "new", new_cfg, new_hosts, new_paths)
    return hm.plan(hm.load(old), hm.load(new))


def test_plan_reads_the_files_next_to_each_config(tmp_path: Path) -> None:
    result = changes(tmp_path, NEW_MAP, NEW_ACL)
    assert result.to_dict() == {
        "runtime": [
            {
                "change": "map file hosts.map: 1 added, 1 changed, 1 removed",
                "commands": [
                    "set map hosts.map one.test be_b",
                    "add map hosts.map four.test be_b",
                    "del map hosts.map three.test",
                ],
            },
            {
                "change": "acl file paths.acl: 1 added, 1 removed",
                "commands": ["add acl paths.acl /v2", "del acl paths.acl /old"],
            },
        ],
        "reload": [],
        "needs_reload": False,
    }
    assert changes(tmp_path / "same", OLD_MAP).empty
    # a value with blanks and ';' is escaped as one argument
    spaced = changes(tmp_path / "spaced", OLD_MAP + "x.test be a;b\n")
    assert spaced.commands == ["add map hosts.map x.test be\\ a\\;b"]


@pytest.mark.parametrize(
    ("hosts", "reason"),
    [
        ("two.test be_a\none.test be_a\nthree.test be_b\n", "reordered"),
        ("zero.test be_a\n" + OLD_MAP, "inserted before old ones"),
        (OLD_MAP + "three.test be_c\n", "repeats"),
        (OLD_MAP + "lonely.test\n", "no value"),
    ],
)
def test_what_reloads(tmp_path: Path, hosts: str, reason: str) -> None:
    result = changes(tmp_path, hosts)
    assert result.needs_reload and not result.commands
    assert [s.change for s in result.reload] == ["map file hosts.map entries changed"]
    assert reason in result.reload[0].reason


def test_renamed_or_unreadable_file_reloads(tmp_path: Path) -> None:
    renamed = CONFIG.replace("-f paths.acl", "-f paths2.acl")
    result = changes(tmp_path, OLD_MAP, new_cfg=renamed)
    reasons = {s.change: s.reason for s in result.reload}
    assert len(reasons) == 3  # the acl line itself, and each name
    assert "pattern file name differs" in reasons["acl file paths.acl no longer named"]
    assert "pattern file name differs" in reasons["acl file paths2.acl now named"]
    changes(tmp_path / "gone", OLD_MAP)
    (tmp_path / "gone" / "new" / "paths.acl").unlink()
    old, new = (hm.load(tmp_path / "gone" / side / "haproxy.cfg") for side in ("old", "new"))
    result = hm.plan(old, new)
    assert [s.reason for s in result.reload] == ["NEW's entries cannot be read"]


def test_which_files_and_kinds() -> None:
    cfg = hm.parse(CONFIG.format(d="/x", fe=80, A=1, B=2, C=3))
    found = pattern_files(cfg, "/etc/haproxy")
    assert {n: (f.kind, f.path) for n, f in found.items()} == {
        "hosts.map": ("map", "/etc/haproxy/hosts.map"),
        "paths.acl": ("acl", "/etc/haproxy/paths.acl"),
        "notes.map": ("map", "/etc/haproxy/notes.map"),
    }
    assert parse_shown("map", "0x55 a.test be x\n0x56 b.test y\n") == [
        ("a.test", "be x"),
        ("b.test", "y"),
    ]


def get(port: int, host: str, path: str = "/") -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": host, "Connection": "close"})
        return conn.getresponse().read().decode()
    finally:
        conn.close()


def shown(run: Running, kind: str, name: str) -> list[tuple[str, str]]:
    return parse_shown(kind, run.client().execute(f"show {kind} {name}"))


def write_files(run: Running, hosts: str, paths: str, notes: str = NEW_NOTES) -> None:
    (run.folder / "notes.map").write_text(notes)
    (run.folder / "hosts.map").write_text(hosts)
    (run.folder / "paths.acl").write_text(paths)


@pytest.mark.slow
@pytest.mark.parametrize("binary", BINARIES, ids=BINARY_IDS)
def test_plan_commands_apply_live(
    binary: haproxy.Binary,
    web: dict[str, int],  # noqa: F811
    tmp_path: Path,
) -> None:
    with running(binary, CONFIG, FILES, **web) as run:
        assert get(run.fe_port, "one.test") == "A"
        assert get(run.fe_port, "three.test") == "B"
        new = folder(tmp_path, run.config.read_text(), NEW_MAP, NEW_ACL, NEW_NOTES)
        result = hm.plan(hm.load(run.config), hm.load(new), version=binary.version)
        assert not result.needs_reload and len(result.commands) == 6
        assert "set map notes.map one.test a\\ b\\;c\\\\d" in result.commands
        workers = run.worker_pids()
        with run.master_client() as master:
            for command in result.commands:
                master.execute(command)
        assert run.worker_pids() == workers  # no reload
        assert shown(run, "map", "hosts.map") == read_map(new.parent / "hosts.map")
        assert shown(run, "acl", "paths.acl") == [("/api", ""), ("/v2", "")]
        assert get(run.fe_port, "one.test") == "B"  # routed by the map's new value
        assert get(run.fe_port, "four.test") == "B"
        assert get(run.fe_port, "three.test") == "A"  # gone: the default backend
        assert get(run.fe_port, "one.test", "/v2/x") == "C"
        assert get(run.fe_port, "one.test", "/old") == "B"
        assert shown(run, "map", "notes.map") == [("one.test", "a b;c\\d")]


@pytest.mark.slow
@pytest.mark.parametrize("binary", BINARIES, ids=BINARY_IDS)
def test_apply_compares_with_the_running_entries(
    binary: haproxy.Binary,
    web: dict[str, int],  # noqa: F811
) -> None:
    with running(binary, CONFIG, FILES, **web) as run:
        text = run.config.read_text()
        workers = run.worker_pids()
        write_files(run, NEW_MAP, NEW_ACL)  # edited in place: the file no longer says OLD
        logged: list[str] = []
        with load(run.fe_port) as failures:  # bounded: one request at a time, loopback
            done = apply(text, run.config, master_socket=run.master,
                         log=lambda s, d: logged.append(s))  # fmt: skip
        assert failures == []
        assert not done.reloaded and not done.written
        assert logged == ["check", "plan", "write", "runtime", "verify"]
        assert len(done.plan.commands) == 6
        assert run.worker_pids() == workers
        assert shown(run, "map", "hosts.map") == read_map(run.folder / "hosts.map")
        assert shown(run, "acl", "paths.acl") == [("/api", ""), ("/v2", "")]
        assert shown(run, "map", "notes.map") == read_map(run.folder / "notes.map")
        assert get(run.fe_port, "one.test") == "B"
        # nothing left to do; then an order HAProxy cannot reach live: one reload
        assert apply(text, run.config, master_socket=run.master).plan.empty
        write_files(run, "four.test be_b\n" + NEW_MAP.replace("four.test be_b\n", ""), NEW_ACL)
        done = apply(text, run.config, master_socket=run.master)
        assert done.reloaded and done.plan.needs_reload
        assert run.worker_pids() != workers
        assert shown(run, "map", "hosts.map") == read_map(run.folder / "hosts.map")


@pytest.mark.slow
@pytest.mark.parametrize("binary", BINARIES[:1], ids=BINARY_IDS[:1])
def test_apply_failure_takes_the_entries_back(
    binary: haproxy.Binary,
    web: dict[str, int],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command refused half-way (simulated: the last one): FILE restored, and each map
    and ACL file goes back from what HAProxy has then to what it had."""
    send = _Run.send

    def refuse_del_acl(self: _Run, command: str) -> None:
        if command == "del acl paths.acl /old":
            raise HAProxyRuntimeError(command, "refused for the test")
        send(self, command)

    monkeypatch.setattr(_Run, "send", refuse_del_acl)
    with running(binary, CONFIG, FILES, **web) as run:
        text = run.config.read_text()
        workers = run.worker_pids()
        before = {k: shown(run, k.split(".")[1], k) for k in FILES}
        write_files(run, NEW_MAP, NEW_ACL)
        with pytest.raises(ApplyError) as err:
            apply(text + "\n", run.config, master_socket=run.master)
        assert err.value.step == "runtime" and "del acl paths.acl /old" in err.value.message
        assert "FILE restored" in err.value.state and "reverted" in err.value.state
        assert run.config.read_text() == text
        assert {k: shown(run, k.split(".")[1], k) for k in FILES} == before
        assert run.worker_pids() == workers
        assert get(run.fe_port, "one.test") == "A"
