"""Typed edits over every backend of the real-world corpus."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.positions import Positions
from tests.conftest import corpus_files

CORPUS = corpus_files()


def _without_maxconn(values: list[str]) -> list[str]:
    out = list(values)
    while "maxconn" in out[3:]:
        i = out.index("maxconn", 3)
        del out[i : i + 2]
    return out


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_setting_maxconn_on_each_server_changes_one_line(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    cfg = hm.parse(text)
    positions = Positions(cfg)
    expected_lines: set[int] = set()
    for section in cfg.sections:
        if not isinstance(section, (hm.Backend, hm.Listen, hm.Defaults)):
            continue
        for server in section.servers.values():
            before = server.raw
            new_value = (server.maxconn or 0) + 7
            server.maxconn = new_value
            assert server.maxconn == new_value
            # the line keeps its indentation, its words in order and its comment
            assert server.indent == Directive(before).indent
            assert server.comment == Directive(before).comment
            assert _without_maxconn(server.values) == _without_maxconn(Directive(before).values)
            expected_lines.add(positions.line(server))
    after = hm.dumps(cfg)
    a, b = text.splitlines(True), after.splitlines(True)
    assert len(a) == len(b)
    changed = {i + 1 for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y}
    assert changed == expected_lines, "".join(difflib.unified_diff(a, b))
    assert hm.parse(after) == cfg


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_typed_sections_and_reparse(path: Path) -> None:
    cfg = hm.load(path)
    for section in cfg.sections:
        cls = type(section).__name__
        if section.keyword in ("backend", "frontend", "listen", "defaults", "global"):
            assert cls == section.keyword.capitalize()
    assert hm.parse(hm.dumps(cfg)) == cfg
