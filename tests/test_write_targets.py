"""What ``dump`` writes to: a regular file, through a symbolic link to one, or a new file
in an existing folder; everything else refused with the package's errors, untouched."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.base.errors import IsADirectory

CFG = "backend a\n    maxconn 5\n"


def dump_within(cfg: hm.Config, path: object, seconds: float = 10) -> BaseException | None:
    """``hm.dump(cfg, path)`` in a thread; its error, None, or a failure if it hangs."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            hm.dump(cfg, path)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"dump({path!r}) hangs"
    return errors[0] if errors else None


def test_symlink_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "conf" / "haproxy.cfg"
    real.parent.mkdir()
    real.write_text("backend a\n")
    link = tmp_path / "haproxy.cfg"
    link.symlink_to(real)
    cfg = hm.load(link)
    cfg.backends["a"].maxconn = 7
    hm.dump(cfg, backup=True)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "backend a\n    maxconn 7\n"
    assert (real.parent / "haproxy.cfg.bak").read_text() == "backend a\n"
    assert not (tmp_path / "haproxy.cfg.bak").exists()


def test_dangling_symlink_gets_its_file(tmp_path: Path) -> None:
    link = tmp_path / "haproxy.cfg"
    link.symlink_to(tmp_path / "made.cfg")
    hm.dump(hm.parse(CFG), link)
    assert link.is_symlink() and (tmp_path / "made.cfg").read_text() == CFG


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "haproxy.cfg"
    os.mkfifo(fifo)
    error = dump_within(hm.parse(CFG), fifo)
    assert isinstance(error, hm.FileError) and "named pipe" in str(error)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_device_behind_a_link_is_refused_and_kept(tmp_path: Path) -> None:
    link = tmp_path / "null.cfg"
    link.symlink_to(os.devnull)
    error = dump_within(hm.parse(CFG), link)
    assert isinstance(error, hm.FileError) and "character device" in str(error)
    assert link.is_symlink() and stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("", IsADirectory, "names a folder"),
        ("sub/", IsADirectory, "names a folder"),
        ("sub", IsADirectory, "is a directory"),
        ("missing/haproxy.cfg", hm.MissingFile, "no such folder"),
        ("file.cfg/haproxy.cfg", hm.FileError, "Not a directory"),
        ("x" * 300 + ".cfg", hm.FileError, "too long"),
        ("a\x00b.cfg", hm.FileError, "NUL"),
    ],
)
def test_bad_paths_get_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, error: type, words: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "file.cfg").write_text(CFG)
    with pytest.raises(error, match=words):
        hm.dump(hm.parse(CFG), name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.cfg", "sub"]


def test_path_types(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(hm.InvalidType, match="not int"):
        hm.dump(hm.parse(CFG), 3)  # type: ignore[arg-type]
    hm.dump(hm.parse(CFG), b"bytes.cfg")  # type: ignore[arg-type]
    assert (tmp_path / "bytes.cfg").read_text() == CFG


def test_long_names_read_with_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(hm.FileError, match="too long"):
        hm.load(tmp_path / ("x" * 300 + ".cfg"))
