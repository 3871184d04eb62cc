"""``hm.route`` and ``haproxy-model route`` (issue 13, part 2) without a running HAProxy;
tests/test_route_haproxy.py checks the same answers against the real one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.analysis.route.conditions import parse_condition
from haproxy_model.analysis.route.matching import Pattern, map_lookup, match_any
from haproxy_model.cli import main

TORTURE = Path(__file__).parent / "fixtures" / "route" / "torture.cfg"

SIMPLE = """\
defaults
    mode http
frontend fe
    bind :80
    acl is_api path_beg /api
    http-request deny if { path_beg /admin } !{ src 10.0.0.0/8 }
    use_backend be_api if is_api
    use_backend be_x if { req.body_size gt 0 }
    default_backend be_web
backend be_api
backend be_web
backend be_x
"""


def req(path: str = "/", **kw: object) -> hm.Request:
    return hm.Request(path=path, src="127.0.0.1", **kw)  # type: ignore[arg-type]


@pytest.fixture
def simple(tmp_path: Path) -> Path:
    path = tmp_path / "haproxy.cfg"
    path.write_text(SIMPLE)
    return path


def test_json_shape_use_backend() -> None:
    cfg = hm.parse(SIMPLE, filename="haproxy.cfg")
    assert hm.route(cfg, "fe", req("/api/v1")).to_dict() == {
        "frontend": "fe",
        "backend": "be_api",
        "action": "use_backend",
        "decided_by": [{"file": "haproxy.cfg", "line": 7, "text": "use_backend be_api if is_api"}],
    }


def test_json_shape_deny() -> None:
    cfg = hm.parse(SIMPLE, filename="haproxy.cfg")
    route = hm.route(cfg, "fe", req("/admin"))
    assert route.to_dict() == {
        "frontend": "fe",
        "backend": None,
        "action": "deny",
        "decided_by": [
            {
                "file": "haproxy.cfg",
                "line": 6,
                "text": "http-request deny if { path_beg /admin } !{ src 10.0.0.0/8 }",
            }
        ],
    }
    assert route.status == 403


def test_undecided_names_the_line_and_never_guesses() -> None:
    cfg = hm.parse(SIMPLE, filename="haproxy.cfg")
    route = hm.route(cfg, "fe", req("/web"))
    assert route.backend is None and route.action is None
    assert route.to_dict()["undecided"] == {
        "file": "haproxy.cfg",
        "line": 8,
        "reason": "anonymous ACL: fetch 'req.body_size' is not modelled",
    }
    # without --src, a rule reading src is undecided too
    no_src = hm.route(cfg, "fe", hm.Request(path="/admin"))
    assert no_src.undecided is not None and no_src.undecided.line == 6


def test_a_false_term_settles_an_and_before_an_unknown_one() -> None:
    text = SIMPLE.replace("if { req.body_size gt 0 }", "if { path /no } { req.body_size gt 0 }")
    route = hm.route(hm.parse(text), "fe", req("/web"))
    assert (route.backend, route.action) == ("be_web", "default_backend")


def test_default_backend_from_defaults_and_listen_itself() -> None:
    cfg = hm.parse(
        "defaults\n mode http\n default_backend b\n"
        "frontend f\n bind :1\nlisten l\n bind :2\nbackend b\n"
    )
    assert hm.route(cfg, "f", req()).backend == "b"
    # a listen inherits default_backend too; with none it serves the request itself
    assert hm.route(cfg, "l", req()).action == "default_backend"
    cfg2 = hm.parse("defaults\n mode http\nlisten l\n bind :2\n")
    assert (hm.route(cfg2, "l", req()).backend, hm.route(cfg2, "l", req()).action) == (
        "l",
        "listen",
    )
    cfg3 = hm.parse("defaults\n mode http\nfrontend f\n bind :2\n")
    none = hm.route(cfg3, "f", req())
    assert (none.backend, none.action, none.status) == (None, "no_backend", 503)


def test_tcp_mode_is_undecided() -> None:
    cfg = hm.parse("frontend f\n bind :1\n default_backend b\nbackend b\n")
    route = hm.route(cfg, "f", req())
    assert route.undecided is not None and "mode http" in route.undecided.reason


def test_named_defaults_rules_run_first_and_allow_ends_both_lists() -> None:
    cfg = hm.parse(
        "defaults d\n mode http\n http-request allow if { path /ok }\n"
        " http-request deny deny_status 410 if { path_beg /x }\n"
        "frontend f from d\n bind :1\n http-request deny if { path /ok }\n default_backend b\n"
        "defaults\n mode http\nbackend b\n"
    )
    assert hm.route(cfg, "f", req("/x1")).status == 410
    assert hm.route(cfg, "f", req("/ok")).backend == "b"


def test_several_files_read_in_order(tmp_path: Path) -> None:
    a = hm.parse("defaults\n mode http\n", filename="a.cfg")
    b = hm.parse(
        "frontend f\n bind :1\n use_backend b if { path /b }\nbackend b\n", filename="b.cfg"
    )
    route = hm.route([a, b], "f", req("/b"))
    assert route.backend == "b" and route.decided_by[0].file == "b.cfg"


def test_rewrites_change_what_later_rules_see() -> None:
    cfg = hm.parse(
        "defaults\n mode http\nfrontend f\n bind :1\n"
        " http-request replace-path ^/old/(.*) /new/\\1\n"
        " http-request set-header X-T %[path,lower]\n"
        " http-request set-var(txn.p) path\n"
        " use_backend b if { hdr(x-t) /new/abc } { var(txn.p) -m beg /new/ }\n"
        " default_backend c\nbackend b\nbackend c\n"
    )
    route = hm.route(cfg, "f", req("/old/ABC"))
    assert route.backend == "b"
    assert [s.line for s in route.decided_by] == [5, 6, 7, 8]
    # a header set from something unknown undecides only the rules that read it
    unknown = hm.parse(
        "defaults\n mode http\nfrontend f\n bind :1\n http-request set-header X-Id %[uuid()]\n"
        " use_backend b if { hdr(x-id) -m found }\n default_backend b\nbackend b\n"
    )
    assert hm.route(unknown, "f", req()).undecided.line == 6  # type: ignore[union-attr]


def test_dynamic_use_backend_and_maps(tmp_path: Path) -> None:
    (tmp_path / "hosts.map").write_text("# comment\nexample.com be_a\n  ex be_b  \n")
    path = tmp_path / "h.cfg"
    path.write_text(
        "defaults\n mode http\nfrontend f\n bind :1\n"
        " use_backend %[req.hdr(host),lower,map_beg(hosts.map)]\n default_backend d\n"
        "backend be_a\nbackend be_b\nbackend d\n"
    )
    cfg = hm.load(path)
    assert hm.route(cfg, "f", req(host="Example.COM")).backend == "be_a"
    assert hm.route(cfg, "f", req(host="exx")).backend == "be_b"
    # no entry: the name is empty, no such backend, default_backend
    assert hm.route(cfg, "f", req(host="zzz")).action == "default_backend"
    (tmp_path / "hosts.map").unlink()
    missing = hm.route(cfg, "f", req(host="zzz"))
    assert missing.undecided is not None and "hosts.map" in missing.undecided.reason


def test_conditions_parse_like_haproxy() -> None:
    cond = parse_condition("if", ["a", "!", "b", "OR", "!!c", "{", "path", "/x", "}", "||", "d"])
    terms = [[(t.negated, t.name, t.anonymous) for t in suite] for suite in cond.suites]
    assert terms == [
        [(False, "a", ()), (True, "b", ())],
        [(False, "c", ()), (False, None, ("path", "/x"))],
        [(False, "d", ())],
    ]


@pytest.mark.parametrize(
    ("method", "sample", "patterns", "icase", "expected"),
    [
        ("dir", "/a/admin/b", ["admin"], False, True),
        ("dir", "/a/administrator", ["admin"], False, False),
        ("dir", "/a/b/c?x", ["/b/c/"], False, True),
        ("dom", "www.example.com:80", ["example.com"], False, True),
        ("dom", "myexample.com", ["example.com"], False, False),
        ("dom", "WWW.EXAMPLE.COM", ["example.com"], True, True),
        ("beg", "/API", ["/api"], True, True),
        ("end", "/a.css", [".CSS"], False, False),
        ("reg", "/reports/42", ["^/reports/[0-9]+$"], False, True),
        ("len", "abcd", ["3:5"], False, True),
        ("ip", "10.1.2.3", ["10.0.0.0/8"], False, True),
        ("ip", "192.168.0.1", ["10.0.0.0/8", "127.0.0.1"], False, False),
        ("meth", "get", ["GET"], True, False),  # known methods compare exactly
        ("meth", "PATCH", ["patch"], True, True),
    ],
)
def test_match_methods(
    method: str, sample: str, patterns: list[str], icase: bool, expected: bool
) -> None:
    assert match_any([sample], Pattern(method, tuple(patterns), icase)) is expected


def test_map_beg_takes_the_longest_prefix() -> None:
    entries = [("/a", "short"), ("/a/b", "long"), ("/", "root")]
    assert map_lookup("beg", "/a/b/c", entries) == "long"
    assert map_lookup("str", "/a", entries) == "short"
    assert map_lookup("str", "/zz", entries) is None


def test_torture_config_answers(tmp_path: Path) -> None:
    cfg = hm.load(TORTURE)
    local = {"src": "127.0.0.1"}
    cases = {
        "/legal-hold": ("deny", 410),
        "/ping": ("return", 204),
        "/old-home": ("redirect", 301),
        "/slow": ("tarpit", 429),
        "/private": ("auth", 401),
        "/legacy/x": ("redirect", 307),
        "/admin/tool.exe": ("deny", 404),
    }
    for path, (action, status) in cases.items():
        route = hm.route(cfg, "fe_main", hm.Request(path=path, **local))  # type: ignore[arg-type]
        assert (route.backend, route.action, route.status) == (None, action, status), path
    assert hm.route(cfg, "fe_main", hm.Request(path="/v1/x", **local)).backend == "be_api"  # type: ignore[arg-type]


# -- bad input: one error from the family, never a traceback --------------------------


def test_unknown_frontend_suggests_the_nearest() -> None:
    cfg = hm.parse(SIMPLE)
    with pytest.raises(
        hm.NotFound, match=r"no frontend or listen section 'fee' \(did you mean 'fe'\?\)"
    ):
        hm.route(cfg, "fee", req())


@pytest.mark.parametrize(
    "kwargs",
    [{"method": "G T"}, {"path": ""}, {"path": "/a b"}, {"src": "300.1.1.1"},
     {"headers": ["NoColon"]}, {"headers": [": v"]}, {"host": "a", "headers": ["Host: b"]},
     {"path": "/a#b"}],
)  # fmt: skip
def test_bad_requests_are_invalid_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(hm.InvalidValue):
        hm.Request(**kwargs)  # type: ignore[arg-type]


def test_cli_json_and_text(simple: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", str(simple), "--frontend", "fe", "--path", "/api/x", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["backend"] == "be_api" and data["decided_by"][0]["line"] == 7
    assert main(["route", str(simple), "--frontend", "fe", "--path", "/admin", "--src",
                 "1.2.3.4"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("frontend fe -> deny 403\n") and ":6  http-request deny" in out
    assert main(["route", str(simple), "--frontend", "fe", "--path", "/web"]) == 1
    assert "undecided" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frontend", "fee"], "did you mean 'fe'?"),
        (["--frontend", "fe", "--header", "NoColon"], "bad header 'NoColon'"),
        (["--frontend", "fe", "--src", "nope"], "bad source address 'nope'"),
        (["--frontend", "fe", "--method", "G T"], "bad method"),
    ],
)
def test_cli_errors_are_one_line_exit_2(
    simple: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["route", str(simple), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_readme_example_is_what_the_command_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    command = "$ haproxy-model route haproxy.cfg "
    block = readme[readme.index(command) :].split("```", 1)[0]
    first, _, shown = block.partition("\n")
    for extra in TORTURE.parent.iterdir():
        (tmp_path / extra.name).write_bytes(extra.read_bytes())
    (tmp_path / "torture.cfg").rename(tmp_path / "haproxy.cfg")
    monkeypatch.chdir(tmp_path)
    assert main(first.split()[2:]) == 0
    assert capsys.readouterr().out == shown


def test_monitor_stats_cookies_and_set_src() -> None:
    cfg = hm.parse(
        "defaults\n mode http\n"
        "frontend f\n bind :1\n monitor-uri /health\n stats uri /st\n stats auth a:b\n"
        " http-request set-src hdr(x-real-ip)\n"
        " use_backend b if { req.cook(v) 2 } || { src 10.0.0.0/8 }\n default_backend c\n"
        "backend b\nbackend c\n"
    )
    answer = hm.route(cfg, "f", req("/health"))
    assert (answer.action, answer.status, answer.decided_by[0].line) == ("monitor", 200, 5)
    assert (hm.route(cfg, "f", req("/st/x")).action, hm.route(cfg, "f", req("/st")).status) == (
        "stats",
        401,
    )
    # POST is a stats method, DELETE is not
    assert hm.route(cfg, "f", req("/st", method="DELETE")).backend == "c"
    with_auth = hm.route(cfg, "f", req("/st", headers=[("Authorization", "Basic x")]))
    assert with_auth.undecided is not None
    assert hm.route(cfg, "f", req(headers=["Cookie: a=1; v=2"])).backend == "b"
    assert hm.route(cfg, "f", req(headers=["X-Real-IP: 10.1.1.1"])).backend == "b"
    assert hm.route(cfg, "f", req(headers=["X-Real-IP: junk"])).backend == "c"
