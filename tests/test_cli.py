"""The ``haproxy-model`` command line, run as a subprocess on temporary files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import haproxy_model as hm
from haproxy_model.analysis import semdiff
from haproxy_model.cli import main
from haproxy_model.cli.check import _validator
from haproxy_model.io.fmt import format_text
from haproxy_model.model import paths

BASE = """\
# Managed by hand; edits must keep this file readable.
global
\tmaxconn 2000   # per process
\tlog 127.0.0.1:514 local0

defaults base
\tmode http
\ttimeout connect 5s
\ttimeout client  30s
\ttimeout server  30s
\toption  redispatch

frontend web
\tbind 127.0.0.1:8080
\tbind 127.0.0.1:8443
\tdefault_backend app

backend app
\tbalance roundrobin
\t# primary replica
\tserver s1 10.0.0.1:8080 check inter 2s   weight 10 # keep weight
\tserver s2 10.0.0.2:8080 check
"""

BAD_QUOTE = 'global\n    maxconn 10\nbackend b\n    http-request set-header X "abc\n'

#: the environment of the commands: no NO_COLOR, so "piped" alone must turn colour off
ENV = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}

COMMANDS = ["check", "fmt", "get", "set", "unset", "diff", "to-json", "from-json"]


@attrs.frozen
class Result:
    code: int
    out: str
    err: str


def run(*args: object, env: dict[str, str] | None = None, stdin: bytes | None = None) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "haproxy_model", *map(str, args)],
        input=stdin,
        capture_output=True,
        env=env if env is not None else ENV,
        timeout=120,
    )
    return Result(
        proc.returncode,
        proc.stdout.decode("utf-8", "surrogateescape"),
        proc.stderr.decode("utf-8", "surrogateescape"),
    )


@pytest.fixture
def cfg_file(tmp_path: Path) -> Path:
    path = tmp_path / "haproxy.cfg"
    path.write_bytes(BASE.encode())
    return path


def changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    """Pairs of differing lines of two texts with the same number of lines."""
    a, b = old.split("\n"), new.split("\n")
    assert len(a) == len(b), (old, new)
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


def added_lines(old: str, new: str) -> list[str]:
    a, b = old.split("\n"), new.split("\n")
    for i, line in enumerate(a):
        if b[i] != line:
            extra = len(b) - len(a)
            assert b[i + extra :] == a[i:]
            return b[i : i + extra]
    return b[len(a) :]


# -- the program ---------------------------------------------------------------------


def test_module_runs_and_lists_commands() -> None:
    r = run("--help")
    assert r.code == 0
    for command in COMMANDS:
        assert command in r.out
    r = run()
    assert r.code == 2
    assert "usage:" in r.err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert f"haproxy-model {command}" in text
    assert "Exit status" in text or command in ("to-json", "from-json")


def test_console_script(cfg_file: Path) -> None:
    script = Path(sys.executable).with_name("haproxy-model")
    found = str(script) if script.exists() else shutil.which("haproxy-model")
    if found is None:
        pytest.skip("the haproxy-model console script is not installed")
    proc = subprocess.run(
        [found, "get", str(cfg_file), "backend app/server s1", "weight"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "10\n"


# -- check ---------------------------------------------------------------------------


def test_check_clean_file(cfg_file: Path) -> None:
    r = run("check", cfg_file)
    assert r.code == 0, r
    assert r.out == ""
    assert "no problems in 1 file" in r.err


def test_check_parse_error_shows_place_and_caret_without_colour(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cfg"
    bad.write_text(BAD_QUOTE)
    r = run("check", bad)
    assert r.code == 2
    assert r.out.splitlines() == [
        f'{bad}:4:31: error: unterminated double quote (") [HM001 parse-error]',
        '        http-request set-header X "abc',
        "                                  ^",
    ]
    assert "\x1b[" not in r.out + r.err
    # the same error from a command that only reads the file: on stderr
    r = run("fmt", bad)
    assert r.code == 2
    assert r.out == ""
    assert r.err.splitlines() == [
        f'{bad}:4:31: error: unterminated double quote (")',
        '        http-request set-header X "abc',
        "                                  ^",
    ]


def test_check_usage_errors(tmp_path: Path, cfg_file: Path) -> None:
    r = run("check", tmp_path / "missing.cfg", cfg_file)
    assert r.code == 2
    assert "missing.cfg" in r.out and "no such file" in r.out
    r = run("check", "--format", "yaml", cfg_file)
    assert r.code == 2
    assert "invalid choice" in r.err


def test_check_json(tmp_path: Path, cfg_file: Path) -> None:
    bad = tmp_path / "bad.cfg"
    bad.write_text(BAD_QUOTE)
    r = run("check", "--format", "json", cfg_file, bad)
    assert r.code == 2
    report = json.loads(r.out)
    assert [d["code"] for d in report] == ["parse-error"]
    assert report[0]["file"] == str(bad)
    assert (report[0]["line"], report[0]["column"], report[0]["severity"]) == (4, 31, "error")


VALIDATION = _validator() is not None


@pytest.mark.xfail(
    not VALIDATION,
    reason="haproxy_model.validate (our own diagnostics) is being written separately",
    strict=False,
)
def test_check_our_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "unknown.cfg"
    path.write_text("global\n    bogus-keyword 1\n")
    r = run("check", "--strict", path)
    assert r.code == 1, r
    assert f"{path}:2:" in r.out
    assert "error:" in r.out
    assert "    bogus-keyword 1" in r.out
    r = run("check", "--strict", "--format", "json", path)
    assert r.code == 1
    assert any(d["line"] == 2 and d["origin"] == "haproxy-model" for d in json.loads(r.out))


@pytest.mark.slow
def test_check_with_haproxy(tmp_path: Path, cfg_file: Path, haproxy_bin: str) -> None:
    env = {**ENV, "HAPROXY_BIN": haproxy_bin}
    r = run("check", "--haproxy", cfg_file, env=env)
    assert r.code == 0, r
    bad = tmp_path / "bad.cfg"
    bad.write_text(BASE.replace("\tmode http\n", "\tmode http\n\tnot-a-keyword on\n"))
    r = run("check", "--haproxy", "--format", "json", bad, env=env)
    assert r.code == 1, r
    found = [d for d in json.loads(r.out) if d["origin"] == "haproxy"]
    assert any(d["severity"] == "error" and d["line"] == 8 for d in found), found
    r = run("check", "--haproxy", bad, env={**env, "HAPROXY_BIN": str(tmp_path / "nope")})
    assert r.code == 2
    assert "haproxy-model: error: --haproxy:" in r.err


# -- fmt -----------------------------------------------------------------------------


def test_fmt_print_check_in_place(cfg_file: Path) -> None:
    formatted = format_text(BASE)
    assert formatted != BASE
    r = run("fmt", cfg_file)
    assert (r.code, r.out) == (0, formatted)

    r = run("fmt", "--check", cfg_file)
    assert r.code == 1
    assert r.out.startswith(f"--- {cfg_file}\n+++ {cfg_file} (formatted)\n")
    assert "\n-\tmaxconn 2000   # per process\n" in r.out
    assert "\n+    maxconn 2000 # per process\n" in r.out
    assert cfg_file.read_text() == BASE

    cfg_file.chmod(0o640)
    r = run("fmt", "--in-place", cfg_file)
    assert r.code == 0, r
    assert cfg_file.read_text() == formatted
    assert cfg_file.stat().st_mode & 0o777 == 0o640

    r = run("fmt", "--check", cfg_file)
    assert (r.code, r.out) == (0, "")


def test_fmt_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "crlf.cfg"
    path.write_bytes(BASE.replace("\n", "\r\n").encode())
    r = run("fmt", "-i", path)
    assert r.code == 0, r
    data = path.read_bytes()
    assert data == format_text(BASE).replace("\n", "\r\n").encode()
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_fmt_check_and_in_place_exclude_each_other(cfg_file: Path) -> None:
    r = run("fmt", "--check", "--in-place", cfg_file)
    assert r.code == 2
    assert "not allowed with" in r.err


# -- get / set / unset ------------------------------------------------------------------


def test_get(cfg_file: Path) -> None:
    r = run("get", cfg_file, "backend app")
    assert r.code == 0
    assert r.out == BASE[BASE.index("\nbackend app") + 1 :]
    r = run("get", cfg_file, "frontend web/bind")
    assert r.out == "bind 127.0.0.1:8080\nbind 127.0.0.1:8443\n"
    r = run("get", cfg_file, "backend app/server s9")
    assert r.code == 1
    assert "haproxy-model: error: no line starting with 'server s9' in backend app" in r.err
    assert "server s1 10.0.0.1:8080" in r.err


def test_set_server_option_changes_exactly_one_line(cfg_file: Path) -> None:
    r = run("set", cfg_file, "backend app/server s1", "maxconn", "32")
    assert r.code == 0, r
    assert changed_lines(BASE, cfg_file.read_text()) == [
        (
            "\tserver s1 10.0.0.1:8080 check inter 2s   weight 10 # keep weight",
            "\tserver s1 10.0.0.1:8080 check inter 2s   weight 10 maxconn 32 # keep weight",
        )
    ]
    # an option already there is changed in place; a flag takes no value
    before = cfg_file.read_text()
    assert run("set", cfg_file, "backend app/server s1", "inter", "3s").code == 0
    assert changed_lines(before, cfg_file.read_text()) == [
        (
            "\tserver s1 10.0.0.1:8080 check inter 2s   weight 10 maxconn 32 # keep weight",
            "\tserver s1 10.0.0.1:8080 check inter 3s   weight 10 maxconn 32 # keep weight",
        )
    ]
    r = run("set", cfg_file, "backend app/server s2", "check", "yes")
    assert r.code == 2
    assert "'check' is a flag" in r.err


def test_set_section_directives(cfg_file: Path) -> None:
    assert run("set", cfg_file, "backend app", "balance", "leastconn").code == 0
    text = cfg_file.read_text()
    assert changed_lines(BASE, text) == [("\tbalance roundrobin", "\tbalance leastconn")]

    assert run("set", cfg_file, "defaults", "timeout queue", "60s").code == 0
    assert added_lines(text, cfg_file.read_text()) == ["\ttimeout queue 60s"]

    text = cfg_file.read_text()
    assert run("set", cfg_file, "defaults base", "timeout client", "1m").code == 0
    assert changed_lines(text, cfg_file.read_text()) == [
        ("\ttimeout client  30s", "\ttimeout client  1m")
    ]

    r = run("set", cfg_file, "global", "maxconn", "lots")
    assert r.code == 2
    assert "'maxconn' takes one integer" in r.err


def test_set_dry_run_writes_nothing(cfg_file: Path) -> None:
    before = cfg_file.stat()
    r = run("set", "--dry-run", cfg_file, "global", "maxconn", "4096")
    assert r.code == 0, r
    assert "-\tmaxconn 2000   # per process\n+\tmaxconn 4096   # per process\n" in r.out
    assert cfg_file.read_text() == BASE
    assert cfg_file.stat().st_mtime_ns == before.st_mtime_ns
    assert not cfg_file.with_name("haproxy.cfg.bak").exists()


def test_set_backup(cfg_file: Path) -> None:
    r = run("set", "--backup", cfg_file, "backend app", "balance", "source")
    assert r.code == 0, r
    assert cfg_file.with_name("haproxy.cfg.bak").read_text() == BASE
    assert "\tbalance source\n" in cfg_file.read_text()


def test_unset(cfg_file: Path) -> None:
    r = run("unset", cfg_file, "backend app/server s1", "weight")
    assert r.code == 0, r
    assert changed_lines(BASE, cfg_file.read_text()) == [
        (
            "\tserver s1 10.0.0.1:8080 check inter 2s   weight 10 # keep weight",
            "\tserver s1 10.0.0.1:8080 check inter 2s # keep weight",
        )
    ]
    r = run("unset", cfg_file, "backend app/server s1", "weight")
    assert r.code == 1
    assert "no option 'weight'" in r.err


def test_ambiguous_line_path(cfg_file: Path) -> None:
    r = run("set", cfg_file, "frontend web/bind", "maxconn", "10")
    assert r.code == 1
    assert "'frontend web/bind[0]'" in r.err and "'frontend web/bind[1]'" in r.err
    r = run("set", cfg_file, "frontend web/bind[1]", "maxconn", "10")
    assert r.code == 0, r
    assert changed_lines(BASE, cfg_file.read_text()) == [
        ("\tbind 127.0.0.1:8443", "\tbind 127.0.0.1:8443 maxconn 10")
    ]


# -- diff ----------------------------------------------------------------------------


def test_diff(tmp_path: Path, cfg_file: Path) -> None:
    same = tmp_path / "same.cfg"
    same.write_text(format_text(BASE).replace("    ", "  "))
    r = run("diff", cfg_file, same)
    assert (r.code, r.out) == (0, "")
    r = run("diff", cfg_file, tmp_path / "missing.cfg")
    assert r.code == 2
    assert "no such file" in r.err

    other = tmp_path / "other.cfg"
    other.write_text(
        BASE.replace("balance roundrobin", "balance leastconn")
        .replace("weight 10", "weight 20 backup")
        .replace("\tserver s2 10.0.0.2:8080 check\n", "")
        + "\nbackend extra\n\tserver x 10.0.0.9:80\n"
    )
    r = run("diff", cfg_file, other)
    assert r.code == 1
    assert r.out.splitlines() == [
        f"--- {cfg_file}",
        f"+++ {other}",
        "~ backend app/balance: balance roundrobin -> balance leastconn",
        "~ backend app/server s1: weight: 10 -> 20; +backup",
        "- backend app/server s2: server s2 10.0.0.2:8080 check",
        "+ backend extra",
    ]
    r = run("diff", "--format", "json", cfg_file, other)
    changes = json.loads(r.out)
    assert {(c["op"], c["path"]) for c in changes} == {
        ("changed", "backend app/balance"),
        ("changed", "backend app/server s1"),
        ("removed", "backend app/server s2"),
        ("added", "backend extra"),
    }


# -- JSON ----------------------------------------------------------------------------


def test_to_json_and_back(tmp_path: Path, cfg_file: Path) -> None:
    r = run("to-json", cfg_file)
    assert r.code == 0, r
    data = json.loads(r.out)
    assert data == hm.to_dict(hm.parse(BASE))
    doc = tmp_path / "cfg.json"
    doc.write_text(r.out)
    r = run("from-json", doc)
    assert r.code == 0, r
    assert hm.parse(r.out) == hm.parse(BASE)

    doc.write_text('{"version": 1,\n "sections": [}\n')
    r = run("from-json", doc)
    assert r.code == 2
    assert r.err.splitlines() == [
        f"{doc}:2:15: error: invalid JSON: Expecting value",
        '     "sections": [}',
        "                  ^",
    ]


# -- colour --------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_only_on_a_terminal_without_no_color(tmp_path: Path) -> None:
    import pty

    bad = tmp_path / "bad.cfg"
    bad.write_text(BAD_QUOTE)

    def on_terminal(env: dict[str, str]) -> str:
        leader, follower = pty.openpty()
        try:
            subprocess.run(
                [sys.executable, "-m", "haproxy_model", "fmt", str(bad)],
                stdout=follower,
                stderr=follower,
                env=env,
                timeout=120,
            )
        finally:
            os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        return b"".join(chunks).decode()

    shown = on_terminal(ENV)
    assert "\x1b[1;31merror:\x1b[0m" in shown
    plain = on_terminal({**ENV, "NO_COLOR": "1"})
    assert "\x1b[" not in plain
    assert f'{bad}:4:31: error: unterminated double quote (")' in plain


# -- the library parts behind the commands (in-process) ------------------------------


def test_paths_resolve() -> None:
    cfg = hm.parse(BASE + "\ndefaults\n\tmode tcp\n\nbackend b2\n\tserver s1 10.1.1.1:80\n")
    assert paths.resolve(cfg, "defaults").section.name == "base"
    assert paths.resolve(cfg, "defaults[1]").section.name is None
    assert paths.resolve(cfg, "global").section is cfg.global_
    target = paths.resolve(cfg, "backend app/server s1")
    assert target.lines is not None and [d.raw for d in target.lines] == [
        "\tserver s1 10.0.0.1:8080 check inter 2s   weight 10 # keep weight"
    ]
    with pytest.raises(paths.PathError, match="matches 2 sections"):
        paths.resolve(cfg, "backend")
    with pytest.raises(paths.PathError, match="unknown section kind 'backnd'") as exc:
        paths.resolve(cfg, "backnd app")
    assert exc.value.usage
    with pytest.raises(paths.PathError, match="no section 'backend nope'"):
        paths.resolve(cfg, "backend nope")
    with pytest.raises(paths.PathError, match="empty line"):
        paths.parse_path("backend app/")


def test_set_value_keeps_quoting_and_refuses_section_keywords() -> None:
    cfg = hm.parse(BASE)
    paths.set_value(cfg, "frontend web", "http-request", ['set-header X-A "a b"'])
    assert '\thttp-request set-header X-A "a b"\n' in hm.dumps(cfg)
    # a PATH word may be quoted to hold blanks
    assert paths.get_text(cfg, "frontend web/http-request set-header X-A 'a b'") == (
        'http-request set-header X-A "a b"\n'
    )
    with pytest.raises(paths.EditError, match="cannot start a directive line"):
        paths.set_value(cfg, "frontend web", "backend", ["x"])
    with pytest.raises(paths.EditError, match="unterminated double quote"):
        paths.set_value(cfg, "frontend web", "http-request", ['deny "x'])


def test_semdiff_ignores_formatting_and_sees_conditions() -> None:
    a = hm.parse(BASE)
    assert semdiff.diff(a, hm.parse(format_text(BASE))) == []
    b = hm.parse(
        BASE.replace(
            "\tserver s2 10.0.0.2:8080 check\n",
            "\t.if defined(S2)\n\tserver s2 10.0.0.2:8080 check\n\t.endif\n",
        )
    )
    ops = [(c.op, c.path) for c in semdiff.diff(a, b)]
    assert ("removed", "backend app/server s2") in ops
    assert ("added", "backend app/server s2 (under .if defined(S2))") in ops


def test_write_back_refuses_a_file_changed_since_it_was_read(tmp_path: Path) -> None:
    from haproxy_model.cli import _common

    path = tmp_path / "haproxy.cfg"
    path.write_text("backend b\n    server s1 10.0.0.1:80\n")
    cfg, _ = _common.load(str(path))
    path.write_text("backend b\n    server s1 10.0.0.2:80\n")  # another editor saved
    with pytest.raises(_common.CliError, match="changed"):
        _common.write(str(path), cfg, backup=True)
    assert "10.0.0.2" in path.read_text() and not (tmp_path / "haproxy.cfg.bak").exists()
    cfg, _ = _common.load(str(path))
    _common.write(str(path), cfg, backup=True)  # unchanged since read: written, old kept
    assert (tmp_path / "haproxy.cfg.bak").read_text() == path.read_text()
