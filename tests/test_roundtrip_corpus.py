"""Every real-world config in ../shared/corpus comes back byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.analysis.reference import parse_reference
from tests.conftest import corpus_files
from tests.treesig import signature

CORPUS = corpus_files()
IDS = [p.name for p in CORPUS]


def test_corpus_is_present_or_skipped(corpus: list[Path]) -> None:
    assert len(corpus) > 300


@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_text_round_trip(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    cfg = hm.parse(text, filename=str(path))
    assert hm.dumps(cfg) == text


@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_file_round_trip_bytes(path: Path, tmp_path: Path) -> None:
    cfg = hm.load(path)
    out = tmp_path / "out.cfg"
    hm.dump(cfg, out)
    assert out.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_fast_path_agrees_with_lark(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    assert signature(hm.parse(text)) == signature(parse_reference(text))


def test_corpus_sections_are_recognised(corpus: list[Path]) -> None:
    kinds: set[str] = set()
    for path in corpus:
        for section in hm.load(path).sections:
            kinds.add(section.keyword)
    assert {"global", "defaults", "frontend", "backend", "listen"} <= kinds
