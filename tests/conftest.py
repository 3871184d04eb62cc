"""Shared fixtures: the corpus beside the repo and the real HAProxy binary."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def corpus_files() -> list[Path]:
    """The corpus configs, or an empty list when the folder is absent."""
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.glob("*.cfg"))


@pytest.fixture(scope="session")
def corpus() -> list[Path]:
    files = corpus_files()
    if not files:
        pytest.skip(f"corpus folder {CORPUS} is absent")
    return files


@pytest.fixture(scope="session")
def haproxy_bin() -> str:
    """Path of a real haproxy binary (HAPROXY_BIN or PATH)."""
    path = os.environ.get("HAPROXY_BIN") or shutil.which("haproxy")
    if not path:
        pytest.fail("no haproxy binary: install Debian's haproxy or set HAPROXY_BIN")
    return path


_COUNTS = pytest.StashKey[list[str]]()


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """``report(text)``: a line printed in the run's summary (``counts`` section), whatever
    the capture mode, so resilience tests can show what they measured."""
    lines = request.config.stash.setdefault(_COUNTS, [])

    def write(text: str) -> None:
        lines.append(f"{request.node.name}: {text}")

    return write


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print what the tests passed to ``report``."""
    lines = config.stash.get(_COUNTS, [])
    if lines:
        terminalreporter.section("counts")
        for line in lines:
            terminalreporter.write_line(line)
