"""Hostile input: anything parses or raises ParseError; pathological input fails fast."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import haproxy_model as hm
from haproxy_model.base.files import MAX_FILE_SIZE
from haproxy_model.syntax.lexer import MAX_LINE_LENGTH, MAX_NESTING
from tests.conftest import corpus_files

FUZZ = Path(__file__).parent / "fuzz"
CORPUS = corpus_files()


def parses_or_refuses(text: str) -> None:
    try:
        cfg = hm.parse(text)
    except hm.ParseError as err:
        assert err.line >= 1 and err.column >= 1
        assert str(err).startswith(f"{err.filename}:{err.line}:{err.column}: ")
        return
    assert hm.dumps(cfg) == text


@settings(max_examples=1000, deadline=None)
@given(st.text())
def test_any_text(text: str) -> None:
    parses_or_refuses(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes(data: bytes) -> None:
    parses_or_refuses(data.decode("utf-8", "surrogateescape"))


@pytest.mark.skipif(not CORPUS, reason="corpus folder ../shared/corpus is absent")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(CORPUS or [Path(".")]),
    st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 8), st.text(max_size=6)), min_size=1, max_size=5
    ),
)
def test_mutated_corpus_files(path: Path, mutations: list[tuple[float, int, str]]) -> None:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    for where, cut, insert in mutations:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
    parses_or_refuses(text)


@pytest.mark.parametrize(
    "path",
    sorted((FUZZ / "seeds").iterdir()) + sorted((FUZZ / "regressions").glob("*[!p]")),
    ids=lambda p: p.name,
)
def test_fuzz_seeds_and_regressions(path: Path) -> None:
    parses_or_refuses(path.read_bytes().decode("utf-8", "surrogateescape"))


def _timed(text: str) -> tuple[float, Exception | None]:
    start = time.perf_counter()
    try:
        hm.parse(text)
    except hm.ParseError as err:
        return time.perf_counter() - start, err
    return time.perf_counter() - start, None


def test_ten_megabyte_line_fails_fast() -> None:
    elapsed, err = _timed("global\n  log " + "a" * 10_000_000 + "\n")
    assert isinstance(err, hm.ParseError) and err.line == 2
    assert err.column == MAX_LINE_LENGTH + 1
    assert elapsed < 5


def test_deep_if_nesting_fails_fast() -> None:
    depth = 100_000
    elapsed, err = _timed(".if 1\n" * depth + ".endif\n" * depth)
    assert isinstance(err, hm.ParseError) and err.line == MAX_NESTING + 1
    assert elapsed < 5


def test_many_sections_parse() -> None:
    text = "".join(f"backend b{i}\n" for i in range(200_000))
    cfg = hm.parse(text)
    assert len(cfg.backends) == 200_000


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.cfg"
    with path.open("wb") as fh:
        fh.truncate(MAX_FILE_SIZE + 1)  # sparse: no disk used
    start = time.perf_counter()
    with pytest.raises(ValueError, match="larger than"):
        hm.load(path)
    assert time.perf_counter() - start < 1


def test_unreadable_and_binary_files(tmp_path: Path) -> None:
    binary = tmp_path / "bin.cfg"
    binary.write_bytes(b"global\n\x00\x01\x02")
    with pytest.raises(hm.ParseError, match="NUL"):
        hm.load(binary)
    if os.geteuid() != 0:  # root reads anything
        secret = tmp_path / "secret.cfg"
        secret.write_text("global\n")
        secret.chmod(0)
        with pytest.raises(PermissionError, match="permission denied"):
            hm.load(secret)


@pytest.mark.slow
def test_atheris_fuzzing_finds_nothing(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    seeds = tmp_path / "corpus"
    shutil.copytree(FUZZ / "seeds", seeds)
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    seconds = int(os.environ.get("HAPROXY_MODEL_FUZZ_SECONDS", "30"))
    run = subprocess.run(
        [
            sys.executable,
            str(FUZZ / "fuzz_parse.py"),
            f"-max_total_time={seconds}",
            "-rss_limit_mb=4096",
            f"-artifact_prefix={crashes}/",
            str(seeds),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        cwd=Path(__file__).parent.parent,
    )
    found = list(crashes.iterdir())
    for crash in found:  # keep what it found as a regression input
        shutil.copy(crash, FUZZ / "regressions" / crash.name)
    assert run.returncode == 0 and not found, run.stderr[-3000:]
    assert "Done" in run.stderr
