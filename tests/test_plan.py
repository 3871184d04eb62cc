"""hm.plan / haproxy-model plan: each change classified runtime (with its commands) or
reload (with the reason); the runtime commands applied to a real master-worker HAProxy
leave it running what NEW says, with no reload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import haproxy_model as hm
from haproxy_model.cli import main
from haproxy_model.io import haproxy
from tests.running_haproxy import BINARIES, BINARY_IDS, Running, running
from tests.test_runtime import http_get, web  # noqa: F401 - a fixture

OLD = """\
global
    maxconn 500
frontend fe
    bind :8080
    maxconn 100
    default_backend be
backend be
    balance roundrobin
    server s1 10.0.0.1:80 weight 10
    server s2 10.0.0.2:80 check
    server s3 10.0.0.3:80
backend st
    balance source
    server x 10.0.0.9:80
"""


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text


def as_json(old: str, new: str, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = hm.plan(hm.parse(old), hm.parse(new), **kwargs).to_dict()
    assert json.loads(json.dumps(result)) == result
    return result


def test_runtime_changes() -> None:
    new = edit(
        OLD,
        ("maxconn 500", "maxconn 400"),
        ("maxconn 100", "maxconn 300"),
        ("weight 10", "weight 50 maxconn 20"),
        ("10.0.0.2:80 check", "10.0.0.22:81 check disabled"),
        ("    server s3 10.0.0.3:80\n", "    server s4 10.0.0.4:80 check weight 3\n"),
    )
    assert as_json(OLD, new) == {
        "runtime": [
            {
                "change": "~ global/maxconn: maxconn 500 -> maxconn 400",
                "commands": ["set maxconn global 400"],
            },
            {
                "change": "~ frontend fe/maxconn: maxconn 100 -> maxconn 300",
                "commands": ["set maxconn frontend fe 300"],
            },
            {
                "change": "~ backend be/server s1: weight: 10 -> 50; +maxconn 20",
                "commands": ["set maxconn server be/s1 20", "set server be/s1 weight 50"],
            },
            {
                "change": "~ backend be/server s2: address: 10.0.0.2:80 -> 10.0.0.22:81; +disabled",
                "commands": [
                    "set server be/s2 state maint",
                    "set server be/s2 addr 10.0.0.22 port 81",
                ],
            },
            {
                "change": "- backend be/server s3: server s3 10.0.0.3:80",
                "commands": ["set server be/s3 state maint", "del server be/s3"],
            },
            {
                "change": "+ backend be/server s4: server s4 10.0.0.4:80 check weight 3",
                "commands": [
                    "add server be/s4 10.0.0.4:80 check weight 3",
                    "enable health be/s4",
                    "enable server be/s4",
                ],
            },
        ],
        "reload": [],
        "needs_reload": False,
    }


def test_reload_changes() -> None:
    new = edit(
        OLD,
        ("balance source", "balance uri"),
        ("bind :8080", "bind :8081"),
        ("maxconn 500", "maxconn 600"),
    )
    new += "backend extra\n    server e 10.0.0.5:80\n"
    new = edit(new, ("server s3 10.0.0.3:80", "server s3 10.0.0.3:80 maxconn 5"))
    result = as_json(OLD, new)
    assert result == {
        "runtime": [
            {
                "change": "~ backend be/server s3: +maxconn 5",
                "commands": ["set maxconn server be/s3 5"],
            }
        ],
        "reload": [
            {
                "change": "~ global/maxconn: maxconn 500 -> maxconn 600",
                "reason": "global maxconn raised: HAProxy's runtime limit is the start value",
            },
            {"change": "- frontend fe/bind :8080: bind :8080", "reason": "bind removed"},
            {"change": "+ frontend fe/bind :8081: bind :8081", "reason": "bind added"},
            {
                "change": "~ backend st/balance: balance source -> balance uri",
                "reason": "balance changed",
            },
            {"change": "+ backend extra", "reason": "new backend"},
        ],
        "needs_reload": True,
    }
    plan = hm.plan(OLD, new)
    assert plan.needs_reload and plan.commands == []  # one reload applies everything


def test_static_backends_and_versions() -> None:
    # a static algorithm takes neither runtime weights nor dynamic servers
    new = edit(OLD, ("server x 10.0.0.9:80", "server x 10.0.0.9:80 weight 5"))
    assert as_json(OLD, new)["reload"] == [
        {
            "change": "~ backend st/server x: +weight 5",
            "reason": "backend st uses a static algorithm (balance source)",
        }
    ]
    new = edit(
        OLD, ("    server x 10.0.0.9:80\n", "    server x 10.0.0.9:80\n    server y 10.0.0.8:80\n")
    )
    assert as_json(OLD, new)["reload"][0]["reason"] == (
        "backend st uses a static algorithm (balance source)"
    )
    consistent = edit(OLD, ("balance source", "balance source\n    hash-type consistent"))
    new = edit(consistent, ("server x 10.0.0.9:80", "server x 10.0.0.9:80 weight 5"))
    assert as_json(consistent, new)["runtime"][0]["commands"] == ["set server st/x weight 5"]
    # before 2.6 servers are not added at runtime
    new = edit(
        OLD,
        ("    server s3 10.0.0.3:80\n", "    server s3 10.0.0.3:80\n    server s5 10.0.0.5:80\n"),
    )
    assert as_json(OLD, new, version="2.6")["needs_reload"] is False
    assert as_json(OLD, new, version="2.4.22")["reload"] == [
        {
            "change": "+ backend be/server s5: server s5 10.0.0.5:80",
            "reason": "new server: add server needs HAProxy 2.6 or later",
        }
    ]
    # a host name is not resolved at runtime
    new = edit(OLD, ("10.0.0.1:80", "app.example:80"))
    assert as_json(OLD, new)["reload"][0]["reason"] == (
        "server address with a host name or no plain port"
    )


def test_default_server_and_references() -> None:
    old = edit(OLD, ("balance roundrobin", "balance roundrobin\n    default-server maxconn 5"))
    new = edit(old, ("default-server maxconn 5", "default-server maxconn 9"))
    assert as_json(old, new)["runtime"] == [
        {
            "change": "~ backend be/default-server: maxconn: 5 -> 9",
            "commands": [
                "set maxconn server be/s1 9",
                "set maxconn server be/s2 9",
                "set maxconn server be/s3 9",
            ],
        }
    ]
    # a dynamic server takes no default-server: its options are spelled out
    new = edit(
        old,
        ("    server s3 10.0.0.3:80\n", "    server s3 10.0.0.3:80\n    server s4 10.0.0.4:80\n"),
    )
    assert (
        as_json(old, new)["runtime"][0]["commands"][0] == "add server be/s4 10.0.0.4:80 maxconn 5"
    )
    # a server that another line tracks is not deleted at runtime
    old = edit(OLD, ("server x 10.0.0.9:80", "server x 10.0.0.9:80 track be/s3"))
    new = edit(old, ("    server s3 10.0.0.3:80\n", ""), ("track be/s3", "track be/s1"))
    reasons = [r["reason"] for r in as_json(old, new)["reload"]]
    assert "server removed that other lines refer to (track, use-server)" in reasons


def test_no_change_and_bad_input() -> None:
    assert as_json(OLD, OLD.replace("    ", "  ")) == {
        "runtime": [],
        "reload": [],
        "needs_reload": False,
    }
    assert str(hm.plan(OLD, OLD)) == "no change"
    with pytest.raises(hm.InvalidType):
        hm.plan(OLD, 3)  # type: ignore[arg-type]
    with pytest.raises(hm.InvalidValue):
        hm.plan(OLD, OLD, version="two")
    with pytest.raises(hm.ParseError):
        hm.plan(OLD, "frontend\n  bind :80 :81 \x00\n")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = tmp_path / "old.cfg", tmp_path / "new.cfg"
    old.write_text(OLD)
    new.write_text(edit(OLD, ("weight 10", "weight 50")))
    assert main(["plan", str(old), str(new), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "runtime": [
            {
                "change": "~ backend be/server s1: weight: 10 -> 50",
                "commands": ["set server be/s1 weight 50"],
            }
        ],
        "reload": [],
        "needs_reload": False,
    }
    assert main(["plan", str(old), str(new)]) == 0
    assert "set server be/s1 weight 50" in capsys.readouterr().out
    assert main(["plan", str(old), str(tmp_path / "missing.cfg")]) == 2
    assert main(["plan", str(old), str(new), "--version", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "Traceback" not in err and "missing.cfg" in err


# -- against a real HAProxy ------------------------------------------------------------

RUNNING = """\
global
    stats socket {d}/admin.sock level admin
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
    default_backend be

