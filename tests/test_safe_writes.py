"""dump never leaves a half-written file and never silently overwrites a change on disk."""

from __future__ import annotations

import fcntl
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import haproxy_model as hm
from haproxy_model.base import atomic_write, files, renames

OLD = "global\n    maxconn 100\n" + "# padding line to make writes take a while\n" * 20000
NEW = "global\n    maxconn 200\n" + "# another padding line, of a different length\n" * 30000

WRITER = """
import sys
import haproxy_model as hm
path, text_file = sys.argv[1], sys.argv[2]
cfg = hm.parse(open(text_file).read())
print("ready", flush=True)
while True:
    hm.dump(cfg, path, force=True)
"""


@pytest.mark.slow
def test_killed_writer_leaves_old_or_new_content(tmp_path: Path) -> None:
    target = tmp_path / "haproxy.cfg"
    new_text = tmp_path / "new.txt"
    new_text.write_text(NEW)
    rng = random.Random(1234)
    seen: set[str] = set()
    for _ in range(12):
        target.write_text(OLD)
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target), str(new_text)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        content = target.read_text()
        assert content in (OLD, NEW)
        seen.add("new" if content == NEW else "old")
        for leftover in tmp_path.glob(".haproxy.cfg.*.tmp"):
            leftover.unlink()  # a killed writer may leave its temp file, never the target
    assert "new" in seen


def test_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text("global\n    maxconn 1\n")
    cfg = hm.load(path)
    cfg.global_.maxconn = 2  # type: ignore[union-attr]
    path.write_text("global\n    maxconn 1\n    nbthread 4\n")  # someone else edits it
    with pytest.raises(hm.FileChangedError, match="changed on disk"):
        hm.dump(cfg, path)
    assert "nbthread" in path.read_text()
    hm.dump(cfg, path, force=True)
    assert path.read_text() == "global\n    maxconn 2\n"
    # after a write, the config knows the new content: writing again is fine
    cfg.global_.maxconn = 3  # type: ignore[union-attr]
    hm.dump(cfg, path)
    assert path.read_text() == "global\n    maxconn 3\n"


