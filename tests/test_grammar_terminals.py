"""The generated table of terminal patterns (``syntax/_terminals.py``) is current.

The fast path reads the grammar's terminals from that table so that parsing
needs no Lark; it must say exactly what Lark compiles from ``grammar/haproxy.lark``.
After an edit of the grammar: ``python tools/gen_terminals.py``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from haproxy_model.syntax import _grammar, _terminals

ROOT = Path(__file__).resolve().parent.parent
REGENERATE = "the grammar changed: run `python tools/gen_terminals.py`"


def test_the_table_was_made_from_this_grammar() -> None:
    assert _grammar.grammar_checksum(_grammar.grammar_text()) == _terminals.GRAMMAR_CHECKSUM, (
        REGENERATE
    )
    assert _grammar.lark_terminals() == _terminals.TERMINALS, REGENERATE
    assert _grammar.terminals() is _terminals.TERMINALS


def test_the_generator_writes_the_committed_file() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_terminals", ROOT / "tools" / "gen_terminals.py"
    )
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    path = ROOT / "haproxy_model" / "syntax" / "_terminals.py"
    assert gen.render() == path.read_text(encoding="utf-8"), REGENERATE


def test_a_stale_table_falls_back_to_lark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_terminals, "GRAMMAR_CHECKSUM", "0:00000000")
    _grammar.terminals.cache_clear()
    try:
        table = _grammar.terminals()
        assert table is not _terminals.TERMINALS
        assert table == _grammar.lark_terminals()
    finally:
        _grammar.terminals.cache_clear()


def test_parsing_does_not_import_lark() -> None:
    code = (
        "import sys, haproxy_model as hm\n"
        "cfg = hm.parse('global\\n  maxconn 10 # c\\nbackend b\\n  server s \"127.0.0.1:80\"\\n')\n"
        "assert hm.dumps(cfg).startswith('global')\n"
        "print(sorted(m for m in sys.modules if m == 'lark' or m.startswith('lark.')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip() == "[]"
