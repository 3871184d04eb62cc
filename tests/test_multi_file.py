"""Configurations of several files, as ``haproxy -f a.cfg -f b.cfg`` and ``haproxy -f conf.d/``
read them: one Config whose nodes know their file, validated as one configuration, each edit
written back to its own file.  The tests marked slow run Debian's HAProxy 2.6 on the same files
and compare its verdict with ours."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.io import haproxy
from haproxy_model.model.many import config_files, directory_files

GLOBAL = "global\n    maxconn 100\n\ndefaults\n    mode http\n" + "".join(
    f"    timeout {t} 5s\n" for t in ("connect", "client", "server")
)
FRONT = "frontend web\n    bind 127.0.0.1:8080\n    use_backend app\n"
BACK = "# the application\nbackend app\n    server s1 127.0.0.1:8081\n"


def write(folder: Path, files: dict[str, str | bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in files.items():
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        out.append(path)
    return out


@pytest.fixture
def confd(tmp_path: Path) -> Path:
    folder = tmp_path / "conf.d"
    write(folder, {"00-global.cfg": GLOBAL, "10-front.cfg": FRONT, "20-back.cfg": BACK})
    return folder


def errors(cfg: hm.Config) -> list[hm.Diagnostic]:
    return [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"]


# -- which files, in which order --------------------------------------------------------


def test_directory_lists_its_cfg_files_as_haproxy_does(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    write(folder, {name: GLOBAL for name in ["b.cfg", "a.cfg", "B.cfg", "_x.cfg", "10.cfg",
                                             "9.cfg", ".hidden.cfg", "x.cfg.cfg", "notes.txt",
                                             "x.cfgx", "cfg"]})  # fmt: skip
    (folder / "sub.cfg").mkdir()
    (tmp_path / "elsewhere").write_text(GLOBAL)
    (folder / "link.cfg").symlink_to(tmp_path / "elsewhere")
    names = [Path(p).name for p in directory_files(str(folder))]
    # byte order (C locale), hidden files, other endings, a second ".cfg" and folders left out
    assert names == ["10.cfg", "9.cfg", "B.cfg", "_x.cfg", "a.cfg", "b.cfg", "link.cfg"]


def test_paths_keep_their_order_and_a_directory_stands_in_its_place(
    confd: Path, tmp_path: Path
) -> None:
    extra = write(tmp_path, {"extra.cfg": "backend other\n"})[0]
    got = config_files([str(extra), str(confd)])
    assert got == [str(extra), *(str(confd / n) for n in sorted(os.listdir(confd)))]


@pytest.mark.parametrize(
    ("make", "exc", "message"),
    [
        (lambda t: [t / "missing.cfg"], hm.MissingFile, "missing.cfg: no such file"),
        (lambda t: [t / "empty"], hm.MissingFile, "empty: no configuration file in this directory"),
        (lambda t: [t / "only-txt"], hm.MissingFile, "no configuration file in this directory"),
        (lambda t: [t / "a.cfg", t / "a.cfg"], hm.InvalidValue, "a.cfg: given twice"),
        (lambda t: [], hm.InvalidValue, "no configuration file given"),
        (lambda t: [42], hm.InvalidType, "a path is a str or a PathLike"),
        (lambda t: [t / "bad.cfg"], hm.ParseError, r"bad\.cfg:2:\d+: unterminated"),
    ],
)
def test_load_many_failures_are_one_clear_error(
    tmp_path: Path, make: object, exc: type[Exception], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path / "only-txt", {"notes.txt": GLOBAL, ".hidden.cfg": GLOBAL})
    write(tmp_path, {"a.cfg": GLOBAL, "bad.cfg": 'global\n  log "x\n'})
    assert callable(make)
    with pytest.raises(exc, match=message) as info:
        hm.load_many(make(tmp_path))
    assert isinstance(info.value, hm.Error)
    assert "\n" not in str(info.value).split("\n    ")[0]


# -- one configuration ------------------------------------------------------------------


def test_load_many_is_one_config_whose_nodes_know_their_file(confd: Path) -> None:
    files = sorted(confd.iterdir())
    cfg = hm.load_many(files)
    assert cfg.backends["app"] and cfg.frontends["web"] and cfg.global_ is not None
    assert hm.dumps(cfg) == "".join(p.read_text() for p in files)  # the files one after another
    assert cfg.files() == {str(p): p.read_text() for p in files}
    server = cfg.backends["app"].servers["s1"]
    assert cfg.file_of(server) == str(confd / "20-back.cfg")
    assert cfg.file_of(cfg.frontends["web"]) == str(confd / "10-front.cfg")
    assert cfg.file_of(cfg.defaults[0].body[0]) == str(confd / "00-global.cfg")
    # the directory itself gives the same, and so does hm.load
    for other in (hm.load_many(confd), hm.load_many([str(confd)]), hm.load(confd)):
        assert other == cfg and other.files() == cfg.files()
        assert other.filename == str(confd)
    # a copy keeps the files apart
    twin = copy.deepcopy(cfg)
    assert twin.files() == cfg.files()
    assert twin.file_of(twin.backends["app"]) == str(confd / "20-back.cfg")


def test_references_resolve_across_files(confd: Path) -> None:
    # each file alone misses what the others declare; together nothing is missing
    alone = hm.load(confd / "10-front.cfg")
    assert [d.code for d in errors(alone)] == ["missing-backend"]
    assert errors(hm.load_many(confd)) == []


def test_diagnostics_carry_each_lines_own_file_and_line(tmp_path: Path) -> None:
    a, b = write(
        tmp_path,
        {
            "a.cfg": GLOBAL + "\nfrontend web\n    bind :80\n    use_backend nowhere\n",
            "b.cfg": "# b\n\nbackend app\n    server s1 127.0.0.1:81\n    balance bogus\n",
        },
    )
    found = errors(hm.load_many([a, b]))
    places = [(d.filename, d.line, d.code) for d in found]
    assert (str(a), 12, "missing-backend") in places
    assert any(f == str(b) and line == 5 for f, line, _ in places), places
    # in file order, then line order
    assert places == sorted(places, key=lambda p: ([str(a), str(b)].index(p[0]), p[1]))
    # an inline ignore works on the line of its own file
    b.write_text(b.read_text().replace("balance bogus", "balance bogus # haproxy-model: ignore"))
    assert not any(d.filename == str(b) for d in errors(hm.load_many([a, b])))


def test_each_file_must_end_with_a_line_feed(tmp_path: Path) -> None:
    a, b = write(tmp_path, {"a.cfg": GLOBAL.rstrip("\n"), "b.cfg": FRONT + BACK})
    found = [d for d in errors(hm.load_many([a, b])) if d.code == "missing-newline"]
    assert [(d.filename, d.line) for d in found] == [(str(a), 8)]


def test_a_section_does_not_run_on_into_the_next_file(tmp_path: Path) -> None:
    a, b = write(tmp_path, {"a.cfg": GLOBAL + BACK, "b.cfg": "    server s2 127.0.0.1:82\n"})
    with pytest.raises(hm.ParseError) as info:
        hm.load_many([a, b])
    assert (info.value.filename, info.value.line) == (str(b), 1)


# -- writing back -----------------------------------------------------------------------


def test_edits_go_back_to_their_own_file_only(confd: Path) -> None:
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in confd.iterdir()}
    cfg = hm.load(confd)
    cfg.backends["app"].servers["s1"].weight = 5
    hm.dump(cfg)
    back = confd / "20-back.cfg"
    assert back.read_text() == BACK.replace("8081\n", "8081 weight 5\n")
    for path, (data, mtime) in before.items():
        if path != back:
            assert (path.read_bytes(), path.stat().st_mtime_ns) == (data, mtime)
    assert sorted(p.name for p in confd.iterdir()) == sorted(p.name for p in before)  # no temps
    # dumping again with nothing changed writes nothing
    mtime = back.stat().st_mtime_ns
    hm.dump(cfg)
    assert back.stat().st_mtime_ns == mtime


def test_new_sections_go_to_a_documented_file(confd: Path) -> None:
    cfg = hm.load(confd)
    cfg.add(hm.Backend("api"))  # after the last backend: in its file
    cfg.add(hm.Frontend("admin"), file=str(confd / "00-global.cfg"))  # where it is told
    assert cfg.file_of(cfg.backends["api"]) == str(confd / "20-back.cfg")
    assert cfg.file_of(cfg.frontends["admin"]) == str(confd / "00-global.cfg")
    hm.dump(cfg)
    assert (confd / "20-back.cfg").read_text() == BACK + "\nbackend api\n"
    assert (confd / "00-global.cfg").read_text().endswith("\nfrontend admin\n")
    assert (confd / "10-front.cfg").read_text() == FRONT
    assert hm.load(confd).files() == cfg.files()
    with pytest.raises(hm.NotFound, match="not a file of this configuration"):
        cfg.add(hm.Backend("x"), file="other.cfg")
    # a kind no file has yet: the end of the last file
    cfg.add(hm.Cache("c"))
    assert cfg.file_of(cfg.caches["c"]) == str(confd / "20-back.cfg")


def test_removing_a_section_touches_no_other_file(tmp_path: Path) -> None:
    # a.cfg ends with blank lines and b.cfg without a line feed: both stay as they are
    a, b = write(tmp_path, {"a.cfg": GLOBAL + "\n\n", "b.cfg": FRONT + "\n" + BACK.rstrip("\n")})
    cfg = hm.load_many([a, b])
    del cfg.backends["app"]
    del cfg.frontends["web"]
    hm.dump(cfg)
    assert a.read_text() == GLOBAL + "\n\n"
    assert b.read_text() == ""
    assert hm.load_many([a, b]).files() == cfg.files()


def test_a_file_changed_on_disk_stops_every_write(confd: Path) -> None:
    cfg = hm.load(confd)
    cfg.backends["app"].servers["s1"].weight = 5
    cfg.global_.maxconn = 200  # type: ignore[union-attr]
    (confd / "20-back.cfg").write_text(BACK + "# changed by someone else\n")
    with pytest.raises(hm.FileChangedError, match=r"20-back\.cfg: changed on disk"):
        hm.dump(cfg)
    assert (confd / "00-global.cfg").read_text() == GLOBAL  # nothing written
    hm.dump(cfg, force=True)
    assert "weight 5" in (confd / "20-back.cfg").read_text()


def test_dump_without_a_path_and_misuse(tmp_path: Path, confd: Path) -> None:
    single = write(tmp_path, {"one.cfg": GLOBAL})[0]
    cfg = hm.load(single)
    cfg.global_.maxconn = 7  # type: ignore[union-attr]
    hm.dump(cfg)  # back where it came from
    assert "maxconn 7" in single.read_text()
    with pytest.raises(hm.InvalidValue, match="give a path"):
        hm.dump(hm.parse(GLOBAL))
    with pytest.raises(hm.InvalidValue, match="writes each back to its own path"):
        hm.dump(hm.load(confd), tmp_path / "all.cfg")


# -- the command line -------------------------------------------------------------------


def run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "haproxy_model", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_cli_check_several_files_and_a_directory_as_one_configuration(confd: Path) -> None:
    front, back = confd / "10-front.cfg", confd / "20-back.cfg"
    alone = run("check", front)
    assert alone.returncode == 1 and "missing-backend" in alone.stdout
    for args in ([confd / "00-global.cfg", front, back], [confd], [front, back]):
        r = run("check", *args)
        assert "missing-backend" not in r.stdout, r
        assert r.returncode == 0 or "error" not in r.stdout, r
    r = run("check", confd)
    assert r.returncode == 0 and r.stderr.strip() == "no problems in 3 files"


def test_cli_check_places_findings_in_their_files(tmp_path: Path) -> None:
    a, b = write(tmp_path, {"a.cfg": GLOBAL + FRONT, "b.cfg": "backend other\n    bogus 1\n"})
    r = run("check", "--strict", a, b)
    assert r.returncode == 1
    assert re.search(rf"^{re.escape(str(a))}:11:17: error: .*'app'", r.stdout, re.M), r.stdout
    assert re.search(rf"^{re.escape(str(b))}:2:5: error: ", r.stdout, re.M), r.stdout
    r = run("check", "--format", "json", a, b)
    assert {d["file"] for d in __import__("json").loads(r.stdout)} <= {str(a), str(b)}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "{tmp}/empty"], "empty: no configuration file in this directory"),
        (["check", "{tmp}/a.cfg", "{tmp}/a.cfg"], "a.cfg: given twice"),
        (["get", "{tmp}/empty", "global"], "empty: no configuration file in this directory"),
        (["get", "{tmp}/nope", "global"], "nope: no such file"),
        (["get", "-f", "{tmp}/a.cfg", "-f", "-", "global"], "standard input cannot be one of"),
        (["set", "{tmp}/conf.d", "global"], "set needs FILE PATH KEY (or -f FILE ..."),
        (["get", "-f", "{tmp}/a.cfg"], "get needs FILE PATH (or -f FILE ... PATH)"),
        (["fmt", "{tmp}/conf.d"], "conf.d: is a directory, not a configuration file (this"),
        (["diff", "{tmp}/conf.d", "{tmp}/a.cfg"], "conf.d: is a directory"),
        (["to-json", "{tmp}/conf.d"], "conf.d: is a directory"),
    ],
)
def test_cli_failures_are_one_line(
    tmp_path: Path, confd: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path, {"a.cfg": GLOBAL})
    r = run(*[a.format(tmp=tmp_path) for a in args])
    assert r.returncode == 2, r
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_cli_get_and_set_write_each_change_to_its_own_file(confd: Path) -> None:
    before = {p.name: p.read_bytes() for p in confd.iterdir()}
    r = run("get", confd, "backend app/server s1")
    assert r.returncode == 0 and r.stdout == "server s1 127.0.0.1:8081\n"
    r = run("get", "-f", confd / "10-front.cfg", "-f", confd / "20-back.cfg", "backend app")
    assert r.stdout == BACK
    r = run("set", confd, "backend app/server s1", "weight", "5", "--dry-run")
    assert r.returncode == 0 and f"+++ {confd / '20-back.cfg'}" in r.stdout
    assert {p.name: p.read_bytes() for p in confd.iterdir()} == before
    r = run("set", confd, "backend app/server s1", "weight", "5")
    assert r.returncode == 0, r
    r = run("set", "-f", confd / "00-global.cfg", "-f", confd / "10-front.cfg", "frontend web",
            "maxconn", "50")  # fmt: skip
    assert r.returncode == 0, r
    r = run("unset", confd, "global", "maxconn")
    assert r.returncode == 0, r
    after = {p.name: p.read_bytes() for p in confd.iterdir()}
    assert after["20-back.cfg"] == BACK.replace("8081\n", "8081 weight 5\n").encode()
    assert after["10-front.cfg"] == (FRONT + "    maxconn 50\n").encode()
    assert after["00-global.cfg"] == GLOBAL.replace("    maxconn 100\n", "").encode()
    r = run("set", confd, "backend app", "balance", "roundrobin", "--backup")
    assert r.returncode == 0 and (confd / "20-back.cfg.bak").read_bytes() == after["20-back.cfg"]
    r = run("set", confd, "backend app", "balance", "roundrobin")
    assert r.returncode == 0 and "nothing to change" in r.stderr


# -- HAProxy's own verdict on the same files ------------------------------------------------

BINARIES = [b for b in haproxy.find_all() if b.version_tuple[:2] == (2, 6)]
real = pytest.mark.skipif(not BINARIES, reason="needs Debian's HAProxy 2.6 (/usr/sbin/haproxy)")

OK_ENDING = GLOBAL.rstrip("\n")

CASES: dict[str, dict[str, str]] = {
    "frontend and backend apart": {"00-g.cfg": GLOBAL, "10-f.cfg": FRONT, "20-b.cfg": BACK},
    "backend truly missing": {"00-g.cfg": GLOBAL, "10-f.cfg": FRONT},
    "default_backend in another file": {
        "a.cfg": GLOBAL + "frontend f\n    bind :80\n    default_backend app\n",
        "b.cfg": BACK,
    },
    "defaults of the first file reach the second": {
        "a.cfg": GLOBAL,
        "b.cfg": "listen l\n    bind :81\n    server s 127.0.0.1:82\n",
    },
    "a section runs on into the next file": {
        "a.cfg": GLOBAL + BACK,
        "b.cfg": "    server s2 127.0.0.1:82\n",
    },
    "an .if closed in the next file": {
        "a.cfg": GLOBAL + ".if defined(HAPROXY_MWORKER)\n",
        "b.cfg": ".endif\n" + BACK,
    },
    "first file without its last line feed": {"a.cfg": OK_ENDING, "b.cfg": BACK},
    "userlist in another file": {
        "a.cfg": GLOBAL + "userlist admins\n    user root insecure-password x\n",
        "b.cfg": "frontend f\n    bind :80\n    http-request auth if !{ http_auth(admins) }\n",
    },
    "use_backend in an .if of another file": {
        "a.cfg": GLOBAL + ".if defined(HAPROXY_MWORKER)\n" + FRONT + ".endif\n",
        "b.cfg": BACK,
    },
    "hidden and other files are not read": {
        "a.cfg": GLOBAL + FRONT,
        ".b.cfg": BACK,
        "c.txt": BACK,
    },
}


def haproxy_accepts(binary: haproxy.Binary, args: list[str], cwd: Path) -> bool:
    """``haproxy -c`` finds no error (exit 2 "has no error but will not start": no listener)."""
    proc = subprocess.run(
        [binary.path, "-c", "-dr", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )
    return proc.returncode == 0 or "Configuration file has no error" in proc.stdout


def we_accept(paths: list[Path] | Path) -> bool:
    try:
        cfg = hm.load_many(paths)
    except hm.Error:
        return False
    return not errors(cfg)


@pytest.mark.slow
@real
@pytest.mark.parametrize("name", list(CASES))
def test_verdicts_agree_with_haproxy_on_a_directory_and_on_files(tmp_path: Path, name: str) -> None:
    binary = BINARIES[0]
    folder = tmp_path / "conf.d"
    write(folder, {n: t for n, t in CASES[name].items()})
    theirs = haproxy_accepts(binary, ["-f", "conf.d"], tmp_path)
    assert we_accept(folder) == theirs, name
    files = [Path(p) for p in config_files(str(folder))]
    theirs_files = haproxy_accepts(binary, [a for p in files for a in ("-f", str(p))], tmp_path)
    assert theirs_files == theirs
    assert we_accept(files) == theirs, name
    cli = run("check", *files)
    assert (cli.returncode == 0) == theirs, cli


@pytest.mark.slow
@real
def test_haproxy_reads_a_directory_in_our_order(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    names = ["b.cfg", "a.cfg", "B.cfg", "_x.cfg", "10.cfg", "9.cfg", ".h.cfg", "x.cfg.cfg"]
    write(folder, {n: f"global\n    bogus-{i}\n" for i, n in enumerate(names)})
    proc = subprocess.run(
        [BINARIES[0].path, "-c", "-f", str(folder)], capture_output=True, text=True, timeout=60
    )
    read = re.findall(r"Error\(s\) found in configuration file : (\S+)", proc.stderr)
    assert [Path(p).name for p in read] == [Path(p).name for p in directory_files(str(folder))]
    assert len(read) == 6


@pytest.mark.slow
@real
def test_haproxy_refuses_an_empty_directory_alone_but_not_beside_a_file(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path, {"a.cfg": GLOBAL})
    binary = BINARIES[0]
    assert not haproxy_accepts(binary, ["-f", "empty"], tmp_path)
    assert haproxy_accepts(binary, ["-f", "empty", "-f", "a.cfg"], tmp_path)
    with pytest.raises(hm.MissingFile):
        hm.load_many(tmp_path / "empty")
    assert we_accept([tmp_path / "empty", tmp_path / "a.cfg"])
    r = run("check", tmp_path / "empty", tmp_path / "a.cfg")
    assert r.returncode == 0 and "note: " in r.stderr


@pytest.mark.slow
@real
def test_hm_haproxy_check_takes_a_directory_and_a_config_of_several_files(confd: Path) -> None:
    (confd / "30-x.cfg").write_text("backend other\n    bogus 1\n")
    binary = BINARIES[0]
    extra = confd.parent / "extra.cfg"
    extra.write_text("backend more\n")
    for target in (confd, hm.load(confd), [extra, confd], [hm.load_many([extra, confd])]):
        found = [d for d in haproxy.check(target, binary=binary) if d.severity == "error"]
        assert [(d.filename, d.line) for d in found] == [(str(confd / "30-x.cfg"), 2)], target


def test_an_empty_file_takes_a_section_given_to_it_and_copies_keep_the_files(
    tmp_path: Path,
) -> None:
    import pickle

    a, b, c = write(tmp_path, {"a.cfg": GLOBAL, "b.cfg": "", "c.cfg": BACK})
    cfg = hm.load_many([a, b, c])
    cfg.add(hm.Frontend("web"), file=str(b))
    assert cfg.file_of(cfg.frontends["web"]) == str(b)
    assert [s.keyword for s in cfg.sections] == ["global", "defaults", "frontend", "backend"]
    for twin in (pickle.loads(pickle.dumps(cfg)), copy.deepcopy(cfg)):
        assert twin.files() == cfg.files()
        assert twin.file_of(twin.frontends["web"]) == str(b)
    hm.dump(cfg)
    assert (a.read_text(), b.read_text(), c.read_text()) == (GLOBAL, "frontend web\n", BACK)


@pytest.mark.slow
@real
def test_defaults_reach_the_next_files_for_haproxy_and_for_us(confd: Path) -> None:
    """No 'missing timeouts' warning from either when the defaults are in an earlier file."""
    binary = BINARIES[0]
    files = [str(p) for p in sorted(confd.iterdir())]
    both = subprocess.run(
        [binary.path, "-c", "-dr", "-f", str(confd)], capture_output=True, text=True, timeout=60
    )
    assert "missing timeouts" not in both.stdout + both.stderr
    args = ["-f", files[1], "-f", files[2], "-f", files[0]]
    later = subprocess.run(
        [binary.path, "-c", "-dr", *args], capture_output=True, text=True, timeout=60
    )
    assert "missing timeouts" in later.stdout + later.stderr
    ours = hm.validate(hm.load(confd), version="2.6")
    assert not [d for d in ours if d.code == "missing-timeout"]
    ours = hm.validate(hm.load_many([files[1], files[2], files[0]]), version="2.6")
    assert [d for d in ours if d.code == "missing-timeout"]


def test_a_folder_we_may_not_write_in_stops_every_write(
    confd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haproxy_model.model import many

    cfg = hm.load(confd)
    cfg.global_.maxconn = 200  # type: ignore[union-attr]
    cfg.backends["app"].servers["s1"].weight = 5
    monkeypatch.setattr(many.os, "access", lambda path, mode: False)
    with pytest.raises(hm.FileError, match=r"00-global\.cfg: cannot write in .*; nothing written"):
        hm.dump(cfg)
    assert [p.read_text() for p in sorted(confd.iterdir())] == [GLOBAL, FRONT, BACK]
