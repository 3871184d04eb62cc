"""The checks a safe write makes before and after its swap, and the status shortcut the
second one takes (Git's "racily clean" rule): it must see every write a read would see,
except the documented one (a time set back to the very nanosecond)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

import haproxy_model as hm
from haproxy_model.base import atomic_write, file_state, renames
from haproxy_model.base.background import Background
from tests.test_safe_writes import exchange_supported

BASE = "backend app\n    server s0 127.0.0.1:8000\n"
HOUR_NS = 3600 * 10**9


def require_local(path: Path) -> None:
    """Skip where ``path`` is not on a local filesystem (no status shortcut there)."""
    from haproxy_model.base.filesystems import stamps_with_local_clock

    if not stamps_with_local_clock(os.stat(path).st_dev):
        pytest.skip(f"{path} is not on a local filesystem")


def stat_like(st: os.stat_result, **changes: int) -> os.stat_result:
    """``st`` with some of its fields replaced (an os.stat_result is a tuple with names)."""
    fields = list(st)
    values = {name: getattr(st, name) for name in ("st_dev", "st_ino", "st_size", "st_mtime_ns")}
    values.update(changes)
    fields[1], fields[2], fields[6] = values["st_ino"], values["st_dev"], values["st_size"]
    extra = {"st_mtime_ns": values["st_mtime_ns"]}
    result = os.stat_result(fields, extra)
    return result


def test_unchanged_since_only_for_the_same_settled_file(tmp_path: Path) -> None:
    require_local(tmp_path)
    path = tmp_path / "f"
    path.write_text("x")
    st = path.stat()
    now = time.time_ns()
    old = stat_like(st, st_mtime_ns=now - HOUR_NS + 123)
    assert file_state.unchanged_since(old, old, now)
    for other in (
        stat_like(old, st_ino=old.st_ino + 1),
        stat_like(old, st_dev=old.st_dev + 1),
        stat_like(old, st_size=old.st_size + 1),
        stat_like(old, st_mtime_ns=old.st_mtime_ns + 1),
    ):
        assert not file_state.unchanged_since(old, other, now)
    recent = stat_like(st, st_mtime_ns=now - 1_000_000 + 7)  # written a millisecond before
    assert not file_state.unchanged_since(recent, recent, now)
    assert not file_state.unchanged_since(old, old, 0)  # not seen under the lock
    future = stat_like(st, st_mtime_ns=now + HOUR_NS)
    assert not file_state.unchanged_since(future, future, now)


def test_coarse_file_times_need_a_longer_wait() -> None:
    """A time in whole seconds (FAT, ext3) may be given again by a write up to two seconds
    later; a nanosecond one only within a clock tick."""
    now = 1_800_000_000 * 10**9 + 500_000_000
    whole = 1_799_999_999 * 10**9  # 1.5 s before: FAT rounds a write now to this second
    require_local(Path(__file__))
    st = os.stat(__file__)
    coarse = stat_like(st, st_mtime_ns=whole)
    assert not file_state.unchanged_since(coarse, coarse, now)
    assert file_state.unchanged_since(coarse, coarse, now + 3 * 10**9)
    fine = stat_like(st, st_mtime_ns=whole + 123_456_789)  # 1.38 s before, nanoseconds
    assert file_state.unchanged_since(fine, fine, now)


def settled_config(tmp_path: Path) -> tuple[Path, hm.Config]:
    require_local(tmp_path)
    path = tmp_path / "haproxy.cfg"
    path.write_text(BASE)
    hour_ago = time.time_ns() - HOUR_NS
    os.utime(path, ns=(hour_ago, hour_ago))
    cfg = hm.load(path)
    cfg.backends["app"].servers["s0"].maxconn = 5
    return path, cfg


@pytest.mark.parametrize("how", ["in place, same size", "appended", "renamed in"])
def test_write_to_a_settled_file_before_the_swap_is_swapped_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """The file was last written an hour ago, so the check after the swap may go by its
    status: a write just before the swap still moves it, and is still found."""
    if not exchange_supported(tmp_path):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    path, cfg = settled_config(tmp_path)
    real = renames.renameat2
    injected: list[str] = []

    def racing_rename(src: str, dst: str, flags: int) -> bool:
        if flags == renames.RENAME_EXCHANGE and not injected:
            if how == "in place, same size":
                text = BASE.replace("8000", "8999")
                with path.open("r+") as fh:
                    fh.write(text)
            elif how == "appended":
                text = BASE + "    server s1 127.0.0.1:8001\n"
                with path.open("a") as fh:
                    fh.write(text[len(BASE) :])
            else:
                text = BASE.replace("8000", "8999")
                other = path.with_name("editor.swp")
                other.write_text(text)
                os.replace(other, path)
            injected.append(text)
        return real(src, dst, flags)

    monkeypatch.setattr(renames, "renameat2", racing_rename)
    with pytest.raises(hm.FileChangedError, match="changed on disk"):
        hm.dump(cfg, path)
    assert path.read_text() == injected[0]
    assert not list(tmp_path.glob(".haproxy.cfg.*.tmp"))


def test_settled_file_is_read_once_per_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged and settled: checked by reading it once (before the swap), not twice."""
    if not exchange_supported(tmp_path):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    path, cfg = settled_config(tmp_path)
    reads: list[str] = []
    real = atomic_write.check_file_unchanged

    def counting(*args: object) -> None:
        reads.append("read")
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic_write, "check_file_unchanged", counting)
    hm.dump(cfg, path)
    assert reads == ["read"]
    assert "maxconn 5" in path.read_text()
    reads.clear()
    cfg.backends["app"].servers["s0"].maxconn = 6
    soon = time.time_ns() + HOUR_NS  # a time not yet past cannot tell that nobody wrote
    os.utime(path, ns=(soon, soon))
    hm.dump(cfg, path)
    assert reads == ["read", "read"]  # read after the swap too


