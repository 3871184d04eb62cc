"""``read_limited`` and ``check_file_unchanged``: what the read-all and hash-all forms gave."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from haproxy_model.base.file_state import (
    FileChangedError,
    FileState,
    check_file_unchanged,
    check_unchanged,
)
from haproxy_model.base.reading import read_limited


@pytest.mark.parametrize("size", [0, 1, 9, 10, 11, 50])
def test_read_limited_reads_up_to_one_byte_past_the_limit(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f"
    path.write_bytes(bytes(range(size)))
    with path.open("rb") as fh:
        assert read_limited(fh, 10) == bytes(range(size))[:11]
    with path.open("rb") as fh:
        fh.read(3)
        assert read_limited(fh, 10) == bytes(range(size))[3:14]


def test_read_limited_sees_a_file_grown_past_its_size(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a" * 100)
    with path.open("rb") as fh, path.open("ab") as grow:
        grow.write(b"b" * (3 << 20))
        grow.flush()
        assert read_limited(fh, 5 << 20) == b"a" * 100 + b"b" * (3 << 20)


def test_read_limited_on_a_stream_without_a_size() -> None:
    assert read_limited(io.BytesIO(b"xyz" * 1000), 10_000) == b"xyz" * 1000


@pytest.mark.parametrize("content", [b"", b"global\n", b"x" * ((1 << 18) * 3 + 7)])
def test_the_file_check_agrees_with_the_bytes_check(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_bytes(content)
    state = FileState(str(path), hashlib.sha256(content).hexdigest(), len(content), 0)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.lseek(fd, 5, os.SEEK_SET)  # the check reads from the start, whatever the offset
        check_file_unchanged(path, state, fd, 0)
        check_unchanged(path, state, content, 0)
        other = FileState(str(path), hashlib.sha256(b"other").hexdigest(), len(content), 0)
        with pytest.raises(FileChangedError, match="same size, other content") as by_fd:
            check_file_unchanged(path, other, fd, 0)
        with pytest.raises(FileChangedError) as by_bytes:
            check_unchanged(path, other, content, 0)
        assert str(by_fd.value) == str(by_bytes.value)
    finally:
        os.close(fd)