backend be
    balance roundrobin
    server s1 127.0.0.1:{A} weight 10
    server s2 127.0.0.1:{B} check inter 1s
    server s3 127.0.0.1:{C}
"""


def assert_runs(run: Running, cfg: hm.Config) -> None:
    """``show servers state``, ``show stat`` and ``show info`` say what ``cfg`` says."""
    cli = run.client()
    states = {s.server: s for s in cli.show_servers_state("be")}
    stats = {r.svname: r for r in cli.show_stat("be") if r.is_server}
    servers = cfg.backends["be"].servers
    assert set(states) == set(servers) == set(stats)
    for name in servers:
        server = servers[name]
        state = states[name]
        assert (state.addr, state.port) == (server.address, server.port), name
        assert state.uweight == (server.weight if server.weight is not None else 1), name
        assert state.in_maintenance == bool(server.disabled), name
        assert stats[name].slim == server.maxconn, name
    fe = next(r for r in cli.show_stat("fe") if r.is_frontend)
    assert fe.slim == cfg.frontends["fe"].maxconn
    assert cfg.global_ is not None
    assert int(cli.show_info()["Maxconn"]) == cfg.global_.maxconn


@pytest.mark.slow
@pytest.mark.parametrize("binary", BINARIES, ids=BINARY_IDS)
def test_runtime_plan_applies_live(binary: haproxy.Binary, web: dict[str, int]) -> None:  # noqa: F811
    with running(binary, RUNNING, **web) as run:
        old = hm.load(run.config)
        assert_runs(run, old)
        new_text = edit(
            run.config.read_text(),
            ("maxconn 500", "maxconn 400"),
            ("maxconn 200", "maxconn 300"),
            ("weight 10", "weight 50 maxconn 20"),
            (f"{web['B']} check inter 1s", f"{web['C']} check inter 1s disabled"),
            (f"    server s3 127.0.0.1:{web['C']}\n", ""),
        )
        new_text += f"    server s4 127.0.0.1:{web['A']} check inter 1s weight 3 maxconn 7\n"
        new = hm.parse(new_text)
        result = hm.plan(old, new, version=binary.version)
        assert not result.needs_reload, result
        assert len(result.runtime) == 6
        workers = run.worker_pids()
        with run.master_client() as master:
            for command in result.commands:
                master.execute(command)
        assert run.worker_pids() == workers  # no reload
        assert_runs(run, new)
        # s2 is in maintenance, s3 is gone: s1 and s4 (both on "A") take the traffic
        assert {http_get(run.fe_port) for _ in range(6)} == {"A"}