def test_written_state_is_the_new_files(tmp_path: Path) -> None:
    path, cfg = settled_config(tmp_path)
    hm.dump(cfg, path)
    data = path.read_bytes()
    assert cfg.source == file_state.FileState.of(path, data)


def test_background_hands_back_value_and_error() -> None:
    assert Background(lambda: 6 * 7).result() == 42

    def fails() -> int:
        raise ValueError("inside")

    task = Background(fails)
    with pytest.raises(ValueError, match="inside"):
        task.result()


def open_descriptors() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_check_thread_reads_its_own_descriptor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When writing the new file fails, the error is the write's at once; the check,
    still reading, reads a descriptor of its own (the caller has closed the locked
    file's), and closes it when it ends."""
    path, cfg = settled_config(tmp_path)
    before = open_descriptors()
    ended: list[bool] = []
    real = atomic_write._check_held

    def slow_check(target: Path, held: object, expected: object) -> None:
        time.sleep(0.3)
        real(target, held, expected)  # type: ignore[arg-type]  # raises on a closed fd
        ended.append(True)

    def full_disk(
        target: Path, data: bytes, like: os.stat_result | None, **kw: Any
    ) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_write, "_check_held", slow_check)
    monkeypatch.setattr(atomic_write, "write_temp", full_disk)
    with pytest.raises(OSError, match="No space left"):
        hm.dump(cfg, path)
    assert not ended  # the caller did not wait for the check
    deadline = time.monotonic() + 10
    while not ended and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ended == [True]  # it read the file to the end, through its own descriptor
    time.sleep(0.05)
    assert len(open_descriptors()) <= len(before)  # and closed it
    assert path.read_text() == BASE


def test_only_local_filesystems_go_by_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """A network filesystem's server stamps times by its own clock: its files are read."""
    from haproxy_model.base import filesystems

    st = os.stat(__file__)
    old = stat_like(st, st_mtime_ns=time.time_ns() - HOUR_NS)
    now = time.time_ns()
    for fs_type, expected in (("ext4", True), ("tmpfs", True), ("nfs4", False), ("cifs", False)):
        monkeypatch.setattr(filesystems, "_mount_types", lambda t=fs_type: {st.st_dev: t})
        assert file_state.unchanged_since(old, old, now) is expected, fs_type
    monkeypatch.setattr(filesystems, "_mount_types", lambda: {})  # a device not mounted
    assert not file_state.unchanged_since(old, old, now)


def test_mount_types_are_read_from_mountinfo() -> None:
    from haproxy_model.base import filesystems

    if not os.path.exists("/proc/self/mountinfo"):
        pytest.skip("no /proc/self/mountinfo here")
    types = filesystems._mount_types()
    assert types.get(os.stat("/proc").st_dev) == "proc"
    assert not filesystems.stamps_with_local_clock(os.stat("/proc").st_dev)
