"""dump never leaves a half-written file and never silently overwrites a change on disk."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import haproxy_model as hm

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