def test_backup_mode_and_owner(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text("global\n    maxconn 1\n")
    os.chmod(path, 0o604)
    before = path.stat()
    cfg = hm.load(path)
    cfg.global_.maxconn = 9  # type: ignore[union-attr]
    hm.dump(cfg, path, backup=True)
    assert (tmp_path / "haproxy.cfg.bak").read_text() == "global\n    maxconn 1\n"
    after = path.stat()
    assert stat.S_IMODE(after.st_mode) == 0o604
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert path.read_text() == "global\n    maxconn 9\n"


def test_new_file_gets_default_mode(tmp_path: Path) -> None:
    path = tmp_path / "fresh.cfg"
    hm.dump(hm.parse("global\n"), path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_unwritable_text_is_refused_before_touching_the_file(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text("global\n")
    cfg = hm.load(path)
    cfg.body[0].header.raw = "global \ud800"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="cannot be written"):
        hm.dump(cfg, path)
    assert path.read_text() == "global\n"


# -- concurrent writers ------------------------------------------------------------

BASE = "backend app\n    server s0 127.0.0.1:8000\n"

RACER = """
import os, random, sys, time
import haproxy_model as hm
import haproxy_model.base.renames as renames
path, name, rounds, go, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
if mode == "fallback":
    renames.renameat2 = lambda src, dst, flags: False
rng = random.Random(name)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
for i in range(rounds):
    cfg = hm.load(path)
    server = f"{name}_{i}"
    cfg.backends["app"].servers.add(hm.Server(name=server, address="127.0.0.1", port=9000 + i))
    time.sleep(rng.uniform(0, 0.003))
    try:
        hm.dump(cfg, path, backup=i % 3 == 0)
    except hm.FileChangedError:
        print("refused", server, flush=True)
    else:
        print("ok", server, flush=True)
"""


def exchange_supported(folder: Path) -> bool:
    a, b = folder / ".probe-a", folder / ".probe-b"
    a.write_text("a")
    b.write_text("b")
    try:
        return renames.exchange(a, b)
    finally:
        a.unlink()
        b.unlink()


@pytest.fixture(params=["exchange", "fallback"])
def swap(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with renameat2 (skipped where the system lacks it) and without it."""
    mode = str(request.param)
    if mode == "fallback":
        monkeypatch.setattr(renames, "renameat2", lambda src, dst, flags: False)
    elif not exchange_supported(tmp_path):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    return mode


def servers(path: Path) -> set[str]:
    return set(hm.parse(path.read_text()).backends["app"].servers)


@pytest.mark.parametrize("mode", ["exchange", "fallback"])
def test_racing_processes_never_lose_an_update(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(BASE)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(path), f"p{n}", "40", str(go), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    go.touch()
    ok: set[str] = set()
    refused: set[str] = set()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        for line in out.splitlines():
            verdict, server = line.split()
            (ok if verdict == "ok" else refused).add(server)
    assert len(ok) + len(refused) == 3 * 40
    assert ok  # every round refused would mean no progress at all
    assert servers(path) == ok | {"s0"}  # each successful edit is there, no refused one
    assert not list(tmp_path.glob(".haproxy.cfg.*.tmp"))
    if (tmp_path / "haproxy.cfg.bak").exists():
        hm.parse((tmp_path / "haproxy.cfg.bak").read_text())


@pytest.mark.parametrize("checks", ["all checks", "lock alone"])
def test_waiting_writer_notices_the_file_replaced_while_it_waited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checks: str
) -> None:
    if checks == "lock alone":  # no swap to check, no check before the rename
        monkeypatch.setattr(renames, "renameat2", lambda src, dst, flags: False)
        monkeypatch.setattr(atomic_write, "_recheck", lambda target, expected: None)
    path = tmp_path / "haproxy.cfg"
    path.write_text(BASE)
    cfg = hm.load(path)
    cfg.backends["app"].servers["s0"].maxconn = 5
    errors: list[BaseException] = []

    def write() -> None:
        try:
            hm.dump(cfg, path)
        except BaseException as exc:
            errors.append(exc)

    with path.open("rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)  # another writer holds the file
        thread = threading.Thread(target=write)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive()  # dump waits for the lock
        assert path.read_text() == BASE
        other = tmp_path / "other.tmp"
        other.write_text(BASE + "    server s1 127.0.0.1:8001\n")
        os.replace(other, path)  # the other writer renames its new file in, then unlocks
    thread.join(10)
    assert not thread.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], hm.FileChangedError)
    assert servers(path) == {"s0", "s1"}


# -- a change in the window between the check and the rename ----------------------


def inject(path: Path, how: str) -> str:
    """Change ``path`` the way another program would; returns the new content."""
    text = path.read_text().replace("8000", "8999")  # same size: only the content differs
    if how == "in place":
        with path.open("r+") as fh:
            fh.write(text)
    else:
        other = path.with_name("editor.swp")
        other.write_text(text)
        os.replace(other, path)
    return text


@pytest.mark.parametrize("how", ["in place", "renamed in"])
@pytest.mark.parametrize("backup", [False, True])
def test_change_just_before_the_swap_is_swapped_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, backup: bool
) -> None:
    if not exchange_supported(tmp_path):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    path = tmp_path / "haproxy.cfg"
    path.write_text(BASE)
    (tmp_path / "haproxy.cfg.bak").write_text("old backup\n")
    os.chmod(path, 0o640)
    cfg = hm.load(path)
    cfg.backends["app"].servers["s0"].maxconn = 5
    real = renames.renameat2
    injected: list[tuple[str, os.stat_result]] = []

    def racing_rename(src: files.PathLike, dst: files.PathLike, flags: int) -> bool:
        if flags == renames.RENAME_EXCHANGE and not injected:
            text = inject(path, how)  # after every check dump makes before the swap
            injected.append((text, path.stat()))
        return real(src, dst, flags)

    monkeypatch.setattr(renames, "renameat2", racing_rename)
    with pytest.raises(hm.FileChangedError, match=r"changed on disk.*same size, other content"):
        hm.dump(cfg, path, backup=backup)
    text, st = injected[0]
    assert path.read_text() == text
    assert (path.stat().st_ino, path.stat().st_mode) == (st.st_ino, st.st_mode)  # the same file
    assert (tmp_path / "haproxy.cfg.bak").read_text() == "old backup\n"
    assert not list(tmp_path.glob(".haproxy.cfg.*.tmp"))
    with pytest.raises(hm.FileChangedError):  # still refused: cfg did not take our write
        hm.dump(cfg, path)


@pytest.mark.parametrize("how", ["in place", "renamed in"])
def test_change_after_the_first_check_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str, how: str
) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(BASE)
    cfg = hm.load(path)
    cfg.backends["app"].servers["s0"].maxconn = 5
    real = atomic_write.write_temp
    injected: list[str] = []

    def racing_write(
        target: Path, data: bytes, like: os.stat_result | None, **kw: Any
    ) -> tuple[int, str]:
        if target == path and not injected:  # the check under the lock has passed
            injected.append(inject(path, how))
        return real(target, data, like, **kw)

    monkeypatch.setattr(atomic_write, "write_temp", racing_write)
    with pytest.raises(hm.FileChangedError, match="changed on disk"):
        hm.dump(cfg, path)
    assert path.read_text() == injected[0]
    assert not list(tmp_path.glob(".haproxy.cfg.*.tmp"))


def test_earlier_change_refused_and_writes_work_on_both_paths(tmp_path: Path, swap: str) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text("global\n    maxconn 1\n")
    os.chmod(path, 0o604)
    cfg = hm.load(path)
    cfg.global_.maxconn = 2  # type: ignore[union-attr]
    path.write_text("global\n    maxconn 1\n    nbthread 4\n")
    with pytest.raises(hm.FileChangedError, match="changed on disk"):
        hm.dump(cfg, path, backup=True)
    assert "nbthread" in path.read_text()
    assert not (tmp_path / "haproxy.cfg.bak").exists()
    hm.dump(cfg, path, force=True, backup=True)
    assert path.read_text() == "global\n    maxconn 2\n"
    assert (tmp_path / "haproxy.cfg.bak").read_text() == "global\n    maxconn 1\n    nbthread 4\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    assert stat.S_IMODE((tmp_path / "haproxy.cfg.bak").stat().st_mode) == 0o604
    fresh = tmp_path / "fresh.cfg"
    hm.dump(hm.parse("global\n"), fresh)
    assert fresh.read_text() == "global\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fresh.cfg",
        "haproxy.cfg",
        "haproxy.cfg.bak",
    ]


def test_file_created_while_writing_a_deleted_one_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str
) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(BASE)
    cfg = hm.load(path)
    cfg.backends["app"].servers["s0"].maxconn = 5
    path.unlink()  # deleted since load: dump writes it again ...
    real = atomic_write.write_temp

    def racing_write(
        target: Path, data: bytes, like: os.stat_result | None, **kw: Any
    ) -> tuple[int, str]:
        if not path.exists():
            path.write_text("global\n")  # ... unless someone creates it meanwhile
        return real(target, data, like, **kw)

    monkeypatch.setattr(atomic_write, "write_temp", racing_write)
    with pytest.raises(hm.FileChangedError, match="changed on disk"):
        hm.dump(cfg, path)
    assert path.read_text() == "global\n"
    path.unlink()
    monkeypatch.setattr(atomic_write, "write_temp", real)
    hm.dump(cfg, path)
    assert "maxconn 5" in path.read_text()


@pytest.mark.slow
def test_fifty_kills_leave_no_temporary_file(tmp_path: Path) -> None:
    """50 writers SIGKILLed at random moments: with O_TMPFILE the temporary has no name
    until it is complete, and the next write removes any one a writer left (only files
    of dump's own pattern whose writer is gone): 0 leftovers."""
    target = tmp_path / "haproxy.cfg"
    new_text = tmp_path / "new.txt"
    new_text.write_text(NEW)
    target.write_text(OLD)
    (tmp_path / ".haproxy.cfg.notours.tmp").write_text("x")  # not our pattern: kept
    rng = random.Random(99)
    left_by_kills = 0
    for _ in range(50):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(new_text)],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert target.read_text() in (OLD, NEW)
        left_by_kills = max(left_by_kills, len(list(tmp_path.glob(".haproxy.cfg.*.tmp"))) - 1)
        hm.dump(hm.parse(OLD), target, force=True)  # the next write cleans up
        ours = [
            p.name
            for p in tmp_path.glob(".haproxy.cfg.*.tmp")
            if p.name != ".haproxy.cfg.notours.tmp"
        ]
        assert ours == [], ours
    assert (tmp_path / ".haproxy.cfg.notours.tmp").exists()
    print(f"most temporaries left by one kill before the next write: {left_by_kills}")


def test_a_live_writers_temporary_is_never_removed(tmp_path: Path) -> None:
    """remove_stale_temps leaves a temporary whose writer still holds its lock."""
    target = tmp_path / "haproxy.cfg"
    live = tmp_path / ".haproxy.cfg.abcdefgh.tmp"
    stale = tmp_path / ".haproxy.cfg.stale123.tmp"
    live.write_text("writing")
    stale.write_text("left by a killed writer")
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        removed = files.remove_stale_temps(target)
        assert removed == [str(stale)] and live.exists() and not stale.exists()
    finally:
        os.close(fd)
    assert files.remove_stale_temps(target) == [str(live)]
